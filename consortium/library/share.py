"""Share library entries between organisations: export to, and import from, .json or .xlsx.

    share.export_entries(ws.db, "hope-trust-library.json")        # or .xlsx
    result = share.import_entries(ws, "partner-library.xlsx")   # one transaction
    result.added, result.updated, result.skipped

Entries keep a stable ``uid``: importing the same entry again updates it when the file's copy is
newer, and skips it otherwise. Usage counts stay local to each workspace.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from consortium import jsonfile, sheets, workbooks
from consortium.changes import LIBRARY
from consortium.library import store
from consortium.library.store import Entry, LibraryError
from consortium.text import storable
from consortium.workspace import Workspace, writes

FORMAT = "consortium-library"
VERSION = 1
MAX_ROWS = 20_000  # entries read from one .xlsx
COLUMNS = (
    "uid",
    "kind",
    "title",
    "body",
    "owner",
    "tags",
    "cpv",
    "theme",
    "last_reviewed",
    "review_due",
    "updated_at",
)


def _unsafe(value):
    return sheets.typed_back(value)


def export_entries(db: Database, path: str | Path, ids: list[int] | None = None) -> int:
    """Write entries (all, or those ids) to .json or .xlsx via a temp file; returns how many."""
    path = Path(path)
    entries = [e for e in store.list_all(db) if ids is None or e.id in ids]
    suffix = path.suffix.lower()
    if suffix not in (".json", ".xlsx"):
        raise LibraryError(f"Export the library to a .json or .xlsx file, not {path.name}.")
    tmp = path.with_name(path.name + ".part")
    rows = [{k: v for k, v in e.to_dict().items() if k in COLUMNS} for e in entries]
    if suffix == ".json":
        data = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "entries": rows,
        }
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    else:
        import openpyxl
        from openpyxl.styles import Font

        wb = openpyxl.Workbook()
        sheet = wb.active
        sheet.title = "Library"
        sheet.append(list(COLUMNS))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r in rows:
            sheets.append(
                sheet, ["; ".join(r[c]) if isinstance(r[c], list) else r[c] for c in COLUMNS]
            )
        from consortium import xlsx_layout

        xlsx_layout.fit_columns(sheet, header_row=1)
        xlsx_layout.print_setup(sheet, title="Answer library", header_rows=(1, 1))
        wb.save(tmp)
    tmp.replace(path)
    return len(entries)


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    skipped: int = 0
    titles: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "titles": self.titles,
        }


def _read(path: Path) -> list[dict]:
    if not path.is_file():
        raise LibraryError(f"There is no file at {path}.")
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            data = storable(jsonfile.read(path))
        except (ValueError, OSError) as exc:
            raise LibraryError(f"{path.name} is not a readable library file: {exc}.") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise LibraryError(f"{path.name} is not a Consortium library export.")
        version, entries = data.get("version", 0), data.get("entries") or []
        if not isinstance(version, int) or not isinstance(entries, list):
            raise LibraryError(f"{path.name} is damaged: its version or entries are not readable.")
        if version > VERSION:
            raise LibraryError(f"{path.name} was written by a newer version of Consortium.")
        return [e for e in entries if isinstance(e, dict)]
    if suffix == ".xlsx":
        if not zipfile.is_zipfile(path):
            raise LibraryError(f"{path.name} is not a readable Excel workbook.")
        import openpyxl

        workbooks.check_archive(path, path.name, LibraryError)
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise LibraryError(f"{path.name} is not a readable Excel workbook: {exc}") from None
        try:
            grid = [
                list(r)
                for r in workbooks.rows(
                    workbooks.sheets(wb, path.name, LibraryError)[0],
                    name=path.name,
                    error=LibraryError,
                    max_rows=MAX_ROWS,
                )
            ]
        finally:
            wb.close()
        if not grid or "title" not in [str(h or "").strip().lower() for h in grid[0]]:
            raise LibraryError(f"{path.name} has no 'title' column: it is not a library export.")
        headers = [re.sub(r"[\s\-]+", "_", str(h or "").strip().lower()) for h in grid[0]]
        out = []
        for row in grid[1:]:
            d = {h: _unsafe(v) for h, v in zip(headers, row, strict=False) if h}
            for key in ("tags", "cpv"):  # a cell of "a; b" (or a CPV code typed as a number)
                d[key] = "" if d.get(key) is None else str(d[key])
            out.append(d)
        return out
    raise LibraryError(f"Import library entries from a .json or .xlsx file, not {path.name}.")


def _text(value, n: int, where: str, name: str) -> str:
    """A text field of entry ``n``: text, or a number or date as a spreadsheet cell holds it;
    a list, an object or true/false is refused (it was stored as the text "{'a': 1}")."""
    if value is None:
        return ""
    if isinstance(value, (bool, dict, list)):
        raise LibraryError(f"Entry {n} in {where}: {name} must be text. Nothing was imported.")
    return str(value)


def _words(value, n: int, where: str, name: str, what: str) -> list[str]:
    """A list field of entry ``n`` (tags, CPV codes). Text is read as a spreadsheet cell is,
    words separated by ';': "safeguarding" is the one tag (it was stored as 12 one-letter
    tags), "safeguarding; carers" two. A number or an object is refused."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, list) or any(
        v is None or isinstance(v, (bool, dict, list)) for v in value
    ):
        raise LibraryError(
            f"Entry {n} in {where}: {name} must be a list of {what}. Nothing was imported."
        )
    return [word for word in (str(v).strip() for v in value) if word]


