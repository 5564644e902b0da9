"""A proposed consortium for a tender: scored partners in, the optimiser's best covers out.

result = propose_for(ws, "ocds-h6vhtk-06d5de", include=[7], exclude=[3], lead=7)
result.proposals[0].members, result.proposals[0].assignment, result.proposals[0].gaps

One rule set: a partner may deliver a lot in a proposal exactly when the ranking for that lot
calls it a full fit (``Match.can_deliver``: eligible, service fit, place fit), because both read
the same per-lot judgements (the engine's, equal to ``scoring.score`` by test). When nobody can
deliver a lot, the partner that comes closest (service fit first, then the nearest place) is
proposed for it, and its gap says what would close it ("serves Cheshire West and Chester but
not Warrington"). Our organisation is included by default whenever it can deliver a lot.
result.grid(0)          # coverage grid: lots × members, with fit, place and requirements
save_as_consortium(ws, result, 0, "Herefordshire adult skills")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from consortium import places
from consortium.formatting import money
from consortium.matching import consortia
from consortium.matching.engine import Engine
from consortium.matching.optimiser import Candidate, Need, Proposal, propose, requirement_label
from consortium.matching.scoring import (
    CAN_DELIVER_PLACE,
    CAN_DELIVER_SERVICE,
    EPS,
    SERVICE_FIT,
    USUAL_TURNOVER_SHARE,
    Target,
    Weights,
    score,
    target,
)
from consortium.matching.service import MatchError, get_tender, load_weights, text_model
from consortium.partners import store as partner_store
from consortium.records import Organisation
from consortium.tenders.records import Tender
from consortium.workspace import Workspace

WHOLE = "whole"  # the lot id used for a tender without lots


@dataclass(frozen=True)
class LotJudgement:
    """One partner against one lot, as the ranking for that lot judges it."""

    score: float
    service: float
    place: float
    blocked: bool  # not eligible (a reserved location or VCSE reservation shuts it out)

    @property
    def service_fit(self) -> bool:
        return self.service >= SERVICE_FIT - EPS

    @property
    def full(self) -> bool:
        return (
            not self.blocked
            and self.service >= CAN_DELIVER_SERVICE - EPS
            and self.place >= CAN_DELIVER_PLACE - EPS
        )

    def closeness(self, region_near: int = 0) -> tuple:
        """Smaller is closer: eligible first, a strong service fit before some, then the nearest
        place (its score, then sharing the region), then the best service."""
        return (
            self.blocked,
            self.service < STRONG_SERVICE - EPS,
            -round(self.place, 6),
            -region_near,
            -round(self.service, 6),
            -self.score,
        )


STRONG_SERVICE = 0.7  # scoring's "Strong service fit"


def _lot_places(tender: Tender, lot: str) -> list[str]:
    chosen = next((lt for lt in tender.lots if lt.id == lot), None)
    return list((chosen.places if chosen and chosen.places else tender.places) or [])


def _region_near(areas: list[str], wanted: list[str]) -> int:
    """2 when a partner's area shares an ITL2 region with the lot's places, 1 an ITL1 region
    (nation or English region), else 0: how near a partner outside the area is."""

    def regions(code: str, length: int) -> set[str]:
        return {c for c in [code, *places.ancestors(code)] if len(c) == length}

    best = 0
    for length, level in ((4, 2), (3, 1)):
        want = set().union(*(regions(w, length) for w in wanted)) if wanted else set()
        if want and any(regions(a, length) & want for a in areas):
            best = max(best, level)
    return best


@dataclass
class ProposalResult:
    tender: Tender
    lots: list[str]
    lot_names: dict[str, str]
    lot_requirements: dict[str, list[str]]
    annual_value: float
    orgs: dict[int, Organisation]
    fit: dict[tuple[int, str], float]  # (partner id, lot) -> score, for partners who can deliver
    proposals: list[Proposal]
    judgements: Mapping[tuple[int, str], LotJudgement] = field(default_factory=dict)
    required: list[int] = field(default_factory=list)  # members asked for (with our organisation)
    excluded: list[int] = field(default_factory=list)
    lead_requested: int | None = None
    ours: int | None = None  # our organisation's partner id, if any

    # ------------------------------------------------------------------ presentation
    def name(self, partner_id: int) -> str:
        return self.orgs[partner_id].name if partner_id in self.orgs else f"partner {partner_id}"

    def grid(self, index: int = 0) -> list[dict]:
        """One row per lot: who delivers it, each member's fit, the places, the requirements."""
        proposal = self.proposals[index]
        rows = []
        for lot in self.lots:
            deliverer = proposal.assignment.get(lot)
            holder = self.orgs.get(deliverer) if deliverer is not None else None
            requirements = []
            for key in self.lot_requirements.get(lot, []):
                met = holder is not None and key in _holds(holder, [key], self._start(lot))
                requirements.append({"requirement": requirement_label(key), "key": key, "met": met})
            closest = proposal.closest.get(lot)
            rows.append(
                {
                    "lot": lot,
                    "name": self.lot_names[lot],
                    "delivered_by": deliverer,
                    "delivered_by_name": self.name(deliverer) if deliverer is not None else None,
                    "closest": closest,
                    "closest_name": self.name(closest) if closest is not None else None,
                    "fit": {
                        m: round(self.fit[(m, lot)], 1)
                        for m in proposal.members
                        if (m, lot) in self.fit
                    },
                    # every member's score for the lot, full fit or not (the ranking's score)
                    "score": {
                        m: round(self.judgements[(m, lot)].score, 1)
                        for m in proposal.members
                        if (m, lot) in self.judgements
                    },
                    "places": self._places(lot),
                    "requirements": requirements,
                }
            )
        return rows

    def _capacity(self, partner_id: int) -> float:
        latest = self.orgs[partner_id].latest_turnover() if partner_id in self.orgs else None
        return latest[1] * USUAL_TURNOVER_SHARE if latest else 0.0

    def _start(self, lot: str) -> dt.date | None:
        chosen = next((lt for lt in self.tender.lots if lt.id == lot), None)
        return target(self.tender, chosen).start

    def _places(self, lot: str) -> list[str]:
        chosen = next((lt for lt in self.tender.lots if lt.id == lot), None)
        codes = (chosen.places if chosen and chosen.places else self.tender.places) or []
        return [places.area_name(c) for c in codes]

    def to_dict(self) -> dict:
        return {
            "ocid": self.tender.ocid,
            "title": self.tender.title,
            "annual_value": self.annual_value,
            "lots": [
                {
                    "id": lot,
                    "name": self.lot_names[lot],
                    "requirements": self.lot_requirements.get(lot, []),
                }
                for lot in self.lots
            ],
            "required": [{"partner_id": m, "name": self.name(m)} for m in self.required],
            "excluded": [{"partner_id": m, "name": self.name(m)} for m in self.excluded],
            "lead_requested": self.lead_requested,
            "ours": self.ours,
            "proposals": [
                {
                    "rank": p.rank,
                    "complete": p.complete,
                    "optimal": p.optimal,
                    "lead": p.lead,
                    "members": [{"partner_id": m, "name": self.name(m)} for m in p.members],
                    "assignment": {
                        lot: {"partner_id": pid, "name": self.name(pid)}
                        for lot, pid in p.assignment.items()
                    },
                    "total_fit": round(p.total_fit, 1),
                    "capacity": p.capacity,
                    "gaps": [
                        {
                            "kind": g.kind,
                            "lot": g.lot,
                            "requirement": g.requirement,
                            "message": g.message,
                            "fix": g.fix,
                            "nearest": [{"partner_id": n, "name": self.name(n)} for n in g.nearest],
                        }
                        for g in p.gaps
                    ],
                    "grid": self.grid(i),
                    "closest": {
                        lot: {"partner_id": pid, "name": self.name(pid)}
                        for lot, pid in p.closest.items()
                    },
                    "includes_ours": self.ours in p.members if self.ours is not None else False,
                }
                for i, p in enumerate(self.proposals)
            ],
        }

    def describe(self) -> str:
        lines = [f"{self.tender.title} ({self.tender.ocid})"]
        if self.annual_value:
            lines.append(f"Contract value: {money(self.annual_value)} a year")
        if not self.proposals or not any(p.members for p in self.proposals):
            lines.append("No partner has service fit for any part of this tender.")
            return "\n".join(lines)
        for i, p in enumerate(self.proposals):
            lines.append("")
            lines.append(f"Option {p.rank}: {self.headline(i)}")
            for member in p.members:
                lots = [lot for lot, who in p.assignment.items() if who == member]
                role = "lead" if member == p.lead else "member"
                closest = [lot for lot, who in p.closest.items() if who == member]
                if lots == [WHOLE]:
                    doing = "delivers the contract"
                elif lots:
                    doing = f"delivers lot{'s' if len(lots) > 1 else ''} {', '.join(lots)}"
                elif closest:
                    doing = "comes closest for " + (
                        "the contract" if closest == [WHOLE] else "lot " + ", ".join(closest)
                    )
                else:
                    doing = "adds capacity"
                lines.append(
                    f"  {role.capitalize()}: {self.name(member)} ({doing}; capacity {money(self._capacity(member))} a year)"
                )
            for row in self.grid(i):
                who = row["delivered_by_name"] or (
                    f"nobody fully (closest: {row['closest_name']})" if row["closest"] else "NOBODY"
                )
                fit = (
                    f" (fit {row['fit'][row['delivered_by']]:.0f})"
                    if row["delivered_by"] in row["fit"]
                    else ""
                )
                lines.append(f"  {row['name']}: {who}{fit}")
                for req in row["requirements"]:
                    lines.append(f"      {'ok' if req['met'] else 'MISSING'}  {req['requirement']}")
            for g in p.gaps:
                nearest = (
                    f" Nearest: {', '.join(self.name(n) for n in g.nearest)}." if g.nearest else ""
                )
                fix = f" {g.fix}." if g.fix else ""
                lines.append(f"  Gap: {g.message}.{fix}{nearest}".replace("..", "."))
        return "\n".join(lines)

    def headline(self, index: int = 0) -> str:
        """One line for an option: its members, how complete, and how sure: never "0 members …
        the proven best" (an option with no member says nobody has service fit)."""
        p = self.proposals[index]
        if not p.members:
            return "no partner has service fit for any part of this tender"
        names = ", ".join(self.name(m) for m in p.members)
        count = f"{len(p.members)} member{'s' if len(p.members) != 1 else ''}"
        if p.complete:
            proof = "proven best" if p.optimal else "best found in the time allowed"
            state = f"covers everything ({proof})"
        else:
            state = f"partial cover: {len(p.gaps)} gap{'s' if len(p.gaps) != 1 else ''} to close"
        ours = " — includes our organisation" if self.ours in p.members else ""
        return f"{count}, {state} — {names}{ours}; combined capacity {money(p.capacity)} a year"


