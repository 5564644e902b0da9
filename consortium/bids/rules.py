"""The one rule set for members' documents, shared by the bid's readiness check (before
building) and the housing association's due diligence (on the signed pack).

    on = judged_on(contract_start, today)          # documents are judged on the contract start
    for f in document_findings("Hope Trust", "lead provider", credentials, on, asked):
        f.code, f.severity, f.message, f.document

Both sides call this with the same members, credentials, requirements and date, so a policy
that readiness says expires before the contract starts fails the HA's checklist too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from consortium.formatting import money, plural, possessive, uk_date
from consortium.matching.requirements import Requirement
from consortium.records import Credential
from consortium.text import listed

# What every member must hold, whatever the notice says.
REQUIRED = (
    Requirement("insurance", "Public liability"),
    Requirement("insurance", "Employer's liability"),
    Requirement("policy", "Safeguarding"),
    Requirement("policy", "Data protection"),
)
# Members who deliver the service must also hold what the notice asks for.
DELIVERING = ("lead provider", "delivery partner")


@dataclass
class Finding:
    code: str  # document_missing, document_undated, document_expired, requirement_missing,
    # cover_short, other_expired
    severity: str  # "problem" or "warning"
    message: str
    member: str
    kind: str  # insurance, policy or accreditation
    document: str  # its type, e.g. "Public liability"


@dataclass
class BidFinding:
    """What is missing from the bid itself (not a member's documents): the same words for
    the consortium's readiness check and the housing association's checklist."""

    code: str  # no_conflicts_declaration, no_fee
    severity: str  # "problem" or "warning"
    message: str


def conflicts_finding(declared: str | None) -> BidFinding | None:
    """A bid with no declaration of interests: the HA asks for one before it assures a bid."""
    if (declared or "").strip():
        return None
    return BidFinding(
        "no_conflicts_declaration",
        "warning",
        "No declaration of conflicts of interest: write one on the bid's Overview (or say "
        "there are none). The housing association asks for it.",
    )


def fee_finding(fee_percent: float | None, model: str, consortium: str) -> BidFinding | None:
    """A lead-provider consortium with no management fee agreed (0% is an agreed fee)."""
    if fee_percent is not None or model != "lead_provider":
        return None
    return BidFinding(
        "no_fee",
        "warning",
        f"{consortium} has no management fee set (say 0% if there is none).",
    )


OLD_MODEL = "PPN 06/20"  # the Social Value Model of the Public Contracts Regulations 2015


def criteria_model_finding(regime: str | None, mapped: dict[str, list[str]]) -> BidFinding | None:
    """Measures mapped only to PPN 06/20's award-criteria codes, on a tender run under the
    Procurement Act 2023: PPN 002's model replaced PPN 06/20's there (24 Feb 2025), so a
    buyer scoring against the new model finds no criterion it knows. ``mapped`` is each
    measure's name and its codes, for the bid's commitments."""
    from consortium.tenders.records import PROCUREMENT_ACT

    if regime != PROCUREMENT_ACT:
        return None
    old = [
        name
        for name, codes in mapped.items()
        if codes and all(code.startswith(OLD_MODEL) for code in codes)
    ]
    if not old:
        return None
    shown = listed((f"'{name}'" for name in old), 3)
    return BidFinding(
        "old_model_codes",
        "warning",
        f"The tender is run under the Procurement Act 2023, where PPN 002's Social Value Model "
        f"replaced PPN 06/20's, but {plural(len(old), 'measure')} ({shown}) "
        f"{'is' if len(old) == 1 else 'are'} mapped only to PPN 06/20 codes. Check the award "
        "criteria in the buyer's documents and map the commitments to those.",
    )


def asked_by(tender) -> list[Requirement]:
    """What a tender's notice asks bidders to hold (read from its text)."""
    from consortium.matching.requirements import infer
    from consortium.matching.scoring import target

    return infer(target(tender).text) if tender is not None else []


def judged_on(contract_start: dt.date | None, today: dt.date) -> dt.date:
    """Documents must be valid on the day the contract starts (today when it is not known)."""
    return contract_start or today


def _label(req: Requirement) -> str:
    return f"{req.type.lower()} {req.kind}" if req.kind != "accreditation" else req.type


def _best(held: list[Credential]) -> Credential:
    return max(held, key=lambda c: c.expires or dt.date.max)


def document_findings(
    member: str,
    role: str | None,
    credentials: Iterable[Credential],
    on: dt.date,
    asked: Iterable[Requirement] = (),
    today: dt.date | None = None,
) -> list[Finding]:
    """What is wrong with one member's documents on the day ``on``: required ones missing,
    undated or expiring before it; what the notice asks for missing or with too little cover
    (for members who deliver); any other insurance or accreditation expiring before it."""
    credentials = list(credentials)
    findings: list[Finding] = []
    used: set[int] = set()

    def lapse(expires: dt.date) -> str:
        # Said as it stands today: a policy that lapsed last month "expired", not "expires".
        verb = "expired" if today is not None and expires < today else "expires"
        return f"{verb} on {uk_date(expires)}, before the contract starts ({uk_date(on)})."

    def add(code, severity, message, req_or_cred):
        findings.append(
            Finding(code, severity, message, member, req_or_cred.kind, req_or_cred.type)
        )

    for req in REQUIRED:
        held = [c for c in credentials if req.met_by(c)]
        used.update(id(c) for c in held)
        if not held:
            add("document_missing", "problem", f"{member} has no {_label(req)} on record.", req)
            continue
        best = _best(held)
        if best.expires is None:
            add(
                "document_undated",
                "warning",
                f"{possessive(member)} {_label(req)} has no expiry or review date.",
                req,
            )
        elif best.expires < on:
            add(
                "document_expired",
                "problem",
                f"{possessive(member)} {_label(req)} {lapse(best.expires)}",
                req,
            )
    if role in DELIVERING:
        for req in asked:
            if req.kind == "policy" or any(
                r.kind == req.kind and r.type == req.type and not req.cover for r in REQUIRED
            ):
                continue  # policies and plain required insurance are checked above
            same_type = [c for c in credentials if Requirement(req.kind, req.type).met_by(c)]
            used.update(id(c) for c in same_type)
            if not same_type:
                add(
                    "requirement_missing",
                    "problem" if req.kind == "insurance" else "warning",
                    f"{member} has no {req.label} (the notice asks for it).",
                    req,
                )
                continue
            if req.cover and not any(req.met_by(c) for c in same_type):
                cover = max((c.cover or 0) for c in same_type)
                add(
                    "cover_short",
                    "problem",
                    f"{possessive(member)} {req.type.lower()} cover of {money(cover)} is below the "
                    f"{money(req.cover)} the notice asks for.",
                    req,
                )
            best = _best(same_type)
            if best.expires is not None and best.expires < on:
                add(
                    "document_expired",
                    "problem",
                    f"{possessive(member)} {_label(req)} {lapse(best.expires)}",
                    req,
                )
    for c in credentials:
        if id(c) in used or c.kind == "policy" or c.expires is None or c.expires >= on:
            continue
        add(
            "other_expired",
            "warning",
            f"{possessive(member)} {c.type} {c.kind if c.kind == 'insurance' else ''}".rstrip()
            + f" {lapse(c.expires)}",
            c,
        )
    return findings
