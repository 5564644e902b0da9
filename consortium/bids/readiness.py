"""The readiness check before building a bid: what is missing, and where to fix it.

    report = check(ws, bid_id, today=dt.date.today())
    report.ready            # no problems (warnings allowed)
    for item in report.items: print(item.severity, item.message, item.where)

Credentials are judged on the contract start date (the tender's, else today): a policy that
expires before the contract starts is a problem now. The documents rule is
``bids.rules.document_findings``, the same one the housing association's due diligence uses. Building is still allowed; the items go
into a cover note beside the documents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from consortium.bids import narrative, rules
from consortium.bids import questions as bid_questions
from consortium.bids.records import Bid, conflicts_declaration
from consortium.bids.records import load as load_bid
from consortium.formatting import iso_date, plural, possessive, uk_date
from consortium.matching import consortia
from consortium.partners import store as partner_store
from consortium.records import Organisation
from consortium.work import status as work_status
from consortium.workspace import Workspace

# Documents every member must hold (kind, type): the rule itself lives in bids/rules.py.
REQUIRED_DOCUMENTS = tuple((r.kind, r.type) for r in rules.REQUIRED)
SEVERITIES = ("problem", "warning")
# Items that leave the submission copy incomplete (named before building), and the ones that
# stop it being written at all: a prompt in square brackets must never reach a buyer.
INCOMPLETE_SUBMISSION = (
    "no_questions",
    "unanswered",
    "template_prompt",
    "document_expired",
    "document_missing",
)
BLOCKS_SUBMISSION = ("template_prompt",)


@dataclass
class Item:
    code: str  # stable: unanswered, over_limit, no_owner, not_done, document_missing, …
    severity: str  # "problem" or "warning"
    message: str
    where: dict = field(
        default_factory=dict
    )  # {"kind": "question"|"partner"|"consortium"|"bid", "id", "label", "field"}

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "where": self.where,
        }


@dataclass
class Report:
    bid: Bid
    checked_on: dt.date
    contract_start: dt.date | None
    items: list[Item]

    @property
    def judged_on(self) -> dt.date:
        return self.contract_start or self.checked_on

    @property
    def problems(self) -> list[Item]:
        return [i for i in self.items if i.severity == "problem"]

    @property
    def ready(self) -> bool:
        return not self.problems

    @property
    def incomplete_submission(self) -> list[Item]:
        """What would leave the submission copy incomplete (or, for prompts, unwritten)."""
        return [i for i in self.items if i.code in INCOMPLETE_SUBMISSION]

    def to_dict(self) -> dict:
        return {
            "bid": {"id": self.bid.id, "name": self.bid.name, "ocid": self.bid.ocid},
            "checked_on": self.checked_on.isoformat(),
            "contract_start": self.contract_start.isoformat() if self.contract_start else None,
            "documents_judged_on": self.judged_on.isoformat(),
            "ready": self.ready,
            "counts": {s: sum(1 for i in self.items if i.severity == s) for s in SEVERITIES},
            "items": [i.to_dict() for i in self.items],
            "submission_incomplete": [i.to_dict() for i in self.incomplete_submission],
        }

    def text(self) -> str:
        lines = [
            f"Readiness of {self.bid.name} on {uk_date(self.checked_on)}"
            f" (documents judged on {uk_date(self.judged_on)})"
        ]
        if not self.items:
            lines.append("Nothing missing: the bid is ready to build.")
        for i in self.items:
            lines.append(f"[{i.severity}] {i.message}")
        gaps = self.incomplete_submission
        if gaps:
            blocked = sum(1 for i in gaps if i.code in BLOCKS_SUBMISSION)
            lines.append(
                f"The submission copy would be incomplete: {plural(len(gaps), 'item')} above"
                + (
                    f", and {plural(blocked, 'unfilled prompt')} "
                    f"{'stops' if blocked == 1 else 'stop'} it being written."
                    if blocked
                    else "."
                )
            )
        return "\n".join(lines)


def _tender(ws: Workspace, bid: Bid):
    if not bid.ocid:
        return None
    from consortium.tenders.search import get

    return get(ws, bid.ocid)


def contract_start(ws: Workspace, bid: Bid) -> dt.date | None:
    """The day the bid's contract (its lots', else the tender's) starts, if the notice says."""
    tender = _tender(ws, bid)
    if tender is None:
        return None
    dates = [
        iso_date(lot.contract_start) for lot in tender.lots if not bid.lots or lot.id in bid.lots
    ]
    dates = [d for d in dates if d]
    return min(dates) if dates else iso_date(tender.contract_start)