def _holds(org: Organisation, keys: list[str], start: dt.date | None) -> frozenset[str]:
    """The requirement keys this partner meets with a credential valid on the start date."""
    from consortium.matching.requirements import Requirement

    held = set()
    for key in keys:
        kind, _, rest = key.partition(":")
        name, _, cover = rest.partition(">=")
        req = Requirement(kind, name, int(cover) if cover.isdigit() else None)
        for cred in org.credentials:
            if req.met_by(cred) and (
                cred.expires is None or start is None or cred.expires >= start
            ):
                held.add(key)
                break
    return frozenset(held)


def lot_name(tender: Tender, lot_id: str) -> str:
    lot = next((lt for lt in tender.lots if lt.id == lot_id), None)
    codes = (lot.places if lot and lot.places else tender.places) or []
    where = ", ".join(places.area_name(c) for c in codes[:2])
    where = f" in {where}" if where and codes != ["TL"] else ""
    if lot is None:
        return f"The contract{where}"
    title = (lot.title or "").strip()
    label = (
        title
        if title.lower().startswith("lot")
        else f"Lot {lot.id}" + (f": {title}" if title else "")
    )
    return f"{label[:80]}{where}"


def build(
    tender: Tender,
    orgs: list[Organisation],
    *,
    weights: Weights,
    today: dt.date,
    text,
) -> tuple[list[Candidate], Need, dict, dict[str, list[str]], float]:
    """The optimiser's candidates and need for a tender (see :func:`judge` for the fits)."""
    candidates, need, fit, requirements, annual, _judged = _build(
        tender, orgs, weights=weights, today=today, text=text
    )
    return candidates, need, fit, requirements, annual


