"""The bid's own prose: executive summary, understanding of the need, governance.

    text = narrative.text_for(ws, bid_id)      # {key: what the documents print}
    narrative.save(ws, bid_id, "understanding", "Milton Keynes needs …")
    narrative.draft(ws, bid_id, "executive_summary")   # a first draft built from the data

The user writes these in the Bids area; until they do, the documents use the suggested draft,
which the editor shows as such. A draft says only what the data supports; where the team has
to say something the data cannot, it holds a prompt in square brackets, and a prompt left in
any text blocks the submission copy (see :func:`prompts_in`, used by readiness).

Stored in the workspace's settings table (``bid:{id}:narrative:{key}``), like the conflicts
declaration, so no schema change is needed.
"""

from __future__ import annotations

import re

from consortium.changes import ANSWERS
from consortium.workspace import Workspace, writes

FIELDS = {
    "executive_summary": "Executive summary",
    "understanding": "Understanding of the need",
    "governance": "Governance and management",
}
# A template prompt: square brackets around words, e.g. "[Describe the local need …]".
# Bounded and linear (no nested quantifiers), so no text can make it slow.
PROMPT = re.compile(r"\[[^\[\]\n]{0,300}?[A-Za-z][^\[\]\n]{0,300}\]")

_GOVERNANCE = {
    "lead_provider": "The lead provider holds the contract with {buyer} and subcontracts to each "
    "member. A partnership board of one representative per member meets monthly to review "
    "performance, risks and referrals; {lead} chairs it and reports to {buyer}.",
    "partnership": "The members deliver under a partnership agreement. A board of one "
    "representative per member takes decisions by consensus, with {lead} as the buyer's "
    "single point of contact.",
    "spv": "The members own a special-purpose vehicle that holds the contract. Its board has a "
    "director from each member; the SPV subcontracts delivery to the members.",
}


def prompts_in(text: str) -> list[str]:
    """Every unreplaced template prompt in ``text`` ('[Describe …]')."""
    return PROMPT.findall(text or "")


def _key(bid_id: int, field: str) -> str:
    return f"bid:{bid_id}:narrative:{field}"


def stored(db, bid_id: int) -> dict[str, str]:
    """What the user has written (fields never written are absent)."""
    keys = {_key(bid_id, f): f for f in FIELDS}
    marks = ",".join("?" * len(keys))
    rows = db.execute(f"SELECT key, value FROM settings WHERE key IN ({marks})", list(keys))
    return {keys[k]: v for k, v in rows if v is not None}


@writes
def save(ws: Workspace, bid_id: int, field: str, text: str) -> None:
    """Keep what the user wrote (an empty text goes back to the suggested draft)."""
    if field not in FIELDS:
        raise ValueError(f"'{field}' is not one of the bid's texts: {', '.join(FIELDS)}")
    with ws.atomic(ANSWERS):
        if text.strip():
            ws.db["settings"].upsert({"key": _key(bid_id, field), "value": text.strip()}, pk="key")
        else:
            ws.db.execute("DELETE FROM settings WHERE key = ?", [_key(bid_id, field)])
        ws.audit("update", "bid", bid_id, f"Wrote the {FIELDS[field].lower()}")


def draft(ws: Workspace, bid_id: int, field: str) -> str:
    """A suggested first draft of one text, from the consortium, tender and members."""
    from consortium.bids.records import load as load_bid
    from consortium.formatting import money
    from consortium.matching import consortia
    from consortium.partners import store as partner_store

    bid = load_bid(ws.db, bid_id)
    c = consortia.load(ws.db, bid.consortium_id)
    tender = None
    if bid.ocid:
        from consortium.tenders.search import get

        tender = get(ws, bid.ocid)
    orgs = partner_store.load_many(ws.db, [m.org_id for m in c.members])
    lead = c.lead.name if c.lead else "the lead member"
    buyer = tender.buyer_name if tender and tender.buyer_name else "the buyer"
    title = tender.title if tender else bid.name
    if field == "executive_summary":
        model = consortia.MODELS.get(c.model, c.model).lower()
        names = ", ".join(o.name for o in orgs)
        combined = sum((o.latest_turnover() or (0, 0))[1] for o in orgs)
        past = sum(len(o.past_contracts) for o in orgs)
        parts = [
            f"{c.name} brings together {len(orgs)} organisations to deliver {title} for {buyer}. "
            f"{lead} leads the consortium as {model}.",
            f"The members are {names}." if orgs else "",
            f"Together the members have a combined annual turnover of {money(combined)} and "
            f"{past:,} past public contracts.",
        ]
        # Not the consortium's own notes ("Proposed for …. Gaps: …"): they are the team's
        # working notes, and the buyer reads this.
        return "\n\n".join(p for p in parts if p)
    if field == "understanding":
        first = ""
        if tender and tender.description:
            first = tender.description.strip().splitlines()[0].strip()
        lines = [f"{buyer} is seeking {title}." + (f" {first}" if first else "")]
        lines.append(
            "[Say in your own words what the people who will use the service need, what you "
            "know of the area, and the outcomes the buyer wants.]"
        )
        return "\n\n".join(lines)
    if field == "governance":
        text = _GOVERNANCE.get(c.model, "")
        return text.format(buyer=buyer, lead=lead)
    raise ValueError(f"'{field}' is not one of the bid's texts: {', '.join(FIELDS)}")


def text_for(ws: Workspace, bid_id: int) -> dict[str, str]:
    """What the documents print for each text: the user's own, else the suggested draft."""
    own = stored(ws.db, bid_id)
    return {f: own.get(f) or draft(ws, bid_id, f) for f in FIELDS}


def is_draft(ws: Workspace, bid_id: int) -> dict[str, bool]:
    own = stored(ws.db, bid_id)
    return {f: not own.get(f) for f in FIELDS}
