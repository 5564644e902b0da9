"""Benchmark the partner import on a generated workbook in the template's layout.

    python bench/partners.py [--partners 5000] [--profile] [--keep DIR]

1. Generates a partner workbook shaped like a filled-in template: every partner with contacts,
   three years of turnover, accreditations, insurances, policies and past contracts, real CPV
   codes and council names, some cells typed the way people type them (dates as text, money
   with £ and commas, CPV codes as numbers).
2. Imports it into a new workspace (``import_partners``): partners/s; then again, in a second
   new workspace, under tracemalloc for the peak Python memory; ru_maxrss for the process.
3. The floor on the same file: a plain openpyxl read (read_only, values_only) of every sheet plus
   a bare sqlite3 executemany of the same rows into one table per sheet, in one transaction.
   Prints import time / floor time (target: within 3x).
4. ``store.load_all`` over the imported partners, and a search-as-you-type over their names
   (a substring filter in Python, as the UI's list does), per keystroke.

``--profile`` prints the top of a cProfile of the import.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import pstats
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from consortium import cpv, places  # noqa: E402
from consortium.partners import store  # noqa: E402
from consortium.partners.columns import SHEETS  # noqa: E402
from consortium.partners.excel import import_partners  # noqa: E402
from consortium.records import (  # noqa: E402
    ACCREDITATION_TYPES,
    BENEFICIARY_GROUPS,
    CONTRACT_OUTCOMES,
    INSURANCE_TYPES,
    LEGAL_FORMS,
    POLICY_TYPES,
)
from consortium.workspace import Workspace  # noqa: E402

FIRST = [
    "Hope",
    "Riverside",
    "Northern",
    "Bridge",
    "Open Door",
    "Harbour",
    "Beacon",
    "Oak",
    "Meadow",
    "Phoenix",
    "Lantern",
    "Compass",
    "Anchor",
    "Willow",
    "Horizon",
    "Kindred",
]
SECOND = [
    "Community",
    "Family",
    "Youth",
    "Carers",
    "Recovery",
    "Housing",
    "Advice",
    "Wellbeing",
    "Employment",
    "Women's",
    "Veterans",
    "Refugee",
    "Mental Health",
    "Older People's",
]
THIRD = [
    "Trust",
    "Project",
    "Network",
    "Partnership",
    "Foundation",
    "Centre",
    "Alliance",
    "Collective",
    "Services",
    "Association",
]
POSTCODES = [
    "M1 1AE",
    "SW1A 1AA",
    "B33 8TH",
    "LS1 4DY",
    "NE1 7RU",
    "CF10 1EP",
    "EH1 1YZ",
    "BT1 5GS",
    "L1 8JQ",
    "BS1 4ST",
    "NG1 5FS",
    "S1 2HE",
    "CR2 6XH",
    "EC1A 1BB",
]
FIRST_NAMES = ["Ann", "Sam", "Priya", "Tom", "Aisha", "Owen", "Mei", "Kwame", "Ruth", "Dev"]
SURNAMES = ["Shah", "Reed", "Jones", "Okafor", "Murphy", "Evans", "Khan", "Li", "Brown", "Hughes"]
ROLES = ["Chief executive", "Bids lead", "Operations manager", "Finance officer", "Chair"]
BUYERS = [
    "Manchester City Council",
    "Leeds City Council",
    "NHS Greater Manchester ICB",
    "Camden Council",
    "Bristol City Council",
    "Home Office",
    "Department for Work and Pensions",
]


def council_texts() -> list[str]:
    """Council names as people type them (the plain name when it is unambiguous)."""
    out = []
    for c in places.councils():
        found = places.find_council(c.name)
        out.append(c.name if found is not None and found.gss == c.gss else f"{c.name} ({c.gss})")
    return out


def service_codes() -> list[str]:
    """Real CPV codes for civil-society services (health/social, education, other services)."""
    codes = [e.code for e in cpv.all_codes() if e.code[:2] in ("85", "80", "98", "79")]
    return codes[:400]


def generate(path: Path, n: int, seed: int = 11) -> dict[str, int]:
    """Write an n-partner workbook in the template layout; returns rows per sheet."""
    rng = random.Random(seed)
    councils = council_texts()
    codes = service_codes()
    legal = list(LEGAL_FORMS.values())
    wb = openpyxl.Workbook(write_only=True)
    sheets = {}
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.title)
        ws.append([c.header + (" *" if c.required else "") for c in sheet.columns])
        sheets[sheet.kind] = ws
    counts = dict.fromkeys(sheets, 0)

    def add(kind: str, row: list) -> None:
        sheets[kind].append(row)
        counts[kind] += 1

    today = dt.date(2026, 11, 23)
    for i in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(THIRD)} {i + 1}"
        cpv_cell: object = "; ".join(rng.sample(codes, rng.randint(1, 4)))
        if i % 10 == 0:
            cpv_cell = int(rng.choice(codes))  # a single code Excel turned into a number
        add(
            "organisation",
            [
                name,
                rng.choice(legal),
                str(1_100_000 + i) if i % 7 else f"SC0{10000 + i % 90000:05d}",
                f"{10_000_000 + i:08d}" if i % 3 == 0 else None,
                f"{rng.randint(1, 200)} High Street",
                rng.choice(POSTCODES),
                f"www.partner{i + 1}.example.org",
                "Support for people and families: advice, advocacy, group work and outreach.",
                cpv_cell,
                "; ".join(rng.sample(councils, rng.randint(1, 3))),
                "; ".join(rng.sample(BENEFICIARY_GROUPS, rng.randint(1, 3))),
                rng.randint(0, 120),
                rng.randint(0, 300),
                "No",
                "Met at the VCSE forum" if i % 5 == 0 else None,
            ],
        )
        for _ in range(2):
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            add(
                "contact",
                [
                    name,
                    f"{first} {last} {i}",
                    rng.choice(ROLES),
                    f"{first.lower()}.{last.lower()}{i}@partner{i + 1}.example.org",
                    f"0161 496 {rng.randint(0, 9999):04d}",
                ],
            )
        for year in (2023, 2024, 2025):
            amount: object = rng.randint(50_000, 5_000_000)
            if year == 2025 and i % 4 == 0:
                amount = f"£{amount:,}"
            add("turnover", [name, year, amount])
        expiry = today + dt.timedelta(days=rng.randint(-60, 700))
        add(
            "accreditation",
            [name, rng.choice(ACCREDITATION_TYPES), f"ACC-{i}", expiry, None],
        )
        for kind in INSURANCE_TYPES:
            expires: object = today + dt.timedelta(days=rng.randint(-30, 400))
            if i % 6 == 0:
                expires = expires.strftime("%d/%m/%Y")  # typed as text
            add(
                "insurance",
                [name, kind, rng.choice([1, 2, 5, 10]) * 1_000_000, f"POL-{i}", expires, None],
            )
        for kind in POLICY_TYPES:
            review = today + dt.timedelta(days=rng.randint(-90, 365))
            add("policy", [name, kind, review.strftime("%d %b %Y") if i % 5 == 0 else review, None])
        for k in range(rng.randint(1, 2)):
            start = rng.randint(2015, 2023)
            add(
                "contract",
                [
                    name,
                    rng.choice(BUYERS),
                    f"Support service {k + 1}",
                    rng.randint(20, 2000) * 1000,
                    start,
                    start + rng.randint(1, 3),
                    rng.choice(CONTRACT_OUTCOMES),
                ],
            )
    wb.save(path)
    return counts


# ------------------------------------------------------------------------------------ floor
def floor(path: Path, db_path: Path) -> float:
    """Seconds for a plain openpyxl read of every sheet plus a bare executemany insert."""
    start = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows: dict[str, list[tuple]] = {}
    for ws in wb.worksheets:
        it = ws.iter_rows(values_only=True)
        next(it)
        rows[ws.title] = [
            tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row) for row in it
        ]
    wb.close()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("BEGIN")
    for index, data in enumerate(rows.values()):
        width = max(len(r) for r in data)
        cols = ", ".join(f"c{i}" for i in range(width))
        conn.execute(f"CREATE TABLE t{index} (id INTEGER PRIMARY KEY, {cols})")
        conn.executemany(
            f"INSERT INTO t{index} ({cols}) VALUES ({', '.join('?' * width)})",
            [r + (None,) * (width - len(r)) for r in data],
        )
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def timed_import(path: Path, ws_path: Path, *, profile: bool = False):
    ws = Workspace.create(ws_path)
    try:
        profiler = cProfile.Profile() if profile else None
        gc.collect()
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        result = import_partners(ws, path, write_problems=False)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - start
        if not result.ok:
            raise SystemExit("The generated workbook has problems:\n" + result.summary())
        return seconds, result, profiler
    finally:
        ws.close()


def window_figures(ws, query: str) -> None:
    """The real Partners area offscreen: open the list, then filter it keystroke by keystroke
    (each time including the view's repaint). Target: under 50 ms a keystroke."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.app import make_app
    from ui.partners_page import PartnersPage

    app = make_app()
    page = PartnersPage()
    page.resize(1200, 800)
    page.show()
    t = time.perf_counter()
    page.set_workspace(ws)
    app.processEvents()
    opened = time.perf_counter() - t
    per_key = []
    for k in range(1, len(query) + 1):
        t = time.perf_counter()
        page.proxy.set_search(query[:k])
        page.view.viewport().repaint()
        app.processEvents()
        per_key.append(time.perf_counter() - t)
    print(
        f"Window: list of {page.model.rowCount():,} partners opened in {opened * 1000:.0f} ms; "
        f"search as you type: worst keystroke {max(per_key) * 1000:.1f} ms, median "
        f"{statistics.median(per_key) * 1000:.1f} ms (target: under 50 ms), "
        f"{page.proxy.rowCount()} shown at the end"
    )
    page.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=5000)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the import")
    parser.add_argument("--keep", metavar="DIR", help="keep the files in DIR")
    args = parser.parse_args(argv)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-partners-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        book = work / "partners.xlsx"
        start = time.perf_counter()
        counts = generate(book, args.partners)
        print(
            f"Generated {book.name} ({book.stat().st_size / 1e6:.1f} MB) in "
            f"{time.perf_counter() - start:.1f} s: "
            + ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
        )

        floor_s = floor(book, work / "floor.sqlite")
        print(f"Floor (openpyxl read_only values_only + bare executemany): {floor_s:.2f} s")

        seconds, result, profiler = timed_import(book, work / "a.consortium", profile=args.profile)
        n = len(result.created)
        print(f"Import: {n:,} partners in {seconds:.2f} s = {n / seconds:,.0f} partners/s")
        print(f"Ratio import / floor: {seconds / floor_s:.2f}x (target: within 3x)")

        tracemalloc.start()
        timed_import(book, work / "b.consortium")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        print(
            f"Peak memory: tracemalloc {peak / 1e6:.0f} MB; process ru_maxrss {maxrss / 1024:.0f} MB"
        )

        with Workspace.open(work / "a.consortium", backup=False) as ws:
            times = []
            for _ in range(5):
                t = time.perf_counter()
                orgs = store.load_all(ws.db)
                times.append(time.perf_counter() - t)
            print(
                f"store.load_all: {len(orgs):,} partners in {statistics.median(times) * 1000:.0f} ms"
                " (median of 5)"
            )
            names = [(o.name.casefold(), o.id) for o in orgs]
            query = orgs[len(orgs) // 2].name.casefold()  # type one real name in full
            per_key = []
            for k in range(1, len(query) + 1):
                text = query[:k]
                t = time.perf_counter()
                hits = [i for name, i in names if text in name]
                per_key.append((time.perf_counter() - t, len(hits)))
            worst = max(s for s, _ in per_key)
            print(
                f"Name search as you type '{query}': worst keystroke {worst * 1000:.2f} ms, "
                f"median {statistics.median(s for s, _ in per_key) * 1000:.2f} ms over "
                f"{len(names):,} names ({per_key[-1][1]} match at the end)"
            )
            window_figures(ws, query)

        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
            print(out.getvalue())
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