def _q_where(q: bid_questions.Question, field_name: str) -> dict:
    return {"kind": "question", "id": q.id, "label": q.label, "field": field_name}


def _p_where(org: Organisation, field_name: str) -> dict:
    return {"kind": "partner", "id": org.id, "label": org.name, "field": field_name}


def check(ws: Workspace, bid_id: int, *, today: dt.date | None = None) -> Report:
    today = today or dt.date.today()
    bid = load_bid(ws.db, bid_id)
    c = consortia.load(ws.db, bid.consortium_id)
    start = contract_start(ws, bid)
    on = rules.judged_on(start, today)
    tender = _tender(ws, bid)
    asked = rules.asked_by(tender)
    items: list[Item] = []
    qs = bid_questions.list_for(ws.db, bid_id)
    # A question sent to its owner in a work pack is not done until the owner's answer is in.
    waiting = work_status.awaiting_owner(ws.db, bid_id)
    if not qs:
        items.append(
            Item(
                "no_questions",
                "problem",
                "The bid has no questions yet: import the buyer's questionnaire or add them.",
                {"kind": "bid", "id": bid.id, "label": bid.name, "field": "questions"},
            )
        )
    for q in qs:
        for prompt in narrative.prompts_in(q.answer)[:1]:
            items.append(
                Item(
                    "template_prompt",
                    "problem",
                    f"{possessive(q.label)} answer still has the prompt '{prompt[:80]}': replace it "
                    "with your own words.",
                    _q_where(q, "answer"),
                )
            )
        if not q.answer.strip():
            items.append(
                Item("unanswered", "problem", f"{q.label} has no answer.", _q_where(q, "answer"))
            )
        elif q.over_limit:
            items.append(
                Item(
                    "over_limit",
                    "problem",
                    f"{q.label} is {q.words:,} words, over its limit of {q.word_limit:,}.",
                    _q_where(q, "answer"),
                )
            )
        elif q.id in waiting:
            items.append(
                Item(
                    "awaiting_owner",
                    "warning",
                    f"{q.label} is waiting for {possessive(waiting[q.id])} answer (sent in a work pack).",
                    _q_where(q, "answer"),
                )
            )
        elif q.status != "done":
            items.append(
                Item(
                    "not_done",
                    "warning",
                    f"{q.label} is still '{q.status}'.",
                    _q_where(q, "status"),
                )
            )
        if q.owner_org_id is None:
            items.append(
                Item("no_owner", "warning", f"{q.label} has no owner.", _q_where(q, "owner"))
            )
        if q.due and q.due < today and q.status != "done":
            items.append(
                Item(
                    "overdue",
                    "warning",
                    f"{q.label} was due on {uk_date(q.due)}.",
                    _q_where(q, "due"),
                )
            )
    texts = narrative.text_for(ws, bid_id)
    for key, label in narrative.FIELDS.items():
        for prompt in narrative.prompts_in(texts[key])[:1]:
            items.append(
                Item(
                    "template_prompt",
                    "problem",
                    f"The {label.lower()} still has the prompt '{prompt[:80]}': write it in "
                    "the Bids area.",
                    {"kind": "bid", "id": bid.id, "label": label, "field": f"narrative: {key}"},
                )
            )
    items.extend(_statement_items(ws, bid))
    model = rules.criteria_model_finding(tender.regime if tender else None, _mapped(ws, bid))
    if model:
        items.append(
            Item(
                model.code,
                model.severity,
                model.message,
                {"kind": "bid", "id": bid.id, "label": bid.name, "field": "socialvalue: criteria"},
            )
        )
    cwhere = {"kind": "consortium", "id": c.id, "label": c.name}
    if c.lead is None:
        items.append(
            Item(
                "no_lead",
                "problem",
                f"{c.name} has no lead provider.",
                {**cwhere, "field": "members"},
            )
        )
    # One rule with the housing association's checklist (bids/rules.py).
    fee = rules.fee_finding(c.fee_percent, c.model, c.name)
    if fee:
        items.append(Item(fee.code, fee.severity, fee.message, {**cwhere, "field": "fee_percent"}))
    conflicts = rules.conflicts_finding(conflicts_declaration(ws.db, bid.id))
    if conflicts:
        items.append(
            Item(
                conflicts.code,
                conflicts.severity,
                conflicts.message,
                {"kind": "bid", "id": bid.id, "label": bid.name, "field": "conflicts"},
            )
        )
    orgs = partner_store.load_many(ws.db, [m.org_id for m in c.members])
    for org in orgs:
        role = next((m.role for m in c.members if m.org_id == org.id), None)
        for f in rules.document_findings(org.name, role, org.credentials, on, asked, today):
            items.append(
                Item(f.code, f.severity, f.message, _p_where(org, f"credentials: {f.document}"))
            )
        if not org.turnover:
            items.append(
                Item(
                    "no_turnover",
                    "problem",
                    f"{org.name} has no turnover figures.",
                    _p_where(org, "turnover"),
                )
            )
        if not org.charity_number and not org.company_number:
            items.append(
                Item(
                    "no_identifier",
                    "problem",
                    f"{org.name} has neither a charity nor a company number.",
                    _p_where(org, "charity_number"),
                )
            )
        if not org.past_contracts:
            items.append(
                Item(
                    "no_track_record",
                    "warning",
                    f"{org.name} has no past contracts for the track record section.",
                    _p_where(org, "past_contracts"),
                )
            )
        if not org.contacts:
            items.append(
                Item(
                    "no_contact",
                    "warning",
                    f"{org.name} has no contact named.",
                    _p_where(org, "contacts"),
                )
            )
    return Report(bid=bid, checked_on=today, contract_start=start, items=items)


