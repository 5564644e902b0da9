"""The Start page's checklist follows what the workspace really holds (core, no Qt)."""

from __future__ import annotations

from consortium import start
from consortium.bids import questions, records
from consortium.matching import consortia
from consortium.partners import store
from consortium.records import Organisation


def _done(ws) -> dict[str, bool]:
    return {s.key: s.done for s in start.checklist(ws.db)}


def test_an_empty_workspace_has_everything_to_do(empty_ws):
    steps = start.checklist(empty_ws.db)
    assert [s.title for s in steps] == [
        "Describe your organisation",
        "Add or import partners",
        "Get tenders",
        "Find a tender that fits you",
        "Form a consortium",
        "Write the bid",
        "Send for review",
    ]
    assert not any(s.done for s in steps)
    assert start.next_step(steps).key == "organisation"
    assert {s.area for s in steps} <= {"partners", "tenders", "matches", "bids", "review"}
    assert "This is our organisation" in steps[0].detail


def test_steps_tick_as_the_workspace_fills(empty_ws):
    ws = empty_ws
    ours_id = store.save(ws, Organisation(name="Riverside Community Action", is_ours=True))
    steps = {s.key: s for s in start.checklist(ws.db)}
    # Marked as ours but not yet described: services, codes and places are what matching needs.
    assert not steps["organisation"].done
    assert steps["organisation"].detail == (
        "Riverside Community Action: add what you do, service codes, where you work."
    )
    ours = store.load(ws.db, ours_id)
    ours.services = "Young carers groups and befriending"
    ours.cpv_codes = ["85312000"]
    ours.areas = ["E09000007"]
    store.save(ws, ours)
    assert _done(ws)["organisation"]
    assert not _done(ws)["partners"]

    partner_id = store.save(ws, Organisation(name="Northside Young Carers Trust"))
    steps = {s.key: s for s in start.checklist(ws.db)}
    assert steps["partners"].done and steps["partners"].detail == "1 partner besides you."
    assert not steps["consortium"].done

    group = consortia.Consortium(
        name="Camden carers",
        ocid="ocds-test-1",
        members=[consortia.Member(ours_id, "lead provider"), consortia.Member(partner_id)],
    )
    group_id = consortia.save(ws, group)
    done = _done(ws)
    assert done["fit"] and done["consortium"] and not done["bid"]
    assert start.next_step(start.checklist(ws.db)).key == "tenders"

    bid = records.create_for_consortium(ws, group_id)
    assert not _done(ws)["bid"]  # a bid with no answer is not written yet
    [q] = questions.add_questions(
        ws, bid.id, [questions.Question(bid.id, "Describe your approach")]
    )
    assert not _done(ws)["bid"]
    q = next(x for x in questions.list_for(ws.db, bid.id))
    q.answer = "We will run weekly groups."
    questions.save(ws, q)
    steps = {s.key: s for s in start.checklist(ws.db)}
    assert steps["bid"].done and steps["bid"].detail == "1 bid, 1 answer written."
    assert not steps["review"].done


def test_the_demo_workspace_is_part_way(demo_ws):
    done = _done(demo_ws)
    assert done == {
        "organisation": True,
        "partners": True,
        "tenders": True,
        "fit": True,
        "consortium": True,
        "bid": True,  # the demo bid's questions are answered
        "review": False,
    }
    steps = {s.key: s for s in start.checklist(demo_ws.db)}
    assert steps["tenders"].detail == "43 tenders in this workspace."
    assert steps["consortium"].detail == "1 consortium saved."
