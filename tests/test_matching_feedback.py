"""Relevance feedback: marks re-order a partner's opportunities, say why, hide nothing, reset."""

from __future__ import annotations

import datetime as dt
import json

from consortium.matching import feedback, service
from consortium.partners import store

TODAY = dt.date(2026, 11, 23)


def _ours(ws) -> int:
    return store.ours(ws.db).id


def test_marks_reorder_within_a_tier_say_why_and_hide_nothing(demo_ws):
    pid = _ours(demo_ws)
    before = service.opportunities(demo_ws, pid, today=TODAY, limit=None)
    assert len(before) >= 3
    # mark the best one "not for us": it moves below the tender after it, but stays listed
    top, second = before[0], before[1]
    assert top.outside_area == second.outside_area
    feedback.mark(demo_ws, pid, top.tender.ocid, feedback.NOT_FOR_US)
    after = service.opportunities(demo_ws, pid, today=TODAY, limit=None)
    ocids = [o.tender.ocid for o in after]
    assert sorted(ocids) == sorted(o.tender.ocid for o in before)  # nothing hidden
    assert ocids.index(top.tender.ocid) > ocids.index(second.tender.ocid)
    marked = next(o for o in after if o.tender.ocid == top.tender.ocid)
    assert marked.mark == feedback.NOT_FOR_US
    assert marked.feedback == "You marked this tender not for us"
    assert marked.match.score == top.match.score  # the score itself is the rules'
    # tenders sharing its CPV group are moved too, and say so
    learned = feedback.learned(demo_ws.db, pid)
    (sentence,) = learned.sentences()[:1]
    assert sentence.startswith("You marked 1 ") and "not for us, so" in sentence
    assert sentence.endswith("counts less")
    alike = [
        o
        for o in after
        if o.tender.ocid != top.tender.ocid
        and set(feedback.themes(o.tender)) & set(feedback.themes(top.tender))
    ]
    assert alike and all(o.feedback and "counts less" in o.feedback for o in alike)
    # in-area tenders stay above outside-area ones whatever the marks
    tiers = [o.outside_area for o in after]
    assert tiers == sorted(tiers)
    assert after[0].to_dict()["mark"] is None and "feedback" in after[0].to_dict()
    # reset forgets it all
    assert feedback.reset(demo_ws, pid) == 1
    again = service.opportunities(demo_ws, pid, today=TODAY, limit=None)
    assert [o.tender.ocid for o in again] == [o.tender.ocid for o in before]
    assert not any(o.feedback for o in again)


def test_interested_moves_a_tender_up(demo_ws):
    pid = _ours(demo_ws)
    before = service.opportunities(demo_ws, pid, today=TODAY, limit=None)
    in_area = [o for o in before if not o.outside_area]
    last = in_area[-1] if len(in_area) > 1 else [o for o in before if o.outside_area][-1]
    feedback.mark(demo_ws, pid, last.tender.ocid, feedback.INTERESTED)
    after = service.opportunities(demo_ws, pid, today=TODAY, limit=None)
    old = [o.tender.ocid for o in before].index(last.tender.ocid)
    new = [o.tender.ocid for o in after].index(last.tender.ocid)
    assert new <= old
    feedback.mark(demo_ws, pid, last.tender.ocid, None)
    assert feedback.marks(demo_ws.db, pid) == {}


def test_cli_mark_and_reset(demo_file, capsys):
    from consortium.cli import main

    path = str(demo_file)
    assert main(["mark", "ocds-h6vhtk-06e058", "not-for-us", "--workspace", path]) == 0
    out = capsys.readouterr().out
    assert "Marked ocds-h6vhtk-06e058 not for us for Riverside Community Action." in out
    assert "counts less" in out
    assert main(["mark", "--reset", "--workspace", path, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["marks"] == {} and data["learned"] == []
    assert main(["mark", "ocds-nope", "interested", "--workspace", path]) != 0
    assert "no tender ocds-nope" in capsys.readouterr().err
