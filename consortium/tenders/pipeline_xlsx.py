"""The re-tender pipeline as an Excel workbook: one row per contract, dates as dates, money as
money, user text through the one spreadsheet-cell rule (:mod:`consortium.sheets`)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from consortium import sheets, xlsx_layout
from consortium.errors import ConsortiumError
from consortium.files import atomic_save
from consortium.formatting import iso_date, uk_date
from consortium.progress import (
    Cancelled,
    IsCancelled,
    Progress,
    check,
    never_cancelled,
    no_progress,
)
from consortium.tenders.pipeline import Pipeline

HEADERS = (
    ("Contract ends", 14),
    ("Could run to", 14),
    ("Contract", 48),
    ("Held by (incumbent)", 36),
    ("Value (£, ex VAT)", 16),
    ("Buyer", 36),
    ("Started", 14),
    ("Tender", 48),
    ("Original notice", 56),
)
MONEY = '"£"#,##0'
DATE = "d mmm yyyy"


# Rows between two progress reports (and checks for Cancel): a year of national notices gives
# tens of thousands of contracts ending in the window.
STEP = 1_000


def export_xlsx(
    result: Pipeline,
    path: str | Path,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
) -> Path:
    """Write ``result`` to ``path`` (.xlsx) through a temporary file; returns the path.
    Cancel (``cancelled()``) leaves no file behind, nor any file that was there changed.

    The sheet is written as it goes (openpyxl's write-only mode): a year's 45,000 contracts
    held as cells took 200 MB, and freeing them (they point at their sheet) held Python's lock
    for 0.7 s, freezing the window. So everything about the sheet is set before its rows."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Pipeline")
    for column, (_, width) in enumerate(HEADERS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    last = f"{get_column_letter(len(HEADERS))}{len(result.rows) + 2}"
    ws.auto_filter.ref = f"A2:{last}"
    who = f" for {result.partner_name}" if result.partner_name else ""
    heading = f"Contracts ending {uk_date(result.window_from)} to {uk_date(result.window_to)}{who}"
    xlsx_layout.print_setup(ws, title=f"Pipeline: {heading}", header_rows=(2, 2), area=f"A1:{last}")
    [title] = sheets.cells(ws, [f"{heading}: {len(result.rows):,}"])
    title.font = Font(bold=True, size=12)
    ws.append([title])
    headings = sheets.cells(ws, [h for h, _ in HEADERS])
    for cell in headings:
        cell.font = Font(bold=True)
    ws.append(headings)
    # Written as they come, rows are most of the time: 45,000 take 4 s, then saving 0.3 s.
    total = len(result.rows) * 21 // 20 + 1
    text = f"Writing {len(result.rows):,} contracts to {Path(path).name}"
    try:
        for index, row in enumerate(result.rows):
            if index % STEP == 0:
                check(cancelled)
                progress(index, total, text)
            # Plain values where no format is wanted: a cell object costs openpyxl a third more.
            values = [
                _formatted(ws, iso_date(row.end), DATE),
                _formatted(ws, iso_date(row.max_end), DATE),
                sheets.value(row.title),
                sheets.value("; ".join(row.suppliers)),
                _formatted(ws, row.value, MONEY),
                sheets.value(row.buyer or ""),
                _formatted(ws, iso_date(row.start), DATE),
                sheets.value(row.tender_title),
                sheets.value(row.notice_url or row.ocid),
            ]
            ws.append(values)
        check(cancelled)
        progress(len(result.rows), total, text)
        return atomic_save(wb.save, Path(path))
    except BaseException as exc:
        _discard(wb)
        name = Path(path).name
        if isinstance(exc, Cancelled):
            kept = "is as it was" if Path(path).exists() else "was not written"
            raise Cancelled(f"Cancelled: {name} {kept}.") from exc
        if isinstance(exc, OSError):  # open in Excel, a read-only folder, a full disk
            raise ConsortiumError(
                f"{name} could not be saved ({exc.strerror or exc}). If it is open in Excel, "
                "close it; otherwise choose another folder, and export again."
            ) from exc
        raise


def _discard(wb) -> None:
    """Remove what a write-only workbook streamed to its temporary files: openpyxl does only
    when it saves (saving a cancelled export would cost what saving it whole does)."""
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):
            ws.close()
        writer = getattr(ws, "_writer", None)
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()


def _formatted(ws, raw, number_format: str):
    """A date or amount as a cell with its format (nothing for a value not given)."""
    if raw is None:
        return None
    made = sheets.cell(ws, raw)
    made.number_format = number_format
    return made
