"""The partner registry in the workspace: load, save, delete, restore. All SQL for partners.

org = Organisation(name="Hope Trust", charity_number="1123456")
org_id = save(ws, org)          # insert (or update when org.id is set), audited
org = load(ws.db, org_id)
snapshot = delete(ws, org_id)   # returns what was deleted, for undo
restore(ws, snapshot)           # puts it back with the same id
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict

from sqlite_utils import Database

from consortium import validation
from consortium.changes import PARTNERS
from consortium.errors import ConsortiumError
from consortium.partners.rules import check_organisation
from consortium.records import Contact, Credential, Organisation, PastContract, normalise_name
from consortium.workspace import Workspace, writes


class PartnerError(ConsortiumError):
    """A partner record cannot be saved as it is."""


class NotFound(PartnerError):
    pass


_SCALARS = (
    "name",
    "legal_form",
    "charity_number",
    "company_number",
    "address",
    "postcode",
    "website",
    "services",
    "staff",
    "volunteers",
    "notes",
)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# ------------------------------------------------------------------------------------ reading
def load(db: Database, org_id: int) -> Organisation:
    orgs = load_many(db, [org_id])
    if not orgs:
        raise NotFound(f"There is no partner with id {org_id}; it may have been deleted.")
    return orgs[0]


def load_all(db: Database) -> list[Organisation]:
    """Every partner, sorted by name, with all their details (a handful of queries in total)."""
    return load_many(db, None)


def load_many(db: Database, ids: Iterable[int] | None) -> list[Organisation]:
    if ids is None:
        where, params = "", []
    else:
        id_list = list(ids)
        if not id_list:
            return []
        where = f"WHERE id IN ({','.join('?' * len(id_list))})"
        params = id_list
    orgs: dict[int, Organisation] = {}
    for row in _rows(db, f"SELECT * FROM organisations {where} ORDER BY name_key, id", params):
        orgs[row["id"]] = Organisation(
            id=row["id"],
            name=row["name"],
            legal_form=row["legal_form"],
            charity_number=row["charity_number"] or "",
            company_number=row["company_number"] or "",
            address=row["address"] or "",
            postcode=row["postcode"] or "",
            website=row["website"] or "",
            services=row["services"] or "",
            beneficiaries=json.loads(row["beneficiaries"] or "[]"),
            staff=row["staff"],
            volunteers=row["volunteers"],
            notes=row["notes"] or "",
            is_ours=bool(row["is_ours"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )
    if not orgs:
        return []
    child_where = "" if ids is None else f"WHERE org_id IN ({','.join('?' * len(orgs))})"
    child_params = [] if ids is None else list(orgs)

    def children(sql: str):
        return _rows(db, sql.format(where=child_where), child_params)

    for row in children("SELECT org_id, code FROM org_cpv {where} ORDER BY code"):
        orgs[row["org_id"]].cpv_codes.append(row["code"])
    for row in children("SELECT org_id, code FROM org_areas {where} ORDER BY rowid"):
        orgs[row["org_id"]].areas.append(row["code"])
    for row in children("SELECT org_id, year, amount FROM turnover {where} ORDER BY year"):
        orgs[row["org_id"]].turnover[row["year"]] = row["amount"]
    for row in children("SELECT * FROM contacts {where} ORDER BY id"):
        orgs[row["org_id"]].contacts.append(
            Contact(
                id=row["id"],
                name=row["name"],
                role=row["role"] or "",
                email=row["email"] or "",
                phone=row["phone"] or "",
            )
        )
    for row in children("SELECT * FROM credentials {where} ORDER BY kind, type, id"):
        orgs[row["org_id"]].credentials.append(
            Credential(
                id=row["id"],
                kind=row["kind"],
                type=row["type"],
                reference=row["reference"] or "",
                cover=row["cover"],
                expires=dt.date.fromisoformat(row["expires"]) if row["expires"] else None,
                notes=row["notes"] or "",
            )
        )
    for row in children("SELECT * FROM past_contracts {where} ORDER BY start_year DESC, id"):
        orgs[row["org_id"]].past_contracts.append(
            PastContract(
                id=row["id"],
                buyer=row["buyer"],
                title=row["title"] or "",
                value=row["value"],
                start_year=row["start_year"],
                end_year=row["end_year"],
                outcome=row["outcome"] or "",
            )
        )
    if ids is None:
        return list(orgs.values())
    return [orgs[i] for i in ids if i in orgs]


def _rows(db: Database, sql: str, params) -> sqlite3.Cursor:
    """Rows readable by column name; sqlite3.Row is about twice as fast as the dicts that
    ``db.query`` builds, which showed when loading 5,000 partners."""
    cursor = db.conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql, params)


def names(db: Database) -> list[str]:
    """Every partner's name, A to Z (for pickers that need only the names)."""
    return [r[0] for r in db.execute("SELECT name FROM organisations ORDER BY name COLLATE NOCASE")]


