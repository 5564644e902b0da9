"""Status across a bid's members: work packs sent, replies due and received, questions
still open, overdue highlighted; and which questions still wait for their owner's answer
(readiness counts those as not done).

    rows = for_bid(ws, bid_id, today=today)
    waiting = awaiting_owner(ws, bid_id)   # {question id: member name}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlite_utils import Database

from consortium.bids import questions as bid_questions
from consortium.bids.records import load as load_bid
from consortium.formatting import uk_date
from consortium.matching import consortia


@dataclass
class MemberStatus:
    org_id: int
    name: str
    role: str
    packs_sent: int
    last_sent: str | None  # ISO timestamp
    due: dt.date | None
    replies: int
    last_reply: str | None
    questions: int  # owned
    open: int  # owned questions whose owner's answer is not in yet
    overdue: bool

    @property
    def summary(self) -> str:
        if not self.packs_sent:
            return "No work pack sent"
        sent = f"Sent {uk_date(dt.date.fromisoformat(self.last_sent[:10]))}"
        due = f", due {uk_date(self.due)}" if self.due else ""
        if self.replies and (self.last_reply or "") >= (self.last_sent or ""):
            return f"{sent}; reply taken in {uk_date(dt.date.fromisoformat(self.last_reply[:10]))}"
        return f"{sent}{due}; " + ("OVERDUE" if self.overdue else "reply awaited")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["due"] = self.due.isoformat() if self.due else None
        data["summary"] = self.summary
        return data


def _has_table(db: Database) -> bool:
    return (
        db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'work_packs'"
        ).fetchone()
        is not None
    )


def awaiting_owner(db: Database, bid_id: int) -> dict[int, str]:
    """Questions sent to their owner in a work pack whose owner's answer is not in yet:
    {question id: owner's name}."""
    if not _has_table(db):
        return {}
    return {
        r[0]: r[1]
        for r in db.execute(
            """SELECT q.id, o.name FROM bid_questions q
               JOIN organisations o ON o.id = q.owner_org_id
               WHERE q.bid_id = ?
                 AND EXISTS (SELECT 1 FROM work_packs w WHERE w.bid_id = q.bid_id
                             AND w.org_id = q.owner_org_id)
                 AND NOT EXISTS (SELECT 1 FROM answer_authors a WHERE a.question_id = q.id
                                 AND a.org_id = q.owner_org_id)""",
            [bid_id],
        )
    }


def answer_authors(db: Database, bid_id: int) -> dict[int, str]:
    """Who wrote each answer that came in from a member: {question id: organisation}."""
    if not _has_table(db):
        return {}
    return {
        r[0]: r[1]
        for r in db.execute(
            "SELECT a.question_id, a.organisation FROM answer_authors a "
            "JOIN bid_questions q ON q.id = a.question_id WHERE q.bid_id = ?",
            [bid_id],
        )
    }


def author_orgs(db: Database, bid_id: int) -> dict[int, int]:
    """{question id: the member's partner id} for answers that came in from a member."""
    if not _has_table(db):
        return {}
    return {
        r[0]: r[1]
        for r in db.execute(
            "SELECT a.question_id, a.org_id FROM answer_authors a "
            "JOIN bid_questions q ON q.id = a.question_id WHERE q.bid_id = ? "
            "AND a.org_id IS NOT NULL",
            [bid_id],
        )
    }


def for_bid(ws, bid_id: int, *, today: dt.date | None = None) -> list[MemberStatus]:
    """One row per member of the bid's consortium (the lead's own organisation left out)."""
    today = today or dt.date.today()
    bid = load_bid(ws.db, bid_id)
    c = consortia.load(ws.db, bid.consortium_id)
    ours = ws.db.execute("SELECT id FROM organisations WHERE is_ours = 1").fetchone()
    qs = bid_questions.list_for(ws.db, bid_id)
    waiting = awaiting_owner(ws.db, bid_id)
    rows = []
    for m in c.members:
        if ours and m.org_id == ours[0]:
            continue
        packs = ws.db.execute(
            "SELECT count(*), max(created), max(due) FROM work_packs WHERE bid_id = ? AND org_id = ?",
            [bid_id, m.org_id],
        ).fetchone()
        replies = ws.db.execute(
            "SELECT count(*), max(r.received) FROM work_replies r JOIN work_packs w "
            "ON w.id = r.work_pack_id WHERE w.bid_id = ? AND w.org_id = ?",
            [bid_id, m.org_id],
        ).fetchone()
        owned = [q for q in qs if q.owner_org_id == m.org_id]
        if packs[0]:
            still_open = sum(1 for q in owned if q.id in waiting)
        else:
            still_open = sum(1 for q in owned if not q.answer.strip())
        due = dt.date.fromisoformat(packs[2]) if packs[2] else None
        answered_since = replies[0] and (replies[1] or "") >= (packs[1] or "")
        rows.append(
            MemberStatus(
                org_id=m.org_id,
                name=m.name,
                role=m.role,
                packs_sent=packs[0],
                last_sent=packs[1],
                due=due,
                replies=replies[0],
                last_reply=replies[1],
                questions=len(owned),
                open=still_open,
                overdue=bool(packs[0] and due and due < today and not answered_since),
            )
        )
    return rows
