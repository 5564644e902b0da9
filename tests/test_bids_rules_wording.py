"""How the one rule set for members' documents, and review labels, read to a person."""

from __future__ import annotations

import datetime as dt

from consortium.bids import rules
from consortium.bids.questions import question_label
from consortium.records import Credential

START = dt.date(2027, 6, 21)


def safeguarding(expires: dt.date) -> Credential:
    return Credential(kind="policy", type="Safeguarding", expires=expires)


def messages(today: dt.date, expires: dt.date) -> list[str]:
    found = rules.document_findings(
        "Northside Young Carers Trust",
        "delivery partner",
        [safeguarding(expires)],
        START,
        (),
        today,
    )
    return [f.message for f in found if "Safeguarding" in f.message or "safeguarding" in f.message]


def test_a_policy_that_has_lapsed_already_expired_and_one_still_valid_expires():
    """'…expires on 13 Nov 2026' was printed on 3 Dec 2026."""
    (lapsed,) = messages(dt.date(2026, 12, 3), dt.date(2026, 11, 13))
    assert "safeguarding policy expired on 13 Nov 2026, before the contract starts" in lapsed
    (coming,) = messages(dt.date(2026, 12, 3), dt.date(2027, 1, 31))
    assert "safeguarding policy expires on 31 Jan 2027, before the contract starts" in coming


def test_a_question_reference_is_never_doubled():
    assert question_label("Q1", 0) == "Q1"
    assert question_label("Question 4", 3) == "Question 4"
    assert question_label("2.1", 0) == "Q 2.1"
    assert question_label("", 2) == "question 3"


def test_a_pack_question_is_labelled_as_the_bid_labels_it():
    """The Review area's comment targets read "Q Q1 — Describe how…"."""
    from consortium.packs import review

    data = {"questions": [{"id": 1, "ref": "Q1", "position": 0, "text": "Describe how."}]}
    labels = [a.label for a in review.anchors(data) if a.type == "question"]
    assert labels and labels[0].startswith("Q1 — ") and not labels[0].startswith("Q Q1")


def test_the_drafted_executive_summary_leaves_out_the_teams_own_notes(demo_ws):
    """It ended with the consortium's note "Proposed for Domestic Abuse Support Services."
    (and any "Gaps: …"), which went to the buyer in the submission copy."""
    from consortium.bids import narrative
    from consortium.bids import records as bids
    from consortium.matching import consortia, proposals
    from tests.conftest import TODAY

    result = proposals.propose_for(demo_ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    c = proposals.save_as_consortium(demo_ws, result, 0, "MK domestic abuse")
    assert consortia.load(demo_ws.db, c.id).notes.startswith("Proposed for")
    bid = bids.create_for_consortium(demo_ws, c.id)
    summary = narrative.text_for(demo_ws, bid.id)["executive_summary"]
    assert "MK domestic abuse brings together" in summary
    assert "Proposed for" not in summary and "Gaps:" not in summary


def test_a_shortened_text_is_cut_at_a_word_and_says_so():
    from consortium.text import shortened

    long = "Number of people supported into employment through a recruitment programme"
    short = shortened(long, 60)
    assert short.endswith("…") and len(short) <= 60 and "recruitmen…" not in short
    assert long.startswith(short.removesuffix("…"))
    assert shortened("Volunteering hours", 60) == "Volunteering hours"


def test_a_contracts_length_counts_its_last_day():
    """ "£323,152 a year over 3.0 years" for £968,792 over 7 Jun 2027 to 6 Jun 2030: the end
    date was not counted, so three years were 2.998."""
    from consortium.matching.scoring import contract_years

    assert contract_years(dt.date(2027, 6, 7), dt.date(2030, 6, 6)) == 3.0
    assert contract_years(dt.date(2027, 6, 21), dt.date(2032, 6, 20)) == 5.0
    assert contract_years(dt.date(2027, 1, 1), dt.date(2027, 12, 31)) == 1.0
    assert round(968_792 / contract_years(dt.date(2027, 6, 7), dt.date(2030, 6, 6))) == 322_931
    assert contract_years(dt.date(2027, 6, 7), dt.date(2027, 6, 7)) is None


def test_measures_of_the_old_social_value_model_are_flagged_under_the_procurement_act(demo_ws):
    from consortium.bids import readiness
    from consortium.bids import records as bids
    from consortium.socialvalue.demo import DEMO_BID_NAME

    bid = next(b for b in bids.list_all(demo_ws.db) if b.name == DEMO_BID_NAME)
    report = readiness.check(demo_ws, bid.id, today=dt.date(2026, 12, 3))
    (found,) = [i for i in report.items if i.code == "old_model_codes"]
    assert found.severity == "warning"
    # The demo tender began under the Act; four of its measures, the Treasury's WELLBY among
    # them, know only PPN 06/20's codes (the two job measures are mapped to PPN 002's 1a too,
    # so they are not named).
    assert found.message.startswith(
        "The tender is run under the Procurement Act 2023, where PPN 002's Social Value Model "
        "replaced PPN 06/20's, but 4 measures ('Volunteering hours given to local community "
        "groups', 'One-point change in life satisfaction (0 to 10) for one person for one "
        "year', 'Spend with local VCSE organisations in the supply chain' and 1 more) are "
        "mapped only to PPN 06/20 codes."
    )
    assert "Local residents employed" not in found.message
    assert found.message.endswith("map the commitments to those.")


def test_the_old_model_is_not_flagged_where_it_still_applies():
    mapped = {"Local jobs": ["PPN 06/20 MAC 2.1"], "Events": ["PPN 06/20 MAC 8.1"]}
    assert rules.criteria_model_finding("Public Contracts Regulations 2015", mapped) is None
    assert rules.criteria_model_finding(None, mapped) is None  # the notice does not say
    assert (
        rules.criteria_model_finding("Procurement Act 2023", {"Jobs": ["PPN 002 MAC 1a"]}) is None
    )
    assert rules.criteria_model_finding("Procurement Act 2023", {"Own measure": []}) is None
    many = {f"Measure {n}": ["PPN 06/20 MAC 8.1"] for n in range(1, 8)}
    message = rules.criteria_model_finding("Procurement Act 2023", many).message
    assert "7 measures ('Measure 1', 'Measure 2', 'Measure 3' and 4 more) are mapped" in message