def count(db: Database) -> int:
    return db.execute("SELECT count(*) FROM organisations").fetchone()[0]


def partners_state(db: Database) -> tuple:
    """Changes whenever a partner is added, changed or removed (cheap: two index reads)."""
    return (count(db), db.execute("SELECT max(updated_at) FROM organisations").fetchone()[0])


def find_existing(db: Database, org: Organisation) -> int | None:
    """The id of the stored partner this record is: same charity number, else company number,
    else the same normalised name."""
    for column, value in (
        ("charity_number", org.charity_number),
        ("company_number", org.company_number),
        ("name_key", normalise_name(org.name)),
    ):
        if value:
            row = db.execute(
                f"SELECT id FROM organisations WHERE {column} = ? ORDER BY id LIMIT 1", [value]
            ).fetchone()
            if row:
                return row[0]
    return None


def ours(db: Database) -> Organisation | None:
    row = db.execute("SELECT id FROM organisations WHERE is_ours = 1").fetchone()
    return load(db, row[0]) if row else None


# ------------------------------------------------------------------------------------ writing
@writes
def save(ws: Workspace, org: Organisation, *, audit: bool = True) -> int:
    """Insert or update one partner (all its details) in one transaction; returns its id."""
    problems = check_organisation(org)
    if problems:
        details = "; ".join(f"{field}: {message}" for field, message in problems.items())
        # quoted: the name may itself be the problem (100,000 characters, a line break)
        who = validation.quoted(org.name) if org.name.strip() else "The partner"
        raise PartnerError(f"{who} cannot be saved: {details}")
    with ws.atomic(PARTNERS):
        before = None
        if org.id is not None:
            found = load_many(ws.db, [org.id])
            before = found[0] if found else None
        if org.is_ours:
            ws.db.execute(
                "UPDATE organisations SET is_ours = 0 WHERE is_ours = 1 AND id != ?", [org.id or -1]
            )
        now = _now()
        row = {column: _blank_to_none(getattr(org, column)) for column in _SCALARS}
        row.update(
            name=org.name.strip(),
            name_key=normalise_name(org.name),
            legal_form=org.legal_form,
            beneficiaries=json.dumps(org.beneficiaries, ensure_ascii=False),
            is_ours=int(org.is_ours),
            updated_at=now,
        )
        # Plain SQL rather than sqlite-utils' insert/update: those look the table up on every
        # call, which dominated a 5,000-partner import.
        if before is None:
            row["created_at"] = org.created_at or now
            if org.id is not None:
                row["id"] = org.id
            org_id = _insert(ws.db, "organisations", row)
        else:
            org_id = org.id
            assignments = ", ".join(f"{column} = ?" for column in row)
            ws.db.conn.execute(
                f"UPDATE organisations SET {assignments} WHERE id = ?", [*row.values(), org_id]
            )
        _replace_children(ws.db, org_id, org)
        org.id = org_id
        if audit:
            if before is None:
                ws.audit("create", "organisation", org_id, f"Added partner {org.name}")
            else:
                changes = diff(before, org)
                if changes:
                    ws.audit(
                        "update",
                        "organisation",
                        org_id,
                        f"Changed {org.name}: {', '.join(changes)}",
                        changes,
                    )
    return org_id


