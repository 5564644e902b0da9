"""Checks for UK identifiers people type: each returns the tidied value or raises ValueError
with a message that says what is wrong and how to write it."""

from __future__ import annotations

import math
import re

from consortium.text import printable

_POSTCODE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
# Companies House prefixes (SC Scotland, NI Northern Ireland, OC LLP, CE/CS CIOs registered as
# companies, IP/RS/SP/NP co-operative and community benefit societies, and so on).
_COMPANY_PREFIXES = [
    "SC",
    "NI",
    "OC",
    "SO",
    "NC",
    "R0",
    "IP",
    "SP",
    "IC",
    "SI",
    "NP",
    "NV",
    "RC",
    "SR",
    "NR",
    "NO",
    "CE",
    "CS",
    "FC",
    "SF",
    "NF",
    "GE",
    "LP",
    "SL",
    "NL",
    "GS",
    "RS",
    "ZC",
    "SA",
    "SZ",
]
MAX_COUNT = 10_000_000  # staff or volunteers: the NHS, the biggest employer, has 1.5 million
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def charity_number(raw: object) -> str:
    """England & Wales (6–8 digits, optional -N subsidiary), Scotland SC0nnnnn, NI NICnnnnnn."""
    text = _text(raw).upper().replace(" ", "")
    if re.fullmatch(r"\d{6,8}(-\d{1,2})?", text):
        return text
    if re.fullmatch(r"SC0\d{5}", text):
        return text
    if re.fullmatch(r"NIC\d{6}", text):
        return text
    if text.startswith("SC"):
        hint = "Scottish charity numbers are SC0 and five digits, like SC012345"
    elif text.startswith("N"):
        hint = "Northern Ireland charity numbers are NIC and six digits, like NIC100002"
    else:
        hint = (
            "England and Wales charity numbers have 6 to 8 digits, like 1123456; Scottish ones "
            "look like SC012345 and Northern Ireland ones like NIC100002"
        )
    raise ValueError(f"{quoted(raw)} is not a charity number: {hint}")


def company_number(raw: object) -> str:
    """Companies House number: 8 characters, leading zeros restored (Excel drops them)."""
    text = _text(raw).upper().replace(" ", "")
    if re.fullmatch(r"\d{1,8}", text):
        return text.zfill(8)
    m = re.fullmatch(r"([A-Z][A-Z0-9])(\d{1,6})", text)
    if m and m[1] in _COMPANY_PREFIXES:
        return m[1] + m[2].zfill(6)
    if re.fullmatch(
        r"(IP|RS)?\d{1,6}R", text
    ):  # FCA mutuals register (community benefit societies)
        return text
    raise ValueError(
        f"{quoted(raw)} is not a company number: Companies House numbers have 8 characters, "
        "like 01234567 or SC123456"
    )


def postcode(raw: object) -> str:
    """A UK postcode, tidied to upper case with one space: 'sw1a1aa' -> 'SW1A 1AA'."""
    text = _text(raw).upper().replace(" ", "")
    if not _POSTCODE.match(text):
        raise ValueError(f"{quoted(raw)} is not a UK postcode; write it like SW1A 1AA")
    return f"{text[:-3]} {text[-3:]}"


def email(raw: object) -> str:
    text = _text(raw)
    if not _EMAIL.match(text):
        raise ValueError(f"{quoted(text)} is not an email address; write it like name@example.org")
    return text


def phone(raw: object) -> str:
    """UK numbers with 10 or 11 digits (or +44); Excel's lost leading zero is put back."""
    text = _text(raw)  # a whole number as its digits
    if isinstance(raw, float) and math.isfinite(raw):
        text = str(int(raw))
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("+44"):
        national = "0" + digits[3:].lstrip("0")
    elif digits.startswith("0044"):
        national = "0" + digits[4:].lstrip("0")
    elif len(digits) == 10 and not digits.startswith("0"):
        national = "0" + digits
    else:
        national = digits
    if not re.fullmatch(r"0\d{9,10}", national):
        raise ValueError(f"{quoted(text)} is not a UK phone number; write it like 020 7946 0000")
    return text if not isinstance(raw, (int, float)) else national


