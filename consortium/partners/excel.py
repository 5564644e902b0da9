"""Partner workbooks: the template, the export, and the all-or-nothing import.

    write_template("partners.xlsx")
    export_partners(ws, "all-partners.xlsx")
    result = import_partners(ws, "partners.xlsx")         # or dry_run=True
    if result.problems: print(result.problems_file)      # a copy with bad cells highlighted

The importer reads what people really do to spreadsheets: reordered or extra columns, header
case and spacing, title rows above the header, dates typed as text, CPV codes that Excel turned
into numbers, blank rows. It checks every row first; one problem and nothing is written.
"""

from __future__ import annotations

import copy
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from consortium import cpv, places, sheets, validation, workbooks, xlsx_layout
from consortium.errors import ConsortiumError
from consortium.files import atomic_save
from consortium.formatting import parse_date, parse_money, plural
from consortium.partners import store
from consortium.partners.columns import (
    CREDENTIAL_SHEETS,
    LISTS,
    SHEETS,
    Column,
    Sheet,
    header_key,
    match_column,
    match_sheet,
)
from consortium.partners.rules import area_label
from consortium.progress import IsCancelled, Progress, check, never_cancelled, no_progress
from consortium.records import (
    LEGAL_FORMS,
    Contact,
    Credential,
    Organisation,
    PastContract,
    normalise_name,
)
from consortium.text import listed, printable
from consortium.workspace import Workspace, writes

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
PROBLEM_FILL = PatternFill("solid", fgColor="FFC7CE")
PROBLEM_FONT = Font(color="9C0006")
MAX_ROWS = 200_000  # per sheet; beyond this a file is almost certainly not a partner list
MAX_SHEET_ROWS = MAX_ROWS + 1_000  # rows read, blank ones included (a header may sit lower)
MAX_COLUMNS = 100  # the template has about 40
# A copy with the problem cells marked loads the whole workbook, about 1 KB a cell (60,000
# rows of 6 columns took 377 MB); beyond this many cells the problems are listed instead,
# in a workbook written as it goes.
MAX_MARKED_CELLS = 200_000
MAX_LISTED = 10_000  # problems kept and listed; a file with more is counted, not listed


class WorkbookError(ConsortiumError):
    """The file cannot be read as a partner workbook at all."""


@dataclass
class Problem:
    file: str
    sheet: str
    row: int  # 1-based spreadsheet row
    column: str  # header text, or '' for a whole-row problem
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet}, row {self.row}" if self.row else self.sheet
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    file: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems_file: str | None = None
    dry_run: bool = False
    more_problems: int = 0  # found beyond the MAX_LISTED in ``problems``

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "problems": [p.__dict__ for p in self.problems],
            "problem_count": self.problem_count,
            "notes": self.notes,
            "problems_file": self.problems_file,
        }

    def summary(self) -> str:
        if self.problems:
            lines = [
                f"{plural(self.problem_count, 'problem')} in {Path(self.file).name}; nothing was imported."
            ]
            shown = self.problems[:50]
            lines += [f"  {p}" for p in shown]
            if self.problem_count > len(shown):
                lines.append(f"  … and {self.problem_count - len(shown):,} more")
            if self.problems_file:
                lines.append(f"A copy with the problems highlighted: {self.problems_file}")
            return "\n".join(lines)
        verb = "Would import" if self.dry_run else "Imported"
        lines = [
            f"{verb} {Path(self.file).name}: {len(self.created)} new, "
            f"{len(self.updated)} updated, {len(self.unchanged)} unchanged."
        ]
        lines += [f"  Note: {n}" for n in self.notes]
        return "\n".join(lines)


# =========================================================================== writing workbooks
def write_template(path: str | Path) -> Path:
    """An empty partner workbook with instructions, drop-downs and reference lists."""
    return _write(path, [])


def export_partners(ws: Workspace, path: str | Path) -> Path:
    """Every partner with every detail, in the template's layout (re-importable as is)."""
    return _write(path, store.load_all(ws.db))


def _write(path: str | Path, orgs: list[Organisation]) -> Path:
    path = Path(path).expanduser()
    if path.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{path.name}: partner workbooks are Excel files ending in .xlsx.")
    wb = openpyxl.Workbook()
    _instructions(wb.active)
    lists = _lists_sheet(wb)
    rows = _rows_for(orgs)
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.title)
        _header(ws, sheet)
        for values in rows[sheet.kind]:
            sheets.append(ws, [values.get(c.key) for c in sheet.columns])
        _format_body(ws, sheet, lists)
    _councils_sheet(wb)
    _cpv_sheet(wb)
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            _print_setup(ws)
    wb.active = 1  # open on Organisations
    return _save_atomically(wb, path)