def lot_targets(tender: Tender) -> tuple[list[str], list[Target]]:
    """The lots a consortium must cover (the whole contract when there are none)."""
    targets = [target(tender, lot) for lot in tender.lots] or [target(tender)]
    return [t.lot_id or WHOLE for t in targets], targets


class Judgements(Mapping):
    """(partner id, lot) -> :class:`LotJudgement`, read from the engine's arrays on demand (a
    proposal over a thousand partners and ten lots need not build ten thousand records)."""

    def __init__(self, orgs: list[Organisation], lots: list[str], engine: Engine):
        self.row = {o.id: i for i, o in enumerate(orgs)}
        self.column = {lot: j for j, lot in enumerate(lots)}
        f = engine.factors
        self.score, self.service, self.place = engine.scores, f["service"], f["place"]
        self.blocked = engine.blocked
        self.full = engine.can_deliver()  # Match.can_deliver for every pair
        self.service_fit = self.service >= np.float32(SERVICE_FIT - EPS)

    def __getitem__(self, key: tuple[int, str]) -> LotJudgement:
        pid, lot = key
        i, j = self.row[pid], self.column[lot]
        return LotJudgement(
            score=float(self.score[i, j]),
            service=float(self.service[i, j]),
            place=float(self.place[i, j]),
            blocked=bool(self.blocked[i, j]),
        )

    def __iter__(self) -> Iterator[tuple[int, str]]:
        return ((pid, lot) for pid in self.row for lot in self.column)

    def __len__(self) -> int:
        return len(self.row) * len(self.column)

    def with_service_fit(self, lot: str) -> list[int]:
        """Partner ids with service fit for a lot."""
        ids = list(self.row)
        return [ids[i] for i in np.flatnonzero(self.service_fit[:, self.column[lot]])]


