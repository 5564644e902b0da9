"""The re-tender pipeline as an Excel workbook: one row per contract, dates as dates, money as
money, user text through the one spreadsheet-cell rule (:mod:`consortium.sheets`)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from consortium import sheets
from consortium.files import atomic_save
from consortium.formatting import iso_date, uk_date
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


def export_xlsx(result: Pipeline, path: str | Path) -> Path:
    """Write ``result`` to ``path`` (.xlsx) through a temporary file; returns the path."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pipeline"
    who = f" for {result.partner_name}" if result.partner_name else ""
    sheets.append(
        ws,
        [
            f"Contracts ending {uk_date(result.window_from)} to {uk_date(result.window_to)}{who}"
            f": {len(result.rows):,}"
        ],
    )
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([h for h, _ in HEADERS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for column, (_, width) in enumerate(HEADERS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    for row in result.rows:
        sheets.append(
            ws,
            [
                iso_date(row.end),
                iso_date(row.max_end),
                row.title,
                "; ".join(row.suppliers),
                row.value,
                row.buyer or "",
                iso_date(row.start),
                row.tender_title,
                row.notice_url or row.ocid,
            ],
        )
        r = ws.max_row
        for column in (1, 2, 7):
            ws.cell(r, column).number_format = DATE
        ws.cell(r, 5).number_format = MONEY
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(HEADERS))}{max(2, ws.max_row)}"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return atomic_save(wb.save, Path(path))
