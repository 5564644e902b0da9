"""Library entries in the workspace, their freshness, and FTS5 search. All SQL for the library."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field

from sqlite_utils import Database

from consortium.changes import LIBRARY
from consortium.errors import ConsortiumError
from consortium.formatting import uk_date
from consortium.workspace import Workspace, writes

KINDS = ("answer", "case study", "policy", "cv")
REVIEW_SOON_DAYS = 30
# With no review-due date, an entry last reviewed more than a year ago is stale.
DEFAULT_REVIEW_DAYS = 365
FRESHNESS = ("fresh", "review soon", "stale", "never reviewed")


class LibraryError(ConsortiumError):
    pass


@dataclass
class Entry:
    title: str
    body: str = ""
    kind: str = "answer"
    owner: str = ""  # the owner organisation's name (shared between workspaces)
    tags: list[str] = field(default_factory=list)
    cpv: list[str] = field(default_factory=list)
    theme: str = ""
    last_reviewed: dt.date | None = None
    review_due: dt.date | None = None
    usage_count: int = 0
    last_used: str | None = None
    uid: str = ""
    id: int | None = None
    created_at: str = ""
    updated_at: str = ""

    def freshness(self, today: dt.date) -> str:
        """'fresh', 'review soon', 'stale' or 'never reviewed' on the given day."""
        due = self.review_due
        if due is None and self.last_reviewed is not None:
            due = self.last_reviewed + dt.timedelta(days=DEFAULT_REVIEW_DAYS)
        if due is None:
            return "never reviewed"
        if due < today:
            return "stale"
        if (due - today).days <= REVIEW_SOON_DAYS:
            return "review soon"
        return "fresh"

    def is_stale(self, today: dt.date) -> bool:
        return self.freshness(today) in ("stale", "never reviewed")

    def freshness_text(self, today: dt.date) -> str:
        state = self.freshness(today)
        if state == "never reviewed":
            return "Never reviewed"
        reviewed = f"last reviewed {uk_date(self.last_reviewed)}" if self.last_reviewed else ""
        due = f"review due {uk_date(self.review_due)}" if self.review_due else ""
        return f"{state.capitalize()}" + (
            f" ({', '.join(x for x in (reviewed, due) if x)})" if reviewed or due else ""
        )

    def to_dict(self, today: dt.date | None = None) -> dict:
        d = {
            "uid": self.uid,
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "owner": self.owner,
            "tags": self.tags,
            "cpv": self.cpv,
            "theme": self.theme,
            "last_reviewed": self.last_reviewed.isoformat() if self.last_reviewed else None,
            "review_due": self.review_due.isoformat() if self.review_due else None,
            "usage_count": self.usage_count,
            "last_used": self.last_used,
            "updated_at": self.updated_at,
        }
        if today is not None:
            d["freshness"] = self.freshness(today)
        return d


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _from_row(r: dict) -> Entry:
    return Entry(
        id=r["id"],
        uid=r["uid"],
        kind=r["kind"],
        title=r["title"],
        body=r["body"],
        owner=r["owner"],
        tags=json.loads(r["tags"]),
        cpv=json.loads(r["cpv"]),
        theme=r["theme"],
        last_reviewed=_date(r["last_reviewed"]),
        review_due=_date(r["review_due"]),
        usage_count=r["usage_count"],
        last_used=r["last_used"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def check(e: Entry) -> dict[str, str]:
    problems = {}
    if not e.title.strip():
        problems["title"] = "Give the entry a title"
    if e.kind not in KINDS:
        problems["kind"] = f"'{e.kind}' is not a kind of entry; choose one of: {', '.join(KINDS)}"
    for code in e.cpv:
        if not re.fullmatch(r"\d{2,8}(-\d)?", code):
            problems["cpv"] = f"'{code}' is not a CPV code"
    return problems


def _row(e: Entry) -> dict:
    return {
        "uid": e.uid,
        "kind": e.kind,
        "title": e.title.strip(),
        "body": e.body,
        "owner": e.owner.strip(),
        "tags": json.dumps(normalise_tags(e.tags), ensure_ascii=False),
        "cpv": json.dumps([c.split("-")[0] for c in e.cpv]),
        "theme": e.theme.strip(),
        "last_reviewed": e.last_reviewed.isoformat() if e.last_reviewed else None,
        "review_due": e.review_due.isoformat() if e.review_due else None,
        "usage_count": e.usage_count,
        "last_used": e.last_used,
        "updated_at": e.updated_at or _now(),
    }


def normalise_tags(tags) -> list[str]:
    seen: list[str] = []
    for t in tags:
        t = re.sub(r"\s+", " ", str(t)).strip().lower()
        if t and t not in seen:
            seen.append(t)
    return seen


@writes
def save(ws: Workspace, e: Entry, *, keep_updated_at: bool = False) -> int:
    """Insert or update one entry; returns its id."""
    problems = check(e)
    if problems:
        raise LibraryError(f"The library entry cannot be saved: {'; '.join(problems.values())}")
    if not e.uid:
        e.uid = uuid.uuid4().hex
    if not keep_updated_at:
        e.updated_at = _now()
    with ws.atomic(LIBRARY):
        row = _row(e)
        exists = (
            e.id is not None
            and ws.db.execute("SELECT 1 FROM library_entries WHERE id = ?", [e.id]).fetchone()
        )
        if exists:
            ws.db["library_entries"].update(e.id, row)
            ws.audit("update", "library_entry", e.id, f"Saved library entry {e.title}")
        else:
            row["created_at"] = e.created_at or _now()
            e.id = ws.db["library_entries"].insert(row).last_pk
            ws.audit("create", "library_entry", e.id, f"Added library entry {e.title}")
    return e.id


def load(db: Database, entry_id: int) -> Entry:
    rows = list(db.query("SELECT * FROM library_entries WHERE id = ?", [entry_id]))
    if not rows:
        raise LibraryError(f"There is no library entry with id {entry_id}.")
    return _from_row(rows[0])


def list_all(db: Database) -> list[Entry]:
    return [_from_row(r) for r in db.query("SELECT * FROM library_entries ORDER BY title, id")]


@writes
def delete(ws: Workspace, entry_id: int) -> Entry:
    with ws.atomic(LIBRARY):
        e = load(ws.db, entry_id)
        ws.db.execute("DELETE FROM library_entries WHERE id = ?", [entry_id])
        ws.audit("delete", "library_entry", entry_id, f"Deleted library entry {e.title}")
    return e


def mark_reviewed(
    ws: Workspace, entry_id: int, on: dt.date, next_due: dt.date | None = None
) -> Entry:
    e = load(ws.db, entry_id)
    e.last_reviewed = on
    e.review_due = next_due or on + dt.timedelta(days=DEFAULT_REVIEW_DAYS)
    save(ws, e)
    return e


def stale(db: Database, today: dt.date) -> list[Entry]:
    """Entries past their review date or never reviewed: the library rots without these."""
    return [e for e in list_all(db) if e.is_stale(today)]


def fts_query(text: str) -> str:
    """A safe FTS5 query from what a person typed: each word quoted, any word may match
    (ranked by bm25, so entries with more of the words come first)."""
    words = re.findall(r"\w+", text.lower())
    return " OR ".join(f'"{w}"' for w in words)


def search(db: Database, text: str, limit: int = 20) -> list[tuple[Entry, str]]:
    """Full-text search (FTS5) over title, body, tags, theme and owner: (entry, snippet)."""
    query = fts_query(text)
    if not query:
        return []
    rows = db.execute(
        """SELECT e.id, snippet(library_fts, 1, '[', ']', '…', 12)
           FROM library_fts JOIN library_entries e ON e.id = library_fts.rowid
           WHERE library_fts MATCH ? ORDER BY bm25(library_fts, 5.0, 1.0, 3.0, 2.0, 0.5) LIMIT ?""",
        [query, limit],
    ).fetchall()
    return [(load(db, entry_id), snippet) for entry_id, snippet in rows]