def judge(
    tender: Tender, orgs: list[Organisation], *, weights: Weights, today: dt.date, text
) -> Judgements:
    """Every partner against every lot, as the ranking for that lot judges it: one engine over
    the lot targets, whose numbers equal ``scoring.score`` (the ranking) for every pair."""
    lots, targets = lot_targets(tender)
    return Judgements(orgs, lots, Engine(orgs, targets, weights, today, text))


def _build(
    tender: Tender,
    orgs: list[Organisation],
    *,
    weights: Weights,
    today: dt.date,
    text,
    required: frozenset[int] = frozenset(),
    lead: int | None = None,
):
    lots, targets = lot_targets(tender)
    judged = judge(tender, orgs, weights=weights, today=today, text=text)
    requirements = {
        lot: sorted({r.key for r in lt.requirements}) for lot, lt in zip(lots, targets, strict=True)
    }
    all_keys = sorted({k for keys in requirements.values() for k in keys})
    start = target(tender).start
    candidates, fit = [], {}
    near_only = judged.service_fit & ~judged.full
    for i, org in enumerate(orgs):
        row = judged.score[i]
        fits = {lots[j]: float(row[j]) for j in np.flatnonzero(judged.full[i])}
        # near: service fit but not a full fit (wrong place, or shut out); only to name who
        # comes closest to a lot nobody covers
        near = {lots[j]: float(row[j]) for j in np.flatnonzero(near_only[i])}
        for lot, value in fits.items():
            fit[(org.id, lot)] = value
        latest = org.latest_turnover()
        candidates.append(
            Candidate(
                partner_id=org.id,
                name=org.name,
                fit=fits,
                capacity=(latest[1] * USUAL_TURNOVER_SHARE) if latest else 0.0,
                holds=_holds(org, all_keys, start),
                near=near,
            )
        )
    whole = target(tender)
    annual = whole.annual_value or 0.0
    need = Need(
        lots=lots,
        value=annual,
        lot_requirements={lot: frozenset(keys) for lot, keys in requirements.items()},
        lot_names={
            lot: (lot_name(tender, lot) if lot != WHOLE else lot_name(tender, "")) for lot in lots
        },
        required=required,
        lead=lead,
    )
    return candidates, need, fit, requirements, annual, judged