def _mapped(ws: Workspace, bid: Bid) -> dict[str, list[str]]:
    """The measures of the bid's commitments, by name, with their award-criteria codes."""
    from consortium.socialvalue import commitments, frameworks

    measures = frameworks.measures_by_key(ws.db)
    out: dict[str, list[str]] = {}
    for c in commitments.list_for_bid(ws.db, bid.id):
        m = measures.get((c.framework_id, c.measure_code))
        if m is not None:
            out[frameworks.display_name(m, c.measure_code)] = list(m.criteria)
    return out


def _statement_items(ws: Workspace, bid: Bid) -> list[Item]:
    """The social value statement's own texts, when the bid has commitments: a section left
    empty would print nothing under its heading."""
    from consortium.socialvalue import commitments, statement

    if not commitments.list_for_bid(ws.db, bid.id):
        return []
    settings = commitments.load_settings(ws.db, bid.id)
    items = []
    for attr, label in statement.WRITTEN_SECTIONS.items():
        text = getattr(settings, attr, "") or ""
        found = narrative.prompts_in(text)
        if not text.strip() or found:
            what = f"still has the prompt '{found[0][:80]}'" if found else "is empty"
            items.append(
                Item(
                    "template_prompt",
                    "problem",
                    f"The social value statement's '{label}' {what}: write it in Social "
                    "value > Statement texts.",
                    {"kind": "bid", "id": bid.id, "label": label, "field": f"socialvalue: {attr}"},
                )
            )
    return items