@writes
def save_many(ws: Workspace, orgs: Iterable[Organisation]) -> list[int]:
    """Save several partners in one transaction: all or none."""
    with ws.atomic(PARTNERS):
        return [save(ws, org) for org in orgs]


@writes
def delete(ws: Workspace, org_id: int) -> Organisation:
    """Delete a partner and everything about it; returns the deleted record for undo."""
    with ws.atomic(PARTNERS):
        snapshot = load(ws.db, org_id)
        in_consortia = [
            r[0]
            for r in ws.db.execute(
                "SELECT c.name FROM consortia c JOIN consortium_members m ON m.consortium_id = c.id "
                "WHERE m.org_id = ? ORDER BY c.name",
                [org_id],
            )
        ]
        if in_consortia:
            raise PartnerError(
                f"{snapshot.name} is a member of {', '.join(in_consortia)}. Take it out of "
                "those consortia first (Matches area), then delete it."
            )
        ws.db.execute("DELETE FROM organisations WHERE id = ?", [org_id])
        ws.audit("delete", "organisation", org_id, f"Deleted partner {snapshot.name}")
    return snapshot


@writes
def restore(ws: Workspace, snapshot: Organisation) -> int:
    """Put back a deleted partner with its original id (undo of :func:`delete`)."""
    if snapshot.id is None:
        raise PartnerError("Only a deleted partner that had an id can be restored.")
    with ws.atomic(PARTNERS):
        if ws.db.execute("SELECT 1 FROM organisations WHERE id = ?", [snapshot.id]).fetchone():
            raise PartnerError(f"{snapshot.name} is already in the workspace.")
        save(ws, snapshot, audit=False)
        ws.audit("restore", "organisation", snapshot.id, f"Restored partner {snapshot.name}")
    return snapshot.id


@writes
def set_ours(ws: Workspace, org_id: int | None) -> None:
    """Flag one partner as "our organisation" (None clears the flag)."""
    with ws.atomic(PARTNERS):
        ws.db.execute("UPDATE organisations SET is_ours = 0 WHERE is_ours = 1")
        if org_id is not None:
            ws.db.execute("UPDATE organisations SET is_ours = 1 WHERE id = ?", [org_id])
            name = ws.db.execute("SELECT name FROM organisations WHERE id = ?", [org_id]).fetchone()
            if name is None:
                raise NotFound(f"There is no partner with id {org_id}.")
            ws.audit("update", "organisation", org_id, f"{name[0]} is now our organisation")


def _replace_children(db: Database, org_id: int, org: Organisation) -> None:
    conn = db.conn
    for table in ("org_cpv", "org_areas", "turnover", "contacts", "credentials", "past_contracts"):
        conn.execute(f"DELETE FROM {table} WHERE org_id = ?", [org_id])
    conn.executemany(
        "INSERT INTO org_cpv (org_id, code) VALUES (?, ?)",
        [(org_id, c) for c in dict.fromkeys(org.cpv_codes)],
    )
    conn.executemany(
        "INSERT INTO org_areas (org_id, code) VALUES (?, ?)",
        [(org_id, c) for c in dict.fromkeys(org.areas)],
    )
    conn.executemany(
        "INSERT INTO turnover (org_id, year, amount) VALUES (?, ?, ?)",
        [(org_id, year, amount) for year, amount in org.turnover.items()],
    )
    # A given id is kept (undo restores it); None lets SQLite assign one. Rows are built by
    # hand: dataclasses.asdict deep-copies and was a hot spot when importing 5,000 partners.
    b = _blank_to_none
    for contact in org.contacts:
        contact.id = conn.execute(
            "INSERT INTO contacts (id, org_id, name, role, email, phone) VALUES (?, ?, ?, ?, ?, ?)",
            [
                contact.id,
                org_id,
                b(contact.name),
                b(contact.role),
                b(contact.email),
                b(contact.phone),
            ],
        ).lastrowid
    for cred in org.credentials:
        cred.id = conn.execute(
            "INSERT INTO credentials (id, org_id, kind, type, reference, cover, expires, notes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                cred.id,
                org_id,
                b(cred.kind),
                b(cred.type),
                b(cred.reference),
                cred.cover,
                cred.expires.isoformat() if cred.expires else None,
                b(cred.notes),
            ],
        ).lastrowid
    for contract in org.past_contracts:
        contract.id = conn.execute(
            "INSERT INTO past_contracts (id, org_id, buyer, title, value, start_year, end_year, "
            "outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                contract.id,
                org_id,
                b(contract.buyer),
                b(contract.title),
                contract.value,
                contract.start_year,
                contract.end_year,
                b(contract.outcome),
            ],
        ).lastrowid


