"""The bid record shared by bid assembly, social value and review packs."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlite_utils import Database

from consortium import validation
from consortium.changes import BIDS
from consortium.errors import ConsortiumError
from consortium.workspace import Workspace, writes

BID_STATUSES = ("drafting", "in review", "ready", "submitted", "returned", "approved")


class BidError(ConsortiumError):
    pass


@dataclass
class Bid:
    consortium_id: int
    name: str
    ocid: str | None = None
    lots: list[str] = field(default_factory=list)
    status: str = "drafting"
    id: int | None = None
    created_at: str = ""
    updated_at: str = ""


@writes
def save(ws: Workspace, bid: Bid) -> int:
    if not bid.name.strip():
        raise BidError("Give the bid a name.")
    try:
        validation.one_line(bid.name, "The bid's name")
    except ValueError as exc:
        raise BidError(str(exc)) from None
    if bid.status not in BID_STATUSES:
        raise BidError(
            f"'{bid.status}' is not a bid status; choose one of: {', '.join(BID_STATUSES)}"
        )
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    row = {
        "consortium_id": bid.consortium_id,
        "name": bid.name.strip(),
        "ocid": bid.ocid,
        "lots": json.dumps(bid.lots),
        "status": bid.status,
        "updated_at": now,
    }
    with ws.atomic(BIDS):
        if (
            bid.id is not None
            and ws.db.execute("SELECT 1 FROM bids WHERE id = ?", [bid.id]).fetchone()
        ):
            ws.db["bids"].update(bid.id, row)
            ws.audit("update", "bid", bid.id, f"Saved bid {bid.name}")
        else:
            row["created_at"] = bid.created_at or now
            bid.id = ws.db["bids"].insert(row).last_pk
            ws.audit("create", "bid", bid.id, f"Created bid {bid.name}")
    return bid.id


def load(db: Database, bid_id: int) -> Bid:
    rows = list(db.query("SELECT * FROM bids WHERE id = ?", [bid_id]))
    if not rows:
        raise BidError(f"There is no bid with id {bid_id}. See 'consortium bid list'.")
    r = rows[0]
    return Bid(
        id=r["id"],
        consortium_id=r["consortium_id"],
        name=r["name"],
        ocid=r["ocid"],
        lots=json.loads(r["lots"]),
        status=r["status"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def list_all(db: Database) -> list[Bid]:
    return [load(db, r[0]) for r in db.execute("SELECT id FROM bids ORDER BY name, id")]


def create_for_consortium(ws: Workspace, consortium_id: int, name: str | None = None) -> Bid:
    """A new bid for a saved consortium, for its tender and the lots its members deliver."""
    from consortium.matching import consortia

    c = consortia.load(ws.db, consortium_id)
    lots = sorted({lot for m in c.members for lot in m.lots})
    bid = Bid(consortium_id=c.id, name=name or f"{c.name} bid", ocid=c.ocid, lots=lots)
    save(ws, bid)
    return bid


def conflicts_declaration(db: Database, bid_id: int) -> str:
    """The consortium's declaration of conflicts of interest for a bid ('' if none yet)."""
    row = db.execute(
        "SELECT value FROM settings WHERE key = ?", [f"bid:{bid_id}:conflicts"]
    ).fetchone()
    return row[0] if row and row[0] else ""


@writes
def declare_conflicts(ws: Workspace, bid_id: int, text: str) -> None:
    """Record the declaration (e.g. 'None' or 'Our chair is a trustee of the buyer's …')."""
    with ws.atomic(BIDS):
        ws.db["settings"].upsert(
            {"key": f"bid:{bid_id}:conflicts", "value": text.strip()}, pk="key"
        )
        ws.audit("update", "bid", bid_id, "Declared conflicts of interest")