def propose_for(
    ws: Workspace,
    ocid: str,
    *,
    alternatives: int = 3,
    today: dt.date | None = None,
    weights: Weights | None = None,
    include: Iterable[int] = (),
    exclude: Iterable[int] = (),
    lead: int | None = None,
    include_ours: bool = True,
) -> ProposalResult:
    """The best consortium (and alternatives) for a tender from the workspace's partners.

    ``include`` partner ids must be members, ``exclude`` ids are left out, ``lead`` (a partner
    id, required too) leads. Our organisation is included by default when it can deliver a lot
    (``include_ours=False`` or excluding it stops that)."""
    today = today or dt.date.today()
    weights = weights or load_weights(ws.db)
    tender = get_tender(ws.db, ocid)
    everyone = partner_store.load_all(ws.db)
    known = {o.id: o for o in everyone}
    include, exclude = list(dict.fromkeys(include)), list(dict.fromkeys(exclude))
    for pid in [*include, *exclude, *([lead] if lead is not None else [])]:
        if pid not in known:
            raise MatchError(f"There is no partner with id {pid}. See 'consortium partners list'.")
    clash = set(exclude) & ({*include} | ({lead} if lead is not None else set()))
    if clash:
        name = known[min(clash)].name
        raise MatchError(f"{name} cannot be both required (or the lead) and left out.")
    orgs = [o for o in everyone if o.id not in set(exclude)]
    model = text_model(ws.db)
    ours = next((o.id for o in everyone if o.is_ours), None)
    required = set(include)
    if lead is not None:
        required.add(lead)
    if include_ours and ours is not None and ours not in exclude:
        judged = judge(tender, [known[ours]], weights=weights, today=today, text=model)
        if any(j.full for j in judged.values()):
            required.add(ours)
    candidates, need, fit, requirements, annual, judged = _build(
        tender,
        orgs,
        weights=weights,
        today=today,
        text=model,
        required=frozenset(required),
        lead=lead,
    )
    proposals = propose(candidates, need, alternatives=alternatives)
    result = ProposalResult(
        tender=tender,
        lots=list(need.lots),
        lot_names=dict(need.lot_names),
        lot_requirements=requirements,
        annual_value=annual,
        orgs=known,
        fit=fit,
        proposals=proposals,
        judgements=judged,
        required=sorted(required, key=lambda p: (p != lead, p != ours, known[p].name.lower())),
        excluded=exclude,
        lead_requested=lead,
        ours=ours,
    )
    by_id = {c.partner_id: c for c in candidates}
    for proposal in proposals:
        _add_closest(result, proposal, by_id, today, weights, model)
    _name_nearest_for_capacity(proposals, candidates)
    for proposal in proposals:
        _explain_gaps(result, proposal, today, weights, model)
    return result


def _add_closest(result: ProposalResult, proposal: Proposal, by_id, today, weights, model) -> None:
    """For each lot nobody can deliver, propose the partner that comes closest (service fit,
    then the nearest place), so a partial cover is never an empty one."""
    for lot in result.lots:
        if lot in proposal.assignment:
            continue
        wanted = _lot_places(result.tender, lot)
        judged = result.judgements
        options = [
            (judged[(pid, lot)].closeness(_region_near(result.orgs[pid].areas, wanted)), pid)
            for pid in judged.with_service_fit(lot)
            if pid in by_id
        ]
        if not options:
            continue
        pid = min(options)[1]
        proposal.closest[lot] = pid
        if pid not in proposal.members:
            proposal.members.append(pid)
            proposal.capacity += max(by_id[pid].capacity, 0.0)
    if proposal.lead is None and proposal.members:
        proposal.lead = max(proposal.members, key=lambda p: (by_id[p].capacity, -p))
        proposal.members.remove(proposal.lead)
        proposal.members.insert(0, proposal.lead)
    # the capacity gap follows the members now proposed
    for gap in list(proposal.gaps):
        if gap.kind == "capacity" and proposal.capacity >= result.annual_value * (1 - 1e-6):
            proposal.gaps.remove(gap)
        elif gap.kind == "capacity":
            gap.message = (
                f"Combined capacity {money(proposal.capacity)} a year is below the contract's "
                f"{money(result.annual_value)} a year"
            )
    proposal.complete = not proposal.gaps


