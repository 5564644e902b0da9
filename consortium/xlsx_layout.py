"""Print and screen layout for the workbooks Consortium writes (layout only: the values and the
one spreadsheet-cell neutraliser are the writers' business).

    print_setup(sheet, header_rows=(3, 3), landscape=True, pages_tall=1)
    fit_columns(sheet, header_row=3)

A sheet so set prints one page wide (more pages tall as it needs, or at most ``pages_tall``),
repeats its header rows on every page, has its header frozen on screen, columns as wide as their
content (long text wrapped), A4 with modest margins, and a footer naming the file and the page
("&F, page &P of &N": Excel and LibreOffice fill these in).
"""

from __future__ import annotations

import datetime as dt

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

MAX_WIDTH = 48  # characters; longer text wraps
MIN_WIDTH = 6


def _shown(value, number_format: str) -> str:
    """Roughly what Excel shows for a value (for widths only)."""
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return "30 Sep 2027"
    if isinstance(value, (int, float)):
        if "£" in number_format:
            return f"£{value:,.2f}" if ".00" in number_format else f"£{value:,.0f}"
        if "%" in number_format:
            return f"{value * 100:.1f}%"
        return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
    text = str(value)
    if text.startswith("="):
        return "£000,000,000.00"  # a formula's result: room for a large money figure
    return text


def fit_columns(
    sheet,
    *,
    header_row: int | None = None,
    skip_rows: tuple[int, ...] = (),
    max_width: int = MAX_WIDTH,
) -> None:
    """Each column as wide as its longest value (capped; longer text wraps, top-aligned).

    ``skip_rows`` are title rows whose text may run across columns (a sheet heading)."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for c in row:
            if c.row in skip_rows or c.value is None:
                continue
            text = _shown(c.value, c.number_format or "")
            longest_line = max((len(x) for x in text.splitlines()), default=0)
            longest_word = max((len(w) for w in text.split()), default=0)
            want = min(max(longest_line, MIN_WIDTH), max_width)
            want = max(want, min(longest_word, 60))  # a word is never cut
            if c.row == header_row:
                want = min(max(longest_word, MIN_WIDTH, min(longest_line, 12)), max_width)
            widths[c.column] = max(widths.get(c.column, 0), want)
            wrap = longest_line > want or c.row == header_row
            horizontal = c.alignment.horizontal if c.alignment else None
            # Top-aligned, so a figure sits on the first line of the name it belongs to.
            c.alignment = Alignment(horizontal=horizontal, wrap_text=wrap, vertical="top")
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = width + 2
    # Row heights for wrapped text: neither Excel nor LibreOffice reliably grows a row that a
    # file sets to wrap, so a name on three lines would print as two.
    for row in sheet.iter_rows():
        lines = 1
        for c in row:
            if c.row in skip_rows or c.value is None or not (c.alignment and c.alignment.wrap_text):
                continue
            lines = max(lines, _lines(_shown(c.value, c.number_format or ""), widths[c.column]))
        if lines > 1:
            current = sheet.row_dimensions[row[0].row].height or 0
            sheet.row_dimensions[row[0].row].height = max(current, 15 * lines)


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (word wrap)."""
    total = 0
    for para in text.splitlines() or [""]:
        n, used = 1, 0
        for word in para.split():
            need = len(word) if used == 0 else used + 1 + len(word)
            if need > width and used:
                n, used = n + 1, len(word)
            else:
                used = need
        total += n
    return total


def print_setup(
    sheet,
    *,
    header_rows: tuple[int, int] | None = None,
    landscape: bool = True,
    pages_tall: int = 0,
    freeze: str | None = None,
) -> None:
    """A4, one page wide (``pages_tall`` 0: as many pages tall as needed), header rows repeated
    and frozen, modest margins, footer with file name and page numbers."""
    ps = sheet.page_setup
    ps.orientation = "landscape" if landscape else "portrait"
    ps.paperSize = sheet.PAPERSIZE_A4
    ps.fitToWidth = 1
    ps.fitToHeight = pages_tall
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(
        left=0.5, right=0.5, top=0.6, bottom=0.7, header=0.3, footer=0.3
    )
    sheet.print_options.gridLines = False
    if header_rows is not None:
        first, last = header_rows
        sheet.print_title_rows = f"{first}:{last}"
        if freeze is None:
            freeze = f"A{last + 1}"
    if freeze:
        sheet.freeze_panes = freeze
    sheet.oddFooter.center.text = "&F, page &P of &N"
    sheet.oddFooter.center.size = 8
    sheet.oddHeader.right.text = "&A"
    sheet.oddHeader.right.size = 8
