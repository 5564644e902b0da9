#!/usr/bin/env python3
"""Build the reference data that ships in ``consortium/data/`` from the shared research data.

Usage::

    python scripts/build_reference_data.py               # reads ../shared/data
    python scripts/build_reference_data.py /path/to/shared/data

It writes four small CSV files (UTF-8, ``\\n`` line endings, sorted, so a rebuild gives the
same bytes and a clean diff):

- ``cpv_2008.csv``: all 9,454 CPV 2008 codes with level, parent and English label.
- ``itl_regions.csv``: the ITL 2021 tree (levels 0-3) with the NUTS 2018 and NUTS 2021 codes.
- ``cf_regions.csv``: Contracts Finder region strings and the ITL 2021 codes they mean.
- ``councils.csv``: the current UK councils with their ITL 2021 level-3 areas, county,
  combined authority, former GSS codes and name variants.

The script never imports ``consortium``; it checks the data as it goes and stops with a message
when a source file looks different from what it expects. ``ATTRIBUTION.md`` is written by hand.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "consortium" / "data"
DEFAULT_SOURCE = REPO.parent / "shared" / "data"

CPV_COUNT = 9454
REGION_COUNTS = {0: 1, 1: 12, 2: 41, 3: 179}

# Region strings Contracts Finder uses that are not in contracts_finder_region_to_nuts1.csv.
# "Any region" is the CSV export's value for "anywhere" (research/tender-data.md, section 4).
EXTRA_CF_REGIONS = [("Any region", "TL", "UK")]


class DataError(Exception):
    """A source file is not what this script expects."""


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise DataError(message)


# --- CPV ------------------------------------------------------------------------------------


def build_cpv(source: Path) -> list[list[str]]:
    rows = read_csv(source / "cpv" / "cpv_2008_en.csv")
    labels = json.loads((source / "cpv" / "cpv_2008_en.json").read_text(encoding="utf-8"))
    check(len(rows) == CPV_COUNT, f"expected {CPV_COUNT} CPV rows, found {len(rows)}")
    check(len(labels) == CPV_COUNT, f"expected {CPV_COUNT} CPV labels, found {len(labels)}")
    codes = {r["code"] for r in rows}
    out = []
    for r in sorted(rows, key=lambda r: r["code"]):
        code = r["code"]
        check(len(code) == 8 and code.isdigit(), f"bad CPV code {code!r}")
        check(labels.get(r["cpv"]) == r["description_en"], f"CPV label differs for {r['cpv']}")
        check(r["cpv"] == f"{code}-{r['check_digit']}", f"CPV full code differs for {code}")
        parent = r["parent_code"]
        check(parent == "" or parent in codes, f"CPV parent {parent} of {code} is missing")
        check((parent == "") == (r["level"] == "division"), f"CPV root mismatch for {code}")
        out.append(
            [
                code,
                r["check_digit"],
                r["level"],
                r["significant_digits"],
                parent,
                r["description_en"],
            ]
        )
    return out


# --- Regions --------------------------------------------------------------------------------


def build_regions(source: Path) -> tuple[list[list[str]], dict[str, dict[str, str]]]:
    rows = read_csv(source / "geo" / "uk_nuts2018_itl2021_regions.csv")
    counts: dict[int, int] = defaultdict(int)
    by_itl: dict[str, dict[str, str]] = {}
    for r in rows:
        counts[int(r["level"])] += 1
        check(r["itl2021_code"] not in by_itl, f"duplicate region {r['itl2021_code']}")
        by_itl[r["itl2021_code"]] = r
        check(
            r["itl2021_code"] == "TL" + r["nuts2021_code"][2:],
            f"ITL and NUTS 2021 codes disagree for {r['itl2021_code']}",
        )
    check(dict(counts) == REGION_COUNTS, f"unexpected region counts {dict(counts)}")
    # A NUTS 2018 code must never name a different area in NUTS 2021 (UKK21 became UKK24 and
    # was not reused), so one look-up table can accept both.
    aliases: dict[str, str] = {}
    for code, r in by_itl.items():
        for alias in {code, r["nuts2018_code"], r["nuts2021_code"]}:
            check(aliases.setdefault(alias, code) == code, f"{alias} names two regions")
    out = []
    for code, r in sorted(by_itl.items()):
        parent = r["parent_itl2021_code"]
        check(parent == "" or parent in by_itl, f"region parent {parent} missing")
        out.append(
            [code, r["level"], r["name_2021"], parent, r["nuts2018_code"], r["nuts2021_code"]]
        )
    return out, by_itl


def build_cf_regions(source: Path, regions: dict[str, dict[str, str]]) -> list[list[str]]:
    out = []
    for r in read_csv(source / "geo" / "contracts_finder_region_to_nuts1.csv"):
        for code in r["itl2021_codes"].split(";"):
            check(code in regions, f"Contracts Finder region code {code} is not an ITL code")
        out.append([r["cf_region"], r["itl2021_codes"], r["nuts2018_codes"]])
    for name, itl, nuts in EXTRA_CF_REGIONS:
        out.append([name, itl, nuts])
    return out


# --- Councils -------------------------------------------------------------------------------


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _scottish_itl(
    source: Path,
    regions: dict[str, dict[str, str]],
    lau_itl: dict[str, dict[str, str]],
    current_code: dict[str, str],
) -> dict[str, set[str]]:
    """Scottish councils by GSS -> ITL3 codes, through their LAU1 areas.

    postcodes.io keys Scotland by LAU1 code (S30...), not by council, and some councils span
    several ITL3 areas (Highland, Argyll and Bute, North Ayrshire). The ONS 2018 lookup says which
    LAU1 areas make up each council; its NUTS 2018 level-3 code is the same as ITL 2021 in
    Scotland. Each answer is checked against postcodes.io (by LAU1 code, or by name where the
    LAU1 code changed).
    """
    nuts_to_itl = {r["nuts2018_code"]: code for code, r in regions.items()}
    by_lau_name = {v["name"]: v["code"] for k, v in lau_itl.items() if k.startswith("S30")}
    out: dict[str, set[str]] = defaultdict(set)
    for r in read_csv(source / "geo" / "ons_lad18_lau1_nuts3_nuts2_nuts1_jan2018_uk.csv"):
        if not r["LAD18CD"].startswith("S"):
            continue
        itl = nuts_to_itl[r["NUTS318CD"]]
        known = lau_itl.get(r["LAU118CD"], {}).get("code") or by_lau_name.get(r["LAU118NM"])
        check(known in (None, itl), f"ITL3 for {r['LAU118NM']}: ONS {itl}, postcodes.io {known}")
        gss = current_code.get(r["LAD18CD"], r["LAD18CD"])
        out[gss].add(itl)
    return out


def build_councils(
    source: Path, regions: dict[str, dict[str, str]]
) -> tuple[list[list[str]], list[str]]:
    geo = source / "geo"
    rows = read_csv(geo / "mysociety_uk_local_authorities_current.csv")
    by_reg = {r["local-authority-code"]: r for r in rows}
    current = [r for r in rows if r["current-authority"] == "True"]
    lau_itl = json.loads((geo / "postcodesio_lau1_to_itl3_2021.json").read_text(encoding="utf-8"))

    # Former GSS codes: a council's own earlier codes, and councils merged into it (followed
    # along "replaced-by" until a current council). Only a single successor counts: Cumbria
    # county was split in two, so its code does not move forward.
    former: dict[str, set[str]] = defaultdict(set)
    successors: dict[str, set[str]] = {}

    def current_successors(reg: str, seen: frozenset[str] = frozenset()) -> set[str]:
        r = by_reg[reg]
        if r["current-authority"] == "True":
            return {reg}
        found: set[str] = set()
        for nxt in _split(r["replaced-by"]):
            if nxt in by_reg and nxt not in seen:
                found |= current_successors(nxt, seen | {reg})
        return found

    current_code: dict[str, str] = {}  # any GSS code -> current council GSS code
    for r in current:
        for old in _split(r["former-gss-codes"]):
            former[r["local-authority-code"]].add(old)
            current_code[old] = r["gss-code"]
    for r in read_csv(geo / "mysociety_lookup_gss_to_registry.csv"):
        reg = by_reg.get(r["local-authority-code"])
        if reg and reg["current-authority"] == "True" and r["gss-code"] != reg["gss-code"]:
            former[reg["local-authority-code"]].add(r["gss-code"])
            current_code[r["gss-code"]] = reg["gss-code"]
    for r in rows:
        if r["current-authority"] == "True" or not r["gss-code"]:
            continue
        successors[r["local-authority-code"]] = current_successors(r["local-authority-code"])
        if len(successors[r["local-authority-code"]]) == 1:
            (succ,) = successors[r["local-authority-code"]]
            former[succ].add(r["gss-code"])

    # ITL3 for lower-tier and unitary councils.
    itl: dict[str, set[str]] = defaultdict(set)
    for r in current:
        hit = lau_itl.get(r["gss-code"])
        if hit:
            itl[r["local-authority-code"]].add(hit["code"])
    # New unitaries (Cumberland, North Yorkshire, Somerset ...) are missing from the 2021 file:
    # give them the ITL3 areas of the districts they replaced.
    for reg, succ in successors.items():
        hit = lau_itl.get(by_reg[reg]["gss-code"])
        if hit and len(succ) == 1:
            (s,) = succ
            if not lau_itl.get(by_reg[s]["gss-code"]):
                itl[s].add(hit["code"])
    # Scotland goes through LAU1 areas.
    scot = _scottish_itl(source, regions, lau_itl, current_code)
    for r in current:
        if r["gss-code"] in scot:
            itl[r["local-authority-code"]] |= scot[r["gss-code"]]

    # Upper tiers: a county is its districts; a combined authority or the Greater London
    # Authority is its members (which may be counties). Resolve members to lower-tier councils.
    members: dict[str, set[str]] = defaultdict(set)
    for r in current:
        if r["county-la"]:
            members[r["county-la"]].add(r["local-authority-code"])
        if r["combined-authority"]:
            members[r["combined-authority"]].add(r["local-authority-code"])

    def lower_members(reg: str, seen: frozenset[str] = frozenset()) -> set[str]:
        if not members.get(reg):
            return {reg}
        found: set[str] = set()
        for m in members[reg]:
            if m not in seen:
                found |= lower_members(m, seen | {reg})
        return found

    for r in current:
        reg = r["local-authority-code"]
        if members.get(reg):
            for m in lower_members(reg):
                itl[reg] |= itl[m]

    for codes in itl.values():
        for code in codes:
            check(code in regions and regions[code]["level"] == "3", f"{code} is not ITL3")

    # Name variants.
    variants: dict[str, list[str]] = defaultdict(list)
    for r in read_csv(geo / "mysociety_lookup_name_to_registry.csv"):
        variants[r["local-authority-code"]].append(r["la-name"])

    gss_of = {r["local-authority-code"]: r["gss-code"] for r in current}
    out = []
    unplaced = []
    for r in sorted(current, key=lambda r: r["gss-code"]):
        reg = r["local-authority-code"]
        if not itl[reg]:
            unplaced.append(f"{r['gss-code']} {r['nice-name']}")
        alt = _alt_names(r["nice-name"], r["official-name"], variants[reg])
        for a in alt:
            check("|" not in a, f"name {a!r} contains '|'")
        county = gss_of.get(r["county-la"], "")
        combined = gss_of.get(r["combined-authority"], "")
        check(bool(county) == bool(r["county-la"]), f"county of {r['nice-name']} not current")
        check(bool(combined) == bool(r["combined-authority"]), f"CA of {r['nice-name']}")
        out.append(
            [
                r["gss-code"],
                r["nice-name"],
                r["official-name"],
                r["nation"],
                r["region"],
                r["local-authority-type-name"],
                ";".join(sorted(itl[reg])),
                county,
                combined,
                "1" if r["lower-or-unitary"] == "True" else "0",
                ";".join(sorted(former[reg] - {r["gss-code"]})),
                "|".join(alt),
            ]
        )
    return out, unplaced


def _alt_names(nice: str, official: str, names: list[str]) -> list[str]:
    """Distinct name variants, ignoring case and spacing; keep the first capitalised form."""

    def key(s: str) -> str:
        return " ".join(s.casefold().split())

    chosen: dict[str, str] = {}
    for name in names:
        name = " ".join(name.split())
        k = key(name)
        if k in (key(nice), key(official)) or not k:
            continue
        if k not in chosen or (chosen[k].islower() and not name.islower()):
            chosen[k] = name
    return list(chosen.values())


# --- Main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"the shared data folder (default: {DEFAULT_SOURCE})",
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default: {OUT})")
    args = parser.parse_args(argv)
    source: Path = args.source
    if not (source / "cpv").is_dir() or not (source / "geo").is_dir():
        print(
            f"{source} does not look like the shared data folder (no cpv/ or geo/)", file=sys.stderr
        )
        return 2
    try:
        cpv = build_cpv(source)
        region_rows, regions = build_regions(source)
        cf = build_cf_regions(source, regions)
        councils, unplaced = build_councils(source, regions)
    except DataError as exc:
        print(f"Stopped: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(
        args.out / "cpv_2008.csv",
        ["code", "check_digit", "level", "significant_digits", "parent", "label"],
        cpv,
    )
    write_csv(
        args.out / "itl_regions.csv",
        ["code", "level", "name", "parent", "nuts2018", "nuts2021"],
        region_rows,
    )
    write_csv(args.out / "cf_regions.csv", ["cf_region", "itl2021", "nuts2018"], cf)
    write_csv(
        args.out / "councils.csv",
        [
            "gss",
            "name",
            "official_name",
            "nation",
            "region",
            "kind",
            "itl",
            "county_gss",
            "combined_gss",
            "lower_or_unitary",
            "former_gss",
            "alt_names",
        ],
        councils,
    )
    print(
        f"Wrote {len(cpv)} CPV codes, {len(region_rows)} regions, {len(cf)} Contracts Finder"
        f" regions and {len(councils)} councils to {args.out}"
    )
    if unplaced:
        print(f"{len(unplaced)} councils have no ITL area: {', '.join(unplaced)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