def website(raw: object) -> str:
    text = _text(raw)
    if not re.match(r"^https?://", text, re.I):
        text = "https://" + text
    if not re.fullmatch(r"https?://[^\s/]+\.[^\s/]+(/\S*)?", text, re.I):
        raise ValueError(f"{quoted(raw)} is not a web address; write it like www.example.org")
    return text


def whole_number(raw: object, what: str) -> int:
    """A count such as staff or volunteers: 0 or more."""
    if isinstance(raw, bool):
        raise ValueError(f"{what} must be a whole number")
    shown = quoted(raw)
    try:
        value = (
            float(str(raw).replace(",", "").strip()) if not isinstance(raw, (int, float)) else raw
        )
    except ValueError:
        raise ValueError(f"{what} must be a whole number, not {shown}") from None
    if isinstance(value, float) and not math.isfinite(value):  # "inf", "1e999", a tool's cell
        raise ValueError(f"{what} must be a whole number, not {shown}")
    if value != int(value) or value < 0:
        raise ValueError(f"{what} must be a whole number of 0 or more, not {shown}")
    if value > MAX_COUNT:  # a slip (or hundreds of digits), and more than the workspace stores
        raise ValueError(f"{what} must be a whole number up to {MAX_COUNT:,}, not {shown}")
    return int(value)


def quoted(raw: object) -> str:
    """A value quoted in a message, cut short if long (a cell of hundreds of digits, a name of
    100,000 characters): the one way a message quotes what it refuses."""
    text = _text(raw)
    text = printable(text).replace("\n", " ").replace("\r", " ")  # a message is one line
    return f"'{text}'" if len(text) <= 40 else f"'{text[:20]}…' ({len(text):,} characters)"


def _text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return "" if raw is None else str(raw).strip()


# Free text that names someone or something (a partner, a contact, a consortium, a bid) is
# shown in lists, window titles, messages, file names and documents. 100,000 characters, a
# line break or a control character there broke every one of them, so each such field goes
# through :func:`one_line` wherever it comes in; longer text (a description, notes) through
# :func:`long_text`.
MAX_NAME = 200  # Companies House allows 160 characters in a company name
MAX_LINE = 500  # a role, a credential's reference, a past contract's title
MAX_TEXT = 20_000  # a description or notes: about eight pages
_LINE_BREAKS = re.compile("[\n\r\u2028\u2029\x85]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def one_line(raw: object, what: str, most: int = MAX_NAME) -> str:
    """A name or other one-line text, as given; ValueError naming ``what`` and the limit if it
    is longer than ``most`` characters or holds a line break or a control character.

        one_line("Hope Trust", "Name")         -> "Hope Trust"
        one_line("Hope\\nTrust", "Name")        -> ValueError: Name must be on one line…
    """
    text = "" if raw is None else str(raw)
    if len(text) > most:
        raise ValueError(
            f"{what} is {len(text):,} characters long; at most {most:,} fit. Shorten it."
        )
    if _LINE_BREAKS.search(text):
        raise ValueError(f"{what} must be on one line: take out the line break.")
    found = _CONTROL.search(text)
    if found:
        raise ValueError(
            f"{what} holds a control character (code {ord(found[0])}), perhaps pasted from "
            "another program: retype it."
        )
    return text


def long_text(raw: object, what: str, most: int = MAX_TEXT) -> str:
    """Text of several lines (a description, notes), as given; ValueError naming ``what``
    and the limit if it is longer than ``most`` characters. Control characters pasted from
    Word are allowed here: documents and workbooks write text through ``text.printable``."""
    text = "" if raw is None else str(raw)
    if len(text) > most:
        raise ValueError(
            f"{what} is {len(text):,} characters long; at most {most:,} fit. Shorten it, or "
            "keep the full text in a document of its own."
        )
    return text
