"""Where a bid stands with its reviewer: an approval covers the version approved, sending a pack
puts the bid in review, and the review that counts is of the newest pack reviewed, whatever
order the files come back in."""

from __future__ import annotations

import json
import zipfile

from consortium.bids import questions
from consortium.bids import records as bids
from consortium.cli import main
from consortium.matching import consortia
from consortium.packs import pack, review
from tests.test_packs_trust import parties  # noqa: F401  (the fixture)
from ui.review_outcome import outcome_html  # the bid's Overview shows this


def manifest_status(path) -> str:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(pack.MANIFEST))["bid"]["status"]


def change_an_answer(ws, bid_id: int) -> None:
    q = questions.Question(bid_id=bid_id, ref="Q9", text="Describe your mobilisation.")
    q.answer = "We will not offer interpreters."
    questions.add_questions(ws, bid_id, [q])


def test_an_approval_covers_the_version_approved_and_a_changed_bid_goes_for_review_again(
    parties,  # noqa: F811
    capsys,
):
    ws, bid_id = parties.consortium, parties.the_bid.id
    v1 = parties.send("v1.cbpack")
    assert manifest_status(v1) == "in review"  # sent for review: no longer drafting
    assert bids.load(ws.db, bid_id).status == "in review"
    assert review.import_review(ws, parties.review_of(v1, "approve")).status == "approved"
    assert review.latest_review(ws, bid_id)["changed_since"] is False

    # Sent again unchanged (a lost file): still the approved bid.
    again = parties.send("v1-again.cbpack")
    assert manifest_status(again) == "approved" and bids.load(ws.db, bid_id).status == "approved"

    change_an_answer(ws, bid_id)
    latest = review.latest_review(ws, bid_id)
    assert latest["decision"] == "approve" and latest["changed_since"] is True
    assert "The bid has changed since it was approved" in outcome_html(ws, bid_id)
    capsys.readouterr()
    assert main(["--workspace", str(ws.path), "bid", "list"]) == 0
    assert "approved, but changed since: send a new pack for review" in capsys.readouterr().out
    # Marking an answer done is work in hand, not a change to what was approved.
    v2 = parties.send("v2.cbpack")
    assert manifest_status(v2) == "in review"  # the HA is not told the changed bid is approved
    assert bids.load(ws.db, bid_id).status == "in review"
    latest = review.latest_review(ws, bid_id)
    assert latest["older_version"] is True and latest["newest_sent"] is not None
    assert "The newest version, sent on " in outcome_html(ws, bid_id)


def test_marking_an_answer_done_does_not_undo_an_approval(parties):  # noqa: F811
    ws, bid_id = parties.consortium, parties.the_bid.id
    change_an_answer(ws, bid_id)
    v1 = parties.send("v1.cbpack")
    review.import_review(ws, parties.review_of(v1, "approve"))
    (q,) = [q for q in questions.list_for(ws.db, bid_id) if q.ref == "Q9"]
    q.status = "done"
    questions.save(ws, q)
    assert review.latest_review(ws, bid_id)["changed_since"] is False
    c = consortia.load(ws.db, parties.the_bid.consortium_id)
    c.fee_percent = 7.5  # but a new fee is
    consortia.save(ws, c)
    assert review.latest_review(ws, bid_id)["changed_since"] is True


def test_a_late_review_of_an_older_pack_never_hides_the_current_decision(parties):  # noqa: F811
    ws, bid_id = parties.consortium, parties.the_bid.id
    v1 = parties.send("v1.cbpack")
    approval_of_v1 = parties.review_of(v1, "approve", "v1-approve.cbreview")
    change_an_answer(ws, bid_id)
    v2 = parties.send("v2.cbpack")
    assert review.import_review(ws, parties.review_of(v2, "return", "v2.cbreview")).status == (
        "returned"
    )
    late = review.import_review(ws, approval_of_v1)
    assert late.older_version and late.status == "returned"
    assert "was reviewed already (Returned for changes" in late.warnings[0]
    assert "has not been reviewed yet" not in late.warnings[0]
    assert " at " in late.warnings[0]  # two versions sent the same day differ by their time
    latest = review.latest_review(ws, bid_id)  # the Overview's headline
    assert latest["decision"] == "return" and latest["older_version"] is False
    assert latest["reasons"] == "The fee is not set."
    html = outcome_html(ws, bid_id)
    assert "Review: Returned for changes" in html and "Review: Approved" not in html
    assert bids.load(ws.db, bid_id).status == "returned"


def test_readiness_and_the_ha_checklist_agree_on_the_declaration_and_the_fee(parties):  # noqa: F811
    """The HA's checklist warned of no declaration of interests while the consortium's
    readiness check said nothing of it; the fee was a warning on one side only."""
    from consortium.bids import readiness

    ws, bid_id = parties.consortium, parties.the_bid.id
    codes = {i.code for i in readiness.check(ws, bid_id).items}
    assert {"no_conflicts_declaration", "no_fee"} <= codes
    sent = parties.send("v1.cbpack")
    parties.as_("ha")
    checks = {c.item: c for c in review.open_for_review(parties.ha_ws, sent).checklist}
    assert checks["Conflicts of interest declared"].status == review.WARN
    assert checks["Management fee agreed"].status == review.WARN
    parties.as_("consortium")
    bids.declare_conflicts(ws, bid_id, "None: no member has an interest in the buyer.")
    c = consortia.load(ws.db, parties.the_bid.consortium_id)
    c.fee_percent = 0.0
    consortia.save(ws, c)
    codes = {i.code for i in readiness.check(ws, bid_id).items}
    assert not {"no_conflicts_declaration", "no_fee"} & codes
    again = parties.send("v2.cbpack")
    parties.as_("ha")
    checks = {c.item: c for c in review.open_for_review(parties.ha_ws, again).checklist}
    assert checks["Conflicts of interest declared"].status == review.PASS
    assert checks["Management fee agreed"].status == review.PASS
    assert checks["Management fee agreed"].evidence == ["Management fee 0.0%"]


def test_the_has_checklist_and_its_notes_reach_the_consortium(parties, tmp_path):  # noqa: F811
    """The review carried the checklist, but only the decision, reasons and comments were
    taken in: the consortium never saw which checks failed, nor the officer's notes."""
    ws, bid_id = parties.consortium, parties.the_bid.id
    sent = parties.send("v1.cbpack")
    parties.as_("ha")
    opened = review.open_for_review(parties.ha_ws, sent)
    checks = opened.checklist
    passed = next(c for c in checks if c.status == review.PASS)
    manual = next(c for c in checks if not c.automated)
    manual.status, manual.note = review.WARN, "The agreement gives small members 30 days' notice."
    made = review.export_review(
        review.Review(opened, checks, [], "return", reasons="See the checklist."),
        tmp_path / "r.cbreview",
    )
    parties.as_("consortium")
    review.import_review(ws, made)
    back = review.review_checklist(ws, review.latest_review(ws, bid_id)["id"])
    assert len(back) == len(checks)
    mine = next(c for c in back if c["item"] == manual.item)
    assert mine["status"] == "warn" and mine["note"].startswith("The agreement gives")
    html = outcome_html(ws, bid_id)
    assert "Their checklist" in html and "30 days&#x27; notice" in html
    assert passed.item not in html  # a check passed with no note is not repeated