def _explain_gaps(result: ProposalResult, proposal: Proposal, today, weights, model) -> None:
    """Give each gap what would close it, from the same reasons the ranking shows."""
    tender = result.tender
    for gap in proposal.gaps:
        if gap.kind == "lot":
            pid = proposal.closest.get(gap.lot)
            if pid is None:
                gap.message = f"No partner has service fit for {result.lot_names[gap.lot]}"
                gap.fix = "Add a partner that offers this service"
                continue
            org = result.orgs[pid]
            chosen = next((lt for lt in tender.lots if lt.id == gap.lot), None)
            match = score(
                org,
                tender,
                chosen,
                weights=weights,
                text=model,
                today=today,
                prepared=target(tender, chosen),
            )
            gap.message = f"No partner fully covers {result.lot_names[gap.lot]}"
            wanted = result._places(gap.lot)
            gap.fix = f"Closest: {org.name}, which " + "; ".join(_shortfalls(org, match, wanted))
            if pid not in gap.nearest:
                gap.nearest = [pid, *gap.nearest][:3]
        elif gap.kind == "requirement":
            who = proposal.assignment.get(gap.lot)
            label = requirement_label(gap.requirement)
            if who is not None:
                gap.fix = f"{result.name(who)} holds no {label}"
                others = [n for n in gap.nearest if n != who]
                if others:
                    gap.fix += f"; {result.name(others[0])} could deliver it instead"
        elif gap.kind == "tender_requirement":
            label = requirement_label(gap.requirement)
            gap.fix = (
                f"{result.name(gap.nearest[0])} holds {label} and could join"
                if gap.nearest
                else f"No partner records {label}: add it to the partner that holds it"
            )
        elif gap.kind == "capacity":
            short = max(result.annual_value - proposal.capacity, 0.0)
            gap.fix = (
                f"A member with {money(short / USUAL_TURNOVER_SHARE)} more turnover would close it"
            )


def _shortfalls(org: Organisation, match, wanted: list[str]) -> list[str]:
    """Why a partner is not a full fit for a lot, as what would close it."""
    out = []
    service = match.reason("service")
    if service.score < CAN_DELIVER_SERVICE - EPS:
        out.append("has little service fit")
    place = match.reason("place")
    if place.score < CAN_DELIVER_PLACE - EPS:
        served = ", ".join(places.area_name(a) for a in org.areas[:2]) or "no recorded area"
        more = f" and {len(org.areas) - 2} more" if len(org.areas) > 2 else ""
        where = ", ".join(wanted[:3]) or "the tender's area"
        out.append(f"serves {served}{more} but not {where}")
    for r in match.reasons:
        if r.blocking:
            detail = next(
                (e for e in r.evidence if "reserved" in e.lower() or "Reserved" in e), r.summary
            )
            out.append(detail[0].lower() + detail[1:])
    return out or ["is not a full fit"]


def save_as_consortium(
    ws: Workspace, result: ProposalResult, index: int, name: str
) -> consortia.Consortium:
    """Save one proposal as an editable consortium record."""
    proposal = result.proposals[index]
    members = []
    for pid in proposal.members:
        # a partner proposed as the closest for a lot holds that lot too: the gaps (in the
        # notes) say what it needs before it can deliver it
        given = {**proposal.closest, **proposal.assignment}
        lots = [lot for lot in result.lots if given.get(lot) == pid and lot != WHOLE]
        role = "lead provider" if pid == proposal.lead else "delivery partner"
        members.append(consortia.Member(org_id=pid, role=role, lots=lots))
    gaps = "; ".join(g.message + (f" ({g.fix})" if g.fix else "") for g in proposal.gaps)
    record = consortia.Consortium(
        name=name,
        ocid=result.tender.ocid,
        members=members,
        notes=f"Proposed for {result.tender.title}." + (f" Gaps: {gaps}." if gaps else ""),
    )
    consortia.save(ws, record)
    return consortia.load(ws.db, record.id)


def _name_nearest_for_capacity(proposals: list[Proposal], candidates: list[Candidate]) -> None:
    """When nobody else can deliver a lot, name the partners closest to it who would add the most
    capacity, so a capacity gap always points somewhere."""
    for proposal in proposals:
        for gap in proposal.gaps:
            if gap.kind != "capacity" or gap.nearest:
                continue
            outside = [
                c for c in candidates if c.partner_id not in proposal.members and (c.near or c.fit)
            ]
            outside.sort(
                key=lambda c: (-max([*c.near.values(), *c.fit.values()]), -c.capacity, c.partner_id)
            )
            gap.nearest = [c.partner_id for c in outside[:3]]