def _instructions(ws) -> None:
    ws.title = "Instructions"
    ws.sheet_properties.tabColor = "1F4E79"
    lines = [
        ("Consortium partner workbook", Font(bold=True, size=14)),
        ("", None),
        (
            "Fill in one sheet per kind of record, then import the file in Consortium "
            "(Partners > Import from Excel, or drag it onto the window).",
            None,
        ),
        ("Only the Organisations sheet is needed; every other sheet is optional.", None),
        (
            "The Organisation column on the other sheets must match a Name on the Organisations sheet "
            "(or a partner already in Consortium).",
            None,
        ),
        ("Dates can be typed as 23/11/2026 or 23 Nov 2026. Money as 250000 or £250,000.", None),
        ("Separate several CPV codes, areas or beneficiary groups with a semicolon (;).", None),
        (
            "Areas served are council names (see the Councils sheet) or ITL region codes such as TLI.",
            None,
        ),
        (
            "You can add your own columns: Consortium ignores columns it does not know and tells you so.",
            None,
        ),
        (
            "Importing the same file again updates partners; it never makes duplicates. Partners are "
            "matched on charity number, then company number, then name.",
            None,
        ),
        ("A blank cell clears that detail; a column you delete leaves that detail as it is.", None),
        (
            "If anything is wrong, nothing is imported: Consortium saves a copy of your file with the "
            "problem cells in red and a Problems column saying how to fix each row.",
            None,
        ),
        ("", None),
        ("Sheets", Font(bold=True, size=12)),
    ]
    for sheet in SHEETS:
        required = ", ".join(c.header for c in sheet.columns if c.required)
        lines.append(
            (f"{sheet.title}: {sheet.help or ''} Required: {required}.".replace("  ", " "), None)
        )
    for row, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1, value=text)
        if font:
            cell.font = font
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 110


def _print_setup(ws) -> None:
    """Every sheet prints as the others in the app do. The record sheets are forms people fill
    in, so they get no fixed print area (one would leave the rows they add off the page): Excel
    prints what is filled in."""
    if ws.title == "Instructions":
        xlsx_layout.print_setup(ws, title="Partner workbook: instructions", table="", area="")
        return
    xlsx_layout.print_setup(ws, title=f"Partner workbook: {ws.title}", header_rows=(1, 1), area="")


def _lists_sheet(wb) -> dict[str, str]:
    ws = wb.create_sheet("Lists")
    refs: dict[str, str] = {}
    for col, (name, values) in enumerate(LISTS.items(), start=1):
        letter = get_column_letter(col)
        ws.cell(row=1, column=col, value=name)
        for row, value in enumerate(values, start=2):
            ws.cell(row=row, column=col, value=value)
        refs[name] = f"Lists!${letter}$2:${letter}${len(values) + 1}"
    ws.sheet_state = "hidden"
    return refs


def _header(ws, sheet: Sheet) -> None:
    ws.append([c.header + (" *" if c.required else "") for c in sheet.columns])
    for index, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=1, column=index)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if column.help:
            cell.comment = Comment(column.help, "Consortium")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"


def _format_body(ws, sheet: Sheet, lists: dict[str, str]) -> None:
    last = max(ws.max_row, 2) + 500
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        span = f"{letter}2:{letter}{last}"
        if column.choices:
            # openpyxl leaves both messages off by default: without them Excel neither shows
            # the prompt nor refuses (or questions) a value that is not on the list.
            dv = DataValidation(
                type="list",
                formula1=f"={lists[column.choices]}",
                allow_blank=True,
                showErrorMessage=True,
                showInputMessage=True,
            )
            if not column.strict:
                dv.errorStyle = "information"  # suggest, but allow a custom value
            dv.error = f"Choose a {column.header.lower()} from the list"
            dv.prompt = column.help or f"Choose a {column.header.lower()}"
            ws.add_data_validation(dv)
            dv.add(span)
        if column.kind == "date":
            for row in range(2, ws.max_row + 1):
                ws[f"{letter}{row}"].number_format = "DD/MM/YYYY"
        elif column.kind == "money":
            for row in range(2, ws.max_row + 1):
                ws[f"{letter}{row}"].number_format = '"£"#,##0'
        elif column.kind in ("text", "charity_number", "company_number", "phone", "cpv_list"):
            # Text format stops Excel eating leading zeros in numbers typed later.
            for row in range(2, ws.max_row + 1):
                ws[f"{letter}{row}"].number_format = "@"


