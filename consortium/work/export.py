"""The lead's side: a signed work pack (.cbwork) for one member of a bid.

    path = export_work(ws, bid_id, org_id, "Hope Trust.cbwork", due=dt.date(2026, 12, 7),
                       recipient=trust.read_public_key("hope.pub.json"), recipient_words="…")

The pack holds the questions the member owns (text, word limit, weighting, due date, the
current draft and the library entries suggested for each), the member's partner record as
the lead holds it, the social value commitments assigned to it and the documents the lead
needs from it. What was sent is kept here (``work_packs.sent_json``): the reply is compared
with it, so an answer the lead changed since is a conflict, never overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from consortium.bids import questions as bid_questions
from consortium.bids import readiness, rules
from consortium.bids.records import load as load_bid
from consortium.changes import WORK
from consortium.formatting import plural, uk_date
from consortium.matching import consortia
from consortium.packs import keys, trust
from consortium.partners import store as partner_store
from consortium.text import listed
from consortium.work.pack import WORK_FORMAT, write_signed
from consortium.work.records import WorkError, record_to_dict
from consortium.workspace import Workspace, writes

SUGGESTIONS = 3


def find_member(ws: Workspace, bid_id: int, member: str | int) -> int:
    """The partner id of a member of the bid's consortium, by id or (part of) its name."""
    bid = load_bid(ws.db, bid_id)
    c = consortia.load(ws.db, bid.consortium_id)
    is_id = isinstance(member, int) or str(member).isdigit()
    if is_id and int(member) in {m.org_id for m in c.members}:
        return int(member)
    text = " ".join(str(member).lower().split())
    found = [m for m in c.members if text and text in " ".join(m.name.lower().split())]
    exact = [m for m in found if " ".join(m.name.lower().split()) == text]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0].org_id
    if found:
        raise WorkError(
            f"'{member}' matches more than one member ({listed(m.name for m in found)}); "
            "give more of the name."
        )
    raise WorkError(
        f"'{member}' is not a member of {c.name}. Its members are: "
        f"{listed(m.name for m in c.members)}."
    )


def documents_needed(ws: Workspace, bid_id: int, org_id: int, today: dt.date) -> list[dict]:
    """What the lead needs from the member: the documents readiness finds missing or out of
    date (one rule set, ``bids.rules``), and a certificate for each insurance it holds."""
    bid = load_bid(ws.db, bid_id)
    c = consortia.load(ws.db, bid.consortium_id)
    org = partner_store.load(ws.db, org_id)
    role = next((m.role for m in c.members if m.org_id == org_id), None)
    on = rules.judged_on(readiness.contract_start(ws, bid), today)
    asked = rules.asked_by(readiness._tender(ws, bid))
    needed, seen = [], set()
    for f in rules.document_findings(org.name, role, org.credentials, on, asked, today):
        key = f"{f.kind}:{f.document}"
        if key not in seen:
            seen.add(key)
            needed.append({"key": key, "label": f"{f.document} ({f.kind})", "reason": f.message})
    for cr in org.credentials:
        key = f"{cr.kind}:{cr.type}"
        if cr.kind == "insurance" and key not in seen:
            seen.add(key)
            expires = f", expiring {uk_date(cr.expires)}" if cr.expires else ""
            needed.append(
                {
                    "key": key,
                    "label": f"Certificate of {cr.type.lower()} insurance",
                    "reason": f"The certificate for the cover on record{expires}.",
                }
            )
    return needed


