"""Matching operations over a workspace: what the CLI and the window call.

ranked = match_tender(ws, "ocds-h6vhtk-06e058")            # [Match], best first
opps = opportunities(ws, partner_id)                       # [Opportunity], best first
weights = load_weights(ws.db); save_weights(ws, weights)
"""

from __future__ import annotations

import datetime as dt
import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from consortium import places
from consortium.changes import MATCHING
from consortium.errors import ConsortiumError
from consortium.matching import feedback, text_store
from consortium.matching.engine import Engine, TargetSet
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
from consortium.tenders import search as tender_search
from consortium.tenders import store as tender_store
from consortium.tenders.records import COMING_SOON, OPEN, Tender, as_utc
from consortium.text import listed
from consortium.workspace import Workspace, writes

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


@writes
def save_weights(ws: Workspace, weights: Weights) -> None:
    with ws.atomic(MATCHING):
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


def text_model(db: Database) -> TextModel:
    """Word weights learnt from every tender in the workspace: kept in the workspace and updated
    by each import (:mod:`.text_store`), read once until tenders change."""
    key = tender_store.tenders_state(db)
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
            known = listed(lt.id for lt in tender.lots) or "none"
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
    tender saying why; none is hidden.

    Only candidates are scored: tenders that share a CPV group with the partner (or have no
    code) and lie in the partner's regions (or the whole UK, or nowhere stated). When those
    give fewer than ``limit`` opportunities, the CPV division is enough, then either test (see
    :func:`candidate_ids`); with ``limit=None`` every tender is scored.
    """
    today = today or dt.date.today()
    if partner_id is None:
        ours = partner_store.ours(ws.db)
        if ours is None:
            raise MatchError("No partner is marked as our organisation; name a partner.")
        org = ours
    else:
        org = partner_store.load(ws.db, partner_id)
    weights = weights or load_weights(ws.db)
    text = text_model(ws.db)
    learned = feedback.learned(ws.db, org.id) if learn and org.id is not None else None
    progress(0, 0, "Finding the tenders that could fit")
    tiers = TIERS if limit is not None else ("all",)
    result: list[Opportunity] = []
    for tier in tiers:
        ids = _candidates(ws.db, org, today, include_closed, tier)
        if limit is not None and len(ids) < limit and tier != tiers[-1]:
            continue  # too few to fill the list: widen before ranking any
        check(cancelled)
        progress(0, 0, f"Ranking {len(ids):,} tenders for {org.name}")
        tenders, whole, prepared = _prepared(ws.db, ids, text)
        check(cancelled)
        result = rank_opportunities(
            org,
            tenders,
            today=today,
            weights=weights,
            text=text,
            limit=limit,
            whole=whole,
            prepared=prepared,
            learned=learned,
            lots_of=_lot_targets,
        )
        if limit is None or len(result) >= limit:
            break
    return result


TIERS = ("close", "both", "either")  # tried in turn until one gives enough opportunities


def _regions(org: Organisation) -> set[str] | None:
    """The ITL1 regions a partner works in (None: anywhere, or not known)."""
    tops: set[str] = set()
    for area in org.areas:
        if area in ("TL", "UK"):
            return None
        chain = places.ancestors(area)
        tops |= {c for c in chain if len(c) == 3} or {area[:3]}
    return tops or None


def _id_set(db: Database, sql: str, params: list) -> set[int]:
    """The ids one query selects, passed back as one JSON array (much cheaper than a row each)."""
    return set(
        json.loads(db.execute(f"SELECT json_group_array(id) FROM ({sql})", params).fetchone()[0])
    )


def _with_codes(db: Database, table: str, prefixes: set[str], exact: tuple = ()) -> set[int]:
    """Ids of tenders with a code in ``table`` starting with one of ``prefixes`` (or equal to
    one of ``exact``): range scans of the (code, tender) key, no scan of the tenders."""
    found: set[int] = set()
    for prefix in sorted(prefixes):
        found |= _id_set(
            db,
            f"SELECT tender_id AS id FROM {table} WHERE code >= ? AND code < ?",
            [prefix, prefix + "~"],
        )
    for code in exact:
        found |= _id_set(db, f"SELECT tender_id AS id FROM {table} WHERE code = ?", [code])
    return found


def _without_codes(db: Database, table: str, among: set[int]) -> set[int]:
    """Those of ``among`` with no code at all in ``table`` (one index probe each)."""
    return _id_set(
        db,
        f"SELECT value AS id FROM json_each(?) WHERE NOT EXISTS "
        f"(SELECT 1 FROM {table} c WHERE c.tender_id = value)",
        [json.dumps(sorted(among))],
    )


def open_ids(db: Database, today: dt.date, *, include_closed: bool = False) -> set[int]:
    """Row ids of the open and coming-soon tenders (every tender with ``include_closed``)."""
    sql, params = "SELECT t.id AS id FROM tenders t", []
    if not include_closed:
        # Open and coming soon by the search's rule: a planning notice whose deadline or
        # anticipated tender date has passed is closed (it was ranked among the opportunities).
        cond, params = tender_search.status_condition((OPEN, COMING_SOON), as_utc(today))
        sql = f"{sql} WHERE {cond}"
    return _id_set(db, sql, params)


def rank_among(
    ws: Workspace,
    org: Organisation,
    ids: list[int],
    *,
    today: dt.date,
    weights: Weights | None = None,
) -> list[Opportunity]:
    """Every opportunity for ``org`` among the tenders with these row ids, ranked, with the
    tenders loaded for this ranking alone: they are not kept for the next (as
    :func:`opportunities` keeps its candidates), so scoring every open tender a batch at a
    time, or only a download's new ones, holds no more than a batch."""
    text = text_model(ws.db)
    tenders = tender_store.load_tenders(ws.db.conn, ids)
    weights = weights or load_weights(ws.db)
    return rank_opportunities(org, tenders, today=today, weights=weights, text=text, limit=None)


