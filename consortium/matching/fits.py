"""Which open tenders fit our organisation: the Tenders area's "Fits us" view.

    for fit in fits_us(ws):                 # best first
        print(fit.ocid, round(fit.score), "alone" if fit.alone else "with partners")

A thin layer over :func:`consortium.matching.service.rank_among`, the ranking the Matches >
Opportunities tab shows, so the two never disagree. Every open tender is scored, a batch at a
time, so memory stays flat however many there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from consortium.matching import service
from consortium.partners import store as partner_store
from consortium.progress import Cancelled, never_cancelled, no_progress
from consortium.tenders import search as tender_search
from consortium.tenders import store as tender_store
from consortium.workspace import Workspace

# Below this our organisation shares too little with the tender (service, place, capacity) to
# lead or join a bid; the Matches area still ranks every tender for those who want to look.
FAIR_FIT = 40.0


@dataclass(frozen=True)
class Fit:
    ocid: str
    score: float  # 0..100, our organisation's fit to the whole tender
    alone: bool  # we could deliver every lot ourselves, within our capacity

    @property
    def how(self) -> str:
        return "alone" if self.alone else "with partners"


# Open tenders scored at a time. A year of notices (200,000) holds about 24,000 open tenders;
# scored at once (and kept for the next ranking) they took the window to 700 MB.
BATCH = 4_000


def fits_us(
    ws: Workspace,
    *,
    today: dt.date | None = None,
    alone_only: bool = False,
    among: Iterable[str] | None = None,
    progress=None,
    cancelled=None,
) -> list[Fit]:
    """Open and coming-soon tenders our organisation fits (eligible, score at least
    ``FAIR_FIT``), best first. Empty when no partner is marked as ours. ``among``: only
    these tenders (by ocid) are scored, e.g. a download's new ones."""
    progress = progress or no_progress
    cancelled = cancelled or never_cancelled
    today = today or dt.date.today()
    ours = partner_store.ours(ws.db)
    if ours is None:
        return []
    progress(0, 0, "Ranking the open tenders for your organisation…")
    ids = sorted(service.open_ids(ws.db, today))
    if among is not None:
        wanted = set(tender_search.keys_of(ws, list(dict.fromkeys(among))).values())
        ids = [i for i in ids if i in wanted]
    found: list[Fit] = []
    for start in range(0, len(ids), BATCH):
        # Cancel stops it between batches (each takes about half a second).
        if cancelled():
            raise Cancelled("Stopped ranking the tenders.")
        progress(start, len(ids), f"Ranking {len(ids):,} open tenders for {ours.name}")
        batch = ids[start : start + BATCH]
        found += [
            Fit(o.tender.ocid, o.match.score, o.alone)
            for o in service.rank_among(ws, ours, batch, today=today)
            if o.match.eligible and o.match.score >= FAIR_FIT and (o.alone or not alone_only)
        ]
    if cancelled():
        raise Cancelled("Stopped ranking the tenders.")
    found.sort(key=lambda f: (-f.score, f.ocid))
    return found


def fitting_keys(
    ws: Workspace,
    found: dict[str, Fit],
    query: tender_search.TenderQuery,
    *,
    alone_only: bool = False,
    today: dt.date | None = None,
) -> list[int]:
    """The row keys of the tenders in ``found`` (our fits, by ocid) that ``query`` matches,
    best fit first: the Tenders area's "Fits us" list."""
    wanted = {o: f for o, f in found.items() if f.alone or not alone_only}
    keys = tender_search.keys_of(ws, list(wanted))
    searched = tender_search.among(ws, query, list(keys.values()), today=today)
    ordered = sorted(
        (o for o, k in keys.items() if k in searched), key=lambda o: (-wanted[o].score, o)
    )
    return [keys[o] for o in ordered]


def fits_state(ws: Workspace, today: dt.date) -> tuple:
    """What :func:`fits_us` depends on (tenders, partners, weights, the day): cheap to read,
    so a view keeps its fits until this changes."""
    db = ws.db
    return (
        today,
        # Without the connection's identity, which keys caches held per connection: fits are
        # worked out on one thread and kept on another, so states read on either must agree.
        tender_store.tenders_state(db)[1:],
        partner_store.partners_state(db),
        service.load_weights(db),
    )
