"""Helpers shared by the bid and library tests (no tests here)."""

from __future__ import annotations

import datetime as dt

from consortium.bids import records
from consortium.library import store
from consortium.matching.proposals import propose_for, save_as_consortium

OCID = "ocds-h6vhtk-05a7b0"  # Milton Keynes domestic abuse support services (demo workspace)
TODAY = dt.date(2026, 11, 23)


def make_bid(ws, name: str = "MK bid"):
    c = save_as_consortium(ws, propose_for(ws, OCID), 0, name)
    return c, records.create_for_consortium(ws, c.id)


LIBRARY = [
    (
        "Safeguarding children and adults",
        "Our safeguarding policy follows Working Together. "
        "Every worker has an enhanced DBS check and level 3 safeguarding training; we refer to MARAC "
        "and the local safeguarding partnership.",
        ["safeguarding", "dbs"],
        "Safeguarding",
        "policy",
    ),
    (
        "Refuge accommodation case study",
        "In 2024 our refuge housed 60 women and 85 children "
        "fleeing domestic abuse, with 90% moving on to safe tenancies.",
        ["domestic abuse", "refuge"],
        "Case studies",
        "case study",
    ),
    (
        "Social value in Milton Keynes",
        "We recruit locally, pay the Real Living Wage and train "
        "volunteers, creating social value for Milton Keynes residents.",
        ["social value"],
        "Social value",
        "answer",
    ),
    (
        "Mobilisation plan",
        "A 90-day mobilisation plan: TUPE, premises, IT, referral pathways "
        "and staff induction, overseen by a mobilisation board.",
        ["mobilisation"],
        "Mobilisation",
        "answer",
    ),
    (
        "Consortium governance",
        "Members work together through a partnership board; the lead "
        "manages subcontractors with monthly performance reviews.",
        ["partnership", "governance"],
        "Partnership working",
        "answer",
    ),
    (
        "Equality and access",
        "Survivors with protected characteristics access the service through "
        "interpreters, accessible venues and specialist by-and-for partners.",
        ["equality"],
        "Equality",
        "answer",
    ),
    (
        "Chief executive CV",
        "Twenty years leading women's services, former IDVA manager.",
        ["cv"],
        "People",
        "cv",
    ),
]


def fill_library(ws, today: dt.date = TODAY) -> list[store.Entry]:
    """A library of exactly these entries (the demo workspace's own few are taken out)."""
    for existing in store.list_all(ws.db):
        store.delete(ws, existing.id)
    entries = []
    for title, body, tags, theme, kind in LIBRARY:
        e = store.Entry(
            title=title,
            body=body,
            tags=tags,
            theme=theme,
            kind=kind,
            owner="Milton Keynes Women's Refuge",
            cpv=["85312000"],
            last_reviewed=today - dt.timedelta(days=100),
            review_due=today + dt.timedelta(days=200),
        )
        store.save(ws, e)
        entries.append(e)
    return entries
