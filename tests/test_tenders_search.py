"""Search: FTS5 prefix and phrase queries, filters, place containment, sorting, saved searches."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from consortium.tenders import search
from consortium.tenders.importer import demo_dates_moved, import_demo_tenders, import_paths
from consortium.tenders.search import SearchError, TenderQuery, fts_query, rows, search_ids
from consortium.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "ocds"
FILES = [
    FIX / "fts-release-package-2026-08-12-page-001.json",
    FIX / "fts-selected-civil-society-releases.json",
    FIX / "cf-search-2025-01-20_2025-01-23-page-001.json",
]
AUG_12 = dt.datetime(2026, 8, 12, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s")
    w = Workspace.create(folder / "s.consortium")
    import_paths(w, FILES)
    w.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    w.close()
    return folder / "s.consortium"


@pytest.fixture
def ws(template, tmp_path):
    shutil.copy(template, tmp_path / "s.consortium")
    w = Workspace.open(tmp_path / "s.consortium", backup=False)
    yield w
    w.close()


def records(ws) -> dict[str, dict]:
    return {o: search.get(ws, o).to_dict() for (o,) in ws.conn.execute("SELECT ocid FROM tenders")}


def text_of(rec: dict) -> str:
    lots = " ".join(f"{lot['title'] or ''} {lot['description'] or ''}" for lot in rec["lots"])
    return f"{rec['title']} {rec['description']} {lots}".lower()


def test_fts_query_is_always_safe():
    assert fts_query("care*") == '"care"*'
    assert fts_query('"young people" support') == '"young people" "support"'
    assert fts_query('care" -x "') == '"care" "x"'
    assert fts_query("co-op OR charity OR") == '"co op" OR "charity"'
    assert fts_query('" - * ( ) NEAR AND') == '"NEAR" "AND"'
    assert fts_query("") is None and fts_query('"" -') is None
    for nasty in ['"', "-", "*", "AND", "a:b", "NOT x", "(", "title:care", "'", "^care"]:
        search_ids_safe = fts_query(nasty)
        assert search_ids_safe is None or search_ids_safe.count('"') % 2 == 0


def test_prefix_and_phrase_queries(ws):
    recs = records(ws)
    prefix = set(search_ids(ws, text="carer*"))
    assert prefix and all("carer" in text_of(recs[o]) for o in prefix)
    assert "ocds-h6vhtk-06e058" in prefix  # Young Carers
    phrase = set(search_ids(ws, text='"young people"'))
    expected = {o for o, r in recs.items() if "young people" in " ".join(text_of(r).split())}
    assert phrase and phrase <= expected | {
        o for o in phrase if "young peoples" in text_of(recs[o])
    }
    assert len(phrase) >= len(expected) * 0.9
    lots_only = set(search_ids(ws, text='"Domestic Abuse Refuge Support"'))
    assert "ocds-h6vhtk-05a7b0" in lots_only
    for nasty in ['"', "-", 'care" -', "NOT", "(", "title:x", "*", "a OR OR b"]:
        search_ids(ws, text=nasty)  # never raises


def test_status_and_deadline_filters(ws):
    recs = records(ws)
    open_ids = search_ids(ws, status=["open"], today=AUG_12)
    assert open_ids
    for ocid in open_ids:
        rec = recs[ocid]
        assert rec["phase"] == "tender"
        deadline = rec["deadline"] or rec["eoi_deadline"]
        assert deadline is None or deadline > "2026-08-12T00:00:00Z"
    closed = set(search_ids(ws, status=["closed"], today=AUG_12))
    assert closed.isdisjoint(open_ids)
    for status in ("coming soon", "cancelled", "awarded"):
        ids = search_ids(ws, status=[status], today=AUG_12)
        assert ids and all(r["status"] == status for r in rows(ws, ids, today=AUG_12))
    window = search_ids(ws, deadline_from="2026-09-01", deadline_to="2026-09-08")
    assert window
    for ocid in window:
        deadline = recs[ocid]["deadline"] or recs[ocid]["eoi_deadline"]
        assert "2026-09-01" <= deadline[:10] <= "2026-09-08"
    assert "ocds-h6vhtk-05a7b0" in window  # deadline 8 Sep 2026, 11:00 UTC
    ordered = [recs[o]["deadline"] or recs[o]["eoi_deadline"] for o in window]
    assert ordered == sorted(ordered)


def test_cpv_subtree(ws):
    recs = records(ws)
    ids = set(search_ids(ws, cpv=["85300000"]))
    expected = {
        o
        for o, r in recs.items()
        if any(c.startswith("853") for c in r["cpv"] + [c for lot in r["lots"] for c in lot["cpv"]])
    }
    assert ids == expected and ids
    assert set(search_ids(ws, cpv=["85000000"])) >= ids
    assert set(search_ids(ws, cpv=["85312000-8"])) <= ids  # check digit ignored
    with pytest.raises(SearchError):
        search_ids(ws, cpv=["x"])


def test_place_containment(ws):
    havering = set(search_ids(ws, place="E09000016"))
    assert "ocds-h6vhtk-06e0a3" in havering  # reserved for Havering
    recs = records(ws)
    whole_uk = {o for o, r in recs.items() if "TL" in r["places"]}
    assert whole_uk and whole_uk <= havering  # whole-UK tenders include every council
    milton_keynes = "ocds-h6vhtk-05a7b0"  # TLJ12
    assert milton_keynes not in havering
    assert milton_keynes in search_ids(ws, place="E06000042")  # Milton Keynes council
    london = set(search_ids(ws, place="TLI"))
    assert "ocds-h6vhtk-06e0a3" in london  # inside London
    assert whole_uk <= london  # covering London
    assert milton_keynes not in london
    assert london == set(search_ids(ws, place="UKI"))  # NUTS works like ITL
    south_east_part = set(search_ids(ws, place="TLJ1"))
    assert milton_keynes in south_east_part
    assert set(search_ids(ws, place="Havering")) == havering
    with pytest.raises(SearchError):
        search_ids(ws, place="Atlantis")


def test_value_flags_and_sorting(ws):
    recs = records(ws)
    ids = search_ids(ws, value_min=1_000_000, value_max=5_000_000, sort="value")
    values = [r["value_sort"] for r in rows(ws, ids)]
    assert values and all(1_000_000 <= v <= 5_000_000 for v in values)
    assert values == sorted(values, reverse=True)
    for flag in ("sme", "vcse"):
        got = search_ids(ws, **{flag: True})
        assert got and all(recs[o][flag] is True for o in got)
    reserved = search_ids(ws, reserved=True)
    assert reserved and all(recs[o]["reserved_vcse"] for o in reserved)
    ranked = search_ids(ws, text="domestic abuse", sort="relevance")
    top = [recs[o]["title"].lower() for o in ranked[:3]]
    assert all("domestic abuse" in t for t in top)  # title matches weigh most
    assert "ocds-h6vhtk-05a7b0" in ranked[:3]
    assert set(ranked) == set(search_ids(ws, text="domestic abuse", sort="deadline"))
    assert search_ids(ws, source="cf") and all(
        o.startswith("ocds-b5fd17") for o in search_ids(ws, source="cf")
    )


def test_rows_on_demand_keep_order_and_mark_changes(ws):
    ids = search_ids(ws)
    assert len(ids) == ws.conn.execute("SELECT count(*) FROM tenders").fetchone()[0]
    page = rows(ws, ids[5:10])
    assert [r["ocid"] for r in page] == ids[5:10]
    ocid = ids[0]
    assert rows(ws, [ocid])[0]["viewed"] is False
    search.mark_viewed(ws, ocid)
    row = rows(ws, [ocid])[0]
    assert row["viewed"] and not row["changed_since_viewed"]

    def write():
        with ws.atomic():
            ws.conn.execute("UPDATE tenders SET hash = 'changed' WHERE ocid = ?", [ocid])

    ws.write(write)
    assert rows(ws, [ocid])[0]["changed_since_viewed"]


def test_saved_search_marks_what_is_new(ws, tmp_path):
    query = TenderQuery(text="support", status=["open"])
    sid = search.save_search(ws, "Support work", query)
    ids, new = search.run_saved(ws, sid, today=AUG_12)
    assert ids and not new  # saved after the import: nothing new yet
    listed = search.saved_searches(ws, today=AUG_12)
    assert listed[0]["name"] == "Support work" and listed[0]["count"] == len(ids)
    # A later import brings a new notice that matches.
    release = json.loads(FILES[1].read_text())["releases"][0]
    release = json.loads(json.dumps(release))
    release.update(ocid="ocds-test-new", id="new-1", date="2026-08-12T12:00:00+01:00")
    release["tender"].update(status="active", title="New support service")
    release["tender"]["tenderPeriod"] = {"endDate": "2026-12-01T12:00:00Z"}
    (tmp_path / "n.json").write_text(json.dumps({"releases": [release]}))
    import_paths(ws, [tmp_path / "n.json"])
    ids, new = search.run_saved(ws, sid, today=AUG_12)
    assert new == {"ocds-test-new"} and "ocds-test-new" in ids
    listed = search.saved_searches(ws, today=AUG_12)[0]
    assert listed["new"] == listed["new_in_last_import"] == 1
    search.mark_search_viewed(ws, sid)
    assert search.run_saved(ws, sid, today=AUG_12)[1] == set()
    search.delete_search(ws, sid)
    assert search.saved_searches(ws) == []


def test_demo_import_moves_dates_ahead(tmp_path):
    w = Workspace.create(tmp_path / "d.consortium")
    try:
        today = dt.date(2026, 12, 3)
        report = import_demo_tenders(w, today)
        source = json.loads(
            (
                Path(search.__file__).parents[1]
                / "data"
                / "demo"
                / "fts-selected-civil-society-releases.json"
            ).read_text()
        )
        ocids = {r["ocid"] for r in source["releases"]}
        assert report.tenders_new == len(ocids)
        banner = demo_dates_moved(w)
        assert banner["days"] > 0 and banner["days"] % 7 == 0
        open_ids = search_ids(w, status=["open"], today=today)
        assert len(open_ids) >= 10
        deadlines = [r["deadline"] for r in rows(w, open_ids)]
        assert all(d is None or d > "2026-12-03" for d in deadlines)
        # Nothing a demo user sees was published after today (most notices were published in
        # the week before the earliest deadline, so moving every date alike put them in the
        # future), and each process moved by whole weeks, its deadline with it.
        originals = {}
        for r in source["releases"]:
            if r["date"] > originals.get(r["ocid"], ""):
                originals[r["ocid"]] = r["date"]
        for ocid in ocids:
            tender = search.get(w, ocid)
            assert tender.published[:10] <= "2026-12-03", (ocid, tender.published)
            moved = dt.datetime.fromisoformat(tender.published.replace("Z", "+00:00"))
            original = dt.datetime.fromisoformat(originals[ocid]).astimezone(dt.UTC)
            shift = (moved - original).days
            assert shift % 7 == 0 and 0 <= shift <= banner["days"]
            assert (moved - original).seconds == 0
        mk = search.get(w, "ocds-h6vhtk-05a7b0")
        moved = dt.datetime.fromisoformat(mk.deadline.replace("Z", "+00:00"))
        published = dt.datetime.fromisoformat(mk.published.replace("Z", "+00:00"))
        original = dt.datetime(2026, 9, 8, 11, 0, tzinfo=dt.UTC)
        assert moved.weekday() == original.weekday() and (moved - original).days % 7 == 0
        # It keeps the four weeks it had between publication and deadline.
        assert moved - published == original - dt.datetime(2026, 8, 11, 10, 37, 39, tzinfo=dt.UTC)
        assert "none is published after today" in banner["message"]
    finally:
        w.close()


def test_user_imports_are_not_moved(ws):
    assert demo_dates_moved(ws) is None
    mk = search.get(ws, "ocds-h6vhtk-05a7b0")
    assert mk.deadline == "2026-09-08T11:00:00Z"


def test_keys_for_a_virtual_list_and_updated_text_is_searchable(ws, tmp_path):
    keys = search.search_keys(ws, status=["open"], today=AUG_12)
    assert keys and all(isinstance(k, int) for k in keys)
    assert [r["key"] for r in rows(ws, keys[:20])] == keys[:20]
    assert search.ocids_for(ws, keys) == search_ids(ws, status=["open"], today=AUG_12)
    assert search.count(ws, status=["open"], today=AUG_12) == len(keys)
    # A new notice for a known process renames it: the index follows, the old title is gone.
    release = json.loads(FILES[1].read_text())["releases"][0]
    update = json.loads(json.dumps(release))
    update.update(id=release["id"] + "-upd", date="2026-08-20T10:00:00+01:00")
    update["tender"]["title"] = "Zebracrossing refurbishment"
    (tmp_path / "u.json").write_text(json.dumps({"releases": [update]}))
    report = import_paths(ws, [tmp_path / "u.json"])
    assert report.tenders_updated == 1
    assert search_ids(ws, text="zebracrossing") == [release["ocid"]]
    key = search.search_keys(ws, text="zebracrossing")[0]
    in_titles = {
        r[0]
        for r in ws.conn.execute(
            "SELECT rowid FROM tenders_fts WHERE tenders_fts MATCH ?",
            ['title : "' + release["tender"]["title"] + '"'],
        )
    }
    assert key not in in_titles  # the old title left the index
