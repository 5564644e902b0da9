"""How people read dates, money and file sizes in the UK: 23 Nov 2026, £1,250,000, 309 MB."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal

_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {
    m.lower(): i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}


def uk_date(value: dt.date | None) -> str:
    """23 Nov 2026 (no leading zero on the day); '' for no date."""
    if value is None:
        return ""
    # Not strftime('%b'): that follows the machine's locale, and users read English month names.
    return f"{value.day} {_MONTH_ABBR[value.month - 1]} {value.year}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 tender', '2,356 tenders' ('many' for a word not made plural by an s)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def possessive(name: str) -> str:
    """ "Milton Keynes Women's Refuge's", "Riverside Homes'" (UK style: a name ending in s takes
    the apostrophe alone), "Barnardo's" (a name that already ends in 's is left as it is).

    The one way a name is made possessive in messages and documents."""
    name = str(name or "").rstrip()
    if not name:
        return name
    if name.lower().endswith(("'s", "’s")):
        return name
    return name + ("'" if name[-1] in "sS" else "'s")


def uk_date_time(moment: dt.datetime) -> str:
    """'3 Dec 2026 at 14:05' in the computer's own time zone (a time without a zone is taken
    as that already)."""
    local = moment.astimezone() if moment.tzinfo else moment
    return f"{uk_date(local.date())} at {local:%H:%M}"


def money(amount: int | float | Decimal | None, *, pence: bool = False) -> str:
    """£1,250,000 (or £1,250,000.50 with ``pence``); '' for no amount.

    The one money formatter for every document, workbook label and window. Halves round up
    (£0.5 -> £1), as people and Excel expect, never to the even pound as Python's round() does;
    floats go through their shortest decimal text so 45792.765 is not read as 45792.7649…"""
    if amount is None:
        return ""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    step = Decimal("0.01") if pence else Decimal("1")
    value = value.quantize(step, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.{2 if pence else 0}f}"


def percent(value: int | float | Decimal | None, *, fraction: bool = False) -> str:
    """12.5%, 1.0%, 20.0%: always one decimal place; '' for no value. ``fraction`` when the
    value is a share (0.125 for 12.5%), else it is in percentage points.

    The one percentage formatter for every document: a statement wrote a rate "1%" beside
    another's "1.5%", and the calculator workbook (0.0% cells) showed the same figure as
    "1.0%". Halves round up, as in :func:`money`."""
    if value is None:
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if fraction:
        number *= 100
    return f"{number.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,}%"


def file_size(size: int | float) -> str:
    """309 MB, 1.2 GB, 0.4 MB: a size in bytes as a person reads it (decimal units, as the
    operating systems' file managers show them)."""
    if size >= 1e9:
        return f"{size / 1e9:,.1f} GB"
    if size >= 1e7:
        return f"{size / 1e6:,.0f} MB"
    return f"{max(size, 0) / 1e6:,.1f} MB"


def iso_date(text: str | None) -> dt.date | None:
    """The date part of an ISO date or timestamp as stored ('2026-11-23T12:00:00Z'); None if
    missing or malformed."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def parse_date(value: object) -> dt.date:
    """A date from what people type or Excel stores.

    Accepts real dates and datetimes, Excel serial numbers, and text such as '23/11/2026',
    '23/11/26', '23-11-2026', '23.11.2026', '2026-11-23', '23 Nov 2026', '23 November 2026',
    'Nov 23 2026'. Day-first, as in the UK. Raises ValueError with a message for people.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel serial day numbers (1900 date system)
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        raise ValueError(f"{value} is not a date")
    text = str(value).strip()
    if not text:
        raise ValueError("the date is empty")
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.lower()).replace(",", " ")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ].*)?", cleaned)
    if m:
        return _make(int(m[1]), int(m[2]), int(m[3]), text)
    m = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})(?:\s.*)?", cleaned)
    if m:
        return _make(_year(m[3]), int(m[2]), int(m[1]), text)
    m = re.fullmatch(r"(\d{1,2})[\s\-]+([a-z]+)\.?[\s\-]+(\d{2}|\d{4})", cleaned)
    if m and m[2] in _MONTHS:
        return _make(_year(m[3]), _MONTHS[m[2]], int(m[1]), text)
    m = re.fullmatch(r"([a-z]+)\.?\s+(\d{1,2})\s+(\d{4})", cleaned)
    if m and m[1] in _MONTHS:
        return _make(int(m[3]), _MONTHS[m[1]], int(m[2]), text)
    raise ValueError(f"'{text}' is not a date; write it like 23/11/2026 or 23 Nov 2026")


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _make(year: int, month: int, day: int, original: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(
            f"'{original}' is not a real date; write it like 23/11/2026 or 23 Nov 2026"
        ) from None


MAX_MONEY = 10**15  # pounds; beyond it a cell is a slip (or infinity), not an amount


def parse_money(value: object) -> int:
    """Whole pounds from 1250000, 1250000.0, '£1,250,000', '1.25m', '250k', '£1,250.49'."""
    if isinstance(value, bool):
        raise ValueError(f"{value} is not an amount of money")
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or abs(value) > MAX_MONEY:
            raise ValueError(f"{value} is not an amount of money; write it like 250000")
        if value < 0:
            raise ValueError(f"{value} is negative; amounts must be £0 or more")
        return round(value)
    text = str(value).strip().lower().replace("£", "").replace(",", "").replace(" ", "")
    text = text.removeprefix("gbp")
    multiplier = 1
    if text.endswith(("m", "mn")):
        multiplier, text = 1_000_000, text.rstrip("mn")
    elif text.endswith("k"):
        multiplier, text = 1_000, text[:-1]
    try:
        amount = float(text) * multiplier
    except ValueError:
        raise ValueError(f"'{value}' is not an amount of money; write it like 250000") from None
    if not math.isfinite(amount) or abs(amount) > MAX_MONEY:  # "inf", "nan", "1e999"
        raise ValueError(f"'{value}' is not an amount of money; write it like 250000")
    if amount < 0:
        raise ValueError(f"'{value}' is negative; amounts must be £0 or more")
    return round(amount)
