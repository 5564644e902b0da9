"""The one rule for writing user text into a spreadsheet cell (every .xlsx writer uses it).

Two things go wrong with text a person typed:

- openpyxl refuses (IllegalCharacterError) control characters XML cannot hold, so one pasted
  vertical tab crashed a whole export; they become spaces (:func:`consortium.text.printable`);
- text starting with ``=`` becomes a live formula, and text starting with ``+ - @``, a tab or a
  carriage return is run as one when the sheet is opened in another program or saved as CSV.
  Such text gets a leading apostrophe (the OWASP advice for spreadsheet exports), and the cell
  is marked as text. Importers take it off again with :func:`typed_back`, so what comes back is
  exactly what was typed (text that itself starts with apostrophes and then ``=`` gets one
  more, so the rule can always be undone).

    sheets.append(ws, [org.name, org.phone, 1250])     # a row of user values (its cells)
    row = sheets.cells(ws, [...]); ...; ws.append(row)  # styled first (write-only sheets)
    sheets.put(ws, 3, 2, org.name)                     # one cell
    sheets.typed_back(cell_value)                       # when reading our own export back

Formulas the app writes itself are assigned directly (``ws["B3"] = "=SUM(B1:B2)"``), never
through these.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from consortium.text import printable

if TYPE_CHECKING:  # openpyxl is loaded only when a sheet is written: the window starts without
    from openpyxl.cell.cell import Cell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escaped(text: str) -> bool:
    """True if ``text`` must carry (or, read back, carries) a leading apostrophe."""
    return text.lstrip("'").startswith(FORMULA_START) and (
        text.startswith(FORMULA_START) or text.startswith("'")
    )


def value(raw: Any) -> Any:
    """A value ready for a cell: text without the characters XML forbids, and an apostrophe
    in front of text a spreadsheet would run; numbers, dates and None unchanged."""
    if not isinstance(raw, str):
        return raw
    text = printable(raw)
    return "'" + text if _escaped(text) else text


def guard(cell) -> None:
    """Mark a cell written with :func:`value` as text, whatever openpyxl guessed."""
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"


def guard_all(cells: Iterable) -> None:
    for cell in cells:
        guard(cell)


def cell(ws, raw: Any) -> Cell:
    """One user value as a cell of ``ws``, safe and guarded, not yet in the sheet (``ws.append``
    places it): style it first, as a write-only sheet stores its rows as they come."""
    from openpyxl.cell.cell import Cell

    made = Cell(ws, row=1, column=1, value=value(raw))  # the row and column: append's to set
    guard(made)
    return made


def cells(ws, values: Iterable[Any]) -> list[Cell]:
    """A row of user values as :func:`cell` makes them: style them, then ``ws.append(row)``."""
    return [cell(ws, v) for v in values]


def append(ws, values: Iterable[Any]) -> list[Cell]:
    """Append a row of user values to a sheet, safely; returns the row's cells (to give them
    number formats or fonts).

    The cells are made and guarded first and handed to openpyxl whole: reading the new row
    back through ``ws.max_row`` walks every cell written so far, so a sheet of 27,000 rows took
    five minutes to write."""
    row = cells(ws, values)
    ws.append(row)
    return row


def put(ws, row: int, column: int, raw: Any):
    """Write one user value to a cell, safely; returns the cell."""
    cell = ws.cell(row, column)
    cell.value = value(raw)
    guard(cell)
    return cell


def typed_back(raw: Any) -> Any:
    """A cell's value as read back from a sheet written by :func:`value`: what was typed."""
    if isinstance(raw, str) and raw.startswith("'") and _escaped(raw[1:]):
        return raw[1:]
    return raw
