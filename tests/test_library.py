"""The answer library: freshness, FTS5 search, suggestions with reasons, insert, share."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from conftest import dump
from test_bids_helpers import TODAY, fill_library, make_bid

from consortium.bids import questions
from consortium.bids.questions import Question
from consortium.library import share, store, suggest
from consortium.library.store import Entry, LibraryError


def test_freshness_and_stale():
    e = Entry(title="x")
    assert e.freshness(TODAY) == "never reviewed" and e.is_stale(TODAY)
    e.review_due = TODAY - dt.timedelta(days=1)
    assert e.freshness(TODAY) == "stale"
    e.review_due = TODAY + dt.timedelta(days=10)
    assert e.freshness(TODAY) == "review soon"
    e.review_due = None
    e.last_reviewed = TODAY - dt.timedelta(days=30)
    assert e.freshness(TODAY) == "fresh"
    e.last_reviewed = TODAY - dt.timedelta(days=400)
    assert e.freshness(TODAY) == "stale"


def test_stale_list(empty_ws):
    fill_library(empty_ws)
    old = Entry(title="Old policy", body="x", review_due=TODAY - dt.timedelta(days=3))
    store.save(empty_ws, old)
    assert [e.title for e in store.stale(empty_ws.db, TODAY)] == ["Old policy"]


def test_fts_search_and_updates_follow(empty_ws):
    entries = fill_library(empty_ws)
    found = store.search(empty_ws.db, "MARAC DBS")
    assert found[0][0].title == "Safeguarding children and adults"
    assert "[" in found[0][1]  # the snippet marks the match
    e = entries[3]
    e.body = "Now about hedgehogs."
    store.save(empty_ws, e)
    assert [x.title for x, _ in store.search(empty_ws.db, "hedgehogs")] == ["Mobilisation plan"]
    assert store.search(empty_ws.db, "TUPE") == []
    store.delete(empty_ws, e.id)
    assert store.search(empty_ws.db, "hedgehogs") == []
    assert store.search(empty_ws.db, '"; DROP TABLE x; --') == []  # odd input is just words


@pytest.mark.parametrize(
    "question, best",
    [
        (
            "Explain your safeguarding arrangements for adults and children, including referral "
            "to MARAC.",
            "Safeguarding children and adults",
        ),
        ("Set out your mobilisation plan for the first 90 days.", "Mobilisation plan"),
        ("What social value will you deliver in Milton Keynes?", "Social value in Milton Keynes"),
        (
            "How will you ensure survivors with protected characteristics can access the service?",
            "Equality and access",
        ),
        (
            "Describe how the members of your consortium will work together and how you will "
            "manage subcontractors.",
            "Consortium governance",
        ),
        ("Give a case study of refuge provision.", "Refuge accommodation case study"),
    ],
)
def test_suggestion_ranking_known_cases(empty_ws, question, best):
    fill_library(empty_ws)
    found = suggest.for_question(empty_ws.db, question, today=TODAY)
    assert found[0].title == best
    assert len(found) <= 5
    assert found[0].words or found[0].tags
    assert found[0].freshness == "fresh"
    assert all(a.score >= b.score for a, b in zip(found, found[1:], strict=False))


def test_suggestion_reasons_tags_and_staleness(empty_ws):
    fill_library(empty_ws)
    found = suggest.for_question(empty_ws.db, "Describe your safeguarding policy.", today=TODAY)
    top = found[0]
    assert top.tags == ["safeguarding"] and "safeguarding" in top.words
    assert "tags: safeguarding" in top.why
    # A stale copy of the same text ranks below the fresh one, and says it is stale
    stale = Entry(
        title="Safeguarding children and adults (old)",
        body=store.list_all(empty_ws.db)[-2].body,
        tags=["safeguarding", "dbs"],
        review_due=TODAY - dt.timedelta(days=1),
    )
    store.save(empty_ws, stale)
    found = suggest.for_question(empty_ws.db, "Describe your safeguarding policy.", today=TODAY)
    titles = [s.title for s in found]
    assert titles.index("Safeguarding children and adults") < titles.index(stale.title)
    assert next(s for s in found if s.title == stale.title).freshness == "stale"


def test_no_library_no_suggestions(empty_ws):
    assert suggest.for_question(empty_ws.db, "Anything?", today=TODAY) == []


def test_insert_appends_records_source_and_counts_use(demo_ws):
    _, bid = make_bid(demo_ws)
    entries = fill_library(demo_ws)
    q = Question(bid_id=bid.id, text="Describe safeguarding.", answer="Our approach:")
    questions.save(demo_ws, q)
    q = suggest.insert(demo_ws, q.id, entries[0].id)
    assert q.answer.startswith("Our approach:\n\nOur safeguarding policy")
    assert q.sources == [
        {"library_entry": entries[0].uid, "title": entries[0].title, "owner": entries[0].owner}
    ]
    assert q.status == "drafting"
    assert store.load(demo_ws.db, entries[0].id).usage_count == 1
    suggest.insert(demo_ws, q.id, entries[0].id)
    assert store.load(demo_ws.db, entries[0].id).usage_count == 2
    assert len(questions.load(demo_ws.db, q.id).sources) == 1


@pytest.mark.parametrize("suffix", [".json", ".xlsx"])
def test_export_import_round_trip(empty_ws, empty_template, tmp_path, suffix):
    from conftest import copy_workspace

    from consortium.workspace import Workspace

    entries = fill_library(empty_ws)
    entries[0].body = '=HYPERLINK("http://evil")'
    store.save(empty_ws, entries[0])
    path = tmp_path / f"lib{suffix}"
    assert share.export_entries(empty_ws.db, path) == len(entries)
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        for row in wb.active.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and v[:1] in "=+-@")
    other = Workspace.open(copy_workspace(empty_template, tmp_path / "other.consortium"))
    try:
        result = share.import_entries(other, path)
        assert (result.added, result.updated, result.skipped) == (len(entries), 0, 0)
        got = {e.title: e for e in store.list_all(other.db)}
        assert got[entries[0].title].body == '=HYPERLINK("http://evil")'
        assert got["Mobilisation plan"].tags == ["mobilisation"]
        assert got["Mobilisation plan"].review_due == entries[3].review_due
        again = share.import_entries(other, path)
        assert (again.added, again.updated, again.skipped) == (0, 0, len(entries))
    finally:
        other.close()


def test_bad_library_file_changes_nothing(empty_ws, tmp_path):
    fill_library(empty_ws)
    before = dump(empty_ws)
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "format": "consortium-library",
                "version": 1,
                "entries": [{"title": "ok"}, {"title": "", "body": "x"}],
            }
        )
    )
    with pytest.raises(LibraryError, match="Entry 2.*no title"):
        share.import_entries(empty_ws, bad)
    other = tmp_path / "x.json"
    other.write_text("[1, 2]")
    with pytest.raises(LibraryError, match="not a Consortium library export"):
        share.import_entries(empty_ws, other)
    (tmp_path / "x.csv").write_text("title\nx\n")
    with pytest.raises(LibraryError, match=".json or .xlsx"):
        share.import_entries(empty_ws, tmp_path / "x.csv")
    assert dump(empty_ws) == before


def test_import_a_hand_made_workbook(empty_ws, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Title", "Body", "Kind", "Owner", "Tags", "Review due", "Last reviewed"])
    wb.active.append(
        [
            "Outreach case study",
            "We reached 400 families.",
            "Case study",
            "Ouse Valley Outreach",
            "outreach; families",
            dt.datetime(2027, 3, 1),
            "1/3/2026",
        ]
    )
    wb.active.append([None] * 7)
    path = tmp_path / "mine.xlsx"
    wb.save(path)
    result = share.import_entries(empty_ws, path)
    assert result.added == 1
    e = store.list_all(empty_ws.db)[0]
    assert (e.kind, e.tags, e.review_due, e.last_reviewed) == (
        "case study",
        ["outreach", "families"],
        dt.date(2027, 3, 1),
        dt.date(2026, 3, 1),
    )


def library_file(path, **fields):
    """A library export of one entry, with ``fields`` put over a good one."""
    entry = {"uid": "u-1", "kind": "case study", "title": "Young carers", "body": "We..."}
    entry |= {"tags": ["carers"], "cpv": ["85000000"], "updated_at": "2026-12-03T13:01:09+00:00"}
    entry |= fields
    data = {"format": "consortium-library", "version": 1, "entries": [entry]}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"tags": 5}, "tags must be a list of words"),
        ({"cpv": 85000000}, "cpv must be a list of CPV codes"),
        ({"tags": [["a"], {"b": 1}]}, "tags must be a list of words"),
        ({"tags": {"a": 1}}, "tags must be a list of words"),
        ({"cpv": [None]}, "cpv must be a list of CPV codes"),
        ({"title": {"a": 1}}, "title must be text"),
        ({"uid": {"x": 1}}, "uid must be text"),
        ({"body": ["a", "b"]}, "body must be text"),
        ({"kind": ["answer"]}, "kind must be text"),
        ({"owner": True}, "owner must be text"),
    ],
)
def test_a_field_of_the_wrong_shape_is_named_and_nothing_is_imported(
    empty_ws, tmp_path, fields, said
):
    fill_library(empty_ws)
    before = dump(empty_ws)
    path = library_file(tmp_path / "shared.json", **fields)
    with pytest.raises(LibraryError) as caught:
        share.import_entries(empty_ws, path)
    assert str(caught.value) == f"Entry 1 in shared.json: {said}. Nothing was imported."
    assert dump(empty_ws) == before


def test_tags_and_codes_given_as_text_are_read_as_a_spreadsheet_cell_is(empty_ws, tmp_path):
    share.import_entries(empty_ws, library_file(tmp_path / "one.json", tags="safeguarding"))
    (e,) = store.list_all(empty_ws.db)
    assert e.tags == ["safeguarding"]  # one tag, not twelve letters
    path = library_file(
        tmp_path / "two.json",
        uid="u-2",
        title="Outreach",
        tags="safeguarding; young carers",
        cpv="85000000; 85310000-5",
    )
    share.import_entries(empty_ws, path)
    e = next(e for e in store.list_all(empty_ws.db) if e.uid == "u-2")
    assert (e.tags, e.cpv) == (["safeguarding", "young carers"], ["85000000", "85310000"])
    # A number where text belongs is the text a spreadsheet cell would give.
    share.import_entries(empty_ws, library_file(tmp_path / "n.json", uid="u-3", title=2026))
    assert "2026" in {e.title for e in store.list_all(empty_ws.db)}
    # In a workbook, a CPV code typed as a number is still the code.
    wb = openpyxl.Workbook()
    wb.active.append(["Title", "CPV", "Tags"])
    wb.active.append(["Day centre", 85000000, "older people; lunch club"])
    wb.save(tmp_path / "cells.xlsx")
    share.import_entries(empty_ws, tmp_path / "cells.xlsx")
    e = next(e for e in store.list_all(empty_ws.db) if e.title == "Day centre")
    assert (e.tags, e.cpv) == (["older people", "lunch club"], ["85000000"])


def test_a_library_file_saved_with_a_byte_order_mark_imports(empty_ws, tmp_path):
    path = library_file(tmp_path / "notepad.json")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as Windows Notepad saves it
    assert share.import_entries(empty_ws, path).added == 1


@pytest.mark.parametrize(
    ("encode", "said"),
    [
        (lambda text: text.encode("utf-16"), "save it as UTF-8"),
        (lambda text: text.replace("We...", "Café").encode("latin-1"), "save it as UTF-8"),
        (
            lambda text: text.replace('"version": 1', '"version": ' + "7" * 5000).encode(),
            "a number in it is too long",
        ),
    ],
    ids=["utf-16", "latin-1", "long-number"],
)
def test_a_library_file_python_cannot_read_says_what_to_do(empty_ws, tmp_path, encode, said):
    fill_library(empty_ws)
    before = dump(empty_ws)
    path = library_file(tmp_path / "shared.json")
    path.write_bytes(encode(path.read_text(encoding="utf-8")))
    with pytest.raises(LibraryError) as caught:
        share.import_entries(empty_ws, path)
    assert str(caught.value).startswith("shared.json is not a readable library file: ")
    assert said in str(caught.value)
    assert "codec" not in str(caught.value) and "sys.set_int" not in str(caught.value)
    assert dump(empty_ws) == before
