"""What kind of file a user dropped on the window, so it goes to the area that takes it.

    kinds_of(Path("Partners.xlsx"))     # ("partners",)       the sheet names say so
    kinds_of(Path("notices.json"))      # ("tenders",)
    kinds_of(Path("mystery.xlsx"))      # ("partners", "tenders", "questionnaire"): ask the user

Only a peek: the sheet names and the first rows of an .xlsx, never the whole file. The importer
that then takes the file does the real checks and reports problems in its own words.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

PARTNERS = "partners"
TENDERS = "tenders"
QUESTIONNAIRE = "questionnaire"
PACK = "pack"  # a signed bid pack, opened by the HA reviewer
REVIEW = "review"  # a signed review, taken in by the consortium
WORK = "work"  # a signed work pack from a lead, opened by a member
REPLY = "reply"  # a member's signed reply, taken in by the lead
KINDS = (PARTNERS, TENDERS, QUESTIONNAIRE, PACK, REVIEW, WORK, REPLY)

LABELS = {
    PARTNERS: "partner organisations (Excel workbook)",
    TENDERS: "tender notices",
    QUESTIONNAIRE: "the buyer's questionnaire for a bid",
    PACK: "a signed bid pack to review",
    REVIEW: "a signed review to take in",
    WORK: "a work pack from a lead partner",
    REPLY: "a member's reply to a work pack",
}

_BY_SUFFIX: dict[str, tuple[str, ...]] = {
    ".cbpack": (PACK,),
    ".cbreview": (REVIEW,),
    ".cbwork": (WORK,),
    ".cbreply": (REPLY,),
    ".json": (TENDERS,),
    ".jsonl": (TENDERS,),
    ".zip": (TENDERS,),
    ".csv": (TENDERS,),
    ".docx": (QUESTIONNAIRE,),
    ".xlsx": (PARTNERS, TENDERS, QUESTIONNAIRE),
    ".xlsm": (QUESTIONNAIRE,),
}
_PEEK_ROWS = 30
_PEEK_SHEETS = 4
_PARTNER_SHEETS = {"organisations", "contacts", "turnover", "accreditations", "insurances"}
_TENDER_HEADERS = {"noticeidentifier", "publisheddate", "organisationname"}


def _key(value: object) -> str:
    return re.sub(r"[^a-z]", "", str(value or "").lower())


def suffix_kinds(path: Path) -> tuple[str, ...]:
    """The kinds a file of this name could be (empty: nothing the app takes)."""
    return _BY_SUFFIX.get(path.suffix.lower(), ())


def _peek_xlsx(path: Path) -> tuple[str, ...] | None:
    """The kinds the workbook's first rows point to, or None when they say nothing."""
    import openpyxl

    if not zipfile.is_zipfile(path):
        return None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # a damaged workbook: the importer will say what is wrong with it
        return None
    try:
        names = {_key(n) for n in book.sheetnames}
        if "organisations" in names and len(names & _PARTNER_SHEETS) >= 2:
            return (PARTNERS,)
        if not book.worksheets:
            return None
        # The first rows of the first few sheets (a questionnaire often starts with a sheet
        # of instructions).
        cells = [
            _key(v)
            for sheet in book.worksheets[:_PEEK_SHEETS]
            for row in sheet.iter_rows(max_row=_PEEK_ROWS, values_only=True)
            for v in row[:40]
            if v not in (None, "")
        ]
    except Exception:
        return None
    finally:
        book.close()
    if len(_TENDER_HEADERS & set(cells)) >= 2:
        return (TENDERS,)
    if "question" in cells or "questions" in cells:
        return (QUESTIONNAIRE,)
    if "name" in cells and ("charitynumber" in cells or "postcode" in cells):
        return (PARTNERS,)
    return None


def kinds_of(path: Path) -> tuple[str, ...]:
    """What this file may be, most certain first; more than one means the user should choose
    (unless the area it was dropped on takes one of them)."""
    path = Path(path)
    kinds = suffix_kinds(path)
    if len(kinds) > 1 and path.suffix.lower() == ".xlsx" and path.is_file():
        return _peek_xlsx(path) or kinds
    return kinds


def route(kinds: tuple[str, ...], here: tuple[str, ...]) -> str | None:
    """The kind to treat a file as, given what the visible area accepts; None means ask.

    One possible kind is that kind wherever it is dropped; of several, the one the visible
    area takes (dropping a workbook on Tenders means a tender export)."""
    if len(kinds) == 1:
        return kinds[0]
    chosen = [k for k in kinds if k in here]
    return chosen[0] if len(chosen) == 1 else None
