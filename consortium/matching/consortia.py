"""Saved consortia: the tender, the lead, the members with their roles and lots. All SQL here.

c = Consortium(name="Camden young carers", ocid="ocds-h6vhtk-06e058", members=[
        Member(org_id=1, role="lead provider", lots=["1"])])
save(ws, c); load(ws.db, c.id); list_all(ws.db); delete(ws, c.id)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlite_utils import Database

from consortium import validation
from consortium.changes import CONSORTIA
from consortium.errors import ConsortiumError
from consortium.text import listed
from consortium.workspace import Workspace, writes

ROLES = ("lead provider", "delivery partner", "subcontractor", "managing agent")
MODELS = {
    "lead_provider": "Lead provider with subcontracts",
    "partnership": "Partnership agreement",
    "spv": "Special-purpose vehicle",
}


class ConsortiumRecordError(ConsortiumError):
    pass


@dataclass
class Member:
    org_id: int
    role: str = "delivery partner"
    lots: list[str] = field(default_factory=list)
    name: str = ""  # filled when loaded, for display


@dataclass
class Consortium:
    name: str
    ocid: str | None = None
    model: str = "lead_provider"
    fee_percent: float | None = None  # management fee (top-slice) taken by the lead
    notes: str = ""
    members: list[Member] = field(default_factory=list)
    id: int | None = None
    created_at: str = ""
    updated_at: str = ""

    @property
    def lead(self) -> Member | None:
        return next((m for m in self.members if m.role == "lead provider"), None)


def check(c: Consortium) -> dict[str, str]:
    problems = {}
    if not c.name.strip():
        problems["name"] = "Give the consortium a name"
    else:
        try:
            validation.one_line(c.name, "The consortium's name")
        except ValueError as exc:
            problems["name"] = str(exc)
    if c.model not in MODELS:
        problems["model"] = f"Choose one of: {', '.join(MODELS.values())}"
    if c.fee_percent is not None and not 0 <= c.fee_percent <= 50:
        problems["fee_percent"] = "The management fee is a percentage between 0 and 50"
    leads = [m for m in c.members if m.role == "lead provider"]
    if len(leads) > 1:
        problems["members"] = "Only one member can be the lead provider"
    for m in c.members:
        if m.role not in ROLES:
            problems["members"] = f"'{m.role}' is not a role; choose one of: {', '.join(ROLES)}"
    ids = [m.org_id for m in c.members]
    if len(ids) != len(set(ids)):
        problems["members"] = "A partner appears twice in the consortium"
    return problems


@writes
def save(ws: Workspace, c: Consortium) -> int:
    problems = check(c)
    if problems:
        raise ConsortiumRecordError(
            f"The consortium cannot be saved: {'; '.join(problems.values())}"
        )
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    row = {
        "name": c.name.strip(),
        "ocid": c.ocid,
        "model": c.model,
        "fee_percent": c.fee_percent,
        "notes": c.notes or None,
        "updated_at": now,
    }
    with ws.atomic(CONSORTIA):
        exists = (
            c.id is not None
            and ws.db.execute("SELECT 1 FROM consortia WHERE id = ?", [c.id]).fetchone()
        )
        if exists:
            ws.db["consortia"].update(c.id, row)
            ws.db.execute("DELETE FROM consortium_members WHERE consortium_id = ?", [c.id])
            action = "update"
        else:
            row["created_at"] = c.created_at or now
            if c.id is not None:
                row["id"] = c.id
            c.id = ws.db["consortia"].insert(row).last_pk
            action = "create"
        for position, m in enumerate(c.members):
            ws.db["consortium_members"].insert(
                {
                    "consortium_id": c.id,
                    "org_id": m.org_id,
                    "role": m.role,
                    "lots": json.dumps(m.lots),
                    "position": position,
                }
            )
        ws.audit(
            action,
            "consortium",
            c.id,
            f"{'Saved' if exists else 'Created'} consortium {c.name} ({len(c.members)} members)",
        )
    return c.id


def load(db: Database, consortium_id: int) -> Consortium:
    row = db.execute("SELECT * FROM consortia WHERE id = ?", [consortium_id]).fetchone()
    if row is None:
        raise ConsortiumRecordError(f"There is no consortium with id {consortium_id}.")
    cols = [d[0] for d in db.execute("SELECT * FROM consortia LIMIT 0").description]
    data = dict(zip(cols, row, strict=True))
    members = [
        Member(org_id=r["org_id"], role=r["role"], lots=_stored_lots(r["lots"]), name=r["name"])
        for r in db.query(
            """SELECT m.org_id, m.role, m.lots, o.name FROM consortium_members m
               JOIN organisations o ON o.id = m.org_id WHERE m.consortium_id = ? ORDER BY m.position""",
            [consortium_id],
        )
    ]
    return Consortium(
        id=data["id"],
        name=data["name"],
        ocid=data["ocid"],
        model=data["model"],
        fee_percent=data["fee_percent"],
        notes=data["notes"] or "",
        members=members,
        created_at=data["created_at"],
        updated_at=data["updated_at"],
    )


def _stored_lots(text: str | None) -> list[str]:
    """A member's lots as stored (JSON), always as lot ids in text: an earlier version wrote
    numbers (``[1, 2]``), and a file edited by hand may hold anything, which must not stop
    the consortium showing."""
    try:
        lots = json.loads(text or "[]")
    except (TypeError, ValueError):
        return []
    if not isinstance(lots, list):
        lots = [lots]
    out = []
    for lot in lots:
        if isinstance(lot, bool) or not isinstance(lot, (str, int, float)):
            continue  # true/false, objects, nulls: not a lot id
        if isinstance(lot, float) and lot.is_integer():
            lot = int(lot)  # 1.0: lot "1"
        if str(lot).strip():
            out.append(str(lot).strip())
    return out


def list_all(db: Database) -> list[Consortium]:
    return [load(db, r[0]) for r in db.execute("SELECT id FROM consortia ORDER BY name, id")]


@writes
def delete(ws: Workspace, consortium_id: int) -> Consortium:
    with ws.atomic(CONSORTIA):
        snapshot = load(ws.db, consortium_id)
        bids = [
            r[0]
            for r in ws.db.execute("SELECT name FROM bids WHERE consortium_id = ?", [consortium_id])
        ]
        if bids:
            raise ConsortiumRecordError(
                f"{snapshot.name} has bids ({listed(bids)}). Delete those bids first."
            )
        ws.db.execute("DELETE FROM consortia WHERE id = ?", [consortium_id])
        ws.audit("delete", "consortium", consortium_id, f"Deleted consortium {snapshot.name}")
    return snapshot


def memberships(db: Database, org_id: int) -> list[str]:
    """Names of the consortia a partner belongs to."""
    return [
        r[0]
        for r in db.execute(
            "SELECT c.name FROM consortia c JOIN consortium_members m ON m.consortium_id = c.id WHERE m.org_id = ? ORDER BY c.name",
            [org_id],
        )
    ]
