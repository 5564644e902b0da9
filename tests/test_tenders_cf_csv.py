"""Contracts Finder "download results" CSV and its Excel re-save: each trap of the real export."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from consortium.tenders import store
from consortium.tenders.cf_csv import parse_when
from consortium.tenders.importer import import_paths
from consortium.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "ocds"
EXPORT = FIX / "cf-csv-export-2020-04-16-notices.csv"
SMALL = FIX / "cf-csv-small.csv"
XLSX = FIX / "cf-xlsx-small.xlsx"
HEADER_2021 = FIX / "cf-csv-export-2021-08-28-header-only.csv"
CF_PAGE = FIX / "cf-search-2025-01-20_2025-01-23-page-001.json"


@pytest.fixture
def ws(tmp_path):
    w = Workspace.create(tmp_path / "c.consortium")
    yield w
    w.close()


def small_rows() -> list[dict]:
    with open(SMALL, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def records(ws) -> dict[str, dict]:
    return {
        o: store.get_tender(ws.db, o).to_dict()
        for (o,) in ws.conn.execute("SELECT ocid FROM tenders")
    }


def tender_for(ws, ref: str):
    ocid = ws.conn.execute(
        "SELECT ocid FROM tenders WHERE reference = ?", [" ".join(ref.split())]
    ).fetchone()[0]
    return store.get_tender(ws.db, ocid)


def test_small_csv_traps(ws):
    raw_bytes = SMALL.read_bytes()
    assert raw_bytes.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw_bytes  # BOM, CRLF
    rows = small_rows()
    report = import_paths(ws, [SMALL])
    assert report.rows_read == len(rows) == 10  # CRLF inside fields did not split rows
    assert ws.conn.execute("SELECT count(*) FROM tenders").fetchone()[0] == 10

    sentinel = rows[0]
    assert sentinel["Closing Date"] == "01/01/2001"
    t = tender_for(ws, sentinel["Notice Identifier"])
    assert t.deadline is None and t.source == "cf" and t.notice_type == "Pipeline"
    assert t.status_on(dt.date(2020, 4, 16)) == "coming soon"
    assert "\r" not in t.description and "\n" in t.description

    multi = next(r for r in rows if len(r["Cpv Codes"].split()) > 1)
    assert multi["Cpv Codes"].endswith(" ")
    assert tender_for(ws, multi["Notice Identifier"]).cpv == multi["Cpv Codes"].split()

    regions = next(r for r in rows if "," in r["Region"])
    t = tender_for(ws, regions["Notice Identifier"])
    assert len(t.places) == len(regions["Region"].split(",")) >= 2
    assert "TLE" in t.places  # "Yorkshire and The Humber", capital T

    stray = next(r for r in rows if r["Notice Identifier"] != r["Notice Identifier"].strip())
    t = tender_for(ws, stray["Notice Identifier"])
    assert t.ocid == "cf-csv-" + " ".join(stray["Notice Identifier"].split())

    dated = next(r for r in rows if r["Closing Date"] not in ("", "01/01/2001"))
    t = tender_for(ws, dated["Notice Identifier"])
    d, m, y = dated["Closing Date"].split("/")
    # End of that day, UK time (BST in April): 23:59:59+01:00 is 22:59:59Z.
    assert t.deadline == f"{y}-{m}-{d}T22:59:59Z"
    assert t.published == dated["Published Date"]

    valued = next(r for r in rows if r["Value High"] not in ("", "0"))
    assert tender_for(ws, valued["Notice Identifier"]).value_max == float(valued["Value High"])
    unvalued = next(r for r in rows if r["Value High"] == "0")
    t = tender_for(ws, unvalued["Notice Identifier"])
    assert t.value_max is None or t.value_min is not None
    vco = next(r for r in rows if r["Suitable for VCO"] == "Yes")
    assert tender_for(ws, vco["Notice Identifier"]).vcse is True


def test_xlsx_resave_gives_the_same_tenders(ws, tmp_path):
    import_paths(ws, [SMALL])
    from_csv = records(ws)
    other = Workspace.create(tmp_path / "x.consortium")
    try:
        report = import_paths(other, [XLSX])
        assert report.rows_read == 10
        from_xlsx = records(other)
    finally:
        other.close()
    assert from_csv.keys() == from_xlsx.keys()
    division_03 = [o for o, rec in from_xlsx.items() if any(c.startswith("03") for c in rec["cpv"])]
    assert division_03  # Excel stored 3xxxxxxx as a number; the leading zero is back
    for ocid, rec in from_csv.items():
        other_rec = from_xlsx[ocid]
        for key in (
            "title",
            "cpv",
            "deadline",
            "places",
            "value_max",
            "sme",
            "vcse",
            "published",
            "contract_start",
        ):
            assert rec[key] == other_rec[key], (ocid, key)


def test_the_full_real_export(ws):
    with open(EXPORT, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    report = import_paths(ws, [EXPORT, HEADER_2021])
    assert report.rows_read == len(rows) == 1000
    refs = {" ".join(r["Notice Identifier"].split()) for r in rows}
    assert ws.conn.execute("SELECT count(*) FROM tenders").fetchone()[0] == len(refs)
    with_deadline = sum(1 for r in rows if r["Closing Date"] not in ("", "01/01/2001"))
    assert (
        ws.conn.execute("SELECT count(*) FROM tenders WHERE deadline IS NOT NULL").fetchone()[0]
        == with_deadline
    )
    planning = sum(1 for r in rows if r["Notice Type"] in ("Pipeline", "PreProcurement"))
    assert (
        ws.conn.execute("SELECT count(*) FROM tenders WHERE phase = 'planning'").fetchone()[0]
        == planning
    )


def test_windows_1252_and_semicolons(ws, tmp_path):
    rows = small_rows()
    rows[1]["Title"] = "Café services – £5k"
    path = tmp_path / "excel.csv"
    with open(path, "w", newline="", encoding="cp1252") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    report = import_paths(ws, [path])
    assert report.rows_read == 10
    assert tender_for(ws, rows[1]["Notice Identifier"]).title == "Café services – £5k"


def test_csv_row_joins_the_ocds_process_with_the_same_reference(ws, tmp_path):
    import_paths(ws, [CF_PAGE])
    release = next(r for r in json.loads(CF_PAGE.read_text())["releases"] if r["tag"] == ["tender"])
    with open(SMALL, encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    row = dict.fromkeys(header, "")
    row.update(
        {
            "Notice Identifier": release["tender"]["id"],
            "Notice Type": "Contract",
            "Organisation Name": release["buyer"]["name"],
            "Status": "Open",
            "Published Date": "2025-02-01T09:00:00Z",
            "Title": release["tender"]["title"] + " (corrected)",
            "Cpv Codes": "85000000 ",
        }
    )
    path = tmp_path / "later.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerow(row)
    report = import_paths(ws, [path])
    assert (report.tenders_new, report.tenders_updated) == (0, 1)
    t = store.get_tender(ws.db, release["ocid"])
    assert t.title.endswith("(corrected)")
    assert len(t.releases) == 2


def test_parse_when():
    assert parse_when("01/01/2001") is None
    assert parse_when("") is None
    assert parse_when("17/04/2020") == "2020-04-17T00:00:00+01:00"
    assert parse_when("17/12/2020", end_of_day=True) == "2020-12-17T23:59:59+00:00"
    assert parse_when("17/04/2020 14:30") == "2020-04-17T14:30:00+01:00"
    assert parse_when(dt.datetime(2020, 1, 5, 9, 0)) == "2020-01-05T09:00:00+00:00"
    assert parse_when("2020-04-16T19:29:42Z") == "2020-04-16T19:29:42+00:00"
    assert parse_when("not a date") is None
