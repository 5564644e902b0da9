"""Benchmark the tender importer and search on a synthetic Find a Tender package.

    python bench/tenders.py [--releases 200000] [--ocdskit-releases 20000] [--keep DIR]

1. Generates a release package shaped like the real Find a Tender releases (the bundled demo
   notices as templates; ids, ocids, dates, titles, descriptions and lots varied; about 5% of
   processes get a second, update release).
2. Imports it into a new workspace in a child process: releases/s and peak memory (maxrss).
3. The floor, in a child process on the same file: ijson parse + json.dumps + a bare
   executemany of (ocid, id, JSON) rows in one transaction.
4. ``ocdskit compile`` on the same file, if ocdskit is installed (or on its first
   ``--ocdskit-releases`` releases, as it holds the whole file in memory), with its peak memory.
5. Median search time over a set of typical queries, and the time to get the full id list.
6. Fetching from a local server on 127.0.0.1 replaying pages of 100 real Find a Tender releases
   (ids varied per page so every page is new): pages/s, and the importer's share of the time.
   ``--fetch-only`` runs just this.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TEMPLATES = ROOT / "consortium" / "data" / "demo" / "fts-selected-civil-society-releases.json"
PAGE = ROOT / "tests" / "fixtures" / "ocds" / "fts-release-package-2026-08-12-page-001.json"


# -------------------------------------------------------------------------------- fetch
def bench_fetch(pages: int, work: Path) -> dict:
    """Fetch ``pages`` pages of 100 releases from a local server into a new workspace."""
    import copy

    from consortium.tenders.feeds.client import Client, Policy
    from consortium.tenders.feeds.fetch import fetch
    from consortium.workspace import Workspace
    from tests.feed_server import FeedServer

    package = json.loads(PAGE.read_text(encoding="utf-8"))
    base = package.pop("releases")
    package.pop("links", None)
    chain_pages = []
    for n in range(pages):
        page = []
        for r in base:
            r = copy.deepcopy(r)
            r["ocid"] = f"{r['ocid']}-p{n}"
            r["id"] = f"{r['id']}-p{n}"
            page.append(r)
        chain_pages.append(page)
    ws = Workspace.create(work / "fetch.consortium")
    try:
        with FeedServer({"source": "fts", "envelope": package, "pages": chain_pages}) as server:
            start = time.perf_counter()
            report = fetch(ws, ["fts"], base_url=server.url, client=Client(Policy(min_interval=0)))
            seconds = time.perf_counter() - start
    finally:
        ws.close()
    feed = report.feeds[0]
    return {
        "pages": feed.pages,
        "releases": feed.releases_read,
        "seconds": seconds,
        "import_seconds": feed.import_seconds,
        "status": report.status,
    }


def print_fetch(f: dict) -> None:
    per_page = f["import_seconds"] / max(1, f["pages"]) * 1000
    print(
        f"fetch from a local server: {f['pages']} pages of 100 releases in {f['seconds']:.1f} s, "
        f"{f['pages'] / f['seconds']:.1f} pages/s; the importer's share "
        f"{100 * f['import_seconds'] / f['seconds']:.0f}% ({per_page:.0f} ms a page, "
        f"target well under 1 s); status {f['status']}"
    )


# ------------------------------------------------------------------------------ generate
def generate(path: Path, n: int, seed: int = 7) -> int:
    """Write a release package of ``n`` releases; returns the number of distinct ocids.

    Templates are the real Find a Tender releases in the bundled demo file and the real API page
    in the test fixtures, so the mix of notice kinds (awards, tenders, planning, cancellations)
    follows the real feed. Titles and descriptions are drawn from the words of real notices with
    their real frequencies; ids, dates, deadlines, values, places and lots vary.
    """
    rng = random.Random(seed)
    package = json.loads(TEMPLATES.read_text(encoding="utf-8"))
    releases = list(package["releases"])
    if PAGE.exists():
        releases += json.loads(PAGE.read_text(encoding="utf-8"))["releases"]
    templates = [r for r in releases if (r.get("tender") or {}).get("title")]
    words = [
        w.lower()
        for r in templates
        for w in re.findall(r"[A-Za-z]{3,}", r["tender"].get("description", ""))
    ]
    regions = ["UKI", "UKJ12", "UKD33", "UKE42", "UKM71", "UKN0A", "UKK24", "UKG31", "UKC", "UK"]
    envelope = {k: v for k, v in package.items() if k != "releases"}
    ocids = 0
    with open(path, "w", encoding="utf-8") as f:
        head = json.dumps(envelope)[:-1]
        f.write(head + ', "releases": [\n')
        i = 0
        first = True
        while i < n:
            ocids += 1
            template = templates[rng.randrange(len(templates))]
            copies = 2 if rng.random() < 0.06 and i + 1 < n else 1
            base = _vary(template, ocids, rng, words, regions)
            for c in range(copies):
                release = base if c == 0 else _update(base, rng)
                release["id"] = f"{100000 + i:06d}-2026"
                if not first:
                    f.write(",\n")
                # Like the real feed: 1e9999 (json.dumps would write Infinity, which FTS never does).
                f.write(json.dumps(release, ensure_ascii=False).replace(": Infinity", ": 1e9999"))
                first = False
                i += 1
        f.write("\n]}\n")
    return ocids


def _vary(template: dict, k: int, rng: random.Random, words: list[str], regions: list[str]) -> dict:
    r = json.loads(json.dumps(template))
    r["ocid"] = f"ocds-h6vhtk-{k:06x}"
    day = 1 + k % 28
    month = rng.randint(1, 12)
    r["date"] = f"2026-{month:02d}-{day:02d}T{k % 24:02d}:{k % 60:02d}:00+01:00"
    t = r.setdefault("tender", {})
    t["title"] = " ".join(rng.choice(words) for _ in range(rng.randint(3, 8))).capitalize()
    t["description"] = " ".join(rng.choice(words) for _ in range(rng.randint(40, 160)))
    if (t.get("tenderPeriod") or {}).get("endDate"):
        end_month = min(12, month + rng.randint(0, 3))
        t["tenderPeriod"]["endDate"] = f"2026-{end_month:02d}-{day:02d}T12:00:00+01:00"
    if "value" in t:
        t["value"] = {"amount": rng.randint(10, 5000) * 1000, "currency": "GBP"}
    lots = t.get("lots") or []
    if lots:
        keep = lots[: rng.randint(1, len(lots))]
        for lot in keep:
            lot["title"] = " ".join(rng.choice(words) for _ in range(rng.randint(2, 6)))
        t["lots"] = keep
    region = rng.choice(regions)
    for item in t.get("items") or []:
        for address in item.get("deliveryAddresses") or []:
            address["region"] = region
    return r


def _update(base: dict, rng: random.Random) -> dict:
    r = json.loads(json.dumps(base))
    r["tag"] = [f"{r['tag'][0]}Update"] if r.get("tag") else ["tenderUpdate"]
    moment = r["date"][:5] + f"{min(12, int(r['date'][5:7]) + 1):02d}" + r["date"][7:]
    r["date"] = moment
    r["tender"]["title"] += " (updated)"
    return r


# ------------------------------------------------------------------------------ children
def child_import(file: str, db: str) -> dict:
    from consortium.tenders.importer import import_paths
    from consortium.workspace import Workspace

    ws = Workspace.create(db)
    start = time.perf_counter()
    report = import_paths(ws, [file])
    seconds = time.perf_counter() - start
    ws.close()
    return {
        "seconds": seconds,
        "releases": report.releases_read,
        "tenders": report.tenders_new,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child_floor(file: str, db: str) -> dict:
    import ijson

    from consortium.tenders.merge import dumps_flagged

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE r (ocid TEXT, id TEXT, raw TEXT)")
    start = time.perf_counter()
    conn.execute("BEGIN")
    batch, count = [], 0
    with open(file, "rb") as f:
        for release in ijson.items(f, "releases.item", buf_size=64 * 1024):
            batch.append((release["ocid"], release["id"], dumps_flagged(release)[0]))
            if len(batch) >= 500:
                conn.executemany("INSERT INTO r VALUES (?, ?, ?)", batch)
                count += len(batch)
                batch = []
    conn.executemany("INSERT INTO r VALUES (?, ?, ?)", batch)
    count += len(batch)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return {
        "seconds": seconds,
        "releases": count,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(kind: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def ocdskit_compile(file: Path, n: int, work: Path) -> dict | None:
    exe = shutil.which("ocdskit", path=str(Path(sys.executable).parent)) or shutil.which("ocdskit")
    if exe is None:
        return None
    subset = file
    if n:
        subset = work / "ocdskit-input.json"
        generate(subset, n)
    script = (
        "import resource, subprocess, sys, time, json;"
        "s = time.perf_counter();"
        f"p = subprocess.run([{exe!r}, 'compile', '--schema', {str(_schema_path())!r}],"
        f" stdin=open({str(subset)!r}, 'rb'), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE);"
        "t = time.perf_counter() - s;"
        "print(json.dumps({'seconds': t, 'rc': p.returncode, 'err': p.stderr.decode()[-300:],"
        " 'maxrss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["releases"] = n or None
    return result


def _schema_path() -> Path:
    return ROOT / "consortium" / "data" / "ocds" / "release-schema-1.1.5.json"


# ------------------------------------------------------------------------------ search
QUERIES = [
    {"text": "care*"},
    {"text": '"young people"'},
    {"text": "domestic abuse", "status": ["open"]},
    {"text": "support", "place": "E09000016"},
    {"cpv": ["85300000"], "status": ["open"]},
    {"place": "TLJ12"},
    {"text": "housing", "sort": "value"},
    {"value_min": 100000, "value_max": 500000, "sme": True},
    {"text": "services", "sort": "relevance"},
    {"deadline_from": "2026-09-01", "deadline_to": "2026-09-30", "vcse": True},
]


def bench_search(db: str, rounds: int = 5) -> dict:
    from consortium.tenders.search import TenderQuery, rows, search_keys
    from consortium.workspace import Workspace

    # Opening the list on a fresh workspace: the full id list in deadline order + first page.
    ws = Workspace.open(db, backup=False)
    start = time.perf_counter()
    all_ids = search_keys(ws)
    first_page = rows(ws, all_ids[:50])
    list_open = time.perf_counter() - start
    times, sizes, per_query = [], [], {}
    for _ in range(rounds):
        for q in QUERIES:
            start = time.perf_counter()
            ids = search_keys(ws, TenderQuery(**q), today="2026-08-01")
            rows(ws, ids[:50])  # the first screenful
            elapsed = time.perf_counter() - start
            times.append(elapsed)
            sizes.append(len(ids))
            per_query.setdefault(json.dumps(q), []).append(elapsed)
    ws.close()
    return {
        "median_ms": statistics.median(times) * 1000,
        "p90_ms": sorted(times)[int(len(times) * 0.9)] * 1000,
        "max_ms": max(times) * 1000,
        "hits_median": statistics.median(sizes),
        "list_open_s": list_open,
        "ids": len(all_ids),
        "first_page": len(first_page),
        "per_query": {
            q: (statistics.median(ts) * 1000, n)
            for (q, ts), n in zip(per_query.items(), sizes[: len(QUERIES)], strict=True)
        },
    }


# ------------------------------------------------------------------------------ main
def window_figures(db: Path) -> None:
    """The real Tenders area offscreen on the imported workspace: how long the list takes to
    open, and to jump (scroll) to the middle and the end, each including a repaint."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from consortium.workspace import Workspace
    from ui.app import make_app
    from ui.tenders_page import TendersPage

    app = make_app()
    ws = Workspace.open(db, backup=False)
    page = TendersPage()
    page.resize(1400, 900)
    page.show()
    page.status.setCurrentIndex(page.status.findText("Any status"))
    start = time.perf_counter()
    page.set_workspace(ws)
    page.view.viewport().repaint()
    app.processEvents()
    opened = time.perf_counter() - start
    rows = page.model.rowCount()
    jumps = []
    for target in (rows // 2, rows - 1, rows // 4, 3 * rows // 4):
        start = time.perf_counter()
        page.view.scrollTo(page.model.index(target, 1))
        page.view.viewport().repaint()
        app.processEvents()
        jumps.append(time.perf_counter() - start)
    print(
        f"window: the Tenders list of {rows:,} tenders opened in {opened * 1000:.0f} ms "
        f"(target < 1 s); a jump anywhere in it repaints in {max(jumps) * 1000:.0f} ms at worst "
        f"({page.model.fetches} blocks of rows read in all)"
    )
    page.close()
    ws.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=200_000)
    parser.add_argument(
        "--ocdskit-releases",
        type=int,
        default=20_000,
        help="releases given to ocdskit compile (0 = the whole file)",
    )
    parser.add_argument("--keep", help="keep the generated file and workspaces in this folder")
    parser.add_argument("--fetch-pages", type=int, default=20, help="pages for the fetch bench")
    parser.add_argument("--fetch-only", action="store_true", help="only the fetch bench")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_import(*rest) if kind == "import" else child_floor(*rest)
        print(json.dumps(result))
        return

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-tenders-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.fetch_only:
        try:
            print_fetch(bench_fetch(args.fetch_pages, work))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        return
    try:
        file = work / "package.json"
        start = time.perf_counter()
        ocids = generate(file, args.releases)
        size_mb = file.stat().st_size / 1e6
        print(
            f"generated {args.releases:,} releases ({ocids:,} ocids), {size_mb:,.0f} MB "
            f"in {time.perf_counter() - start:.1f} s"
        )

        ours = _child("import", str(file), str(work / "bench.consortium"))
        rate = ours["releases"] / ours["seconds"]
        print(
            f"import: {ours['seconds']:.1f} s, {rate:,.0f} releases/s, "
            f"{ours['tenders']:,} tenders, peak memory {ours['maxrss_mb']:.0f} MB"
        )

        floor = _child("floor", str(file), str(work / "floor.sqlite"))
        floor_rate = floor["releases"] / floor["seconds"]
        print(
            f"floor (ijson + executemany): {floor['seconds']:.1f} s, {floor_rate:,.0f} releases/s,"
            f" peak memory {floor['maxrss_mb']:.0f} MB; import/floor = "
            f"{ours['seconds'] / floor['seconds']:.2f}x (target <= 2.5x)"
        )

        kit = ocdskit_compile(file, min(args.ocdskit_releases, args.releases), work)
        if kit is None:
            print("ocdskit compile: skipped (ocdskit is not installed: pip install ocdskit)")
        elif kit["rc"] != 0:
            print(f"ocdskit compile: failed ({kit['err'].strip()})")
        else:
            n = kit["releases"] or args.releases
            kit_rate = n / kit["seconds"]
            print(
                f"ocdskit compile: {n:,} releases in {kit['seconds']:.1f} s, {kit_rate:,.0f} "
                f"releases/s, peak memory {kit['maxrss_mb']:.0f} MB; import speed / ocdskit = "
                f"{rate / kit_rate:.2f}x (target >= 1x)"
            )

        s = bench_search(str(work / "bench.consortium"))
        print(
            f"search over {s['ids']:,} tenders: median {s['median_ms']:.1f} ms, "
            f"p90 {s['p90_ms']:.1f} ms, max {s['max_ms']:.1f} ms (target median < 30 ms); "
            f"full id list + first page: {s['list_open_s'] * 1000:.0f} ms (target < 1 s)"
        )
        for q, (ms, n) in s["per_query"].items():
            print(f"    {ms:7.1f} ms  {n:>7,} hits  {q}")
        window_figures(work / "bench.consortium")
        print_fetch(bench_fetch(args.fetch_pages, work))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
