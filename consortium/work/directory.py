"""A housing association's partner directory: the path beyond one laptop.

    export_directory(ws, "Canalside partners.cbdirectory")   # signed, read-only
    export_sqlite(ws, "canalside-partners.db")                # plain SQLite, for Datasette
    imported = import_directory(ws, "Canalside partners.cbdirectory", confirm_words="…")
    entries(ws.db, search="advice")                           # find partners in it

What it holds: each partner's name, legal form, numbers, website, services, CPV codes, the
places it works (with their names) and beneficiaries, and each document's expiry status.
No contacts' personal data, unless the partner agreed (``set_consent``): then its contacts'
names, roles and emails go in too.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils import Database

from consortium import places
from consortium.changes import PARTNERS, WORK
from consortium.formatting import possessive
from consortium.packs import trust
from consortium.partners import store as partner_store
from consortium.records import LEGAL_FORMS
from consortium.work.member import KeyNotConfirmed, _refusal
from consortium.work.pack import (
    DIRECTORY_FORMAT,
    SignedFileError,
    read_json,
    read_signed,
    write_signed,
)
from consortium.work.records import WorkError
from consortium.workspace import Workspace, writes

MAX_ENTRIES = 50_000


@writes
def set_consent(ws: Workspace, org_id: int, agreed: bool) -> None:
    """Record whether a partner agreed to its contacts being shared in a directory."""
    with ws.atomic(PARTNERS):
        name = ws.db.execute("SELECT name FROM organisations WHERE id = ?", [org_id]).fetchone()
        if name is None:
            raise partner_store.NotFound(f"There is no partner with id {org_id}.")
        ws.db.execute(
            "UPDATE organisations SET directory_consent = ? WHERE id = ?", [int(agreed), org_id]
        )
        ws.audit(
            "update",
            "organisation",
            org_id,
            f"{name[0]} {'agreed' if agreed else 'did not agree'} to share contacts in a directory",
        )


def _consenting(db: Database) -> set[int]:
    return {r[0] for r in db.execute("SELECT id FROM organisations WHERE directory_consent = 1")}


def directory_rows(ws: Workspace, today: dt.date | None = None) -> list[dict]:
    today = today or dt.date.today()
    agreed = _consenting(ws.db)
    rows = []
    for org in partner_store.load_all(ws.db):
        if org.is_ours and org.legal_form == "housing_association":
            continue  # the association itself is the publisher, not a partner
        rows.append(
            {
                "name": org.name,
                "legal_form": LEGAL_FORMS.get(org.legal_form, org.legal_form),
                "charity_number": org.charity_number or None,
                "company_number": org.company_number or None,
                "website": org.website or None,
                "services": org.services or "",
                "cpv_codes": org.cpv_codes,
                "places": [{"code": a, "name": places.area_name(a)} for a in org.areas],
                "beneficiaries": org.beneficiaries,
                "documents": [
                    {
                        "kind": c.kind,
                        "type": c.type,
                        "expires": c.expires.isoformat() if c.expires else None,
                        "status": c.status(today),
                    }
                    for c in org.credentials
                ],
                "contacts": [
                    {"name": c.name, "role": c.role, "email": c.email} for c in org.contacts
                ]
                if org.id in agreed
                else [],
            }
        )
    return rows


@writes
def export_directory(
    ws: Workspace, out: str | Path, *, today: dt.date | None = None, passphrase=None
) -> Path:
    today = today or dt.date.today()
    rows = directory_rows(ws, today)
    raw = json.dumps(
        {"as_of": today.isoformat(), "partners": rows}, indent=2, ensure_ascii=False
    ).encode("utf-8")
    path, _sha = write_signed(
        out,
        ".cbdirectory",
        DIRECTORY_FORMAT,
        {"partners": len(rows), "as_of": today.isoformat()},
        [("directory.json", raw)],
        passphrase=passphrase,
    )
    with ws.atomic():  # only the audit log: no view shows it, so it names nothing
        ws.audit(
            "export",
            "directory",
            None,
            f"Exported the partner directory ({len(rows)} partners) to {path.name}",
        )
    return path


def export_sqlite(ws: Workspace, out: str | Path, *, today: dt.date | None = None) -> Path:
    """The directory as a plain SQLite file (``datasette canalside-partners.db`` serves it)."""
    rows = directory_rows(ws, today)
    out = Path(out).expanduser()
    tmp = out.with_name(f".~{out.name}")
    tmp.unlink(missing_ok=True)
    db = sqlite_utils.Database(tmp)
    try:
        for n, r in enumerate(rows, start=1):
            db["partners"].insert(
                {
                    "id": n,
                    "name": r["name"],
                    "legal_form": r["legal_form"],
                    "charity_number": r["charity_number"],
                    "company_number": r["company_number"],
                    "website": r["website"],
                    "services": r["services"],
                    "cpv_codes": ", ".join(r["cpv_codes"]),
                    "beneficiaries": ", ".join(r["beneficiaries"]),
                },
                pk="id",
            )
            db["places"].insert_all(
                [{"partner_id": n, **p} for p in r["places"]],
                foreign_keys=[("partner_id", "partners", "id")],
            )
            db["documents"].insert_all(
                [{"partner_id": n, **d} for d in r["documents"]],
                foreign_keys=[("partner_id", "partners", "id")],
            )
            db["contacts"].insert_all(
                [{"partner_id": n, **c} for c in r["contacts"]],
                foreign_keys=[("partner_id", "partners", "id")],
            )
        for table in ("places", "documents", "contacts"):
            if table not in db.table_names():  # empty tables still there, with their columns
                db[table].create(
                    {"partner_id": int}, foreign_keys=[("partner_id", "partners", "id")]
                )
        if "partners" in db.table_names():
            db["partners"].enable_fts(["name", "services", "beneficiaries"], create_triggers=True)
        db.close()
        tmp.replace(out)
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    return out


@dataclass
class Imported:
    directory_id: int
    organisation: str
    partners: int


@writes
def import_directory(ws: Workspace, path: str | Path, *, confirm_words=None) -> Imported:
    """Take in a signed directory as a read-only copy (never into this workspace's own
    partners). The association's key is pinned the first time, by its words."""
    try:
        signed = read_signed(path, DIRECTORY_FORMAT, "partner directory")
        data = read_json(signed, "directory.json")
    except SignedFileError as exc:
        raise WorkError(str(exc)) from None
    partners = data.get("partners")
    if (
        not isinstance(partners, list)
        or len(partners) > MAX_ENTRIES
        or not all(isinstance(p, dict) and isinstance(p.get("name"), str) for p in partners)
    ):
        raise WorkError(f"{Path(path).name}: the partners cannot be read. Nothing was imported.")
    if ws.db.execute(
        "SELECT 1 FROM directories WHERE manifest_sha256 = ?", [signed.sha256]
    ).fetchone():
        raise WorkError(f"{Path(path).name} was already imported.")
    check = trust.key_check(ws, signed.signer["organisation"], signed.signer["public_key"])
    if check.status != trust.KNOWN:
        if confirm_words is None:
            raise KeyNotConfirmed(_refusal(check, "directory"), check)
        try:
            trust.confirm(check, confirm_words)
        except trust.TrustError as exc:
            raise KeyNotConfirmed(str(exc), check) from None
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with ws.atomic(WORK):
        trust.remember(ws, check)
        directory_id = (
            ws.db["directories"]
            .insert(
                {
                    "organisation": signed.signer["organisation"],
                    "fingerprint": check.fingerprint,
                    "manifest_sha256": signed.sha256,
                    "created": str(signed.manifest.get("created") or ""),
                    "imported": now,
                    "file": str(Path(path).expanduser()),
                }
            )
            .last_pk
        )
        ws.db["directory_entries"].insert_all(
            [
                {
                    "directory_id": directory_id,
                    "name": p["name"][:300],
                    "services": str(p.get("services") or "")[:5000],
                    "places": ", ".join(
                        str(x.get("name") or x.get("code"))
                        for x in (p.get("places") or [])
                        if isinstance(x, dict)
                    )[:5000],
                    "data": json.dumps(p, ensure_ascii=False),
                }
                for p in partners
            ]
        )
        ws.audit(
            "import",
            "directory",
            directory_id,
            f"Imported {possessive(signed.signer['organisation'])} partner directory ({len(partners)} partners)",
        )
    return Imported(directory_id, signed.signer["organisation"], len(partners))


def entries(db: Database, search: str = "") -> list[dict]:
    """Partners in the imported directories (the newest of each association's), filtered by
    words in their name, services or places."""
    like = f"%{search.strip()}%"
    rows = db.query(
        """SELECT d.organisation AS directory, e.name, e.services, e.places, e.data
           FROM directory_entries e JOIN directories d ON d.id = e.directory_id
           WHERE d.id IN (SELECT max(id) FROM directories GROUP BY fingerprint)
             AND (e.name LIKE ? OR e.services LIKE ? OR e.places LIKE ?)
           ORDER BY e.name""",
        [like, like, like],
    )
    return [dict(r, data=json.loads(r["data"])) for r in rows]
