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
"""

from __future__ import annotations

import re
from typing import Any

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
