"""Text that can be stored and written anywhere, whatever a file or a person handed over.

Two kinds of character break things far from where they came in:

- a lone surrogate (U+D800-U+DFFF, from a ``"\\ud800"`` escape in JSON) cannot be encoded as
  UTF-8, so SQLite refuses the row and the whole import fails;
- control characters other than tab, line feed and carriage return (U+0000-U+001F, e.g. a
  vertical tab pasted from Word) are illegal in XML, so openpyxl and python-docx refuse to
  write a workbook or document that holds one.

    storable("caf\\udce9")      -> "caf\\ufffd"
    storable({"a": ["\\ud800"]}) -> {"a": ["\\ufffd"]}   (keys too)
    printable("line\\x0bbreak")  -> "line break"

and a list of any length named in a sentence a person can read:

    listed(["Ada", "Bea", "Cy"])          -> "Ada, Bea, Cy"
    listed(names_of_9000_members)        -> "Ada, Bea, Cy, Di, Ed and 8,995 more"
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from consortium.formatting import plural

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def has_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def storable(value: Any) -> Any:
    """``value`` with every lone surrogate in its text (nested lists and dicts included)
    replaced by U+FFFD; everything else unchanged."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if has_surrogate(value) else value
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def printable(text: str) -> str:
    """``text`` without the control characters XML forbids (each becomes a space) and with
    lone surrogates as U+FFFD: safe in any .xlsx or .docx."""
    if not text.isascii() and has_surrogate(text):
        text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub(" ", text)


def shortened(text: str, most: int) -> str:
    """``text`` in at most ``most`` characters, cut at a word and ending "…" when it is cut
    (a list shows "through a recruitment…", never "through a recruitmen")."""
    text = " ".join(str(text or "").split())
    if len(text) <= most:
        return text
    cut = text[: most - 1]
    if " " in cut[most // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


def listed(items: Iterable[object], most: int = 5, *, sep: str = ", ", noun: str = "") -> str:
    """The first ``most`` of ``items`` joined by ``sep``, and a count of the rest: the one way
    a message names a list that a file or a workspace can make any length (a refusal that
    named all 9,000 members of a consortium could not be read, or shown).

    ``noun`` counts the rest in words ("and 3 more problems"). With a ``sep`` other than a
    comma (sentences, lines), the count is an item of its own ("… and 3 more problems")."""
    items = [str(item) for item in items]
    if len(items) <= most:
        return sep.join(items)
    rest = len(items) - most
    count = "and " + (plural(rest, f"more {noun}") if noun else f"{rest:,} more")
    head = sep.join(items[:most])
    return f"{head} {count}" if sep == ", " else f"{head}{sep}… {count}"
