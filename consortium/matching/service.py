"""Matching operations over a workspace: what the CLI and the window call.

ranked = match_tender(ws, "ocds-h6vhtk-06e058")            # [Match], best first
opps = opportunities(ws, partner_id)                       # [Opportunity], best first
weights = load_weights(ws.db); save_weights(ws, weights)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlite_utils import Database

from consortium.errors import ConsortiumError
from consortium.matching import feedback, text_store
from consortium.matching.engine import Engine
from consortium.matching.scoring import (
    NO_SERVICE_FIT,
    Match,
    Target,
    Weights,
    mark_ties,
    score,
    sort_key,
    target,
)
from consortium.matching.text import TextModel
from consortium.partners import store as partner_store
from consortium.progress import IsCancelled, Progress, check, never_cancelled, no_progress
from consortium.records import Organisation
from consortium.tenders import store as tender_store
from consortium.tenders.records import COMING_SOON, OPEN, Tender
from consortium.workspace import Workspace

WEIGHTS_KEY = "match_weights"


class MatchError(ConsortiumError):
    pass


def load_weights(db: Database) -> Weights:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [WEIGHTS_KEY]).fetchone()
    if not row:
        return Weights()
    try:
        return Weights.from_dict(json.loads(row[0]))
    except (ValueError, TypeError, AttributeError):
        return Weights()  # a damaged setting falls back to the defaults rather than failing


def save_weights(ws: Workspace, weights: Weights) -> None:
    with ws.atomic():
        ws.db["settings"].upsert(
            {"key": WEIGHTS_KEY, "value": json.dumps(weights.as_dict())}, pk="key"
        )
        ws.audit(
            "update", "settings", WEIGHTS_KEY, "Changed the matching weights", weights.as_dict()
        )


def all_tenders(db: Database) -> list[Tender]:
    ocids = [r[0] for r in db.execute("SELECT ocid FROM tenders ORDER BY ocid")]
    return [t for t in (tender_store.get_tender(db, o) for o in ocids) if t is not None]


def get_tender(db: Database, ocid: str) -> Tender:
    tender = tender_store.get_tender(db, ocid)
    if tender is None:
        raise MatchError(
            f"There is no tender {ocid} in this workspace. Import it first ('consortium tenders import')."
        )
    return tender


def targets_for(tender: Tender) -> list[Target]:
    """The tender as a whole, then each lot."""
    return [target(tender)] + [target(tender, lot) for lot in tender.lots]


_MODELS: dict[tuple, TextModel] = {}


def tenders_state(db: Database) -> tuple:
    """Changes whenever tenders are added or changed: the key of what is cached about them."""
    return (id(db.conn), *db.execute("SELECT count(*), max(changed_at) FROM tenders").fetchone())


def text_model(db: Database) -> TextModel:
    """Word weights learnt from every tender in the workspace: kept in the workspace and updated
    by each import (:mod:`.text_store`), read once until tenders change."""
    key = tenders_state(db)
    model = _MODELS.get(key)
    if model is None:
        model = text_store.load(db)
        _MODELS.clear()
        _MODELS[key] = model
    return model


def match_tender(
    ws: Workspace,
    ocid: str,
    lot_id: str | None = None,
    *,
    today: dt.date | None = None,
    weights: Weights | None = None,
) -> list[Match]:
    """Every partner's fit to a tender (or one lot), best first, each with its reasons."""
    today = today or dt.date.today()
    tender = get_tender(ws.db, ocid)
    lot = None
    if lot_id is not None:
        lot = next((lt for lt in tender.lots if lt.id == lot_id), None)
        if lot is None:
            known = ", ".join(lt.id for lt in tender.lots) or "none"
            raise MatchError(f"Tender {ocid} has no lot '{lot_id}' (its lots: {known}).")
    weights = weights or load_weights(ws.db)
    model = text_model(ws.db)
    prepared = target(tender, lot)
    matches = [
        score(org, tender, lot, weights=weights, text=model, today=today, prepared=prepared)
        for org in partner_store.load_all(ws.db)
    ]
    return mark_ties(sorted(matches, key=sort_key))