def _councils_sheet(wb) -> None:
    ws = wb.create_sheet("Councils")
    ws.append(["Council", "GSS code", "Nation", "Region"])
    for c in places.councils():
        ws.append([c.name, c.gss, c.nation, places.region_label(c.gss)])
    for letter, width in zip("ABCD", (36, 12, 18, 26), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def _cpv_sheet(wb) -> None:
    ws = wb.create_sheet("CPV codes")
    ws.append(["CPV code", "Description"])
    for entry in cpv.all_codes():
        ws.append([entry.code, entry.label])
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 90
    ws.freeze_panes = "A2"


def _rows_for(orgs: list[Organisation]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {s.kind: [] for s in SHEETS}
    for org in orgs:
        rows["organisation"].append(
            {
                "name": org.name,
                "legal_form": LEGAL_FORMS.get(org.legal_form, org.legal_form),
                "charity_number": org.charity_number,
                "company_number": org.company_number,
                "address": org.address,
                "postcode": org.postcode,
                "website": org.website,
                "services": org.services,
                "cpv_codes": "; ".join(org.cpv_codes),
                "areas": "; ".join(_area_text(a) for a in org.areas),
                "beneficiaries": "; ".join(org.beneficiaries),
                "staff": org.staff,
                "volunteers": org.volunteers,
                "is_ours": "Yes" if org.is_ours else "No",
                "notes": org.notes,
            }
        )
        for c in org.contacts:
            rows["contact"].append({"organisation": org.name, **c.__dict__})
        for year, amount in sorted(org.turnover.items()):
            rows["turnover"].append({"organisation": org.name, "year": year, "amount": amount})
        for cred in org.credentials:
            rows[cred.kind].append({"organisation": org.name, **cred.__dict__})
        for pc in org.past_contracts:
            rows["contract"].append({"organisation": org.name, **pc.__dict__})
    return rows


def _area_text(code: str) -> str:
    """A council by its name when the name reads back as the same council; else name (code)."""
    council = places.council(code)
    if council is not None:
        found = places.find_council(council.name)
        return council.name if found and found.gss == code else f"{council.name} ({code})"
    label = area_label(code)
    return f"{label} ({code})" if label else code


def _save_atomically(wb, path: Path) -> Path:
    return atomic_save(wb.save, path)


# ================================================================================ reading
def open_workbook(path: str | Path, *, read_only: bool = True):
    """Open an .xlsx, turning every way it can fail into a message a person can act on."""
    path = Path(path).expanduser()
    name = path.name
    if not path.exists():
        raise WorkbookError(f"{path} does not exist.")
    if path.is_dir():
        raise WorkbookError(f"{path} is a folder; choose an Excel (.xlsx) file.")
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        raise WorkbookError(f"{name} is empty (0 bytes). Choose the saved Excel file.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise WorkbookError(
                f"{name} is password-protected. Open it in Excel, remove the password "
                "(File > Info > Protect Workbook > Encrypt with Password, clear it), save, "
                "and import it again."
            )
        raise WorkbookError(
            f"{name} is an old-style .xls workbook. Open it in Excel and save it as "
            "'Excel Workbook (.xlsx)', then import that file."
        )
    if not head.startswith(b"PK"):
        if _looks_like_text(path):
            raise WorkbookError(
                f"{name} is a CSV or text file, not an Excel workbook (whatever its name says). "
                "Open it in Excel and save it as 'Excel Workbook (.xlsx)', or copy its rows into "
                "the partner template."
            )
        raise WorkbookError(f"{name} is not an Excel workbook (.xlsx).")
    if not zipfile.is_zipfile(path):
        raise WorkbookError(
            f"{name} is damaged (its zip structure is broken, perhaps a partial download or "
            "copy). Open it in Excel to repair it, or export it again."
        )
    workbooks.check_archive(path, name, WorkbookError)
    try:
        return openpyxl.load_workbook(path, read_only=read_only, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise WorkbookError(
            f"{name} cannot be read as an Excel workbook ({exc}). Open it in Excel and save "
            "it again as 'Excel Workbook (.xlsx)'."
        ) from exc
    except Exception as exc:  # openpyxl raises assorted errors on malformed XML
        raise WorkbookError(
            f"{name} is damaged and cannot be read ({type(exc).__name__}: {exc}). Open it in "
            "Excel and save it again."
        ) from exc


def _looks_like_text(path: Path) -> bool:
    with open(path, "rb") as f:
        sample = f.read(4096)
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True


@dataclass
class _Row:
    sheet: str
    row: int
    values: dict[str, object]
    bad: bool = False  # a cell of this row already has a problem reported


class _Reader:
    """Reads every known sheet of a workbook into parsed rows plus problems."""

    def __init__(self, path: Path, progress: Progress, cancelled: IsCancelled):
        self.path = path
        self.problems: list[Problem] = []  # the first MAX_LISTED
        self.problem_count = 0
        self.cells = 0  # cells read, blank ones included: what a marked copy would load
        self.notes: list[str] = []
        self.rows: dict[str, list[_Row]] = {s.kind: [] for s in SHEETS}
        self.present: dict[str, set[str]] = {}  # sheet kind -> keys of columns present
        self.header_rows: dict[str, tuple[int, int]] = {}  # sheet title -> (header row, width)
        self.progress = progress
        self.cancelled = cancelled

    def problem(self, sheet: str, row: int, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:  # a bad date in every cell of 200,000 rows
            self.problems.append(Problem(self.path.name, sheet, row, column, message))

    def read(self) -> None:
        wb = open_workbook(self.path)
        try:
            found = self._pick_sheets(wb)
            total = sum(min(ws.max_row or 0, MAX_SHEET_ROWS) for _, ws in found) or 1
            done = 0
            for sheet, ws in found:
                done = self._read_sheet(sheet, ws, done, total)
        finally:
            wb.close()

    def _pick_sheets(self, wb) -> list[tuple[Sheet, object]]:
        found: dict[str, tuple[Sheet, object]] = {}
        for ws in wb.worksheets:
            sheet = match_sheet(ws.title)
            if sheet and sheet.kind not in found:
                found[sheet.kind] = (sheet, ws)
            elif sheet is None and ws.title not in (
                "Instructions",
                "Lists",
                "Councils",
                "CPV codes",
            ):
                self.notes.append(f"Sheet '{ws.title}' was not read (not a known sheet name).")
        if "organisation" not in found:
            # A plain list on its first sheet, whatever the sheet is called.
            first = workbooks.sheets(wb, self.path.name, WorkbookError)[0]
            if _find_header(first, SHEETS[0], self.path.name)[0]:
                found["organisation"] = (SHEETS[0], first)
                self.notes = [n for n in self.notes if f"'{first.title}'" not in n]
            else:
                raise WorkbookError(
                    f"{self.path.name} has no Organisations sheet, and its first sheet "
                    f"('{first.title}') has no 'Name' column. Use the partner template "
                    "(Partners > Excel template) or add a header row with a Name column."
                )
        order = [s.kind for s in SHEETS]
        return [found[k] for k in order if k in found]

    def _read_sheet(self, sheet: Sheet, ws, done: int, total: int) -> int:
        header_row, mapping = _find_header(ws, sheet, self.path.name)
        title = ws.title
        if not header_row:
            self.problem(
                title,
                0,
                "",
                f"No header row found; the sheet needs a '{sheet.columns[0].header}' column.",
            )
            return done
        width = max(mapping) if mapping else 0
        self.header_rows[title] = (header_row, width)
        present = {c.key for c in mapping.values() if c is not None}
        self.present[sheet.kind] = present
        for column in sheet.columns:
            if column.required and column.key not in present:
                self.problem(
                    title,
                    header_row,
                    column.header,
                    f"The required column '{column.header}' is missing. Add it to the header row.",
                )
        ignored = [
            str(h)
            for i, h in _header_cells(ws, header_row, self.path.name)
            if mapping.get(i) is None and h not in (None, "")
        ]
        if ignored:
            self.notes.append(
                f"{title}: ignored {plural(len(ignored), 'column')}: "
                f"{listed(repr(i) for i in ignored)}."
            )
        if any(c.required and c.key not in present for c in sheet.columns):
            return done
        count = 0
        note = workbooks.size_note(ws, max_rows=MAX_SHEET_ROWS, max_cols=MAX_COLUMNS)
        if note:
            self.notes.append(note)
        self._refuse_if_too_long(ws, header_row)
        for row_number, cells in enumerate(
            self._rows(ws, min_row=header_row + 1), start=header_row + 1
        ):
            done += 1
            self.cells += len(cells)
            if row_number % 500 == 0:
                check(self.cancelled)
                self.progress(done, total, f"Reading {title}, row {row_number}")
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                continue
            count += 1
            if count > MAX_ROWS:  # the sheet said it was shorter than it is
                raise self._too_long(title)
            values: dict[str, object] = {}
            bad: set[str] = set()
            reported = self.problem_count
            for index, column in mapping.items():
                if column is None:
                    continue
                raw = cells[index - 1] if index - 1 < len(cells) else None
                try:
                    values[column.key] = _parse(column, raw)
                except ValueError as exc:
                    self.problem(title, row_number, column.header, str(exc))
                    values[column.key] = None
                    bad.add(column.key)
            for column in sheet.columns:
                missing = values.get(column.key) in (None, "", [])
                if column.required and missing and column.key not in bad:
                    self.problem(
                        title,
                        row_number,
                        column.header,
                        f"{column.header} is required; fill it in or delete the row.",
                    )
            self.rows[sheet.kind].append(
                _Row(title, row_number, values, bad=self.problem_count > reported)
            )
        return done

    def _rows(self, ws, min_row: int = 1, max_row: int | None = None):
        return _bounded(ws, self.path.name, min_row, max_row)

    def _refuse_if_too_long(self, ws, header_row: int) -> None:
        """Refuse a sheet with more than ``MAX_ROWS`` filled rows before any row is parsed.

        Parsing 200,000 rows, then copying the whole workbook to show one "too many rows"
        problem, took 1.3 GB and nearly three minutes for 300,000 rows; counting reads the
        cells, keeps none of them, and takes a sixth of the time. Counted only when the sheet
        says it is that long or does not say (Excel and LibreOffice always say; some tools
        never do). A stated size can be a stray cell far below the data, so the count, not
        the claim, decides."""
        try:
            stated = ws.max_row
        except Exception:  # noqa: BLE001 - a damaged dimension: count, as for none
            stated = None
        if isinstance(stated, int) and stated - header_row <= MAX_ROWS:
            return
        filled = 0
        for row_number, cells in enumerate(
            self._rows(ws, min_row=header_row + 1), start=header_row + 1
        ):
            if row_number % 5_000 == 0:
                check(self.cancelled)
                self.progress(row_number, MAX_SHEET_ROWS, f"Counting the rows of {ws.title}")
            if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in cells):
                filled += 1
                if filled > MAX_ROWS:
                    raise self._too_long(ws.title)

    def _too_long(self, title: str) -> WorkbookError:
        return WorkbookError(
            f"{self.path.name}, sheet '{title}', has more than {MAX_ROWS:,} rows, more than "
            "Consortium imports from one sheet. Split it into smaller workbooks and import "
            "each in turn. Nothing was imported."
        )


def _bounded(ws, name: str, min_row: int = 1, max_row: int | None = None):
    """The sheet's rows, capped (see :mod:`consortium.workbooks`)."""
    return workbooks.rows(
        ws,
        name=name,
        error=WorkbookError,
        min_row=min_row,
        max_row=max_row,
        max_rows=MAX_SHEET_ROWS,
        max_cols=MAX_COLUMNS,
    )


def _header_cells(ws, row: int, name: str = "The workbook") -> list[tuple[int, object]]:
    cells = next(iter(_bounded(ws, name, row, row)), ())
    return list(enumerate(cells, start=1))


def _find_header(
    ws, sheet: Sheet, name: str = "The workbook"
) -> tuple[int, dict[int, Column | None]]:
    """The header row (1-based) among the first 15, and column index -> Column.

    Title rows, merged cells and notes above the header are skipped: the header is the row
    that names the most known columns, including the first required one.
    """
    best_row, best_map, best_score = 0, {}, 0
    required = [c for c in sheet.columns if c.required]
    for row_number, cells in enumerate(_bounded(ws, name, 1, 15), start=1):
        mapping: dict[int, Column | None] = {}
        seen: set[str] = set()
        for index, value in enumerate(cells, start=1):
            text = str(value).rstrip(" *") if value is not None else ""
            column = match_column(sheet, text)
            if column is not None and column.key in seen:
                column = None  # a second column with the same meaning is ignored
            if column is not None:
                seen.add(column.key)
            if value not in (None, ""):
                mapping[index] = column
        score = len(seen)
        if score > best_score and required and required[0].key in seen:
            best_row, best_map, best_score = row_number, mapping, score
    return best_row, best_map


# ------------------------------------------------------------------------------ cell parsers
def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _split(raw) -> list[str]:
    text = _text(raw).replace("\n", ";").replace("|", ";")
    return [part.strip() for part in text.split(";") if part.strip()]


def _legal_form(raw) -> str:
    text = header_key(raw)
    for key, label in LEGAL_FORMS.items():
        if text in (header_key(key), header_key(label)):
            return key
    shorthand = {
        "registered charity": "charity",
        "trust": "charity",
        "charitable trust": "charity",
        "charitable incorporated organisation": "cio",
        "community interest company": "cic",
        "company": "clg",
        "company limited by guarantee": "clg",
        "ltd by guarantee": "clg",
        "clbg": "clg",
        "bencom": "cbs",
        "community benefit society": "cbs",
        "unincorporated association": "unincorporated",
        "ha": "housing_association",
        "registered provider": "housing_association",
        "rp": "housing_association",
    }
    if text in shorthand:
        return shorthand[text]
    raise ValueError(
        f"{validation.quoted(raw)} is not a legal form; choose one from the drop-down list"
    )


def _cpv_list(raw) -> list[str]:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return [cpv.normalise(raw)]
    parts = [p for chunk in _split(raw) for p in chunk.replace(",", " ").split()]
    codes: list[str] = []
    for part in parts:
        if not any(ch.isdigit() for ch in part):
            continue  # a label typed after the code, e.g. "85311000 Social work"
        codes.append(cpv.normalise(part))
    return list(dict.fromkeys(codes))


def _area_list(raw) -> list[str]:
    codes: list[str] = []
    for part in _split(raw):
        codes.append(_area(part))
    return list(dict.fromkeys(codes))


def _area(text: str) -> str:
    if text.endswith(")") and "(" in text:  # "Camden (E09000007)" as the export writes it
        inner = text[text.rindex("(") + 1 : -1].strip().upper()
        if places.council(inner):
            return inner
        if places.region(inner):
            return places.to_itl(inner) or inner
    council = places.find_council(text)
    if council is not None:
        return council.gss
    itl = places.to_itl(text.upper())
    if itl and places.region(itl):
        return itl
    for region in places.regions():
        if header_key(region.name) == header_key(text):
            return region.code
    suggestions = places.search_councils(text, limit=3)
    hint = f" Did you mean {' or '.join(c.name for c in suggestions)}?" if suggestions else ""
    raise ValueError(
        f"{validation.quoted(text)} is not a UK council or ITL region.{hint} See the Councils "
        "sheet for names."
    )


def _yes_no(raw) -> bool:
    text = _text(raw).lower()
    if text in ("yes", "y", "true", "1", "x", "✓", "ours"):
        return True
    if text in ("no", "n", "false", "0", ""):
        return False
    raise ValueError(f"{validation.quoted(raw)} should be Yes or No")


def _year(raw) -> int:
    if hasattr(raw, "year") and not isinstance(raw, (int, float, str)):
        return raw.year
    text = _text(raw)
    if "/" in text or "-" in text:  # "2024/25" or "2024-25": the year the financial year ends
        first, _, last = text.replace("-", "/").partition("/")
        if first.isdigit() and last.isdigit() and len(first) == 4:
            year = int(last) if len(last) == 4 else int(first[:2] + last.zfill(2))
            if year > int(first):
                return year
    if text.isdigit() and 1900 <= int(text) <= 2100:
        return int(text)
    raise ValueError(f"{validation.quoted(text)} is not a year; write it like 2025")


_PARSERS: dict[str, Callable[[object], object]] = {
    "text": _text,
    "legal_form": _legal_form,
    "charity_number": validation.charity_number,
    "company_number": validation.company_number,
    "postcode": validation.postcode,
    "website": validation.website,
    "email": validation.email,
    "phone": validation.phone,
    "cpv_list": _cpv_list,
    "area_list": _area_list,
    "text_list": _split,
    "yes_no": _yes_no,
    "money": parse_money,
    "date": parse_date,
    "year": _year,
}
# What a blank cell means for each kind of column.
_EMPTY = {"cpv_list": [], "area_list": [], "text_list": [], "yes_no": False, "text": ""}


def _parse(column: Column, raw):
    raw = sheets.typed_back(raw)  # our own export marks text a spreadsheet would run
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return _EMPTY.get(column.kind)
    if column.kind == "count":
        return validation.whole_number(raw, column.header)
    return _PARSERS[column.kind](raw)


# ============================================================================ importing
@writes
def import_partners(
    ws: Workspace,
    path: str | Path,
    *,
    dry_run: bool = False,
    write_problems: bool = True,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
) -> ImportResult:
    """Validate every row, then import all (one transaction) or nothing.

    On problems, a copy of the user's workbook with the bad cells highlighted and a Problems
    column is written beside it (or in the temp folder when that is read-only).
    """
    path = Path(path).expanduser()
    result = ImportResult(file=str(path), dry_run=dry_run)
    reader = _Reader(path, progress, cancelled)
    reader.read()
    result.notes = reader.notes
    orgs, matched = _assemble(ws, reader)
    result.problems = reader.problems
    result.more_problems = reader.problem_count - len(reader.problems)
    if result.problems:
        if write_problems:
            result.problems_file = str(_write_problems(path, reader))
        return result
    check(cancelled)
    progress(0, len(orgs), "Saving partners")
    with ws.atomic():
        for index, org in enumerate(orgs):
            before = matched.get(id(org))
            if before is None:
                result.created.append(org.name)
            elif store.diff(before, org):
                result.updated.append(org.name)
            else:
                result.unchanged.append(org.name)
                continue
            if not dry_run:
                store.save(ws, org)
            if index % 200 == 0:
                check(cancelled)
                progress(index, len(orgs), f"Saving {org.name}")
        if not dry_run and (result.created or result.updated):
            ws.audit(
                "import",
                "organisation",
                None,
                f"Imported {path.name}: {len(result.created)} new, {len(result.updated)} updated",
            )
    progress(len(orgs), len(orgs), "Done")
    return result


def _assemble(ws: Workspace, reader: _Reader) -> tuple[list[Organisation], dict[int, Organisation]]:
    """Turn parsed rows into Organisation records merged onto what the workspace holds."""
    orgs: list[Organisation] = []
    matched: dict[int, Organisation] = {}  # id(new record) -> stored record before the import
    by_key: dict[str, Organisation] = {}
    first_row: dict[str, int] = {}
    present = reader.present.get("organisation", set())
    ours_rows: list[int] = []
    # Where each organisation, contact, credential and past contract came from, so a problem
    # the record check finds in one is reported on its own row, under its own column.
    origin: dict[int, tuple[str, int, str]] = {}
    for row in reader.rows["organisation"]:
        values = row.values
        name = _text(values.get("name"))
        if not name:
            continue
        key = normalise_name(name)
        if key in by_key:
            reader.problem(
                row.sheet,
                row.row,
                "Name",
                f"'{name}' is also on row {first_row[key]}; keep one row per organisation.",
            )
            continue
        probe = Organisation(
            name=name,
            charity_number=_text(values.get("charity_number")),
            company_number=_text(values.get("company_number")),
        )
        existing_id = store.find_existing(ws.db, probe)
        if existing_id is not None:
            before = store.load(ws.db, existing_id)
            org = copy.deepcopy(before)
            matched[id(org)] = before
        else:
            org = Organisation(name=name)
        for column in SHEETS[0].columns:
            if column.key not in present:
                continue
            value = values.get(column.key)
            if column.key == "legal_form" and value is None:
                value = org.legal_form if existing_id else "charity"
            if column.kind in ("cpv_list", "area_list", "text_list"):
                setattr(org, column.key, list(value or []))
            elif column.kind == "yes_no":
                setattr(org, column.key, bool(value))
            elif column.kind == "count":
                setattr(org, column.key, value)
            else:
                setattr(org, column.key, value if value is not None else "")
        if org.is_ours:
            ours_rows.append(row.row)
        by_key[key] = org
        first_row[key] = row.row
        origin[id(org)] = (row.sheet, row.row, "organisation")
        orgs.append(org)
    if len(ours_rows) > 1:
        sheet = reader.rows["organisation"][0].sheet
        for r in ours_rows[1:]:
            reader.problem(
                sheet,
                r,
                "Our organisation",
                f"Only one organisation can be yours (row {ours_rows[0]} already is).",
            )

    def owner(row: _Row) -> Organisation | None:
        name = _text(row.values.get("organisation"))
        if not name:
            return None
        key = normalise_name(name)
        if key in by_key:
            return by_key[key]
        existing_id = store.find_existing(ws.db, Organisation(name=name))
        if existing_id is None:
            reader.problem(
                row.sheet,
                row.row,
                "Organisation",
                f"'{name}' is not on the Organisations sheet or in Consortium; check the spelling.",
            )
            return None
        before = store.load(ws.db, existing_id)
        org = copy.deepcopy(before)
        matched[id(org)] = before
        by_key[key] = org
        orgs.append(org)
        return org

    for row in reader.rows["contact"]:
        org = owner(row)
        if org is None or row.bad:
            continue
        v = row.values
        contact = Contact(
            name=_text(v.get("name")),
            role=_text(v.get("role")),
            email=_text(v.get("email")),
            phone=_text(v.get("phone")),
        )
        item = _merge(
            org.contacts, contact, lambda c: normalise_name(c.name), reader.present["contact"]
        )
        origin[id(item)] = (row.sheet, row.row, "contact")
    for row in reader.rows["turnover"]:
        org = owner(row)
        if (
            org is None
            or row.bad
            or row.values.get("year") is None
            or row.values.get("amount") is None
        ):
            continue
        org.turnover[row.values["year"]] = row.values["amount"]
    for kind in CREDENTIAL_SHEETS:
        for row in reader.rows[kind]:
            org = owner(row)
            if org is None or row.bad:
                continue
            v = row.values
            cred = Credential(
                kind=kind,
                type=_canonical_type(kind, _text(v.get("type"))),
                reference=_text(v.get("reference")),
                cover=v.get("cover"),
                expires=v.get("expires"),
                notes=_text(v.get("notes")),
            )
            item = _merge(
                org.credentials,
                cred,
                lambda c: (c.kind, header_key(c.type), header_key(c.reference)),
                reader.present[kind],
            )
            origin[id(item)] = (row.sheet, row.row, kind)
    for row in reader.rows["contract"]:
        org = owner(row)
        if org is None or row.bad:
            continue
        v = row.values
        contract = PastContract(
            buyer=_text(v.get("buyer")),
            title=_text(v.get("title")),
            value=v.get("value"),
            start_year=v.get("start_year"),
            end_year=v.get("end_year"),
            outcome=_text(v.get("outcome")),
        )
        item = _merge(
            org.past_contracts,
            contract,
            lambda c: (header_key(c.buyer), header_key(c.title), c.start_year),
            reader.present["contract"],
        )
        origin[id(item)] = (row.sheet, row.row, "contract")
    for org in orgs:
        for field_name, message in store.check_organisation(org).items():
            sheet, row_number, column = _locate_problem(reader, org, field_name, origin)
            reader.problem(sheet, row_number, column, message)
    return orgs, matched


def _canonical_type(kind: str, text: str) -> str:
    """'cqc' or 'CQC Registration' becomes the standard name when it is one."""
    lists = {"accreditation": "accreditations", "insurance": "insurances", "policy": "policies"}
    key = header_key(text)
    for option in LISTS[lists[kind]]:
        if key == header_key(option) or (key and header_key(option).startswith(key + " ")):
            return option
    return text


def _merge(items: list, new, key, present: set[str]):
    """Update the item with the same key (only the columns the sheet has), else add it.
    Returns the item now in the list."""
    for index, item in enumerate(items):
        if key(item) == key(new):
            merged = copy.copy(item)
            for name in present:
                if hasattr(merged, name) and name != "id":
                    setattr(merged, name, getattr(new, name))
            items[index] = merged
            return merged
    items.append(new)
    return new


def _locate_problem(
    reader: _Reader, org: Organisation, field_name: str, origin: dict[int, tuple[str, int, str]]
) -> tuple[str, int, str]:
    """(sheet, row, column header) for a problem the record check found in ``field_name``,
    e.g. 'contacts[2].email' or 'postcode'."""
    m = re.fullmatch(r"(contacts|credentials|past_contracts)\[(\d+)\]\.(\w+)", field_name)
    if m:
        items = getattr(org, m[1])
        index = int(m[2]) - 1
        where = origin.get(id(items[index])) if 0 <= index < len(items) else None
        if where is not None:
            sheet_title, row_number, kind = where
            sheet_def = next(s for s in SHEETS if s.kind == kind)
            return sheet_title, row_number, _header_for(sheet_def, m[3])
    # Looked up, not searched for: a search of every row for each problem took minutes when
    # every row of a long sheet had one.
    sheet_title, row_number, _ = origin.get(id(org), ("Organisations", 0, ""))
    return sheet_title, row_number, _header_for(SHEETS[0], field_name)


def _header_for(sheet: Sheet, key: str) -> str:
    for column in sheet.columns:
        if column.key == key:
            return column.header
    return key


def _write_problems(path: Path, reader: _Reader) -> Path:
    """A copy of the user's own workbook: bad cells red, a Problems column on each bad row."""
    target = path.with_name(f"{path.stem} - problems.xlsx")
    if not os.access(path.parent, os.W_OK):
        target = Path(tempfile.gettempdir()) / target.name
    if reader.cells > MAX_MARKED_CELLS:
        return _write_problem_list(target, reader)
    try:
        wb = openpyxl.load_workbook(path)
    except Exception:
        return _write_problem_list(target, reader)
    by_sheet: dict[str, dict[int, list[Problem]]] = {}
    for p in reader.problems:
        by_sheet.setdefault(p.sheet, {}).setdefault(p.row, []).append(p)
    for title, rows in by_sheet.items():
        if title not in wb.sheetnames:
            continue
        ws = wb[title]
        header_row, width = reader.header_rows.get(title, (1, ws.max_column))
        problems_col = max(width, ws.max_column) + 1
        head = ws.cell(row=max(header_row, 1), column=problems_col, value="Problems")
        head.font, head.fill = (
            Font(bold=True, color="FFFFFF"),
            PatternFill("solid", fgColor="9C0006"),
        )
        ws.column_dimensions[get_column_letter(problems_col)].width = 70
        headers = (
            {header_key(str(v).rstrip(" *")): i for i, v in _header_cells(ws, header_row) if v}
            if header_row
            else {}
        )
        sheet_def = match_sheet(title) or SHEETS[0]
        for row_number, problems in rows.items():
            target_row = row_number or header_row or 1
            messages = []
            for p in problems:
                messages.append(f"{p.column}: {p.message}" if p.column else p.message)
                column_index = _column_index(headers, sheet_def, p.column)
                if column_index:
                    cell = ws.cell(row=target_row, column=column_index)
                    cell.fill, cell.font = PROBLEM_FILL, PROBLEM_FONT
            cell = ws.cell(
                row=target_row, column=problems_col, value=printable("\n".join(messages))
            )
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.font = PROBLEM_FONT
    _numbers_openpyxl_can_write(wb)
    try:
        return _save_atomically(wb, target)
    except (ValueError, TypeError, ArithmeticError):  # a value openpyxl read but cannot write
        return _write_problem_list(target, reader)


def _numbers_openpyxl_can_write(wb) -> None:
    """Numbers read from a file a tool wrote that openpyxl cannot write back, as their text:
    a whole number of hundreds of digits (writing it raises), and infinity or NaN (written as
    a number no spreadsheet shows, so the cell printed empty beside "not 'inf'"). Each is a
    problem cell to show as it was read."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if type(value) is int and not -(2**1023) < value < 2**1023:
                    cell.value = str(value)
                elif type(value) is float and not math.isfinite(value):
                    cell.value = str(value)  # "inf", "-inf", "nan", as the message quotes it


def _column_index(headers: dict[str, int], sheet: Sheet, column: str) -> int | None:
    if not column:
        return None
    if header_key(column) in headers:
        return headers[header_key(column)]
    for col in sheet.columns:  # a field name from the record check, e.g. "postcode"
        if col.key == column or col.header == column:
            for alias in (col.header, *col.aliases):
                if header_key(alias) in headers:
                    return headers[header_key(alias)]
    return None


def _write_problem_list(target: Path, reader: _Reader) -> Path:
    """The problems, one a row, written as they go (memory stays the same however many)."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Problems")
    ws.append(["Sheet", "Row", "Column", "Problem"])
    for p in reader.problems:
        # printable: a message quotes the cell, and a control character in it would make
        # the save fail (XML forbids it)
        ws.append([printable(p.sheet), p.row, printable(p.column), printable(p.message)])
    more = reader.problem_count - len(reader.problems)
    if more:
        ws.append(
            [
                "",
                None,
                "",
                f"… and {plural(more, 'more problem')}. Fix the ones above and import the "
                "file again to see the rest.",
            ]
        )
    return _save_atomically(wb, target)
