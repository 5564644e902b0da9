"""Real shapes from other publishers that once broke or bent the import (issue 16), each on a
fixture made from the real notices in tests/fixtures/ocds."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from consortium.tenders import merge, store
from consortium.tenders.cf_csv import parse_when
from consortium.tenders.importer import import_paths, import_releases
from consortium.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "ocds"
SELECTED = FIX / "fts-selected-civil-society-releases.json"
CF_PAGE = FIX / "cf-search-2025-01-20_2025-01-23-page-001.json"


@pytest.fixture
def ws(tmp_path):
    w = Workspace.create(tmp_path / "r.consortium")
    yield w
    w.close()


def real(release_id: str, path: Path = SELECTED) -> dict:
    package = json.loads(path.read_text(encoding="utf-8"))
    return next(r for r in package["releases"] if r["id"] == release_id)


def lots_of(ws, ocid: str) -> list[str]:
    return [lot.id for lot in store.get_tender(ws.db, ocid).lots]


def test_single_and_multi_notice_processes_compile_the_same_way(tmp_path):
    # Milton Keynes "Domestic Abuse Support Services": 7 lots. The publisher lists lot 1 twice.
    base = real("076142-2026")
    doubled = copy.deepcopy(base)
    doubled["tender"]["lots"].insert(1, copy.deepcopy(doubled["tender"]["lots"][0]))
    doubled["tender"]["description"] = None  # a null, and an empty object, as published
    doubled["tender"]["x_empty"] = {}
    alone = Workspace.create(tmp_path / "alone.consortium")
    import_releases(alone, [doubled])
    # The same content over two notices (an update repeating the notice) goes through merging.
    later = copy.deepcopy(doubled)
    later["id"], later["date"] = "076142-2026-update", "2026-09-01T10:00:00+01:00"
    earlier = copy.deepcopy(doubled)
    earlier["date"] = "2026-08-01T10:00:00+01:00"
    pair = Workspace.create(tmp_path / "pair.consortium")
    import_releases(pair, [earlier, later])
    ocid = base["ocid"]
    assert lots_of(alone, ocid) == lots_of(pair, ocid) == [str(i) for i in range(1, 8)]
    single = merge.compile_single(doubled)
    assert len(single["tender"]["lots"]) == 7
    assert "description" not in single["tender"] and "x_empty" not in single["tender"]
    assert json.dumps(single) == json.dumps(merge._merge_rules_loop([doubled]))
    alone.close()
    pair.close()


def test_single_notices_compile_as_merging_does_on_every_real_notice():
    for path in (SELECTED, CF_PAGE, FIX / "fts-release-package-2026-08-12-page-001.json"):
        for release in json.loads(path.read_text(encoding="utf-8"))["releases"]:
            quick = merge.compile_single(release)
            assert json.dumps(quick) == json.dumps(merge._merge_rules_loop([release]))


def test_a_zero_byte_file_in_a_folder_is_skipped_and_named(ws, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "a-empty.json").write_bytes(b"")
    (folder / "b-notices.json").write_bytes(SELECTED.read_bytes())
    report = import_paths(ws, [folder])
    assert report.tenders_new == 43
    assert report.skipped_files == [str(folder / "a-empty.json")]
    assert any("a-empty.json is empty (0 bytes) and was skipped" in w for w in report.warnings)
    # Given on its own, an empty file is still refused with a clear message.
    with pytest.raises(Exception, match="empty"):
        import_paths(ws, [folder / "a-empty.json"])


def test_json_lines_of_bare_records_are_read_as_records(ws, tmp_path):
    first, update = real("075819-2026"), real("075830-2026")  # Young Carers: tender, update
    other = real("076142-2026")
    lines = [
        {"ocid": first["ocid"], "releases": [first, update]},
        {"ocid": other["ocid"], "compiledRelease": other},  # a record with only its compiled form
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n", encoding="utf-8")
    report = import_paths(ws, [path])
    assert report.tenders_new == 2 and report.releases_new == 3
    young = store.get_tender(ws.db, first["ocid"])
    assert young.title == update["tender"]["title"] and young.releases == [
        "075819-2026",
        "075830-2026",
    ]
    assert store.get_tender(ws.db, other["ocid"]).title == "Domestic Abuse Support Services"


def test_a_release_id_published_twice_keeps_the_later_copy(ws):
    original = real("076142-2026")
    corrected = copy.deepcopy(original)
    corrected["date"] = "2026-09-02T09:00:00+01:00"
    corrected["tender"]["title"] = "Domestic Abuse Support Services (corrected)"
    # Both in one import: the later copy wins whichever comes first.
    report = import_releases(ws, [corrected, original])
    assert store.get_tender(ws.db, original["ocid"]).title.endswith("(corrected)")
    assert report.defect_counts["republished"] == 1 and report.duplicates_skipped == 1


def test_a_later_copy_arriving_in_a_later_import_replaces_the_stored_one(ws):
    original = real("076142-2026")
    import_releases(ws, [original])
    corrected = copy.deepcopy(original)
    corrected["date"] = "2026-09-02T09:00:00+01:00"
    corrected["tender"]["title"] = "Domestic Abuse Support Services (corrected)"
    report = import_releases(ws, [corrected])
    assert store.get_tender(ws.db, original["ocid"]).title.endswith("(corrected)")
    assert report.defect_counts["republished"] == 1
    assert "published twice" in report.defects[0].text
    assert ws.conn.execute("SELECT count(*) FROM tender_releases").fetchone()[0] == 1
    # An older copy arriving afterwards changes nothing (and is listed); the same copy again
    # is a plain duplicate.
    again = import_releases(ws, [original])
    assert again.duplicates_skipped == 1 and again.defect_counts["republished"] == 1
    same = import_releases(ws, [corrected])
    assert same.duplicates_skipped == 1 and "republished" not in same.defect_counts
    assert store.get_tender(ws.db, original["ocid"]).title.endswith("(corrected)")


def test_in_one_batch_the_later_copy_wins_and_is_listed(ws):
    original = real("076142-2026")
    corrected = copy.deepcopy(original)
    corrected["date"] = "2026-09-02T09:00:00+01:00"
    corrected["tender"]["title"] = "Domestic Abuse Support Services (corrected)"
    report = import_releases(ws, [original, corrected])
    assert store.get_tender(ws.db, original["ocid"]).title.endswith("(corrected)")
    assert report.defect_counts["republished"] == 1


def test_contracts_finder_1970_placeholder_is_no_date(ws):
    assert parse_when("01/01/1970") is None and parse_when("01/01/2001") is None
    assert parse_when("02/01/1970") is not None
    release = copy.deepcopy(json.loads(CF_PAGE.read_text(encoding="utf-8"))["releases"][0])
    release["tender"]["tenderPeriod"] = {"endDate": "1970-01-01T00:00:00Z"}
    release["tender"]["contractPeriod"] = {
        "startDate": "1970-01-01T00:00:00Z",
        "endDate": "2001-01-01T00:00:00Z",
    }
    import_releases(ws, [release])
    t = store.get_tender(ws.db, release["ocid"])
    assert t.deadline is None and t.contract_start is None and t.contract_end is None
