"""The fit of one partner to one tender (or lot): a score from 0 to 100 and the reasons behind it.

    match = score(org, tender, lot=None, weights=Weights(), text=model, today=date.today())
    match.score            # 0..100
    match.reasons          # [Reason(factor="service", weight=40, score=0.8, summary=..., evidence=[...])]

Five factors, each scored 0..1 and weighted (weights are the user's, from settings):
service (CPV codes by the depth they share, and the words of the partner's and the tender's own
texts), place (where the service is delivered), capacity, eligibility (who may bid where
participation is reserved to a place; accreditations, insurance, policies valid on the contract
start), suitability (SME/VCSE, reserved, the notice's own dates). Service fit gates the rest:
without it only the service points count and the tender is no opportunity. Every ranking sorts
by :func:`rank_key`: eligible first, in area before outside it before no service fit, then the
score, ties broken by place, service and value fit. Everything here is a pure function of the
records; the ranking engine computes the same formulas in bulk.
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
from consortium.tenders import records
from consortium.tenders.records import (
    AWARDED,
    CANCELLED,
    CLOSED,
    COMING_SOON,
    Lot,
    Tender,
)

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
# Service fit gates the rest: below it a tender is not an opportunity for the partner and only
# the service points count (capacity, eligibility and suitability alone are no reason to bid).
SERVICE_FIT = CAN_DELIVER_SERVICE
# Thresholds are compared with this much slack, so the bulk engine (float32) and the explained
# score (float64) put a value right at a threshold on the same side.
EPS = 1e-5
# Where a match stands in a ranking, before its score: in the area with service fit, then
# service fit outside the area ("outside your area"), then no service fit.
IN_AREA, OUTSIDE_AREA, NO_SERVICE_FIT = 0, 1, 2


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
    tied: bool = False  # same whole-point score as a neighbour in its ranking (see mark_ties)

    def reason(self, factor: str) -> Reason:
        return next(r for r in self.reasons if r.factor == factor)

    @property
    def tier(self) -> int:
        return tier_of(self.reason("service").score, self.reason("place").score)

    @property
    def outside_area(self) -> bool:
        return self.tier == OUTSIDE_AREA

    @property
    def warnings(self) -> list[str]:
        return [r.summary for r in self.reasons if r.warning or r.blocking]

    def can_deliver(self) -> bool:
        return (
            self.eligible
            and self.reason("service").score >= CAN_DELIVER_SERVICE - EPS
            and self.reason("place").score >= CAN_DELIVER_PLACE - EPS
        )

    def to_dict(self) -> dict:
        return {
            "partner_id": self.partner_id,
            "partner": self.partner_name,
            "ocid": self.ocid,
            "lot": self.lot_id,
            "score": round(self.score, 1),
            "eligible": self.eligible,
            "service_fit": self.tier != NO_SERVICE_FIT,
            "outside_area": self.outside_area,
            "tied": self.tied,
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
    places: tuple[str, ...]  # where the service is delivered (ITL codes)
    councils: tuple[str, ...]  # reserved participation: councils a bidder must be in
    text: str
    annual_value: float | None
    years: float | None
    start: dt.date | None
    requirements: tuple[Requirement, ...]
    reserved: tuple[str, ...] = ()  # reserved participation location as given (GSS codes)
    places_from_buyer: bool = False  # no delivery place in the notice: the buyer's area

    @property
    def lot_id(self) -> str | None:
        return self.lot.id if self.lot else None


def contract_years(start: dt.date | None, end: dt.date | None) -> float | None:
    """A contract's length in years, its last day counted (7 Jun 2027 to 6 Jun 2030 is 3.0
    years, not 2.998), in calendar months so leap days do not shave the figure; at least 1."""
    if not start or not end or end <= start:
        return None
    after = end + dt.timedelta(days=1)
    months = (after.year - start.year) * 12 + (after.month - start.month)
    return max(1.0, (months + (after.day - start.day) / 30.4375) / 12)


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
    years = contract_years(start, end)
    annual = value / years if value and years else value
    # Requirements come from the description and the lots' text, never the title (a title
    # names the subject: "Safeguarding Partnership Training Provider" asks for no policy).
    req_parts = [tender.description]
    if lot is not None:
        req_parts += [lot.description or ""]
    else:
        req_parts += [lt.description or "" for lt in tender.lots]
    req_text = "\n".join(p for p in req_parts if p)
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
        reserved=tuple(tender.reserved_location or tender.councils),
        places_from_buyer=bool(tender.places_from_buyer) and not (lot is not None and lot.places),
    )


def cpv_closeness(levels_apart: int) -> float:
    """A partner code above the tender's (the partner's offer is broader): 1.0 for the same
    code, 0.1 less for each level apart (never below 0.6)."""
    return max(0.6, 1.0 - 0.1 * levels_apart)


def cpv_within(levels_apart: int) -> float:
    """A partner code below the tender's (a broad tender code, a specific partner): a good fit,
    since the partner offers part of what the tender asks for (never below 0.75)."""
    return max(0.75, 1.0 - 0.05 * levels_apart)


# Sibling codes, by the depth of the significant prefix they share.
CPV_SAME_DIVISION = 0.25  # 2 digits: 85xxxxxx
CPV_SAME_GROUP = 0.45  # 3 digits: 853xxxxx
CPV_SAME_CLASS = 0.65  # 4 digits: 8531xxxx
CPV_SAME_CATEGORY = 0.8  # 5 or more digits: 85311xxx
_SIBLING = {
    2: ("division", CPV_SAME_DIVISION),
    3: ("group", CPV_SAME_GROUP),
    4: ("class", CPV_SAME_CLASS),
}


# CPV codes alone are weak evidence unless they match closely: a broad tender code (85300000
# "Social work and related services") sits above every social-care partner's codes. Without any
# words in common (the partner's own text and the tender's), CPV closeness below CPV_CLOSE counts
# for at most CPV_ALONE, below the service-fit gate.
WORDS_MIN = 0.1  # text_score below this is no words in common
CPV_CLOSE = 1.0  # the same code
CPV_ALONE = 0.4


def cpv_alone_capped(c_score: float, w_score: float, has_text: bool) -> bool:
    """Whether the service score is capped at CPV_ALONE (the rule above)."""
    return has_text and w_score < WORDS_MIN - EPS and c_score < CPV_CLOSE - EPS


def text_score(cosine: float) -> float:
    """Cosine similarity of short texts rarely passes 0.35; that counts as a full match."""
    return min(1.0, cosine / 0.35)


@cache
def cpv_pair(partner_code: str, tender_code: str) -> tuple[float, str, int]:
    """(closeness, relation, levels apart) of one partner code to one tender code.

    relation is "covers" (the partner's code is the tender's or above it), "within" (the
    partner's code lies below the tender's), or for codes on different branches the deepest
    level they share: "category", "class", "group" or "division"; "" for different divisions.
    For siblings the third value is the number of digits shared.
    """
    if partner_code[:2] != tender_code[:2]:
        return 0.0, "", 0
    p, t = _prefix(partner_code), _prefix(tender_code)
    if t.startswith(p):
        d = cpv.distance(partner_code, tender_code) or 0
        return cpv_closeness(d), "covers", d
    if p.startswith(t):
        d = cpv.distance(tender_code, partner_code) or 0
        return cpv_within(d), "within", d
    shared = 2
    while shared < min(len(p), len(t)) and p[shared] == t[shared]:
        shared += 1
    if shared >= 5:
        return CPV_SAME_CATEGORY, "category", shared
    relation, value = _SIBLING[shared]
    return value, relation, shared


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
    shared = (tc[:d] + "0" * 8)[:8]
    return (
        f"{pc} {cpv.label(pc)} and the tender's {tc} {cpv.label(tc)} are in the same CPV "
        f"{relation} ({cpv.label(shared) or shared})"
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
    capped = False
    if t.cpv and org.cpv_codes:
        score = 0.6 * c_score + 0.4 * w_score
        if cpv_alone_capped(c_score, w_score, bool(_partner_text(org).strip())) and (
            score > CPV_ALONE
        ):
            score, capped = CPV_ALONE, True
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
    if capped:
        evidence.append(
            "No words in common with the notice, and the CPV codes are not a close match: "
            "the codes alone do not show service fit"
        )
    if score >= 0.7:
        summary = "Strong service fit"
    elif score >= SERVICE_FIT - EPS:
        summary = "Some service fit"
    else:
        summary = "No service fit: not an opportunity, so the other factors do not count"
    return Reason("service", weight, score, summary, evidence, warning=score < SERVICE_FIT - EPS)


def _partner_text(org: Organisation) -> str:
    """The partner's own words. CPV labels stay out ("work, houses" is no shared service); the
    codes count on their own, as CPV fit."""
    return f"{org.services}\n{' '.join(org.beneficiaries)}"


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
    """Where the service is delivered (the tender's or lot's delivery places, else the buyer's
    area). Who may bid (a reserved participation location) is an eligibility rule, shown here
    too so both facts sit side by side."""
    score, evidence = place_fit(org.areas, t.places)
    if t.places:
        where = ", ".join(places.area_name(p) for p in t.places[:4])
        more = f" and {len(t.places) - 4} more" if len(t.places) > 4 else ""
        source = (
            "The notice gives no delivery place; the buyer's area is used: "
            if t.places_from_buyer
            else "Delivered in: "
        )
        evidence.insert(0, f"{source}{where}{more}")
    if t.reserved:
        evidence.append(f"Who may bid: {reserved_names(t.reserved)} (an eligibility rule)")
    if score >= PLACE_AROUND:
        summary = "Works in the tender's area"
    elif score >= CAN_DELIVER_PLACE:
        summary = "Place not limiting"
    else:
        summary = "Outside your area: does not work where the service is delivered"
    return Reason(
        "place", weight, score, summary, evidence, warning=score < CAN_DELIVER_PLACE - EPS
    )


def reserved_names(codes: tuple[str, ...] | list[str]) -> str:
    return records.reserved_names(codes)


def reserved_ok(areas: list[str], reserved: tuple[str, ...] | list[str]) -> bool:
    """Whether a partner serving ``areas`` may bid where participation is reserved to
    ``reserved`` (GSS codes). The UK (K02000001) admits every partner; a nation admits
    partners serving somewhere in it; a council, partners serving somewhere in it."""
    limits = [c for c in reserved if c != "K02000001"]
    if not limits:
        return True
    for code in limits:
        nation = _NATION_OF_GSS.get(code)
        for area in areas:
            if nation is not None:
                if _nation_of(area) in nation:
                    return True
            elif places.overlaps(area, code):
                return True
    return False


_NATION_OF_GSS = {
    "K03000001": ("England", "Scotland", "Wales"),
    "K04000001": ("England", "Wales"),
    "E92000001": ("England",),
    "W92000004": ("Wales",),
    "S92000003": ("Scotland",),
    "N92000002": ("Northern Ireland",),
}
_ITL_NATION = {"TLL": "Wales", "TLM": "Scotland", "TLN": "Northern Ireland"}


@cache
def _nation_of(area: str) -> str:
    council = places.council(area)
    if council is not None:
        return council.nation
    chain = [area, *places.ancestors(area)]
    top = next((c for c in chain if len(c) == 3), None)
    if top is None:
        return ""
    return _ITL_NATION.get(top, "England")


def reserved_reason(org: Organisation, t: Target) -> tuple[bool, str | None]:
    """(blocking, sentence) for the reserved participation location, if the notice gives one."""
    if not t.reserved:
        return False, None
    names = reserved_names(t.reserved)
    if reserved_ok(org.areas, t.reserved):
        return False, f"May bid: participation is reserved to organisations in {names}"
    if not org.areas:
        return True, (
            f"Participation is reserved to organisations in {names}; the partner's areas "
            "are not recorded"
        )
    return True, f"Participation is reserved to organisations in {names}; the partner is not there"


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
    reason = _credentials_reason(org, t, today, weight)
    blocking, sentence = reserved_reason(org, t)
    if sentence:
        reason.evidence.insert(0, sentence)
    if blocking:
        reason.blocking = True
        reason.summary = "Outside the reserved participation area"
    return reason


def _credentials_reason(org: Organisation, t: Target, today: dt.date, weight: float) -> Reason:
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
    for req in t.requirements:  # every inferred requirement quotes the sentence it came from
        if req.evidence:
            evidence.append(f"{req.label}: the notice says “{req.evidence}”")
    score = met / len(t.requirements)
    summary = (
        "Holds everything the notice asks for"
        if not missing
        else f"Missing or expired: {', '.join(missing)}"
    )
    return Reason("eligibility", weight, score, summary, evidence, warning=bool(missing))


TIMING_OPEN = 1.0
TIMING_PAST = 0.3  # closed, awarded or a stale planning notice: only to prepare for next time


def timing_score(tender: Tender, now: str) -> float:
    """How the tender's own dates bear on bidding now (``now`` from ``records.as_utc``): open
    or coming soon counts fully; closed, awarded, cancelled or a stale planning notice (its
    deadline or anticipated tender date passed) only to prepare for next time. The engine calls
    this for every tender, so it builds no text; :func:`timing_of` adds the sentence."""
    phase = tender.phase
    if phase in (records.PHASE_CANCELLED, records.PHASE_AWARDED, records.PHASE_CLOSED):
        return TIMING_PAST
    deadline = tender.open_deadline
    if deadline is not None and deadline <= now:
        return TIMING_PAST
    if phase == records.PHASE_PLANNING:
        expected = tender.future_notice_date
        if expected is not None and expected <= now:
            return TIMING_PAST
    return TIMING_OPEN


def timing_of(tender: Tender, today: dt.date) -> tuple[float, str]:
    """:func:`timing_score` with the sentence that explains it."""
    value = timing_score(tender, records.as_utc(today))
    status = tender.status_on(today)
    if status in (CLOSED, AWARDED, CANCELLED):
        note = tender.planning_note(today)
        if note:
            return value, note
        return value, f"The tender is {status}: useful to prepare for the re-tender"
    note = tender.planning_note(today)
    if note:
        return value, note
    if tender.open_deadline:
        return value, f"Deadline {uk_date(iso_date(tender.open_deadline))}"
    return value, "The notice gives no deadline"


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
    timing, when = timing_of(tender, today)
    evidence.append(when)
    score = 0.5 * fit + 0.5 * timing
    status = tender.status_on(today)
    if blocking:
        summary = "Reserved for VCSEs"
    elif tender.planning_stale(today):
        summary = "Planning notice out of date"
    elif score >= 0.75:
        summary = "Suitable and coming soon" if status == COMING_SOON else "Suitable and open"
    else:
        summary = "Some suitability"
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
    total = total_score(reasons, weights)
    return Match(
        partner_id=org.id,
        partner_name=org.name,
        ocid=tender.ocid,
        lot_id=t.lot_id,
        score=total,
        reasons=reasons,
        eligible=not any(r.blocking for r in reasons),
    )


def total_score(reasons: list[Reason], weights: Weights) -> float:
    """0..100: the weighted factors, where without service fit only the service points count."""
    service = next(r for r in reasons if r.factor == "service")
    if service.score < SERVICE_FIT - EPS:
        return 100 * service.points / weights.total()
    return 100 * sum(r.points for r in reasons) / weights.total()


def tier_of(service: float, place: float) -> int:
    if service < SERVICE_FIT - EPS:
        return NO_SERVICE_FIT
    return IN_AREA if place >= CAN_DELIVER_PLACE - EPS else OUTSIDE_AREA


def rank_key(blocked: bool, service: float, place: float, capacity: float, total: float) -> tuple:
    """Where a match stands in a ranking (smaller first), shared by every ranking.

    Eligible first; then in the area with service fit, outside the area, no service fit; then
    the score in whole points (as the window shows it); a tie is broken by the reasons: place,
    then service, then value fit (capacity), and only then by the exact score."""
    return (
        bool(blocked),
        tier_of(service, place),
        -round(float(total)),
        -round(float(place), 6),
        -round(float(service), 6),
        -round(float(capacity), 6),
        -round(float(total), 6),
    )


def match_rank_key(match: Match) -> tuple:
    return rank_key(
        not match.eligible,
        match.reason("service").score,
        match.reason("place").score,
        match.reason("capacity").score,
        match.score,
    )


def sort_key(match: Match) -> tuple:
    """Eligible first, in-area before outside-area before no service fit, then best score (ties
    broken by place, service and value fit), then name and id so rankings are stable."""
    return (
        *match_rank_key(match),
        match.partner_name.lower(),
        match.partner_id or 0,
        match.ocid,
        match.lot_id or "",
    )


def mark_ties(matches: list[Match]) -> list[Match]:
    """Mark matches (already in ranking order) that share their whole-point score and tier with
    a neighbour: the window shows them as "tied", ranked by their reasons."""
    for m in matches:
        m.tied = False
    for a, b in zip(matches, matches[1:], strict=False):
        if match_rank_key(a)[:3] == match_rank_key(b)[:3]:
            a.tied = b.tied = True
    return matches


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
    total = total_score(reasons, weights)
    return Match(
        match.partner_id,
        match.partner_name,
        match.ocid,
        match.lot_id,
        total,
        reasons,
        match.eligible,
        match.tied,
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
    if match.tier == NO_SERVICE_FIT:
        parts.append("<p><b>No service fit:</b> not an opportunity for this partner.</p>")
    elif match.outside_area:
        parts.append("<p><b>Outside your area:</b> listed below every in-area match.</p>")
    if match.tied:
        parts.append(
            "<p><b>Tied</b> on score with a neighbour: ranked by place, then service fit, "
            "then value fit.</p>"
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
