"""A proposed consortium for a tender: scored partners in, the optimiser's best covers out.

result = propose_for(ws, "ocds-h6vhtk-06d5de")
result.proposals[0].members, result.proposals[0].assignment, result.proposals[0].gaps
result.grid(0)          # coverage grid: lots × members, with fit, place and requirements
save_as_consortium(ws, result, 0, "Herefordshire adult skills")
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from consortium import places
from consortium.formatting import money
from consortium.matching import consortia
from consortium.matching.engine import Engine
from consortium.matching.optimiser import Candidate, Need, Proposal, propose, requirement_label
from consortium.matching.scoring import USUAL_TURNOVER_SHARE, Target, Weights, target
from consortium.matching.service import get_tender, load_weights, text_model
from consortium.partners import store as partner_store
from consortium.records import Organisation
from consortium.tenders.records import Tender
from consortium.workspace import Workspace

WHOLE = "whole"  # the lot id used for a tender without lots


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
            rows.append(
                {
                    "lot": lot,
                    "name": self.lot_names[lot],
                    "delivered_by": deliverer,
                    "delivered_by_name": self.name(deliverer) if deliverer is not None else None,
                    "fit": {
                        m: round(self.fit[(m, lot)], 1)
                        for m in proposal.members
                        if (m, lot) in self.fit
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
                            "nearest": [{"partner_id": n, "name": self.name(n)} for n in g.nearest],
                        }
                        for g in p.gaps
                    ],
                    "grid": self.grid(i),
                }
                for i, p in enumerate(self.proposals)
            ],
        }

    def describe(self) -> str:
        lines = [f"{self.tender.title} ({self.tender.ocid})"]
        if self.annual_value:
            lines.append(f"Contract value: {money(self.annual_value)} a year")
        if not self.proposals:
            lines.append("No partner can deliver any part of this tender.")
        for i, p in enumerate(self.proposals):
            state = "covers everything" if p.complete else "partial cover"
            proof = "proven best" if p.optimal else "best found"
            lines.append("")
            lines.append(
                f"Option {p.rank}: {len(p.members)} member(s), {state} ({proof}); combined capacity {money(p.capacity)} a year"
            )
            for member in p.members:
                lots = [lot for lot, who in p.assignment.items() if who == member]
                role = "lead" if member == p.lead else "member"
                if lots == [WHOLE]:
                    doing = "delivers the contract"
                elif lots:
                    doing = f"delivers lot{'s' if len(lots) > 1 else ''} {', '.join(lots)}"
                else:
                    doing = "adds capacity"
                lines.append(
                    f"  {role.capitalize()}: {self.name(member)} ({doing}; capacity {money(self._capacity(member))} a year)"
                )
            for row in self.grid(i):
                who = row["delivered_by_name"] or "NOBODY"
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
                lines.append(f"  Gap: {g.message}.{nearest}".replace("..", "."))
        return "\n".join(lines)


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
    lot_targets: list[Target] = [target(tender, lot) for lot in tender.lots] or [target(tender)]
    lots = [lt.lot_id or WHOLE for lt in lot_targets]
    engine = Engine(orgs, lot_targets, weights, today, text)
    can = engine.can_deliver()
    requirements = {
        lot: sorted({r.key for r in lt.requirements})
        for lot, lt in zip(lots, lot_targets, strict=True)
    }
    all_keys = sorted({k for keys in requirements.values() for k in keys})
    start = target(tender).start
    candidates, fit = [], {}
    for i, org in enumerate(orgs):
        fits = {lot: float(engine.scores[i, j]) for j, lot in enumerate(lots) if can[i, j]}
        near = {
            lot: float(engine.scores[i, j])
            for j, lot in enumerate(lots)
            if not can[i, j] and not engine.blocked[i, j]
        }
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
    )
    return candidates, need, fit, requirements, annual


def propose_for(
    ws: Workspace,
    ocid: str,
    *,
    alternatives: int = 3,
    today: dt.date | None = None,
    weights: Weights | None = None,
) -> ProposalResult:
    """The best consortium (and alternatives) for a tender from the workspace's partners."""
    today = today or dt.date.today()
    tender = get_tender(ws.db, ocid)
    orgs = partner_store.load_all(ws.db)
    candidates, need, fit, requirements, annual = build(
        tender, orgs, weights=weights or load_weights(ws.db), today=today, text=text_model(ws.db)
    )
    proposals = propose(candidates, need, alternatives=alternatives)
    _name_nearest_for_capacity(proposals, candidates)
    return ProposalResult(
        tender=tender,
        lots=list(need.lots),
        lot_names=dict(need.lot_names),
        lot_requirements=requirements,
        annual_value=annual,
        orgs={o.id: o for o in orgs},
        fit=fit,
        proposals=proposals,
    )


def save_as_consortium(
    ws: Workspace, result: ProposalResult, index: int, name: str
) -> consortia.Consortium:
    """Save one proposal as an editable consortium record."""
    proposal = result.proposals[index]
    members = []
    for pid in proposal.members:
        lots = [lot for lot, who in proposal.assignment.items() if who == pid and lot != WHOLE]
        role = "lead provider" if pid == proposal.lead else "delivery partner"
        members.append(consortia.Member(org_id=pid, role=role, lots=lots))
    gaps = "; ".join(g.message for g in proposal.gaps)
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