def work_data(
    ws: Workspace, bid_id: int, org_id: int, *, due: dt.date | None, today: dt.date
) -> dict:
    """Everything a work pack carries, as plain JSON."""
    from consortium.library import store as library
    from consortium.library import suggest

    bid = load_bid(ws.db, bid_id)
    c = consortia.load(ws.db, bid.consortium_id)
    member = next((m for m in c.members if m.org_id == org_id), None)
    if member is None:
        raise WorkError("That partner is not a member of the bid's consortium.")
    org = partner_store.load(ws.db, org_id)
    ours = partner_store.ours(ws.db)
    lead = c.lead
    lead_name = (
        (ours.name if ours else None) or (lead.name if lead else "") or keys.identity().organisation
    )
    owned = [q for q in bid_questions.list_for(ws.db, bid_id) if q.owner_org_id == org_id]
    suggestions = suggest.suggest_all(ws.db, owned, today=today, limit=SUGGESTIONS)
    questions = []
    for q in owned:
        entries = []
        for s in suggestions.get(q.id, []):
            if s.score < suggest.MIN_SHOWN:
                continue
            e = library.load(ws.db, s.entry_id)
            entries.append({"title": e.title, "body": e.body, "why": s.why, "score": s.score})
        questions.append(
            {
                "id": q.id,
                "ref": q.ref,
                "label": q.label,
                "section": q.section,
                "text": q.text,
                "word_limit": q.word_limit,
                "weighting": q.weighting,
                "due": (q.due or due).isoformat() if (q.due or due) else None,
                "status": q.status,
                "answer": q.answer,
                "suggestions": entries,
            }
        )
    from consortium.socialvalue import commitments, frameworks

    sv = []
    for cm in commitments.list_for_bid(ws.db, bid_id):
        if cm.org_id != org_id:
            continue
        try:
            measure = frameworks.measure(ws.db, cm.framework_id, cm.measure_code)
        except frameworks.FrameworkError:  # a measure since removed: the code still says it
            measure = None
        sv.append(
            {
                "id": cm.id,
                "measure_code": cm.measure_code,
                "description": getattr(measure, "description", "") if measure else "",
                "unit": getattr(measure, "unit", "") if measure else "",
                "quantity": str(cm.quantity),
                "years": cm.years,
                "activity": cm.activity,
                "evidence": cm.evidence,
            }
        )
    tender = readiness._tender(ws, bid)
    return {
        "lead": lead_name,
        "bid": {"id": bid.id, "name": bid.name, "ocid": bid.ocid},
        "tender": {
            "title": tender.title if tender else "",
            "buyer": tender.buyer_name if tender else "",
            "deadline": tender.open_deadline if tender else None,
        },
        "consortium": {"name": c.name, "role": member.role},
        "due": due.isoformat() if due else None,
        "questions": questions,
        "record": record_to_dict(org),
        "social_value": sv,
        "documents_needed": documents_needed(ws, bid_id, org_id, today),
    }


@writes
def export_work(
    ws: Workspace,
    bid_id: int,
    org_id: int,
    out: str | Path,
    *,
    due: dt.date | None = None,
    recipient: trust.PublicKey | None = None,
    recipient_words: str | None = None,
    passphrase: str | None = None,
    today: dt.date | None = None,
) -> Path:
    """Write a signed work pack for one member and remember what was sent.

    ``recipient`` (the member's public key) pins the one key whose reply will be taken in;
    ``recipient_words`` are its words as the member read them to you, and must match."""
    today = today or dt.date.today()
    pin = None
    if recipient is not None:
        pin = trust.key_check(ws, recipient.organisation, recipient.public_key)
        trust.confirm(pin, recipient_words or "")  # refuses before anything is written
    data = work_data(ws, bid_id, org_id, due=due, today=today)
    member = data["record"]["name"]
    manifest = {
        "bid": data["bid"],
        "lead": data["lead"],
        "member": {"partner_id": org_id, "name": member},
        "due": data["due"],
        "questions": len(data["questions"]),
    }
    if pin is not None:
        manifest["recipient"] = {"organisation": pin.organisation, "fingerprint": pin.fingerprint}
    raw = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    path, sha = write_signed(
        out, ".cbwork", WORK_FORMAT, manifest, [("work.json", raw)], passphrase=passphrase
    )
    try:
        with ws.atomic(WORK):
            if pin is not None:
                trust.remember(ws, pin)
            ws.db["work_packs"].insert(
                {
                    "bid_id": bid_id,
                    "org_id": org_id,
                    "manifest_sha256": sha,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "due": data["due"],
                    "file": str(path),
                    "recipient_fingerprint": pin.fingerprint if pin is not None else None,
                    "sent_json": raw.decode("utf-8"),
                }
            )
            ws.audit(
                "export",
                "bid",
                bid_id,
                f"Sent a work pack to {member} ({plural(len(data['questions']), 'question')}) as "
                f"{path.name}" + (f", due {uk_date(due)}" if due else ""),
                {"work_pack": sha, "member": org_id},
            )
    except BaseException:
        path.unlink(missing_ok=True)  # a pack the workspace does not know could never be answered
        raise
    return path
