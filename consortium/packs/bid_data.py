"""A bid's data as plain JSON: what a reviewer needs, without the sender's workspace.

Personal data is kept to what review needs: contacts' names and roles, not their emails or
phone numbers.
"""

from __future__ import annotations

import dataclasses

from consortium import assets
from consortium.bids import records as bids
from consortium.matching import consortia
from consortium.matching.scoring import target
from consortium.partners import store as partner_store
from consortium.tenders import search
from consortium.workspace import Workspace


def bid_data(ws: Workspace, bid_id: int) -> dict:
    bid = bids.load(ws.db, bid_id)
    c = consortia.load(ws.db, bid.consortium_id)
    members = []
    for m in c.members:
        org = partner_store.load(ws.db, m.org_id)
        members.append(
            {
                "partner_id": org.id,
                "name": org.name,
                "role": m.role,
                "lots": m.lots,
                "legal_form": org.legal_form,
                "charity_number": org.charity_number,
                "company_number": org.company_number,
                "postcode": org.postcode,
                "website": org.website,
                "services": org.services,
                "cpv_codes": org.cpv_codes,
                "areas": org.areas,
                "turnover": {str(y): a for y, a in sorted(org.turnover.items())},
                "staff": org.staff,
                "volunteers": org.volunteers,
                "credentials": [
                    {
                        "kind": cr.kind,
                        "type": cr.type,
                        "reference": cr.reference,
                        "cover": cr.cover,
                        "expires": cr.expires.isoformat() if cr.expires else None,
                    }
                    for cr in org.credentials
                ],
                "past_contracts": [dataclasses.asdict(p) for p in org.past_contracts],
                "contacts": [{"name": p.name, "role": p.role} for p in org.contacts],
            }
        )
    tender = search.get(ws, bid.ocid) if bid.ocid else None
    tender_data = None
    if tender is not None:
        whole = target(tender)
        tender_data = {
            "ocid": tender.ocid,
            "title": tender.title,
            "buyer": tender.buyer_name,
            "value": tender.value,
            "annual_value": whole.annual_value,
            "deadline": tender.open_deadline,
            "contract_start": tender.contract_start,
            "contract_end": tender.contract_end,
            "notice_url": tender.notice_url,
            "lots": [{"id": lot.id, "title": lot.title, "value": lot.value} for lot in tender.lots],
            "requirements": [
                {"key": r.key, "label": r.label, "evidence": r.evidence} for r in whole.requirements
            ],
        }
    data = {
        "bid": {
            "id": bid.id,
            "name": bid.name,
            "status": bid.status,
            "ocid": bid.ocid,
            "lots": bid.lots,
        },
        "consortium": {
            "id": c.id,
            "name": c.name,
            "model": c.model,
            "model_label": consortia.MODELS.get(c.model, c.model),
            "fee_percent": c.fee_percent,
            "notes": c.notes,
        },
        "members": members,
        "tender": tender_data,
        "questions": _questions(ws, bid_id),
        "social_value": _social_value(ws, bid_id),
        "venues": assets.venues(ws.db, bid_id),
        "declarations": {
            "conflicts_of_interest": bids.conflicts_declaration(ws.db, bid_id) or None
        },
    }
    return data


def _questions(ws: Workspace, bid_id: int) -> list[dict]:
    """The buyer's questions with their answers, in order."""
    from consortium.bids import questions

    return [q.to_dict() for q in questions.list_for(ws.db, bid_id)]


def _social_value(ws: Workspace, bid_id: int) -> dict | None:
    from consortium.socialvalue import pack_summary

    return pack_summary(ws, bid_id)
