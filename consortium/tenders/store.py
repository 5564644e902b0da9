"""The SQL behind tenders: raw releases, tender rows, their CPV codes and places.

Call these inside ``ws.atomic()``; they never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Iterable, Sequence

from sqlite_utils import Database

from consortium import places
from consortium.tenders import merge
from consortium.tenders.extract import extract, lot_text
from consortium.tenders.records import Tender

TENDER_COLUMNS = (
    "id",
    "ocid",
    "source",
    "notice_id",
    "notice_type",
    "notice_url",
    "phase",
    "title",
    "description",
    "lot_text",
    "reference",
    "buyer_name",
    "currency",
    "value",
    "value_gross",
    "value_min",
    "value_max",
    "value_sort",
    "deadline",
    "published",
    "sme",
    "vcse",
    "reserved_vcse",
    "light_touch",
    "lot_count",
    "hash",
    "defects",
    "first_seen_at",
    "changed_at",
    "imported_at",
)
TEXT_COLUMNS = ("description", "lot_text")  # stored in tender_texts, with the title
TABLE_COLUMNS = tuple(c for c in TENDER_COLUMNS if c not in TEXT_COLUMNS)
_TABLE_INDEX = [TENDER_COLUMNS.index(c) for c in TABLE_COLUMNS]
_UPDATE_COLUMNS = [c for c in TABLE_COLUMNS if c not in ("id", "ocid", "first_seen_at")]
INSERT_TENDER = (
    f"INSERT INTO tenders ({', '.join(TABLE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in TABLE_COLUMNS)})"
)
INSERT_TEXT = "INSERT INTO tender_texts (id, title, description, lot_text) VALUES (?, ?, ?, ?)"
UPDATE_TEXT = "UPDATE tender_texts SET title = ?, description = ?, lot_text = ? WHERE id = ?"
UPDATE_TENDER = f"UPDATE tenders SET {', '.join(f'{c} = ?' for c in _UPDATE_COLUMNS)} WHERE id = ?"
INSERT_RELEASE = (
    "INSERT INTO tender_releases (ocid, release_id, date, tags, raw, imported_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def now_stamp() -> str:
    """A UTC timestamp with microseconds: one per import, comparable as text."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pack(text: str) -> str:
    """Releases are stored as plain JSON text (compressing cost a fifth of the import time)."""
    return text


def unpack(value: str | bytes) -> str:
    if isinstance(value, bytes):
        return zlib.decompress(value).decode("utf-8")
    return value


def tender_values(tender: Tender, digest: str, row_id: int, first_seen: str, now: str) -> tuple:
    """One row for :data:`INSERT_TENDER`."""
    value_sort = next(
        (v for v in (tender.value_max, tender.value_gross, tender.value_min) if v is not None),
        None,
    )
    return (
        row_id,
        tender.ocid,
        tender.source,
        tender.notice_id,
        tender.notice_type,
        tender.notice_url,
        tender.phase,
        tender.title,
        tender.description,
        lot_text(tender),
        tender.reference,
        tender.buyer_name,
        tender.currency,
        tender.value,
        tender.value_gross,
        tender.value_min,
        tender.value_max,
        value_sort,
        tender.open_deadline,
        tender.published,
        None if tender.sme is None else int(tender.sme),
        None if tender.vcse is None else int(tender.vcse),
        int(tender.reserved_vcse),
        int(tender.light_touch),
        len(tender.lots),
        digest,
        json.dumps(tender.defects) if tender.defects else "[]",
        first_seen,
        now,
        now,
    )