@dataclass
class Opportunity:
    tender: Tender
    match: Match  # the partner's fit to the whole tender
    lots_deliverable: list[str]  # lot ids the partner could deliver on its own
    alone: bool  # can deliver every lot (or the whole tender) and the value is within its capacity
    mark: str | None = None  # the partner's own mark: "not_for_us" or "interested"
    feedback: str | None = None  # how the partner's marks moved this tender, in a sentence

    @property
    def outside_area(self) -> bool:
        """Service fit but not where the service is delivered: listed below every in-area one."""
        return self.match.outside_area

    def to_dict(self) -> dict:
        return {
            "ocid": self.tender.ocid,
            "title": self.tender.title,
            "buyer": self.tender.buyer_name,
            "deadline": self.tender.open_deadline,
            "value": self.tender.value,
            "score": round(self.match.score, 1),
            "alone": self.alone,
            "lots_deliverable": self.lots_deliverable,
            "lots": [lt.id for lt in self.tender.lots],
            "reasons": self.match.to_dict()["reasons"],
            "outside_area": self.outside_area,
            "tied": self.match.tied,
            "mark": self.mark,
            "feedback": self.feedback,
        }


def opportunities(
    ws: Workspace,
    partner_id: int | None = None,
    *,
    today: dt.date | None = None,
    weights: Weights | None = None,
    include_closed: bool = False,
    limit: int | None = 50,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
    learn: bool = True,
) -> list[Opportunity]:
    """Open and coming-soon tenders ranked for one partner (default: our organisation).

    Only tenders the partner has service fit for are opportunities; those outside its area
    come after every one inside it (``Opportunity.outside_area``). With ``learn`` the order
    follows the partner's "not for us" / "interested" marks too (see ``feedback``), each moved
    tender saying why; none is hidden."""
    today = today or dt.date.today()
    progress(0, 0, "Reading the open tenders")
    if partner_id is None:
        ours = partner_store.ours(ws.db)
        if ours is None:
            raise MatchError("No partner is marked as our organisation; name a partner.")
        org = ours
    else:
        org = partner_store.load(ws.db, partner_id)
    tenders = [
        t for t in all_tenders(ws.db) if include_closed or t.status_on(today) in (OPEN, COMING_SOON)
    ]
    check(cancelled)
    progress(0, 0, f"Ranking {len(tenders):,} tenders for {org.name}")
    return rank_opportunities(
        org,
        tenders,
        today=today,
        weights=weights or load_weights(ws.db),
        text=text_model(ws.db),
        limit=limit,
        learned=feedback.learned(ws.db, org.id) if learn and org.id is not None else None,
    )


def rank_opportunities(
    org: Organisation,
    tenders: list[Tender],
    *,
    today: dt.date,
    weights: Weights,
    text: TextModel,
    limit: int | None = 50,
    learned: feedback.Learned | None = None,
) -> list[Opportunity]:
    if not tenders:
        return []  # a new workspace has none yet (the engine needs at least one target)
    whole = [target(t) for t in tenders]
    lots = [(i, target(t, lot)) for i, t in enumerate(tenders) for lot in t.lots]
    engine = Engine([org], whole + [lt for _, lt in lots], weights, today, text)
    can = engine.can_deliver()[0]
    deliverable: dict[int, list[str]] = {}
    for k, (i, lt) in enumerate(lots):
        if can[len(whole) + k]:
            deliverable.setdefault(i, []).append(lt.lot_id)
    tiers = engine.tiers()[0]
    order = [
        j for j in engine.top_targets(0, columns=range(len(whole))) if tiers[j] != NO_SERVICE_FIT
    ]
    moved: dict[int, tuple[float, str | None]] = {}
    if learned is not None and (learned.marks or learned.counts):
        # the marks re-order within each tier (an in-area tender stays above outside-area ones)
        moved = {j: learned.factor(tenders[j]) for j in order}
        position = {j: k for k, j in enumerate(order)}
        order.sort(
            key=lambda j: (
                bool(engine.blocked[0, j]),
                int(tiers[j]),
                -round(float(engine.scores[0, j]) * moved[j][0]),
                position[j],
            )
        )
    order = order[:limit] if limit else order
    result = []
    for j in order:
        tender = tenders[j]
        match = score(org, tender, weights=weights, text=text, today=today, prepared=whole[j])
        lots_ok = deliverable.get(j, [])
        every_lot = (len(lots_ok) == len(tender.lots)) if tender.lots else bool(can[j])
        capacity_ok = not match.reason("capacity").warning
        _factor, why = moved.get(j, (1.0, None))
        result.append(
            Opportunity(
                tender,
                match,
                lots_ok,
                every_lot and capacity_ok and match.eligible,
                mark=learned.marks.get(tender.ocid) if learned is not None else None,
                feedback=why,
            )
        )
    mark_ties([o.match for o in result])
    return result
