"""The re-tender pipeline: awarded contracts ending in 6–24 months, checked against an
independent count made straight from the real fixture files."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import pytest

from consortium import migrations
from consortium.partners import store as partner_store
from consortium.records import Organisation
from consortium.tenders.cli import register
from consortium.tenders.importer import import_paths
from consortium.tenders.pipeline import add_months, pipeline
from consortium.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "ocds"
FILES = [
    FIX / "fts-release-package-2026-08-12-page-001.json",
    FIX / "cf-search-2025-01-20_2025-01-23-page-001.json",
    FIX / "fts-selected-civil-society-releases.json",
]
TODAY = dt.date(2026, 11, 23)


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def independent(start: dt.date, end: dt.date) -> dict[tuple[str, str], tuple]:
    """(ocid, contract or award id) -> (supplier names, value) for every contract whose period
    ends in [start, end], worked out from the raw files with none of the app's code: the latest
    notice of each process says the contracts; an award no contract entry names counts too."""
    latest: dict[str, dict] = {}
    for path in FILES:
        for r in json.loads(path.read_text(encoding="utf-8"))["releases"]:
            if not (r.get("awards") or r.get("contracts")):
                continue
            old = latest.get(r["ocid"])
            if old is None or _utc(r["date"]) >= _utc(old["date"]):
                latest[r["ocid"]] = r
    lo = dt.datetime.combine(start, dt.time(), dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
    out = {}
    for ocid, r in latest.items():
        awards = {a["id"]: a for a in r.get("awards") or []}
        lots = {lot["id"]: lot for lot in (r.get("tender") or {}).get("lots") or []}
        named = set()
        for c in r.get("contracts") or []:
            named.add(c.get("awardID"))
            award = awards.get(c.get("awardID"), {})
            period = c.get("period") or award.get("contractPeriod")
            if not period:
                rel = [lots[x] for x in award.get("relatedLots", []) if x in lots]
                period = next((x["contractPeriod"] for x in rel if x.get("contractPeriod")), None)
            period = period or (r.get("tender") or {}).get("contractPeriod") or {}
            if c.get("status") in ("cancelled", "terminated") or not period.get("endDate"):
                continue
            if lo <= _utc(period["endDate"]) < hi:
                names = [s["name"] for s in award.get("suppliers", [])]
                out[(ocid, c["id"])] = (names, (c.get("value") or {}).get("amount"))
        for aid, a in awards.items():
            if aid in named or a.get("status") in ("pending", "cancelled", "unsuccessful"):
                continue
            period = a.get("contractPeriod") or {}
            ends = period.get("endDate")
            if a.get("suppliers") and ends and lo <= _utc(ends) < hi:
                names = [s["name"] for s in a["suppliers"]]
                out[(ocid, f"award {aid}")] = (names, (a.get("value") or {}).get("amount"))
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("pipeline") / "p.consortium"
    ws = Workspace.create(path)
    import_paths(ws, FILES)
    ws.close()
    return path


@pytest.fixture
def ws(template, tmp_path):
    dest = tmp_path / "p.consortium"
    dest.write_bytes(template.read_bytes())
    w = Workspace.open(dest)
    yield w
    w.close()


def test_every_contract_ending_in_the_window_is_listed(ws):
    result = pipeline(ws, today=TODAY)
    assert (result.window_from, result.window_to) == (dt.date(2027, 5, 23), dt.date(2028, 11, 23))
    expected = independent(result.window_from, result.window_to)
    assert len(expected) > 20
    got = {(r.ocid, r.contract_id): (r.suppliers, r.value) for r in result.rows}
    assert len(got) == len(result.rows)  # each contract once
    assert got == expected
    assert [r.end for r in result.rows] == sorted(r.end for r in result.rows)
    first = result.rows[0]  # a real Contracts Finder award
    assert first.suppliers == ["CF Contact and Support Services Limited"]
    assert first.value == 3650000 and first.buyer and first.end.startswith("2027-06-15")
    # Shown for the right window: a contract ending 31 May 2029 (SHP's Housing First) is not.
    assert not [r for r in result.rows if r.suppliers == ["Single Homeless Project (SHP)"]]
    assert all(r.notice_url and r.notice_url.startswith("https://") for r in result.rows)


def test_search_sort_and_window(ws):
    rows = pipeline(ws, today=TODAY).rows
    by_value = pipeline(ws, today=TODAY, sort="value").rows
    assert [r.value or 0 for r in by_value] == sorted((r.value or 0 for r in rows), reverse=True)
    found = pipeline(ws, today=TODAY, text="contact and SUPPORT").rows  # a supplier's words
    assert [r.suppliers for r in found] == [["CF Contact and Support Services Limited"]]
    assert pipeline(ws, today=TODAY, text="Hertfordshire").rows  # a buyer's
    twelve = pipeline(ws, today=TODAY, months=12)
    assert twelve.window_to == dt.date(2027, 11, 23)
    assert len(twelve.rows) == len(independent(twelve.window_from, twelve.window_to))
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)


def test_for_a_partner_only_their_places_and_services(ws):
    org = Organisation(name="Herts Family Support", cpv_codes=["85000000"], areas=["E10000015"])
    org.id = partner_store.save(ws, org)
    result = pipeline(ws, today=TODAY, partner=partner_store.load(ws.db, org.id))
    everything = pipeline(ws, today=TODAY).rows
    assert result.partner_name == "Herts Family Support"
    assert 0 < len(result.rows) < len(everything)
    from consortium.tenders.search import search_keys

    fits = set(search_keys(ws, place="E10000015", cpv=["85000000"]))
    ids = dict(ws.conn.execute("SELECT ocid, id FROM tenders"))
    assert {r.ocid for r in result.rows} == {r.ocid for r in everything if ids[r.ocid] in fits}
    titles = sorted(r.title[:30] for r in result.rows)
    assert titles == ["Domestic Abuse Independent Adv", "HCC08/24 - Emergency Residenti"]


def test_cli_pipeline_json(ws, capsys):
    parser = argparse.ArgumentParser(prog="consortium")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["tenders", "pipeline", "--months", "24", "--json"])
    args.handler(args, ws)
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["window", "partner", "count", "rows"]
    assert data["partner"] is None and data["count"] == len(data["rows"])
    if data["rows"]:
        assert set(data["rows"][0]) >= {"ocid", "suppliers", "value", "end", "buyer", "notice_url"}
    args = parser.parse_args(["tenders", "pipeline"])
    args.handler(args, ws)
    assert "Contracts ending" in capsys.readouterr().out
    org = Organisation(name="Our Charity", cpv_codes=["85000000"], areas=["E10000015"])
    org.is_ours = True
    partner_store.save(ws, org)
    args = parser.parse_args(["tenders", "pipeline", "--json"])
    args.handler(args, ws)
    ours = json.loads(capsys.readouterr().out)
    assert ours["partner"]["name"] == "Our Charity" and ours["count"] == 2
    args = parser.parse_args(["tenders", "pipeline", "--all", "--json"])
    args.handler(args, ws)
    assert json.loads(capsys.readouterr().out)["count"] == data["count"]


def test_migration_fills_in_contracts_for_stored_tenders(ws):
    before = ws.conn.execute("SELECT count(*) FROM tender_contracts").fetchone()[0]
    assert before > 100
    step = migrations.STEPS[[s.__name__ for s in migrations.STEPS].index("tender_contracts")]

    def write():
        with ws.atomic():  # writes go through the one writer
            ws.conn.execute("DROP TABLE tender_contracts")
            step(ws.db)

    ws.write(write)
    assert ws.conn.execute("SELECT count(*) FROM tender_contracts").fetchone()[0] == before


def test_xlsx_export_reads_back_and_never_runs_a_formula(ws, tmp_path, capsys):
    import openpyxl

    # A publisher's text that looks like a formula stays text in the workbook.
    def write():
        with ws.atomic():
            ws.conn.execute(
                'UPDATE tender_contracts SET suppliers = \'=HYPERLINK("http://x","y")\' '
                "WHERE suppliers = 'CF Contact and Support Services Limited'"
            )

    ws.write(write)
    parser = argparse.ArgumentParser(prog="consortium")
    register(parser.add_subparsers(dest="command"))
    out = tmp_path / "pipeline.xlsx"
    args = parser.parse_args(["tenders", "pipeline", "--xlsx", str(out), "--json"])
    args.handler(args, ws)
    data = json.loads(capsys.readouterr().out)
    sheet = openpyxl.load_workbook(out).active
    assert sheet.max_row - 2 == data["count"] > 20
    assert [c.value for c in sheet[2]][:5] == [
        "Contract ends", "Could run to", "Contract", "Held by (incumbent)", "Value (£, ex VAT)",
    ]  # fmt: skip
    first = [c for c in sheet[3]]
    assert first[0].value.date() == dt.date(2027, 6, 15) and first[0].number_format == "d mmm yyyy"
    assert first[3].data_type == "s" and first[3].value.endswith('HYPERLINK("http://x","y")')
    assert first[4].value == 3650000 and first[4].number_format == '"£"#,##0'
    assert first[8].value.startswith("https://www.contractsfinder.service.gov.uk/Notice/")
