"""The demo bid's questions, answers and own texts, so the first document a newcomer builds is a
fair example of what Consortium produces (invented text about invented work)."""

from __future__ import annotations

import datetime as dt

from consortium.bids import narrative
from consortium.bids import questions as bid_questions
from consortium.workspace import Workspace

# (ref, section, question, word limit, weighting %, answer); the owner is member n % members.
QUESTIONS = [
    (
        "Q1",
        "Service delivery",
        "Describe how you will deliver a safe and effective integrated domestic abuse support "
        "service across the area.",
        1000,
        15,
        "Survivors reach us through one number, one web form and every partner's front door. A "
        "trained caseworker answers within one working day, completes a risk assessment with the "
        "survivor and agrees a safety plan that names who does what by when.\n\n"
        "High-risk cases go to the multi-agency risk assessment conference within the agreed "
        "timescale; standard and medium-risk cases are supported by the member closest to where "
        "the survivor lives. Each member keeps its own specialism: refuge places, young carers' "
        "support, and Welsh- and Urdu-speaking advocacy.\n\n"
        "Case notes are kept in one shared, access-controlled system, so a survivor tells their "
        "story once. Every case is reviewed at 6 and 12 weeks and closed only with the "
        "survivor's agreement.",
    ),
    (
        "Q2",
        "Service delivery",
        "How will you make sure survivors with protected characteristics can use the service?",
        500,
        10,
        "We offer appointments in community venues, at home where safe, by phone and by video, "
        "with interpreters booked by the caseworker rather than the survivor. Two refuge rooms "
        "are fully accessible, and one takes a survivor with an older child of any sex.\n\n"
        "We record protected characteristics at first contact, compare each quarter's referrals "
        "with the area's population, and act where a group is under-represented.",
    ),
    (
        "Q3",
        "Safeguarding",
        "Explain your safeguarding arrangements for adults and children.",
        750,
        10,
        "Each member has a named designated safeguarding lead, a safeguarding policy reviewed "
        "every year, and enhanced DBS checks for every worker and volunteer. Concerns are raised "
        "the same day through the local authority's front door, and the lead member's "
        "safeguarding lead reviews every referral made by the consortium each month.\n\n"
        "Staff complete safeguarding training at induction and refresh it every two years; "
        "supervision includes a safeguarding discussion every month.",
    ),
    (
        "Q4",
        "Partnership",
        "Describe how the members of your consortium will work together and how you will manage "
        "subcontractors.",
        500,
        10,
        "The lead provider holds the contract and a back-to-back subcontract with each member. "
        "A partnership board of one trustee or senior manager per member meets monthly with a "
        "standing agenda: performance against each lot's measures, risks, complaints and "
        "referrals between members.\n\n"
        "Payments reach members within 30 days of the lead being paid. Disagreements go to the "
        "board, then to an independent mediator.",
    ),
    (
        "Q5",
        "Social value",
        "What social value will you deliver in the area?",
        500,
        5,
        "The consortium commits local jobs and apprenticeships, volunteering hours, spend with "
        "local suppliers and tenants' events, set out with their measures, quantities and "
        "present values in the social value statement that accompanies this bid.",
    ),
    (
        "Q6",
        "Mobilisation",
        "Set out your mobilisation plan for the first 90 days.",
        500,
        5,
        "Days 1 to 30: sign subcontracts, agree the shared case system and data-sharing "
        "agreement, and meet the outgoing provider about any staff transfer. Days 31 to 60: "
        "train staff, open referral routes and test the risk-assessment pathway with the "
        "council. Days 61 to 90: take referrals, report the first month's figures and hold the "
        "first contract review with the council.",
    ),
]

NARRATIVE = {
    "executive_summary": "Three established charities have joined forces to offer survivors of "
    "domestic abuse one service with many front doors. Between us we run refuge places, "
    "community outreach and support for children and young carers, and we already work with "
    "the council's safeguarding teams.\n\n"
    "Riverside Community Action leads the consortium and holds the contract; each member "
    "delivers the part of the service it knows best, under one set of measures and one "
    "partnership board.",
    "understanding": "The council wants survivors to be safe sooner and to stay safe, with "
    "fewer people having to tell their story more than once. Referrals have risen each year, "
    "and survivors from minority communities and those with children are less likely to seek "
    "help.\n\n"
    "Our response joins refuge, outreach and children's support into one pathway, with "
    "advocacy in the languages survivors speak.",
    "governance": "A partnership board of one senior representative per member meets monthly "
    "and is chaired by the lead provider's chief executive, who is accountable to the council "
    "for delivery. Each member reports its figures to the board every month, and the board "
    "reports to the council every quarter.",
}


def add_demo_answers(ws: Workspace, bid_id: int, today: dt.date) -> None:
    """Questions with answers, owners and statuses, and the bid's own texts (once)."""
    if bid_questions.list_for(ws.db, bid_id):
        return
    from consortium.bids.records import load as load_bid
    from consortium.matching import consortia

    members = consortia.load(ws.db, load_bid(ws.db, bid_id).consortium_id).members
    for n, (ref, section, text, limit, weight, answer) in enumerate(QUESTIONS):
        bid_questions.save(
            ws,
            bid_questions.Question(
                bid_id=bid_id,
                position=n,
                ref=ref,
                section=section,
                text=text,
                word_limit=limit,
                weighting=weight,
                owner_org_id=members[n % len(members)].org_id if members else None,
                status="done",
                due=today + dt.timedelta(days=14),
                answer=answer,
            ),
        )
    for key, text in NARRATIVE.items():
        narrative.save(ws, bid_id, key, text)
