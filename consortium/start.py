"""The newcomer's checklist: where a workspace stands on the road from an empty file to a bid
sent for review. The Start page shows it; each step names the area that does it.

    for step in checklist(ws.db):
        print("✓" if step.done else "·", step.title, "-", step.detail)

Read-only and cheap: a handful of counts, no tender-proportional work (it runs on every visit to
the Start page).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

ABOUT = (
    "Consortium helps small charities find public-service tenders they could win together.",
    "It ranks your partners against each tender, explains why, and proposes a consortium "
    "that covers what the buyer asks for.",
    "Then it helps you write the joint bid and send it, signed, to your housing association "
    "for review — all on this computer, offline.",
)


@dataclass(frozen=True)
class Step:
    key: str  # stable id (tests and the UI use it)
    title: str
    done: bool
    detail: str  # what is there now, or what to do next
    area: str  # the area that does it: partners, tenders, matches, bids, review
    action: str  # the button's text


def _count(db: Database, sql: str, params: tuple = ()) -> int:
    row = db.execute(sql, params).fetchone()
    return int(row[0] or 0) if row else 0


def _plural(n: int, word: str, many: str = "") -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def checklist(db: Database) -> list[Step]:
    """The seven steps, in order, each marked done from what the workspace holds."""
    ours = db.execute(
        "SELECT id, name, coalesce(services, '') FROM organisations WHERE is_ours = 1 LIMIT 1"
    ).fetchone()
    if ours is None:
        described = False
        about_us = "Add your own organisation and tick “This is our organisation”."
    else:
        codes = _count(db, "SELECT count(*) FROM org_cpv WHERE org_id = ?", (ours[0],))
        areas = _count(db, "SELECT count(*) FROM org_areas WHERE org_id = ?", (ours[0],))
        described = bool(ours[2].strip()) and codes > 0 and areas > 0
        missing = [
            what
            for what, have in (
                ("what you do", ours[2].strip()),
                ("service codes", codes),
                ("where you work", areas),
            )
            if not have
        ]
        about_us = (
            f"{ours[1]}: services, codes and places are filled in."
            if described
            else f"{ours[1]}: add {', '.join(missing)}."
        )
    partners = _count(db, "SELECT count(*) FROM organisations WHERE is_ours = 0")
    tenders = _count(db, "SELECT count(*) FROM tenders")
    chosen = _count(
        db,
        "SELECT count(*) FROM (SELECT ocid FROM consortia WHERE ocid IS NOT NULL AND ocid != '' "
        "UNION SELECT ocid FROM bids WHERE ocid IS NOT NULL AND ocid != '')",
    )
    groups = _count(db, "SELECT count(*) FROM consortia")
    bids = _count(db, "SELECT count(*) FROM bids")
    answered = _count(
        db, "SELECT count(*) FROM bid_questions WHERE trim(coalesce(answer, '')) != ''"
    )
    packs = _count(db, "SELECT count(*) FROM bid_packs")
    return [
        Step(
            "organisation",
            "Describe your organisation",
            described,
            about_us,
            "partners",
            "Open your organisation",
        ),
        Step(
            "partners",
            "Add or import partners",
            partners > 0,
            f"{_plural(partners, 'partner')} besides you."
            if partners
            else "Add partner organisations one by one, or import them from Excel.",
            "partners",
            "Go to Partners",
        ),
        Step(
            "tenders",
            "Get tenders",
            tenders > 0,
            f"{_plural(tenders, 'tender')} in this workspace."
            if tenders
            else "Import notices downloaded from Find a Tender or Contracts Finder.",
            "tenders",
            "Go to Tenders",
        ),
        Step(
            "fit",
            "Find a tender that fits you",
            chosen > 0,
            f"{_plural(chosen, 'tender')} chosen for a consortium or bid."
            if chosen
            else "In Tenders, choose “Fits us” to see the open tenders you could win.",
            "tenders",
            "Show tenders that fit us",
        ),
        Step(
            "consortium",
            "Form a consortium",
            groups > 0,
            f"{_plural(groups, 'consortium', 'consortia')} saved."
            if groups
            else "In Matches, propose a consortium for the tender and save it.",
            "matches",
            "Go to Matches",
        ),
        Step(
            "bid",
            "Write the bid",
            answered > 0,
            f"{_plural(bids, 'bid')}, {_plural(answered, 'answer')} written."
            if answered
            else (
                f"{_plural(bids, 'bid')} started; add the buyer's questions and answer them."
                if bids
                else "Start a bid for the consortium, add the questions and answer them."
            ),
            "bids",
            "Go to Bids",
        ),
        Step(
            "review",
            "Send for review",
            packs > 0,
            f"{_plural(packs, 'signed pack')} sent."
            if packs
            else "When the bid is ready, send a signed pack to your housing association.",
            "bids",
            "Send from Bids",
        ),
    ]


def next_step(steps: list[Step]) -> Step | None:
    """The first step not yet done (the one the Start page highlights)."""
    return next((s for s in steps if not s.done), None)
