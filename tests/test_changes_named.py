"""Every core write of bids, packs and reviews, social value, assets, the library, members'
work, saved searches, the tender feeds and what ranks the matches names what it changes: a listener on ``ws.on_commit`` hears exactly those kinds, so the
window refreshes the views that show them and no others (see consortium/changes.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from consortium import assets
from consortium.bids import narrative
from consortium.bids import questions as bid_questions
from consortium.bids import records as bids
from consortium.library import share, store, suggest
from consortium.matching import feedback, service
from consortium.packs import keys, pack, review
from consortium.socialvalue import commitments, tracking
from consortium.socialvalue.demo import add_demo_social_value
from consortium.tenders import search
from consortium.tenders.feeds import fetch as feeds
from consortium.work import apply, member
from tests.conftest import TODAY
from tests.test_work import BID, Parties


def heard(ws, write) -> set[str]:
    """The kinds every commit of ``write()`` named, together."""
    got = []
    stop = ws.on_commit(got.append)
    try:
        write()
    finally:
        stop()
    assert got, "the write told no one what it changed"
    return set().union(*(c.kinds() for c in got))


def first_question(ws) -> bid_questions.Question:
    return bid_questions.list_for(ws.db, BID)[0]


def test_bid_writes_name_bids_and_answer_saves_name_answers_only(demo_ws):
    ws = demo_ws
    bid = bids.load(ws.db, BID)
    bid.name += " (renamed)"
    assert heard(ws, lambda: bids.save(ws, bid)) == {"bids"}
    assert heard(ws, lambda: bids.declare_conflicts(ws, BID, "None")) == {"bids"}
    # An answer saved as the user types is "answers" alone: the Bids area does not reload
    # its editor for it (ui/dispatch.py, writer watches).
    q = first_question(ws)
    q.answer += " One more sentence."
    assert heard(ws, lambda: bid_questions.save(ws, q)) == {"answers"}
    assert heard(ws, lambda: narrative.save(ws, BID, "governance", "Our board.")) == {"answers"}
    # A question added, moved, deleted or put back changes the bid's list of questions.
    new = bid_questions.Question(bid_id=BID, text="A new question?")
    assert heard(ws, lambda: bid_questions.save(ws, new)) == {"answers", "bids"}
    assert heard(ws, lambda: bid_questions.add_lines(ws, BID, "Another one?")) == {"bids"}
    assert heard(ws, lambda: bid_questions.move(ws, new.id, -1)) == {"bids"}
    gone = []
    assert heard(ws, lambda: gone.append(bid_questions.delete(ws, new.id))) == {"bids"}
    assert heard(ws, lambda: bid_questions.restore(ws, gone[0])) == {"bids"}


def test_asset_library_and_social_value_writes_name_their_kinds(demo_ws, tmp_path):
    ws = demo_ws
    hall = assets.Asset(name="St Mary's hall", council="E06000042")
    assert heard(ws, lambda: assets.save(ws, hall)) == {"assets"}
    assert heard(ws, lambda: assets.attach(ws, BID, hall.id, "weekly drop-in")) == {"bids"}
    shed = assets.Asset(name="Allotment shed", council="E06000042")
    assets.save(ws, shed)
    assert heard(ws, lambda: assets.delete(ws, shed.id)) == {"assets"}

    entry = store.Entry(title="Outreach in Bletchley", body="We knock on every door.")
    assert heard(ws, lambda: store.save(ws, entry)) == {"library"}
    q = first_question(ws)
    # Inserting a library answer changes the answer and the entry's count of uses.
    assert heard(ws, lambda: suggest.insert(ws, q.id, entry.id)) == {"answers", "library"}
    out = tmp_path / "library.json"
    share.export_entries(ws.db, out)
    assert heard(ws, lambda: store.delete(ws, entry.id)) == {"library"}
    assert heard(ws, lambda: share.import_entries(ws, out)) == {"library"}

    sv_bid = add_demo_social_value(ws, TODAY)
    items = commitments.list_for_bid(ws.db, sv_bid)
    copy = dataclasses.replace(items[0], id=None)
    assert heard(ws, lambda: commitments.add(ws, copy)) == {"social_value"}
    removed = []
    assert heard(ws, lambda: removed.append(commitments.delete(ws, copy.id))) == {"social_value"}
    assert heard(ws, lambda: commitments.restore(ws, removed[0])) == {"social_value"}
    settings = commitments.load_settings(ws.db, sv_bid)
    settings.inputs = Decimal(70000)
    assert heard(ws, lambda: commitments.save_settings(ws, sv_bid, settings)) == {"social_value"}
    assert heard(ws, lambda: tracking.record(ws, items[0].id, "2027", Decimal(1))) == {
        "social_value"
    }


def test_packs_reviews_and_trusted_keys_name_their_kinds(demo_ws, memory_keyring, tmp_path):
    ws = demo_ws
    keys.create_key("Riverside Community Action")
    path = tmp_path / "bid.cbpack"
    assert heard(ws, lambda: pack.export_pack(ws, BID, path)) == {"bids"}
    opened = []
    # The housing association's side: a pack received for review, and its sender's key.
    assert heard(ws, lambda: opened.append(review.open_for_review(ws, path, TODAY))) == {
        "reviews",
        "keys",
    }
    back = review.export_review(
        review.Review(opened[0], opened[0].checklist, [], "approve"), tmp_path / "r.cbreview"
    )
    # The consortium's side: the bid's status and the comments.
    assert heard(ws, lambda: review.import_review(ws, back, bid_id=BID)) == {"bids", "keys"}
    assert bids.load(ws.db, BID).status == "approved"


@pytest.fixture
def parties(demo_ws, memory_keyring, tmp_path, monkeypatch):
    p = Parties(demo_ws, tmp_path, monkeypatch)
    yield p
    p.close()


def test_work_packs_and_replies_name_work_and_what_they_take_in(parties, tmp_path):
    lead = parties.lead
    sent = []
    assert heard(lead, lambda: sent.append(parties.send(2))) == {"work", "keys"}
    work = parties.open_as_member(2, sent[0])
    mws = parties.members[2]
    # The member's own answer, saved as they type: "work", never the lead's "answers".
    assert heard(mws, lambda: member.save_answer(mws, work.id, parties.q["1"], "Yes.")) == {"work"}
    reply = parties.answer_and_reply(2, sent[0], {"1": "We run drop-ins."}, "2028-03-31")
    incoming = apply.read_reply(lead, reply)
    # Taking the reply in: the work, the answers, the member's record and its key.
    assert heard(lead, lambda: apply.apply(lead, incoming)) == {
        "work",
        "answers",
        "partners",
        "keys",
    }
    assert bid_questions.load(lead.db, parties.q["1"]).answer == "We run drop-ins."


def test_a_new_kind_is_known_to_the_dispatcher_and_everything_names_it():
    from consortium.changes import EVERYTHING, Changes

    for kind in ("answers", "work", "reviews", "keys", "searches", "feeds", "matching"):
        assert kind in EVERYTHING.kinds()
        assert Changes.of(kind).kinds() == {kind}


def test_saved_searches_name_searches_and_not_tenders(demo_ws):
    # Not "tenders": saving a search must not have every tender list read again.
    ws = demo_ws
    query = search.TenderQuery(cpv=["85"])
    made = []
    assert heard(ws, lambda: made.append(search.save_search(ws, "Care", query))) == {"searches"}
    # Looking at its results changes its "new" count in the saved list.
    assert heard(ws, lambda: search.mark_search_viewed(ws, made[0])) == {"searches"}
    assert heard(ws, lambda: search.delete_search(ws, made[0])) == {"searches"}


def test_weights_and_marks_name_matching(demo_ws):
    ws = demo_ws
    weights = dataclasses.replace(service.load_weights(ws.db), place=50)
    assert heard(ws, lambda: service.save_weights(ws, weights)) == {"matching"}
    pid = ws.db.execute("SELECT id FROM organisations ORDER BY id").fetchone()[0]
    ocid = ws.db.execute("SELECT ocid FROM tenders ORDER BY ocid").fetchone()[0]
    assert heard(ws, lambda: feedback.mark(ws, pid, ocid, feedback.NOT_FOR_US)) == {"matching"}
    assert heard(ws, lambda: feedback.mark(ws, pid, ocid, None)) == {"matching"}
    assert heard(ws, lambda: feedback.reset(ws, pid)) == {"matching"}


def test_the_feed_state_names_feeds_and_a_page_fetched_names_tenders_too(tmp_path):
    from consortium.workspace import Workspace
    from tests.feed_server import FTS_PAGE, FakeTime, FeedServer, chain
    from tests.test_tenders_feeds import run

    ws = Workspace.create(tmp_path / "feeds.consortium")
    try:
        assert heard(ws, lambda: feeds.set_check_on_start(ws, True)) == {"feeds"}
        with FeedServer(chain("fts", FTS_PAGE, 2)) as server:
            clock = FakeTime()
            assert heard(ws, lambda: run(ws, server, clock)) == {"feeds", "tenders"}
            # Fetched again from the start: the same notices, but the feed has moved on.
            got = []
            stop = ws.on_commit(got.append)
            try:
                run(ws, server, clock, since=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
            finally:
                stop()
            assert got and all("feeds" in c.kinds() for c in got)
    finally:
        ws.close()
