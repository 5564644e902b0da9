"""Read a workbook someone sent in bounded memory and time, whatever its sheets claim.

A sheet's stated size (its ``dimension``) can say A1:XFD1048576 for one stray cell; openpyxl
then pads every row to 16,384 columns and every gap to a million rows (a questionnaire import
reached 18 GB). Every importer reads sheets through :func:`rows`, which caps rows and columns,
and turns the errors openpyxl raises while it reads a damaged sheet lazily (a missing or renamed
sheet part, broken XML, a bad zip member) into the caller's own error naming the file and sheet.

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)   # after check_archive
    for cells in rows(book.worksheets[0], name=path.name, error=QuestionnaireError,
                      max_rows=5_000):
        ...
    note = size_note(book.worksheets[0], max_rows=5_000)   # None, or a sentence for the user
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

MAX_COLUMNS = 200  # no import reads more; Contracts Finder exports have about 70
MAX_UNPACKED = 512 * 1024 * 1024  # bytes the workbook's parts may unpack to
MAX_GAP = 5_000  # blank rows in a row after which a sheet is taken to have ended


def check_archive(
    source: str | Path | IO[bytes], name: str, error: Callable[[str], Exception]
) -> None:
    """Refuse (``error``) a workbook that is not a zip file or would unpack to a huge size."""
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(max(info.file_size, 0) for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise error(
            f"{name} is damaged (its zip structure cannot be read: {exc}). Open it in Excel "
            "and save it again."
        ) from exc
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    if unpacked > MAX_UNPACKED:
        raise error(
            f"{name} would unpack to {unpacked / 1e9:,.1f} GB, far more than any workbook "
            "Consortium reads. Check it is the right file, or split it into smaller workbooks."
        )


def sheets(book, name: str, error: Callable[[str], Exception]) -> list:
    """The workbook's worksheets; ``error`` if it has none (its sheet parts are missing or were
    renamed, so openpyxl skipped them all)."""
    found = list(book.worksheets)
    if not found:
        raise error(
            f"{name} has no sheets Consortium can read (its sheet parts are missing or were "
            "renamed). Open it in Excel and save it again as 'Excel Workbook (.xlsx)'."
        )
    return found


def rows(
    ws,
    *,
    name: str,
    error: Callable[[str], Exception],
    max_rows: int,
    min_row: int = 1,
    max_row: int | None = None,
    max_cols: int = MAX_COLUMNS,
) -> Iterator[tuple]:
    """The values of rows ``min_row``..``max_row`` of ``ws``, at most ``max_rows`` rows counted
    from row 1 and ``max_cols`` columns, each row as wide as the sheet's real width (capped).

    Reading stops after ``MAX_GAP`` blank rows in a row (a cell far below the data would
    otherwise cost a million blank rows). A failure while openpyxl reads the sheet raises
    ``error`` naming ``name`` and the sheet.
    """
    last = max_rows if max_row is None else min(max_row, max_rows)
    if last < min_row:
        return
    width = _width(ws, max_cols)
    try:
        blank = 0
        for values in ws.iter_rows(min_row=min_row, max_row=last, max_col=width, values_only=True):
            if values.count(None) == len(values):
                blank += 1
                if blank > MAX_GAP:
                    return  # only a stray cell lies beyond a gap this long
            else:
                blank = 0
            yield values
    except (
        KeyError,
        IndexError,
        TypeError,
        ValueError,
        AttributeError,
        OSError,
        EOFError,
        zipfile.BadZipFile,
        RuntimeError,
        NotImplementedError,
        ArithmeticError,
    ) as exc:
        raise error(_damaged(name, ws, exc)) from exc
    except Exception as exc:  # lxml / ElementTree parse errors have no common base we can name
        if type(exc).__name__ not in ("ParseError", "XMLSyntaxError", "error"):
            raise
        raise error(_damaged(name, ws, exc)) from exc


def _width(ws, max_cols: int) -> int:
    try:
        stated = ws.max_column
    except Exception:  # noqa: BLE001 - a damaged dimension: read up to the cap
        stated = None
    if not isinstance(stated, int) or stated < 1:
        return max_cols
    return min(stated, max_cols)


def _damaged(name: str, ws, exc: BaseException) -> str:
    title = getattr(ws, "title", "?")
    detail = str(exc) or type(exc).__name__
    return (
        f"{name}, sheet '{title}', cannot be read: the workbook is damaged ({detail}). Open it "
        "in Excel and save it again as 'Excel Workbook (.xlsx)'."
    )


def size_note(ws, *, max_rows: int, max_cols: int = MAX_COLUMNS) -> str | None:
    """A sentence for the user if the sheet says it is bigger than what is read, else None."""
    try:
        stated_rows, stated_cols = ws.max_row, ws.max_column
    except Exception:  # noqa: BLE001
        return None
    over = []
    if isinstance(stated_rows, int) and stated_rows > max_rows:
        over.append(f"only its first {max_rows:,} rows (it claims {stated_rows:,})")
    if isinstance(stated_cols, int) and stated_cols > max_cols:
        over.append(f"only its first {max_cols:,} columns (it claims {stated_cols:,})")
    if not over:
        return None
    return (
        f"Sheet '{ws.title}': read {' and '.join(over)}. If it really holds more, split it "
        "into smaller sheets; if not, a stray cell far down or across made it look bigger."
    )
