"""Print and screen layout for the workbooks Consortium writes (layout only: the values and the
one spreadsheet-cell neutraliser are the writers' business). Every .xlsx writer sets each sheet
up through these two calls, so every workbook prints the same way:

    fit_columns(sheet, header_row=3)
    print_setup(sheet, title="Due diligence: Demo bid", header_rows=(3, 3))

``fit_columns`` makes each column as wide as its content, and when the sheet is wider than an A4
landscape page it wraps the widest text columns first (never narrower than a word), so a wide
table prints one page wide at a size a person can read rather than shrunk to fit.

``print_setup`` then gives the sheet what a reader expects on paper: A4, portrait or landscape by
how wide it is, one page wide and as many tall as it needs (fitToWidth 1, fitToHeight 0, or at
most ``pages_tall``), its header rows repeated on every page and frozen on screen, a print area
covering what was written, thin borders round the table (printed gridlines on a sheet written in
openpyxl's write-only mode, whose cells cannot be styled afterwards), modest margins, a page
header with the document's name and the sheet's, and "Page 3 of 7" in the footer (Excel and
LibreOffice fill in &P and &N).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from openpyxl.styles import Alignment, Border, Side
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from consortium.text import printable

MAX_WIDTH = 48  # characters; longer text wraps
MIN_WIDTH = 6
# Column widths (Excel's units, about a character each, with the 2 added per column for air)
# that print across an A4 page at 100% within the margins below: 1,026 and 698 pixels at
# 7 pixels a unit plus 5 a column. A sheet wider than the landscape figure is wrapped down to
# it where it can be, and printed smaller where it cannot.
LANDSCAPE_WIDTH = 135
PORTRAIT_WIDTH = 92
WRAP_FLOOR = 12  # a text column is wrapped no narrower than this (or its longest word)
GRID = Side(style="thin", color="A6A6A6")
FOOTER = "Page &P of &N"


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
        # A formula's result, unknown here (a writer that knows it passes ``results``): room
        # for what its format shows at its largest.
        if "%" in number_format:
            return "100.0%"
        if number_format.startswith("0.0"):
            return "0." + "0" * (len(number_format) - 2)
        return "£000,000,000.00"
    return text


def fit_columns(
    sheet,
    *,
    header_row: int | None = None,
    skip_rows: tuple[int, ...] = (),
    max_width: int = MAX_WIDTH,
    page_width: int = LANDSCAPE_WIDTH,
    results: dict[int, Iterable[str]] | None = None,
) -> None:
    """Each column as wide as its longest value (capped; longer text wraps, top-aligned), the
    widest text columns wrapped further while the sheet is wider than ``page_width``.

    ``skip_rows`` are title rows whose text may run across columns (a sheet heading); a merged
    cell counts towards no column (it spans several) but gets the rows its text needs.
    ``results`` gives, by column number, what the formulas in that column show (a writer that
    knows the figures says so; otherwise a formula is given room for a large one)."""
    merged = {(r.min_row, r.min_col): r for r in sheet.merged_cells.ranges}
    want: dict[int, int] = {}
    floor: dict[int, int] = {}  # never narrower: the longest word, figure or date

    def measure(col: int, text: str, header: bool) -> None:
        longest_line = max((len(x) for x in text.splitlines()), default=0)
        longest_word = max((len(w) for w in text.split()), default=0)
        if header:
            w = min(max(longest_word, MIN_WIDTH, min(longest_line, 12)), max_width)
        else:
            w = min(max(longest_line, MIN_WIDTH), max_width)
        w = max(w, min(longest_word, 60))  # a word is never cut
        want[col] = max(want.get(col, 0), w)
        # A heading may wrap down to its longest word; other text to WRAP_FLOOR.
        # Long prose keeps a readable measure (a sixth of its length, up to the cap), so a
        # paragraph is never wrapped into a column a word wide and pages tall.
        wrap_to = max(WRAP_FLOOR, longest_line // 6)
        least = min(longest_word, 60) if header else max(min(longest_word, 60), min(w, wrap_to))
        floor[col] = max(floor.get(col, MIN_WIDTH), least)

    for row in sheet.iter_rows():
        for c in row:
            if c.row in skip_rows or c.value is None or (c.row, c.column) in merged:
                continue
            if (
                isinstance(c.value, str)
                and c.value.startswith("=")
                and results
                and (c.column in results)
            ):
                continue
            measure(c.column, _shown(c.value, c.number_format or ""), c.row == header_row)
    for col, texts in (results or {}).items():
        for text in texts:
            measure(col, str(text), False)
    # Too wide for the page: take a character at a time off the widest column that can wrap.
    while sum(w + 2 for w in want.values()) > page_width:
        slack = [(w, col) for col, w in want.items() if w > floor[col]]
        if not slack:
            break  # as narrow as words allow: the sheet prints smaller, still one page wide
        _, col = max(slack)
        want[col] -= 1
    for col, width in want.items():
        sheet.column_dimensions[get_column_letter(col)].width = width + 2

    longest_result = {
        col: max((str(t) for t in texts), key=len, default="")
        for col, texts in (results or {}).items()
    }

    def width_of(cell) -> int:
        span = merged.get((cell.row, cell.column))
        if span is None:
            return want.get(cell.column, MIN_WIDTH)
        return sum(want.get(c, 8) + 2 for c in range(span.min_col, span.max_col + 1)) - 2

    # Row heights for wrapped text: neither Excel nor LibreOffice reliably grows a row that a
    # file sets to wrap, so a name on three lines would print as two.
    for row in sheet.iter_rows():
        lines = 1
        for c in row:
            if c.row in skip_rows or c.value is None:
                continue
            text = _shown(c.value, c.number_format or "")
            if isinstance(c.value, str) and c.value.startswith("="):
                # A formula's result: the longest the writer said it shows, else one line.
                text = longest_result.get(c.column, "")
            width = width_of(c)
            longest_line = max((len(x) for x in text.splitlines()), default=0)
            wrap = longest_line > width or c.row == header_row
            horizontal = c.alignment.horizontal if c.alignment else None
            # Top-aligned, so a figure sits on the first line of the name it belongs to.
            c.alignment = Alignment(horizontal=horizontal, wrap_text=wrap, vertical="top")
            if wrap:
                lines = max(lines, _lines(text, width))
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


def _header_text(text: str, limit: int = 100) -> str:
    """``text`` as header text: '&' doubled (a single one starts a header code, so "Smith & Co"
    would print as "Smith  Co" or worse) and cut short (Excel refuses a header over 255
    characters with its codes); characters XML cannot hold become spaces, as in cells."""
    text = " ".join(printable(text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.replace("&", "&&")


def _is_write_only(sheet) -> bool:
    return not hasattr(sheet, "iter_rows")


def print_setup(
    sheet,
    *,
    title: str,
    header_rows: tuple[int, int] | None = None,
    landscape: bool | None = None,
    pages_tall: int = 0,
    freeze: str | None = None,
    area: str | None = None,
    table: str | None = None,
) -> None:
    """Set ``sheet`` up to print (see the module's description).

    ``title`` is the document's name, printed at the top of every page. ``landscape`` None
    chooses by width: portrait when the columns fit a portrait page at full size. ``area`` is
    the print area (default: everything written, A1 to the last cell; a write-only sheet must
    say); ``area=""`` sets none, for a form people fill in (a fixed area would leave the rows
    they add off the page), whose table then prints with gridlines that grow with it.
    ``table`` is the range that is a table, bordered (default: from the first header row to
    the last row, across the columns written); a sheet of label and value lines says
    ``table=""`` for none."""
    write_only = _is_write_only(sheet)
    form = area == ""
    if area is None and write_only:
        raise ValueError("a write-only sheet's print area must be given")
    written = (
        ""
        if write_only
        else f"A1:{get_column_letter(max(sheet.max_column, 1))}{max(sheet.max_row, 1)}"
    )
    first_col, _, last_col, last_row = range_boundaries(area or written)
    if landscape is None:
        widths = sum(
            (sheet.column_dimensions[get_column_letter(c)].width or 10)
            if get_column_letter(c) in sheet.column_dimensions
            else 10
            for c in range(first_col, last_col + 1)
        )
        landscape = widths > PORTRAIT_WIDTH
    ps = sheet.page_setup
    ps.orientation = "landscape" if landscape else "portrait"
    ps.paperSize = Worksheet.PAPERSIZE_A4
    ps.fitToWidth = 1
    ps.fitToHeight = pages_tall
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(
        left=0.4, right=0.4, top=0.7, bottom=0.7, header=0.3, footer=0.3
    )
    if not form:
        sheet.print_area = area or written
    if table is None and header_rows is not None:
        table = f"A{header_rows[0]}:{get_column_letter(last_col)}{last_row}"
    if table:
        if write_only or form:
            # A write-only sheet's cells are written already; a form's rows are still to come.
            sheet.print_options.gridLines = True
        else:
            _borders(sheet, table)
    if header_rows is not None:
        first, last = header_rows
        sheet.print_title_rows = f"{first}:{last}"
        if freeze is None:
            freeze = f"A{last + 1}"
    if freeze:
        sheet.freeze_panes = freeze
    for part, text in (
        (sheet.oddHeader.left, _header_text(title)),
        (sheet.oddHeader.right, "&A"),
        (sheet.oddFooter.center, FOOTER),
    ):
        part.text = text
        part.size = 8


def _borders(sheet, cells: str) -> None:
    """Thin grey lines round every cell of the range (a table reads across its rows on paper)."""
    box = Border(left=GRID, right=GRID, top=GRID, bottom=GRID)
    for row in sheet[cells]:
        for c in row:
            c.border = box