def candidate_ids(
    db: Database,
    org: Organisation,
    today: dt.date,
    *,
    include_closed: bool = False,
    tier: str = "both",
) -> list[int]:
    """Row ids of the tenders worth scoring for ``org``, found with the CPV and place indexes.

    ``tier``: "close" (a CPV code in the same group as one of the partner's, and a place in
    the partner's regions), "both" (the same CPV division, and the place), "either" (one of
    the two), or "all" (no pruning). Tenders that give no code (or no place) pass that test.
    """
    ids = open_ids(db, today, include_closed=include_closed)
    if tier == "all":
        return sorted(ids)
    tests = []  # each test: the ids of ``among`` that pass it
    codes = [c for c in org.cpv_codes if c]
    if codes:
        width = 3 if tier == "close" else 2
        tests.append(("tender_cpv", {c[:width] for c in codes}, ()))
    regions = _regions(org)
    if regions:
        tests.append(("tender_places", regions, ("TL", "UK")))
    if not tests:
        return sorted(ids)
    passed = []
    for table, prefixes, exact in tests:
        among = ids if tier == "either" else ids.intersection(*passed)
        with_code = among & _with_codes(db, table, prefixes, exact)
        # only those without a matching code need the (one probe each) test for no code at all
        passed.append(with_code | _without_codes(db, table, among - with_code))
    ids = set.union(*passed) if tier == "either" else set.intersection(*passed)
    return sorted(ids)


# Tenders and their whole-tender targets kept between rankings until tenders change; bounded,
# so a big workspace cannot fill the memory. A ranking needs only the whole tenders: the lots'
# targets are made for the tenders that make the list (to say which lots a partner can deliver).
_PREPARED: dict = {"key": None, "by_id": {}, "lots": {}, "sets": {}, "candidates": {}}
PREPARED_MAX = 60_000
SETS_KEPT = 4


def _fresh(db: Database) -> None:
    """Forget what tenders changed since the last ranking. Tenders are never deleted and every
    import stamps what it adds or changes, so after an import only the tenders it stamped are
    loaded again (everything, if the stamps do not say which)."""
    key, old = tender_store.tenders_state(db), _PREPARED["key"]
    if old == key:
        return
    kept: dict = {}
    held = _PREPARED.get("db")
    same = held is not None and held() is db  # the same open workspace, seen the same way
    if same and old is not None and old[3] is not None and (key[3] or "") > old[3]:
        changed = {
            r[0] for r in db.execute("SELECT id FROM tenders WHERE changed_at > ?", [old[3]])
        }
        kept = {i: v for i, v in _PREPARED["by_id"].items() if i not in changed}
    _PREPARED.update(key=key, db=weakref.ref(db), by_id=kept, lots={}, sets={}, candidates={})


