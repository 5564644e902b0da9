"""JSON from outside the program (a file a user chose, a list in a backups folder, the settings
file): every way it can fail to parse is one ``ValueError``, with a reason a person can read.

    try:
        data = jsonfile.read(path)
    except (OSError, jsonfile.Unreadable) as exc:
        raise LibraryError(f"{path.name} is not a readable library file: {exc}.") from None

UTF-8, with or without the byte-order mark Windows Notepad and Excel-side tools write (as the
tender importer reads it). Python's own words ("'utf-8' codec can't decode byte 0xff",
"use sys.set_int_max_str_digits()") become what to do about it.

Python's parser raises ``RecursionError`` (not a ``ValueError``) for 100,000 nested brackets,
and a value nested a few hundred levels deep parses but then breaks whatever walks it next
(``storable``, ``str``, ``json.dumps``), far from where the file was read. No file of ours is
nested more than a few levels, so a value deeper than :data:`MAX_DEPTH` is refused here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_DEPTH = 64  # objects and lists inside one another; our files use four or five


class Unreadable(ValueError):
    """The text is not JSON this program can use; ``str()`` says why (no file name)."""


def read(path: Path) -> Any:
    """The value the file at ``path`` holds, or :class:`Unreadable` (``OSError`` if it cannot
    be read at all)."""
    return parse(Path(path).read_bytes())


def parse(data: bytes) -> Any:
    """The value ``data`` (UTF-8 text, perhaps after a byte-order mark) holds, or
    :class:`Unreadable`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable(
            "it is not in UTF-8 text encoding (open it in a text editor and save it as UTF-8)"
        ) from None
    if not text.strip():
        raise Unreadable("it is empty")
    try:
        value = json.loads(text)
    except RecursionError:
        raise Unreadable(_TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        raise Unreadable(
            f"it is not valid JSON ({exc.msg}: line {exc.lineno:,}, column {exc.colno:,}); "
            "it may have been cut short or edited by hand"
        ) from None
    except ValueError as exc:  # int() of a number of more than 4,300 digits, it says
        raise Unreadable(
            _TOO_LONG if "digits" in str(exc) else f"it is not valid JSON ({exc})"
        ) from None
    if not _depth_at_most(value, MAX_DEPTH):
        raise Unreadable(_TOO_DEEP)
    return value


_TOO_DEEP = f"it holds values nested more than {MAX_DEPTH} levels deep"
_TOO_LONG = "a number in it is too long to be a real value (thousands of digits)"


def _depth_at_most(value: Any, limit: int) -> bool:
    """Walked with a list, not by recursion (which is what fails on a deep value)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            return False
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return True
