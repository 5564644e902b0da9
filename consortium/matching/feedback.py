"""Relevance feedback: a partner marks opportunities "not for us" or "interested", and its list of
opportunities learns from the marks, saying so.

    feedback.mark(ws, partner_id, ocid, feedback.NOT_FOR_US)   # or INTERESTED, or None to clear
    learned = feedback.learned(ws.db, partner_id)
    learned.factor(tender)        # (0.55, "You marked 3 Social work … tenders not for us, so …")
    learned.sentences()           # every adjustment, in words, for the window
    feedback.reset(ws, partner_id)

What is learnt is a weight per theme, the CPV group of a marked tender's codes (853 "Social work
and related services"): each "not for us" in a theme makes its tenders count 15% less (never
below 40%), each "interested" 10% more (at most 130%). The marked tender itself moves further.
Only the order of a partner's opportunities changes: scores, the ranking of partners for a
tender and proposals stay as the rules make them, and no tender is ever hidden.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlite_utils import Database

from consortium import cpv
from consortium.changes import MATCHING
from consortium.formatting import plural
from consortium.tenders import store as tender_store
from consortium.tenders.records import Tender
from consortium.workspace import Workspace, writes

NOT_FOR_US = "not_for_us"
INTERESTED = "interested"
MARKS = {NOT_FOR_US: "not for us", INTERESTED: "interested"}
LESS_EACH, FLOOR = 0.15, 0.4
MORE_EACH, CEILING = 0.10, 1.3
MARKED_ITSELF = {NOT_FOR_US: 0.5, INTERESTED: 1.2}


def themes(tender: Tender) -> list[str]:
    """The CPV groups (three digits) of a tender's and its lots' codes, in order."""
    codes = [*tender.cpv, *(c for lot in tender.lots for c in lot.cpv)]
    return list(dict.fromkeys(c[:3] for c in codes if len(c) >= 3))


def theme_name(group: str) -> str:
    return cpv.label(group + "00000") or cpv.label(group[:2] + "000000") or f"CPV {group}"


@dataclass
class Learned:
    """What one partner's marks teach: a factor per theme and per marked tender."""

    marks: dict[str, str] = field(default_factory=dict)  # ocid -> mark
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # theme -> mark -> count

    def theme_factor(self, theme: str) -> float:
        count = self.counts.get(theme, {})
        value = 1.0 - LESS_EACH * count.get(NOT_FOR_US, 0) + MORE_EACH * count.get(INTERESTED, 0)
        return min(CEILING, max(FLOOR, value))

    def factor(self, tender: Tender) -> tuple[float, str | None]:
        """How much more or less this tender counts for the partner, and why (None: no change)."""
        own = self.marks.get(tender.ocid)
        if own is not None:
            return MARKED_ITSELF[own], f"You marked this tender {MARKS[own]}"
        learnt = [(t, self.theme_factor(t)) for t in themes(tender) if t in self.counts]
        learnt = [(t, f) for t, f in learnt if f != 1.0]
        if not learnt:
            return 1.0, None
        theme, value = max(learnt, key=lambda tf: abs(tf[1] - 1.0))
        return value, self.sentence(theme)

    def sentence(self, theme: str) -> str:
        count = self.counts.get(theme, {})
        parts = [
            f"{n} {theme_name(theme)} tender{'s' if n != 1 else ''} {MARKS[mark]}"
            for mark, n in sorted(count.items())
            if n
        ]
        direction = "less" if self.theme_factor(theme) < 1.0 else "more"
        return f"You marked {' and '.join(parts)}, so {theme_name(theme)} counts {direction}"

    def sentences(self) -> list[str]:
        return [self.sentence(t) for t in sorted(self.counts) if self.theme_factor(t) != 1.0]


def marks(db: Database, partner_id: int) -> dict[str, str]:
    rows = db.execute(
        "SELECT ocid, mark FROM match_feedback WHERE org_id = ? ORDER BY ocid", [partner_id]
    )
    return dict(rows.fetchall())


def learned(db: Database, partner_id: int) -> Learned:
    """What the partner's marks teach (marks on tenders no longer in the workspace are kept but
    teach nothing)."""
    found = Learned(marks=marks(db, partner_id))
    for ocid, mark in found.marks.items():
        tender = tender_store.get_tender(db, ocid)
        if tender is None:
            continue
        for theme in themes(tender):
            per = found.counts.setdefault(theme, {})
            per[mark] = per.get(mark, 0) + 1
    return found


@writes
def mark(ws: Workspace, partner_id: int, ocid: str, value: str | None) -> None:
    """Mark a tender for a partner (``NOT_FOR_US`` or ``INTERESTED``), or clear it (None)."""
    if value is not None and value not in MARKS:
        raise ValueError(f"unknown mark {value!r}; use one of {', '.join(MARKS)}")
    with ws.atomic(MATCHING):
        ws.conn.execute(
            "DELETE FROM match_feedback WHERE org_id = ? AND ocid = ?", [partner_id, ocid]
        )
        if value is not None:
            ws.conn.execute(
                "INSERT INTO match_feedback (org_id, ocid, mark, marked_at) VALUES (?, ?, ?, ?)",
                [partner_id, ocid, value, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")],
            )
        ws.audit(
            "update",
            "match_feedback",
            partner_id,
            f"Marked {ocid} {MARKS[value]}" if value else f"Cleared the mark on {ocid}",
        )


@writes
def reset(ws: Workspace, partner_id: int) -> int:
    """Forget every mark of a partner; returns how many there were."""
    with ws.atomic(MATCHING):
        n = ws.conn.execute("DELETE FROM match_feedback WHERE org_id = ?", [partner_id]).rowcount
        ws.audit("delete", "match_feedback", partner_id, f"Forgot {plural(n, 'opportunity mark')}")
    return n