def _entry(d: dict, n: int, where: str) -> Entry | None:
    """Entry ``n`` of the file ``where``, each field checked; None for a blank row."""

    def text(key: str) -> str:
        return _text(d.get(key), n, where, key)

    title = text("title").strip()
    if not title:
        if not any(v for v in d.values()):
            return None
        raise LibraryError(f"Entry {n} in {where} has no title. Nothing was imported.")
    return Entry(
        title=title,
        body=text("body"),
        kind=(text("kind").strip() or "answer").lower(),
        owner=text("owner"),
        tags=_words(d.get("tags"), n, where, "tags", "words"),
        cpv=_words(d.get("cpv"), n, where, "cpv", "CPV codes"),
        theme=text("theme"),
        last_reviewed=_as_date(d.get("last_reviewed"), n, "last reviewed"),
        review_due=_as_date(d.get("review_due"), n, "review due"),
        uid=text("uid"),
        updated_at=text("updated_at"),
    )


def _as_date(value, row: int, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    from consortium.formatting import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise LibraryError(f"Entry {row}: {name}: {exc}. Nothing was imported.") from None


@writes
def import_entries(ws: Workspace, path: str | Path) -> ImportResult:
    """Add or update entries from a shared file, all in one transaction."""
    path = Path(path)
    rows = _read(path)
    result = ImportResult()
    with ws.atomic(LIBRARY):
        for n, d in enumerate(rows, start=1):
            if not isinstance(d, dict):
                raise LibraryError(
                    f"Entry {n} in {path.name} is not a record. Nothing was imported."
                )
            e = _entry(d, n, path.name)
            if e is None:
                continue  # a blank spreadsheet row
            title = e.title
            problems = store.check(e)
            if problems:
                raise LibraryError(
                    f"Entry {n} ('{title}') in {path.name}: {'; '.join(problems.values())}. "
                    "Nothing was imported."
                )
            existing = (
                ws.db.execute(
                    "SELECT id, updated_at, usage_count, last_used FROM library_entries WHERE uid = ?",
                    [e.uid],
                ).fetchone()
                if e.uid
                else None
            )
            if existing:
                if e.updated_at and e.updated_at <= existing[1]:
                    result.skipped += 1
                    continue
                e.id, e.usage_count, e.last_used = existing[0], existing[2], existing[3]
                result.updated += 1
            else:
                result.added += 1
            store.save(ws, e, keep_updated_at=bool(e.updated_at))
            result.titles.append(title)
        ws.audit(
            "import",
            "library",
            None,
            f"Imported library from {path.name}: {result.added} added, {result.updated} updated",
        )
    return result
