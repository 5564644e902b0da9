"""The fit of one partner to one tender (or lot): a score from 0 to 100 and the reasons behind it.

    match = score(org, tender, lot=None, weights=Weights(), text=model, today=date.today())
    match.score            # 0..100
    match.reasons          # [Reason(factor="service", weight=40, score=0.8, summary=..., evidence=[...])]

Five factors, each scored 0..1 and weighted (weights are the user's, from settings):
service (CPV codes and words), place, capacity, eligibility (accreditations, insurance, policies
valid on the contract start), suitability (SME/VCSE, reserved, deadline). Everything here is a
pure function of the records; the ranking engine computes the same formulas in bulk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from functools import cache

from consortium import cpv, places
from consortium.formatting import iso_date, money, uk_date
from consortium.matching.requirements import Requirement, infer
from consortium.matching.text import TextModel
from consortium.records import Organisation
from consortium.tenders.records import AWARDED, CANCELLED, CLOSED, Lot, Tender

FACTORS = ("service", "place", "capacity", "eligibility", "suitability")
FACTOR_NAMES = {
    "service": "Service fit",
    "place": "Place",
    "capacity": "Capacity",
    "eligibility": "Eligibility",
    "suitability": "Suitability",
}
VCSE_FORMS = frozenset({"charity", "cio", "cic", "clg", "cbs", "unincorporated"})
USUAL_TURNOVER_SHARE = 0.5  # buyers usually want a contract to be at most half a bidder's turnover

# Place levels (score for the best relation between a partner's areas and the tender's places).
PLACE_INSIDE = 1.0  # the partner serves somewhere inside the tender's place
PLACE_PARTLY = 0.9  # a partner's area overlaps the tender's place
PLACE_AROUND = 0.8  # the partner serves a wider region that includes the tender's place
PLACE_WHOLE_UK = 0.6  # the tender covers the whole UK
PLACE_UNSTATED = 0.5  # the notice gives no place
PLACE_UNKNOWN_PARTNER = 0.3  # the partner's areas are not recorded
CAN_DELIVER_SERVICE = 0.45  # below this service fit a partner is not offered a lot
CAN_DELIVER_PLACE = 0.5


@dataclass(frozen=True)
class Weights:
    service: float = 40
    place: float = 25
    capacity: float = 15
    eligibility: float = 10
    suitability: float = 10

    def total(self) -> float:
        return sum(asdict(self).values()) or 1.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Weights:
        values = {}
        for name in FACTORS:
            try:
                value = float(data.get(name, getattr(cls, name)))
            except (TypeError, ValueError):
                value = getattr(cls, name)
            values[name] = max(0.0, value)
        return cls(**values)


@dataclass
class Reason:
    factor: str
    weight: float
    score: float  # 0..1
    summary: str
    evidence: list[str] = field(default_factory=list)
    warning: bool = False
    blocking: bool = False  # a hard requirement is not met

    @property
    def points(self) -> float:
        return self.weight * self.score


@dataclass
class Match:
    partner_id: int | None
    partner_name: str
    ocid: str
    lot_id: str | None
    score: float  # 0..100
    reasons: list[Reason]
    eligible: bool = True

    def reason(self, factor: str) -> Reason:
        return next(r for r in self.reasons if r.factor == factor)

    @property
    def warnings(self) -> list[str]:
        return [r.summary for r in self.reasons if r.warning or r.blocking]

    def can_deliver(self) -> bool:
        return (
            self.eligible
            and self.reason("service").score >= CAN_DELIVER_SERVICE
            and self.reason("place").score >= CAN_DELIVER_PLACE
        )

    def to_dict(self) -> dict:
        return {
            "partner_id": self.partner_id,
            "partner": self.partner_name,
            "ocid": self.ocid,
            "lot": self.lot_id,
            "score": round(self.score, 1),
            "eligible": self.eligible,
            "reasons": [
                {
                    "factor": r.factor,
                    "weight": r.weight,
                    "score": round(r.score, 3),
                    "points": round(
                        r.points * 100 / max(sum(x.weight for x in self.reasons), 1e-9), 1
                    ),
                    "summary": r.summary,
                    "evidence": r.evidence,
                    "warning": r.warning,
                    "blocking": r.blocking,
                }
                for r in self.reasons
            ],
        }


# =============================================================================== the parts
@dataclass(frozen=True)
class Target:
    """What is being bid for: a whole tender or one of its lots, with the figures that matter."""

    tender: Tender
    lot: Lot | None
    cpv: tuple[str, ...]
    places: tuple[str, ...]
    councils: tuple[str, ...]
    text: str
    annual_value: float | None
    years: float | None
    start: dt.date | None
    requirements: tuple[Requirement, ...]

    @property
    def lot_id(self) -> str | None:
        return self.lot.id if self.lot else None


def target(tender: Tender, lot: Lot | None = None) -> Target:
    """The facts of a tender (or one lot) that scoring needs."""
    texts = [tender.title, tender.description]
    if lot is not None:
        texts += [lot.title or "", lot.description or ""]
    else:
        texts += [f"{lt.title or ''} {lt.description or ''}" for lt in tender.lots]
    text = "\n".join(t for t in texts if t)
    codes = tuple(lot.cpv if lot is not None and lot.cpv else tender.cpv)
    place_codes = tuple(lot.places if lot is not None and lot.places else tender.places)
    value = None
    if lot is not None and lot.value:
        value = lot.value
    elif tender.value:
        value = tender.value / (len(tender.lots) if lot is not None and tender.lots else 1)
    start_text = (lot.contract_start if lot is not None else None) or tender.contract_start
    end_text = (lot.contract_end if lot is not None else None) or tender.contract_end
    start, end = iso_date(start_text), iso_date(end_text)
    years = None
    if start and end and end > start:
        years = max(1.0, (end - start).days / 365.25)
    annual = value / years if value and years else value
    req_text = text if lot is not None else "\n".join(texts)
    return Target(
        tender=tender,
        lot=lot,
        cpv=codes,
        places=place_codes,
        councils=tuple(tender.councils),
        text=text,
        annual_value=annual,
        years=years,
        start=start or iso_date(tender.open_deadline),
        requirements=tuple(infer(req_text)),
    )


def cpv_closeness(levels_apart: int) -> float:
    """1.0 for the same code, less for each level apart in the CPV tree (never below 0.4)."""
    return max(0.4, 1.0 - 0.15 * levels_apart)


CPV_SAME_DIVISION = 0.25


def text_score(cosine: float) -> float:
    """Cosine similarity of short texts rarely passes 0.35; that counts as a full match."""
    return min(1.0, cosine / 0.35)


@cache
def cpv_pair(partner_code: str, tender_code: str) -> tuple[float, str, int]:
    """(closeness, relation, levels apart) of one partner code to one tender code.

    relation is "covers" (the partner's code is the tender's or above it), "within" (the
    partner's code lies below the tender's), "division" (same CPV division only) or "".
    """
    if partner_code[:2] != tender_code[:2]:
        return 0.0, "", 0
    if tender_code.startswith(_prefix(partner_code)):
        d = cpv.distance(partner_code, tender_code)
        return cpv_closeness(d), "covers", d
    if partner_code.startswith(_prefix(tender_code)):
        d = cpv.distance(tender_code, partner_code)
        return cpv_closeness(d), "within", d
    if partner_code[:2] == tender_code[:2]:
        return CPV_SAME_DIVISION, "division", 0
    return 0.0, "", 0


@cache
def _prefix(code: str) -> str:
    """The significant digits of a code (as ``cpv.covers`` compares them)."""
    entry = cpv.lookup(code)
    return entry.prefix if entry is not None else (code.rstrip("0") or code[:2])


def _cpv_sentence(pc: str, tc: str, relation: str, d: int) -> str:
    levels = f"{d} level{'s' if d != 1 else ''}"
    if relation == "covers":
        apart = f" ({levels} apart)" if d else " (same code)"
        return f"{pc} {cpv.label(pc)} covers the tender's {tc} {cpv.label(tc)}{apart}"
    if relation == "within":
        return f"{pc} {cpv.label(pc)} lies within the tender's {tc} {cpv.label(tc)} ({levels} down)"
    return (
        f"{pc} and the tender's {tc} are in the same CPV division ({cpv.label(tc[:2] + '000000')})"
    )


def cpv_fit(partner_codes: list[str], tender_codes: tuple[str, ...]) -> tuple[float, list[str]]:
    """The best closeness between any partner code and any tender code, with the pairs behind it."""
    best, pairs = 0.0, []
    for tc in tender_codes:
        for pc in partner_codes:
            value, relation, d = cpv_pair(pc, tc)
            if value > best:
                best, pairs = value, [(pc, tc, relation, d)]
            elif value == best and value > 0 and len(pairs) < 3:
                pairs.append((pc, tc, relation, d))
    return best, [_cpv_sentence(*pair) for pair in pairs]


def service_reason(org: Organisation, t: Target, model: TextModel, weight: float) -> Reason:
    c_score, c_evidence = cpv_fit(org.cpv_codes, t.cpv)
    cosine, words = model.similarity(model.vector(_partner_text(org)), model.vector(t.text))
    w_score = text_score(cosine)
    if t.cpv and org.cpv_codes:
        score = 0.6 * c_score + 0.4 * w_score
    else:
        score = w_score
    evidence = list(c_evidence)
    if words:
        evidence.append("Words in common: " + ", ".join(words))
    if not t.cpv:
        evidence.append("The notice gives no CPV code, so only the words are compared")
    elif not org.cpv_codes:
        evidence.append("The partner has no CPV codes recorded, so only the words are compared")
    elif not c_evidence:
        evidence.append("None of the partner's CPV codes is near the tender's")
    if score >= 0.7:
        summary = "Strong service fit"
    elif score >= CAN_DELIVER_SERVICE:
        summary = "Some service fit"
    else:
        summary = "Little service fit"
    return Reason("service", weight, score, summary, evidence)


def _partner_text(org: Organisation) -> str:
    labels = " ".join(cpv.label(c) for c in org.cpv_codes)
    return f"{org.services}\n{labels}\n{' '.join(org.beneficiaries)}"


def place_fit(areas: list[str], tender_places: tuple[str, ...]) -> tuple[float, list[str]]:
    specific = [p for p in tender_places if p not in ("TL", "UK")]
    if not tender_places:
        return PLACE_UNSTATED, ["The notice gives no place of delivery"]
    if not areas:
        return PLACE_UNKNOWN_PARTNER, ["The partner's areas served are not recorded"]
    best, evidence = (PLACE_WHOLE_UK if len(specific) < len(tender_places) else 0.0), []
    if best:
        evidence = ["The tender covers the whole UK"]
    for tp in specific:
        for area in areas:
            if places.contains(tp, area):
                s, text = (
                    PLACE_INSIDE,
                    f"{places.area_name(area)} is inside {places.area_name(tp)} ({tp})",
                )
            elif places.contains(area, tp):
                s, text = (
                    PLACE_AROUND,
                    f"{places.area_name(area)} includes {places.area_name(tp)} ({tp})",
                )
            elif places.overlaps(area, tp):
                s, text = (
                    PLACE_PARTLY,
                    f"{places.area_name(area)} overlaps {places.area_name(tp)} ({tp})",
                )
            else:
                continue
            if s > best:
                best, evidence = s, [text]
            elif s == best and text not in evidence and len(evidence) < 3:
                evidence.append(text)
    if not best:
        wanted = ", ".join(f"{places.area_name(p)} ({p})" for p in specific[:4])
        evidence = [f"The partner does not serve {wanted}"]
    return best, evidence


def place_reason(org: Organisation, t: Target, weight: float) -> Reason:
    score, evidence = place_fit(org.areas, t.places)
    blocking = False
    if t.councils:
        reserved = [c for c in t.councils if any(places.overlaps(a, c) for a in org.areas)]
        names = ", ".join(places.area_name(c) for c in t.councils)
        if reserved:
            evidence.append(f"Serves the reserved participation area: {names}")
        else:
            blocking = True
            evidence.append(
                f"Participation is reserved to organisations in {names}; the partner does not serve it"
            )
    if blocking:
        summary = "Outside the reserved area"
    elif score >= PLACE_AROUND:
        summary = "Works in the tender's area"
    elif score >= CAN_DELIVER_PLACE:
        summary = "Place not limiting"
    else:
        summary = "Does not work in the tender's area"
    return Reason("place", weight, score, summary, evidence, blocking=blocking)


def capacity_score(ratio: float) -> float:
    if ratio <= USUAL_TURNOVER_SHARE:
        return 1.0
    if ratio <= 1.0:
        return 0.7
    if ratio <= 2.0:
        return 0.4
    return 0.15


CAPACITY_NO_VALUE = 0.7
CAPACITY_NO_TURNOVER = 0.3


def capacity_reason(org: Organisation, t: Target, weight: float) -> Reason:
    latest = org.latest_turnover()
    people = []
    if org.staff is not None:
        people.append(f"{org.staff:,} staff")
    if org.volunteers is not None:
        people.append(f"{org.volunteers:,} volunteers")
    evidence = [f"{', '.join(people)}"] if people else []
    if not t.annual_value:
        return Reason("capacity", weight, CAPACITY_NO_VALUE, "The notice gives no value", evidence)
    per_year = f"{money(t.annual_value)} a year" + (
        f" over {t.years:.1f} years" if t.years else " (contract length not given: whole value)"
    )
    if latest is None:
        return Reason(
            "capacity",
            weight,
            CAPACITY_NO_TURNOVER,
            "Turnover not recorded",
            [f"Contract: {per_year}", *evidence],
        )
    year, turnover = latest
    ratio = t.annual_value / turnover if turnover else float("inf")
    score = capacity_score(ratio)
    share = f"{ratio:.0%}" if ratio != float("inf") else "more than all"
    evidence = [
        f"Contract: {per_year}; turnover {money(turnover)} ({year}): {share} of turnover",
        *evidence,
    ]
    warning = ratio > USUAL_TURNOVER_SHARE
    summary = (
        f"Contract is {share} of turnover (buyers usually expect at most 50%)"
        if warning
        else "Contract is within half of turnover"
    )
    return Reason("capacity", weight, score, summary, evidence, warning=warning)


def eligibility_reason(org: Organisation, t: Target, today: dt.date, weight: float) -> Reason:
    if not t.requirements:
        return Reason("eligibility", weight, 1.0, "No accreditation, insurance or policy named", [])
    on = t.start or today
    met, evidence, missing = 0, [], []
    for req in t.requirements:
        held = [c for c in org.credentials if req.met_by(c)]
        valid = [c for c in held if c.expires is None or c.expires >= on]
        if valid:
            met += 1
            until = f", valid to {uk_date(valid[0].expires)}" if valid[0].expires else ""
            evidence.append(f"Holds {req.label}{until}")
            continue
        if held:
            evidence.append(
                f"{req.label}: expires {uk_date(held[0].expires)}, before the contract starts on {uk_date(on)}"
            )
        else:
            partial = [
                c
                for c in org.credentials
                if c.kind == req.kind and req.type.lower() in c.type.lower()
            ]
            if partial and req.cover:
                evidence.append(f"{req.label}: holds only {money(partial[0].cover)} cover")
            else:
                evidence.append(f"Does not hold {req.label}")
        missing.append(req.label)
        if req.evidence:
            evidence.append(f"The notice says: “{req.evidence}”")
    score = met / len(t.requirements)
    summary = (
        "Holds everything the notice asks for"
        if not missing
        else f"Missing or expired: {', '.join(missing)}"
    )
    return Reason("eligibility", weight, score, summary, evidence, warning=bool(missing))


def is_vcse(org: Organisation) -> bool:
    return org.legal_form in VCSE_FORMS


def suitability_reason(org: Organisation, t: Target, today: dt.date, weight: float) -> Reason:
    tender = t.tender
    evidence = []
    vcse = is_vcse(org)
    suitable = (t.lot.vcse if t.lot and t.lot.vcse is not None else tender.vcse) if vcse else None
    sme = t.lot.sme if t.lot and t.lot.sme is not None else tender.sme
    if suitable or sme:
        fit = 1.0
        evidence.append("The buyer marks it suitable for " + ("VCSEs" if suitable else "SMEs"))
    elif suitable is None and sme is None:
        fit = 0.5
        evidence.append("The notice does not say whether it suits SMEs or VCSEs")
    else:
        fit = 0.2
        evidence.append("The buyer does not mark it suitable for SMEs or VCSEs")
    blocking = False
    if tender.reserved_vcse:
        if vcse:
            evidence.append("Reserved for VCSEs: the partner qualifies")
        else:
            blocking = True
            evidence.append("Reserved for VCSEs: the partner's legal form does not qualify")
    status = tender.status_on(today)
    if status in (CLOSED, AWARDED, CANCELLED):
        timing = 0.3
        evidence.append(f"The tender is {status}: useful to prepare for the re-tender")
    else:
        timing = 1.0
        if tender.open_deadline:
            evidence.append(f"Deadline {uk_date(iso_date(tender.open_deadline))}")
    score = 0.5 * fit + 0.5 * timing
    summary = (
        "Reserved for VCSEs"
        if blocking
        else ("Suitable and open" if score >= 0.75 else "Some suitability")
    )
    return Reason("suitability", weight, score, summary, evidence, blocking=blocking)


# ================================================================================ the whole
def score(
    org: Organisation,
    tender: Tender,
    lot: Lot | None = None,
    *,
    weights: Weights | None = None,
    text: TextModel | None = None,
    today: dt.date | None = None,
    prepared: Target | None = None,
) -> Match:
    """The fit of ``org`` to ``tender`` (or one ``lot`` of it), explained."""
    weights = weights or Weights()
    today = today or dt.date.today()
    t = prepared or target(tender, lot)
    model = text or TextModel.build([t.text])
    reasons = [
        service_reason(org, t, model, weights.service),
        place_reason(org, t, weights.place),
        capacity_reason(org, t, weights.capacity),
        eligibility_reason(org, t, today, weights.eligibility),
        suitability_reason(org, t, today, weights.suitability),
    ]
    total = 100 * sum(r.points for r in reasons) / weights.total()
    return Match(
        partner_id=org.id,
        partner_name=org.name,
        ocid=tender.ocid,
        lot_id=t.lot_id,
        score=total,
        reasons=reasons,
        eligible=not any(r.blocking for r in reasons),
    )


def sort_key(match: Match) -> tuple:
    """Eligible first, then best score; ties broken by name and id so rankings are stable."""
    return (
        not match.eligible,
        -round(match.score, 6),
        match.partner_name.lower(),
        match.partner_id or 0,
        match.ocid,
        match.lot_id or "",
    )


def rescore(match: Match, weights: Weights) -> Match:
    """The same match under new weights (the factor scores do not change)."""
    reasons = [
        Reason(
            r.factor,
            getattr(weights, r.factor),
            r.score,
            r.summary,
            r.evidence,
            r.warning,
            r.blocking,
        )
        for r in match.reasons
    ]
    total = 100 * sum(r.points for r in reasons) / weights.total()
    return Match(
        match.partner_id,
        match.partner_name,
        match.ocid,
        match.lot_id,
        total,
        reasons,
        match.eligible,
    )


def explain_html(match: Match) -> str:
    """The reasons as simple HTML for the window's "why" panel (text escaped)."""
    from html import escape

    total = sum(r.weight for r in match.reasons) or 1
    parts = [f"<h3>{escape(match.partner_name)}: {match.score:.0f} out of 100</h3>"]
    if not match.eligible:
        parts.append(
            "<p style='color:#9c0006'><b>Not eligible:</b> a hard requirement is not met.</p>"
        )
    for r in match.reasons:
        colour = "#9c0006" if r.blocking else ("#8a5300" if r.warning else "#1f4e79")
        parts.append(
            f"<p><b style='color:{colour}'>{FACTOR_NAMES[r.factor]}</b> — "
            f"{100 * r.points / total:.1f} of {100 * r.weight / total:.0f} points: {escape(r.summary)}</p>"
        )
        if r.evidence:
            parts.append("<ul>" + "".join(f"<li>{escape(e)}</li>" for e in r.evidence) + "</ul>")
    return "".join(parts)
