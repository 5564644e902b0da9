"""JSON from outside the program (a file a user chose, a list in a backups folder, the settings
file): every way it can fail to parse is one ``ValueError``, with a reason a person can read.

    try:
        data = jsonfile.parse(path.read_text(encoding="utf-8"))
    except jsonfile.Unreadable as exc:
        raise LibraryError(f"{path.name} is not a readable library file: {exc}.") from None

Python's parser raises ``RecursionError`` (not a ``ValueError``) for 100,000 nested brackets,
and a value nested a few hundred levels deep parses but then breaks whatever walks it next
(``storable``, ``str``, ``json.dumps``), far from where the file was read. No file of ours is
nested more than a few levels, so a value deeper than :data:`MAX_DEPTH` is refused here.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # objects and lists inside one another; our files use four or five


class Unreadable(ValueError):
    """The text is not JSON this program can use; ``str()`` says why (no file name)."""


def parse(text: str | bytes) -> Any:
    """The value ``text`` holds, or :class:`Unreadable`."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise Unreadable(_TOO_DEEP) from None
    except ValueError as exc:
        raise Unreadable(str(exc)) from None
    if not _depth_at_most(value, MAX_DEPTH):
        raise Unreadable(_TOO_DEEP)
    return value


_TOO_DEEP = f"it holds values nested more than {MAX_DEPTH} levels deep"


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