def _insert(db: Database, table: str, row: dict) -> int:
    """INSERT one row (column names are ours, never user input); returns its rowid."""
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    cursor = db.conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())
    )
    return cursor.lastrowid


def _blank_to_none(value):
    if isinstance(value, str) and not value.strip():
        return None
    return value


# ------------------------------------------------------------------------------------- audit
def diff(before: Organisation, after: Organisation) -> dict[str, list]:
    """Fields that changed, as {field: [old, new]}; contact details are named, never copied,
    so erasing a person also erases them from history."""
    changes: dict[str, list] = {}
    for column in (*_SCALARS, "is_ours", "beneficiaries", "cpv_codes", "areas", "turnover"):
        old, new = getattr(before, column), getattr(after, column)
        if column == "cpv_codes":  # stored as a set and loaded in code order
            same = sorted(set(old)) == sorted(set(new))
        elif column == "areas":  # stored once each, in the order given
            same = list(dict.fromkeys(old)) == list(dict.fromkeys(new))
        else:
            same = _comparable(old) == _comparable(new)
        if not same:
            changes[column] = [old, new]
    for column in ("contacts", "credentials", "past_contracts"):
        old = [_strip_id(x) for x in getattr(before, column)]
        new = [_strip_id(x) for x in getattr(after, column)]
        if old != new:
            changes[column] = ["changed"] if column == "contacts" else [old, new]
    return changes


def _comparable(value):
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        return list(value)
    return value


def _strip_id(item) -> dict:
    row = asdict(item)
    row.pop("id", None)
    return {k: _comparable(v) for k, v in row.items()}


# ------------------------------------------------------------------------- personal data
def contacts_matching(db: Database, text: str) -> list[dict]:
    """Contacts whose name, email or phone contains ``text`` (for export or erasure)."""
    like = f"%{text.strip()}%"
    return list(
        db.query(
            """SELECT c.id, c.name, c.role, c.email, c.phone, o.name AS organisation
               FROM contacts c JOIN organisations o ON o.id = c.org_id
               WHERE c.name LIKE ? OR c.email LIKE ? OR c.phone LIKE ? ORDER BY c.name""",
            [like, like, like],
        )
    )


def export_person(db: Database, contact_id: int) -> dict:
    """Everything the workspace holds about one contact (a subject access request)."""
    rows = list(
        db.query(
            """SELECT c.name, c.role, c.email, c.phone, o.name AS organisation
               FROM contacts c JOIN organisations o ON o.id = c.org_id WHERE c.id = ?""",
            [contact_id],
        )
    )
    if not rows:
        raise NotFound(f"There is no contact with id {contact_id}.")
    return rows[0]


@writes
def erase_person(ws: Workspace, contact_id: int) -> None:
    """Erase one contact. The audit log records that a contact was erased, not who."""
    with ws.atomic(PARTNERS):
        row = ws.db.execute("SELECT org_id FROM contacts WHERE id = ?", [contact_id]).fetchone()
        if row is None:
            raise NotFound(f"There is no contact with id {contact_id}.")
        ws.db.execute("DELETE FROM contacts WHERE id = ?", [contact_id])
        ws.audit("erase", "contact", contact_id, "Erased a contact's personal data on request")
    # Fold the write-ahead log into the file so the old row is gone from the -wal file too.
    ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
