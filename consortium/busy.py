"""Saying plainly that another window or program is writing to the workspace.

    with ws.transaction(), busy.activity(ws.path, "importing tenders"):
        ...  # a long write: other processes that try to write are told what is going on

SQLite lets one connection write at a time. Another process that wants to write waits up to
``TIMEOUT_MS`` (the busy timeout) and then gets "database is locked"; :func:`error` turns that
into a :class:`WorkspaceBusy` naming what holds the workspace, read from a small marker file
(``<workspace>-busy``, JSON with the holder's process id) that a long write leaves beside the
workspace while it runs. The marker is written only once the write lock is held, so it always
names the one writer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from consortium import jsonfile
from consortium.errors import ConsortiumError

TIMEOUT_MS = 5000  # how long a write waits for another one to finish before saying so
SUFFIX = "-busy"


class WorkspaceBusy(ConsortiumError):
    """Another window or program is writing to the workspace; nothing was changed."""


def marker(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


@contextlib.contextmanager
def activity(path: Path, what: str) -> Iterator[None]:
    """Leave a note beside the workspace, while the block runs, of what this process is doing.

    Call it inside the write transaction (``ws.transaction()``) so only the writer writes it."""
    note = marker(path)
    body = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "what": what,
        "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    try:
        note.write_text(json.dumps(body), encoding="utf-8")
    except OSError:  # a read-only folder: the message is vaguer, nothing else changes
        note = None
    try:
        yield
    finally:
        if note is not None:
            with contextlib.suppress(OSError):
                note.unlink()


def _alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        return True
    return True


def holder(path: Path) -> dict | None:
    """The note of the process writing to the workspace now, if one left a note and still runs."""
    try:
        note = jsonfile.read(marker(path))
        pid, what = int(note["pid"]), str(note["what"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if note.get("host") == socket.gethostname() and not _alive(pid):
        return None  # left behind by a process that was killed
    return {"pid": pid, "what": what, "ours": pid == os.getpid()}


def is_locked(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database is busy" errors."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


def error(path: Path) -> WorkspaceBusy:
    """The plain message for a write that found the workspace busy."""
    note = holder(path)
    if note is None:
        return WorkspaceBusy(
            f"The workspace {path.name} is busy in another window or program; nothing was "
            "changed. Try again in a moment."
        )
    where = "" if note["ours"] else " in another window"
    return WorkspaceBusy(
        f"This workspace is busy {note['what']}{where}; try again when it finishes. "
        "Nothing was changed."
    )