def _candidates(
    db: Database, org: Organisation, today: dt.date, include_closed: bool, tier: str
) -> list[int]:
    """:func:`candidate_ids`, kept until tenders change (the same partner is asked again
    when the list is refreshed or re-weighted)."""
    _fresh(db)
    asked = (tuple(org.cpv_codes), tuple(org.areas), today, include_closed, tier)
    found = _PREPARED["candidates"].get(asked)
    if found is None:
        found = candidate_ids(db, org, today, include_closed=include_closed, tier=tier)
        if len(_PREPARED["candidates"]) > 200:
            _PREPARED["candidates"].clear()
        _PREPARED["candidates"][asked] = found
    return found


def _prepared(
    db: Database, ids: list[int], text: TextModel
) -> tuple[list[Tender], list[Target], TargetSet]:
    """The tenders with these ids, their whole-tender targets and the engine's word matrix."""
    _fresh(db)
    cache: dict[int, tuple[Tender, Target]] = _PREPARED["by_id"]
    missing = [i for i in ids if i not in cache]
    if missing:
        if len(cache) + len(missing) > PREPARED_MAX:
            cache.clear()
            _PREPARED["lots"].clear()
            missing = ids
        loaded = tender_store.load_tenders(db.conn, missing)
        for row_id, tender in zip(missing, loaded, strict=True):
            cache[row_id] = (tender, target(tender))
    pairs = [cache[i] for i in ids if i in cache]
    tenders, whole = [t for t, _ in pairs], [w for _, w in pairs]
    sets: dict = _PREPARED["sets"]
    found = sets.get((tuple(ids), id(text)))
    if found is None:
        found = TargetSet(whole, text)
        while len(sets) >= SETS_KEPT:
            sets.pop(next(iter(sets)))
        sets[tuple(ids), id(text)] = found
    return tenders, whole, found


def _lot_targets(tender: Tender) -> list[Target]:
    """The targets of a tender's lots, kept with the prepared tenders."""
    lots: dict = _PREPARED["lots"]
    key = tender.ocid
    found = lots.get(key)
    if found is None or found[0] is not tender:
        found = lots[key] = (tender, [target(tender, lot) for lot in tender.lots])
    return found[1]


def rank_opportunities(
    org: Organisation,
    tenders: list[Tender],
    *,
    today: dt.date,
    weights: Weights,
    text: TextModel,
    limit: int | None = 50,
    learned: feedback.Learned | None = None,
    whole: list[Target] | None = None,
    prepared: TargetSet | None = None,
    lots_of: Callable[[Tender], list[Target]] | None = None,
) -> list[Opportunity]:
    """``whole``: the whole-tender :func:`target` of each tender, when already made;
    ``prepared``: the engine's :class:`TargetSet` of them; ``lots_of``: a tender's lot targets
    (asked only of the tenders that make the list)."""
    if not tenders:
        return []  # a new workspace has none yet (the engine needs at least one target)
    whole = whole if whole is not None else [target(t) for t in tenders]
    engine = Engine([org], prepared or whole, weights, today, text)
    can = engine.can_deliver()[0]
    tiers = engine.tiers()[0]
    order = [j for j in engine.top_targets(0) if tiers[j] != NO_SERVICE_FIT]
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
    deliverable = _deliverable(org, {j: tenders[j] for j in order}, engine, lots_of)
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


def _deliverable(
    org: Organisation,
    tenders: dict[int, Tender],
    engine: Engine,
    lots_of: Callable[[Tender], list[Target]] | None,
) -> dict[int, list[str]]:
    """The ids of the lots of each of ``tenders`` that ``org`` could deliver on its own."""
    lots_of = lots_of or (lambda t: [target(t, lot) for lot in t.lots])
    pairs = [(j, lt) for j, t in tenders.items() if t.lots for lt in lots_of(t)]
    if not pairs:
        return {}
    # The whole tenders' vocabulary numbers the words as one engine of tenders and lots would.
    lots = TargetSet([lt for _, lt in pairs], engine.text, vocab=engine.prepared.vocab)
    can = Engine([org], lots, engine.weights, engine.today, engine.text).can_deliver()[0]
    deliverable: dict[int, list[str]] = {}
    for k, (j, lt) in enumerate(pairs):
        if can[k]:
            deliverable.setdefault(j, []).append(lt.lot_id)
    return deliverable
