"""The Common Procurement Vocabulary (CPV 2008): look up, normalise, search and match codes.

CPV codes are 8 digits plus a check digit (``85311000-2``). The digits form a tree: the first 2
are the division, then one more digit each for group, class and category, and digits 6-8 refine
further. Trailing zeros are wildcards, so a partner who does ``85300000`` (social work and related
services) covers every tender code that starts with ``853``.

Codes are always strings here, because Excel drops the leading zero of divisions 03 and 09. The
check digit is never validated: real notices carry wrong ones, and the algorithm is not
published. :func:`normalise` turns whatever a person or a spreadsheet produced into the 8-digit
code::

    >>> normalise(3000000)
    '03000000'
    >>> lookup("85311000-2").label
    'Social work services with accommodation'
    >>> covers("85300000", "85311300")
    True

The list (all 9,454 codes, English labels) ships in ``consortium/data/cpv_2008.csv``; see
``consortium/data/ATTRIBUTION.md``. It is read once, on first use.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "CpvCode",
    "all_codes",
    "ancestors",
    "children",
    "contract_type",
    "covers",
    "distance",
    "label",
    "lookup",
    "normalise",
    "roots",
    "search",
]

LEVELS = ("division", "group", "class", "category", "subcategory")


@dataclass(frozen=True)
class CpvCode:
    """One CPV 2008 code.

    ``code`` is the 8-digit stem without the check digit; ``parent`` is the nearest code above it
    that exists in the list (``None`` for a division).
    """

    code: str
    check_digit: str
    level: str  # division / group / class / category / subcategory
    significant_digits: int
    parent: str | None
    label: str

    @property
    def full(self) -> str:
        """The code with its check digit, as notices print it: ``"85310000-5"``."""
        return f"{self.code}-{self.check_digit}"

    @property
    def prefix(self) -> str:
        """The significant digits: ``"8531"`` for ``85310000``. Longer codes start with it."""
        return self.code[: self.significant_digits]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class _Table:
    def __init__(self, codes: dict[str, CpvCode]):
        self.codes = codes
        self.ordered = list(codes.values())
        self.children: dict[str, list[CpvCode]] = {}
        for c in self.ordered:
            if c.parent is not None:
                self.children.setdefault(c.parent, []).append(c)
        self.roots = [c for c in self.ordered if c.parent is None]
        self.folded = [(c, c.label.casefold()) for c in self.ordered]


@cache
def _table() -> _Table:
    text = resources.files("consortium").joinpath("data", "cpv_2008.csv").read_text("utf-8")
    codes: dict[str, CpvCode] = {}
    for code, check, level, sig, parent, text_label in csv.reader(io.StringIO(text)):
        if code == "code":
            continue
        codes[code] = CpvCode(code, check, level, int(sig), parent or None, text_label)
    return _Table(codes)


# --- Normalising -----------------------------------------------------------------------------

_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-"})
_SHAPE = re.compile(r"(\d{7,8})(?:-\d)?")
_EXCEL_FLOAT = re.compile(r"(\d{7,8})\.0+")


def _malformed(raw: object) -> ValueError:
    shown = str(raw).strip() if raw is not None else ""
    return ValueError(f"'{shown}' is not a CPV code: CPV codes have 8 digits, like 85310000")


def _stem(raw: object) -> str:
    """The 8-digit stem of anything shaped like a CPV code, known or not; ValueError if not."""
    if isinstance(raw, bool) or raw is None:
        raise _malformed(raw)
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise _malformed(raw)
        text = str(int(raw))
    elif isinstance(raw, str):
        text = "".join(raw.translate(_DASHES).split())
        if m := _EXCEL_FLOAT.fullmatch(text):
            text = m.group(1)
    else:
        raise _malformed(raw)
    m = _SHAPE.fullmatch(text)
    if not m:
        raise _malformed(raw)
    return m.group(1).zfill(8)


def normalise(raw: str | int | float) -> str:
    """Return the 8-digit CPV code for what a person or a spreadsheet wrote.

    Accepts ``"85310000-5"``, ``"85310000"``, ``85310000``, ``85310000.0``, ``" 85 31 00 00 "``
    and the forms Excel leaves after dropping a leading zero (``3000000``, ``"3000000-1"``).
    The check digit is ignored, right or wrong.

    Raises ``ValueError`` with a message for a person: one for text that is not shaped like a
    CPV code, another for an 8-digit code that is not in the CPV 2008 list.
    """
    code = _stem(raw)
    if code not in _table().codes:
        raise ValueError(f"{code} is not in the CPV 2008 list")
    return code


def shape(raw: object) -> str:
    """The 8-digit stem of anything shaped like a CPV code, known or not (ValueError if not);
    unlike :func:`normalise` it never reads the CPV list, so a search in a fresh process does
    not wait for it."""
    return _stem(raw)


def _stem_or_none(raw: object) -> str | None:
    try:
        return _stem(raw)
    except ValueError:
        return None


def _significant(code: str) -> int:
    known = _table().codes.get(code)
    if known is not None:
        return known.significant_digits
    return max(2, len(code.rstrip("0")))


# --- Look-ups --------------------------------------------------------------------------------


def lookup(code: str | int | float) -> CpvCode | None:
    """The :class:`CpvCode` for any form :func:`normalise` accepts; ``None`` if unknown."""
    stem = _stem_or_none(code)
    return _table().codes.get(stem) if stem else None


def label(code: str | int | float) -> str:
    """The English label of a code, or ``""`` when the code is unknown or malformed."""
    found = lookup(code)
    return found.label if found else ""


def all_codes() -> list[CpvCode]:
    """Every CPV 2008 code (9,454), in code order."""
    return list(_table().ordered)


def roots() -> list[CpvCode]:
    """The 45 divisions, in code order."""
    return list(_table().roots)


def children(code: str | int | float) -> list[CpvCode]:
    """The codes directly below ``code`` (whose nearest existing parent is it), in code order."""
    found = lookup(code)
    return list(_table().children.get(found.code, [])) if found else []


def ancestors(code: str | int | float) -> list[CpvCode]:
    """The codes above ``code``, nearest first, ending with its division. ``[]`` if unknown."""
    table = _table()
    found = lookup(code)
    out: list[CpvCode] = []
    while found is not None and found.parent is not None:
        found = table.codes[found.parent]
        out.append(found)
    return out


def contract_type(code: str | int | float) -> str:
    """``"supplies"`` (divisions 03-44 and 48), ``"works"`` (45) or ``"services"`` (50-98).

    ``""`` when the code is malformed.
    """
    stem = _stem_or_none(code)
    if stem is None:
        return ""
    division = int(stem[:2])
    if division == 45:
        return "works"
    return "services" if division >= 50 else "supplies"


# --- Search ----------------------------------------------------------------------------------

_CODE_QUERY = re.compile(r"(\d{1,8})(?:-\d)?")
_WORD = re.compile(r"[^\W_]+")


def search(text: str, limit: int | None = 50) -> list[CpvCode]:
    """Codes whose label holds every word of ``text`` (any case), or that ``text`` is a prefix of.

    A query of digits is a code prefix: ``"8531"`` finds ``85310000`` and everything below it;
    a whole code (``"85310000-5"``) finds that code and the codes it covers. The exact code comes
    first, then a label equal to the text, then labels where every word starts a word (so
    "housing" ranks "Housing services" above "Warehousing services"), then shallower codes before
    deeper ones, then code order. ``limit=None`` returns every match.
    """
    table = _table()
    query = "".join(text.translate(_DASHES).split())
    if not query:
        return []
    exact: str | None = None
    starts: set[str] = set()  # codes whose label has every word at the start of a word
    if m := _CODE_QUERY.fullmatch(query):
        digits = m.group(1)
        if len(digits) == 8 or (len(digits) == 7 and m.group(0) != digits):
            exact = digits.zfill(8)
            prefix = exact[: _significant(exact)]
        else:
            prefix = digits
        found = [c for c in table.ordered if c.code.startswith(prefix)]
    else:
        words = [w.casefold() for w in _WORD.findall(text)]
        if not words:
            return []
        found = [c for c, folded in table.folded if all(w in folded for w in words)]
        at_start = [re.compile(r"\b" + re.escape(w)) for w in words]
        starts = {c.code for c in found if all(p.search(c.label.casefold()) for p in at_start)}
    whole = " ".join(text.split()).casefold()
    found.sort(
        key=lambda c: (
            c.code != exact,
            c.label.casefold() != whole,
            bool(starts) and c.code not in starts,
            c.significant_digits,
            c.code,
        )
    )
    return found if limit is None else found[:limit]


# --- Matching --------------------------------------------------------------------------------


def covers(partner_code: str | int | float, tender_code: str | int | float) -> bool:
    """True when a partner who offers ``partner_code`` can deliver ``tender_code``.

    That is when the tender code starts with the partner code's significant digits: ``85300000``
    covers ``85311000`` and ``85312300``; ``85311000`` does not cover ``85300000``. Codes that are
    well formed but not in the list still compare by their digits; malformed ones cover nothing.
    """
    partner = _stem_or_none(partner_code)
    tender = _stem_or_none(tender_code)
    if partner is None or tender is None:
        return False
    return tender.startswith(partner[: _significant(partner)])


def distance(partner_code: str | int | float, tender_code: str | int | float) -> int | None:
    """How many levels of the tree lie between a covering partner code and a tender code.

    ``0`` for the same code, ``1`` for a direct child, and so on (counting only codes that exist,
    as :func:`ancestors` does). ``None`` when the partner code does not cover the tender code.
    """
    if not covers(partner_code, tender_code):
        return None
    partner = _stem(partner_code)
    tender = _stem(tender_code)
    if partner == tender:
        return 0
    for steps, above in enumerate(ancestors(tender), start=1):
        if above.code == partner:
            return steps
    # One of the codes is not in the list: fall back to counting significant digits.
    return max(1, _significant(tender) - _significant(partner))
