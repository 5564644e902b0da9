"""What is new for you after a fetch: the new tenders still open (or coming soon) that your
saved searches find or that fit your organisation, best first; and which close within a week.

    for alert in new_for_you(ws, report.new_ocids):
        print(alert.title, alert.reasons)     # ["saved search: Housing", "fits us (72)"]

The window lists these ("New for you") and names the count and the best one in a desktop
notification when it is in the background.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from consortium.matching import fits
from consortium.tenders import search
from consortium.tenders.records import COMING_SOON, OPEN, as_utc
from consortium.workspace import Workspace

CLOSING_SOON_DAYS = 7
BIDDABLE = (OPEN, COMING_SOON)


@dataclass
class Alert:
    ocid: str
    title: str
    buyer: str | None
    deadline: str | None  # UTC ISO
    score: float | None = None  # our organisation's fit, when it fits
    reasons: list[str] = field(default_factory=list)

    @property
    def closing_soon(self) -> bool:
        return closes_within(self.deadline, dt.date.today())


def closes_within(deadline: str | None, today: dt.date, days: int = CLOSING_SOON_DAYS) -> bool:
    """True if ``deadline`` is from now to ``days`` days ahead."""
    if not deadline:
        return False
    return as_utc(today) <= deadline < as_utc(today + dt.timedelta(days=days + 1))


def new_for_you(
    ws: Workspace,
    ocids: list[str],
    *,
    today: dt.date | None = None,
    fitting: list[fits.Fit] | None = None,
) -> list[Alert]:
    """The tenders among ``ocids`` a saved search finds or our organisation fits: fits first
    (best score first), then the others by deadline."""
    if not ocids:
        return []
    wanted = set(ocids)
    reasons: dict[str, list[str]] = {}
    for saved in search.saved_searches(ws, today=today):
        found = search.search_ids(ws, search.TenderQuery.from_dict(saved["query"]), today=today)
        for ocid in wanted.intersection(found):
            reasons.setdefault(ocid, []).append(f"saved search: {saved['name']}")
    if fitting is None:  # only the new ones are scored: all 24,000 open took 5 s and 700 MB
        fitting = fits.fits_us(ws, today=today, among=wanted)
    scores = {f.ocid: f.score for f in fitting if f.ocid in wanted}
    for ocid, score in scores.items():
        reasons.setdefault(ocid, []).append(f"fits us ({score:.0f})")
    rows = {
        r["ocid"]: r
        for r in search.rows(ws, list(reasons), today=today)
        if r["status"] in BIDDABLE  # a closed or awarded notice is history, not an alert
    }
    out = [
        Alert(
            ocid,
            rows[ocid].get("title") or "(untitled)",
            rows[ocid].get("buyer_name"),
            rows[ocid].get("deadline"),
            scores.get(ocid),
            why,
        )
        for ocid, why in reasons.items()
        if ocid in rows
    ]
    out.sort(key=lambda a: (a.score is None, -(a.score or 0), a.deadline or "~", a.ocid))
    return out