def digest_of(text: str) -> str:
    """The hash that says whether a tender changed: of its compiled release's JSON text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def place_codes(tender: Tender) -> list[str]:
    """Codes for the place index: ITL codes as given, councils with their ITL3 region."""
    codes = list(tender.places)
    for lot in tender.lots:
        codes.extend(lot.places)
    for gss in tender.councils:
        codes.append(gss)
        up = places.ancestors(gss)
        if up:
            codes.append(up[0])
    return list(dict.fromkeys(codes))


def cpv_codes(tender: Tender) -> list[str]:
    codes = list(tender.cpv)
    for lot in tender.lots:
        codes.extend(lot.cpv)
    return list(dict.fromkeys(codes))


INSERT_FTS = "INSERT INTO tenders_fts (rowid, title, description, lot_text) VALUES (?, ?, ?, ?)"
_ID, _TITLE, _DESCRIPTION, _LOT_TEXT = (
    TENDER_COLUMNS.index(c) for c in ("id", "title", "description", "lot_text")
)


def insert_tenders(db: Database, rows: list[tuple]) -> None:
    """Insert new tender rows (from :func:`tender_values`) and index their text."""
    db.conn.executemany(INSERT_TENDER, [tuple(r[i] for i in _TABLE_INDEX) for r in rows])
    texts = [(r[_ID], r[_TITLE], r[_DESCRIPTION], r[_LOT_TEXT]) for r in rows]
    db.conn.executemany(INSERT_TEXT, texts)
    db.conn.executemany(INSERT_FTS, texts)


def update_tender(db: Database, row: tuple) -> None:
    """Replace a stored tender with a new :func:`tender_values` row (same id and first-seen)."""
    by_name = dict(zip(TENDER_COLUMNS, row, strict=True))
    db.conn.execute(UPDATE_TENDER, [by_name[c] for c in _UPDATE_COLUMNS] + [by_name["id"]])
    db.conn.execute(
        UPDATE_TEXT,
        [by_name["title"], by_name["description"], by_name["lot_text"], by_name["id"]],
    )


def next_id(db: Database) -> int:
    return (db.execute("SELECT coalesce(max(id), 0) FROM tenders").fetchone()[0]) + 1


def insert_children(db: Database, rows: Iterable[tuple[int, Tender]]) -> None:
    cpv_rows, place_rows = [], []
    for row_id, tender in rows:
        cpv_rows.extend((code, row_id) for code in cpv_codes(tender))
        place_rows.extend((code, row_id) for code in place_codes(tender))
    db.conn.executemany(
        "INSERT OR IGNORE INTO tender_cpv (code, tender_id) VALUES (?, ?)", cpv_rows
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO tender_places (code, tender_id) VALUES (?, ?)", place_rows
    )


def delete_children(db: Database, row_id: int) -> None:
    db.execute("DELETE FROM tender_cpv WHERE tender_id = ?", [row_id])
    db.execute("DELETE FROM tender_places WHERE tender_id = ?", [row_id])


def existing_releases(db: Database, ocids: Sequence[str]) -> dict[str, set[str]]:
    """For each ocid already stored, the ids of its stored releases."""
    found: dict[str, set[str]] = {}
    unique = list(dict.fromkeys(ocids))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for ocid, rid in db.execute(
            f"SELECT ocid, release_id FROM tender_releases WHERE ocid IN ({marks})", chunk
        ):
            found.setdefault(ocid, set()).add(rid)
    return found


def load_releases(db: Database, ocid: str) -> list[dict]:
    """The stored releases of one ocid, in import order."""
    return [
        json.loads(unpack(raw))
        for (raw,) in db.execute(
            "SELECT raw FROM tender_releases WHERE ocid = ? ORDER BY id", [ocid]
        )
    ]


def tender_row(db: Database, ocid: str) -> dict | None:
    rows = list(db.query("SELECT id, hash, first_seen_at FROM tenders WHERE ocid = ?", [ocid]))
    return rows[0] if rows else None


def get_tender(db: Database, ocid: str) -> Tender | None:
    """The full :class:`Tender`, compiled again from the stored releases (a few milliseconds)."""
    row = db.execute("SELECT defects FROM tenders WHERE ocid = ?", [ocid]).fetchone()
    if row is None:
        return None
    releases = load_releases(db, ocid)
    compiled, _warning = merge.compile_releases(releases)
    tender = extract(compiled, history(releases))
    tender.defects = json.loads(row[0])
    return tender


def history(releases: list[dict]) -> list[tuple[str, str | None, list[str]]]:
    """(id, UTC date, tags) of each release, oldest first, as :func:`extract` wants them."""
    out = []
    for r in merge.sort_releases(releases):
        tags = r.get("tag")
        tags = [str(t) for t in tags] if isinstance(tags, list) else [str(tags or "")]
        out.append((str(r.get("id")), merge.utc_iso(r.get("date")), tags))
    return out
