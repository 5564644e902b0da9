"""Bulk inserts on the workspace's writer thread, so SQLite's work overlaps the parsing of the
next notices on the importer's thread.

    with ws.transaction(TENDERS):
        writer = BulkWriter(ws)
        writer.submit([multi_insert("INSERT INTO t (a, b)", rows, 2, limit)])
        writer.drain()     # before the importer reads the workspace (through ws.write) again
        writer.close()     # always (in a finally): waits for the work in hand

Why this is quick: SQLite releases Python's lock (the GIL) while it works, so inserting,
indexing and writing pages run on the second core while Python parses JSON on the first. Each
job is a few multi-row INSERT statements, one step each, so the writer takes the GIL back a
handful of times per batch; ``executemany`` would take it back once per row and wait for the
parser every time.

Only the writer thread touches the connection (the import holds it, see
:meth:`~consortium.workspace.Workspace.transaction`, so no other write lands in the import's
transaction). The importer calls :meth:`drain` before it reads through ``ws.write``, so an error
in a job is raised again in the importer's thread at the next ``drain``, ``submit`` or
``close``, inside the import's transaction, and the workspace rolls back as usual.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from itertools import chain
from typing import TYPE_CHECKING

from consortium.writer_thread import Job

if TYPE_CHECKING:
    from consortium.workspace import Workspace

Statement = tuple[str, Sequence]


def variable_limit(conn: sqlite3.Connection) -> int:
    """How many ``?`` parameters one statement may hold on this connection (999 before SQLite
    3.32, 32,766 since)."""
    return conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def multi_insert(
    head: str, rows: Sequence[Sequence], width: int, limit: int, per: int = 512
) -> list[Statement]:
    """Statements that insert ``rows`` (each of ``width`` values) with ``head``, ``per`` at a time.

    Every statement has the same text and the same number of rows, the last one padded with
    rows of NULLs that its ``WHERE`` drops (the first column of a real row is never NULL). One
    text means one step per chunk and one prepared statement in Python's cache, which keeps
    the values last bound to it: a text per row count would keep hundreds of batches alive.
    The number of rows is one of a few sizes, the first that holds ``rows`` (see
    :func:`_rows_per_statement`), so a handful of rows is not padded to ``per``.

    >>> multi_insert("INSERT INTO t (a, b)", [(1, 2), (3, 4), (5, 6)], 2, 4)  # doctest: +NORMALIZE_WHITESPACE
    [('INSERT INTO t (a, b) SELECT * FROM (VALUES (?,?),(?,?)) WHERE column1 IS NOT NULL', [1, 2, 3, 4]),
     ('INSERT INTO t (a, b) SELECT * FROM (VALUES (?,?),(?,?)) WHERE column1 IS NOT NULL', [5, 6, None, None])]
    """
    size = _rows_per_statement(len(rows), max(1, min(per, limit // width)))
    one = "(" + ",".join("?" * width) + ")"
    sql = f"{head} SELECT * FROM (VALUES {','.join([one] * size)}) WHERE column1 IS NOT NULL"
    out = []
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        params = list(chain.from_iterable(chunk))
        if len(chunk) < size:
            params.extend([None] * (width * (size - len(chunk))))
        out.append((sql, params))
    return out


def _rows_per_statement(n: int, most: int) -> int:
    """Rows in each statement for ``n`` rows: the first of 1, 8, 64, 512 … that holds them
    (at most ``most``). A few texts per table, so a few prepared statements; and a tender
    updated alone (a day's download updates hundreds, one at a time) no longer binds 2,048
    rows of NULLs for its three places, which made each update 4 ms of SQL instead of 1."""
    size = 1
    while size < n and size < most:
        size *= 8
    return min(size, most)


class BulkWriter:
    """Hands lists of statements, in order, to the workspace's writer thread (see the module
    docstring); the caller goes on parsing while they run."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.conn = ws.writer_conn
        # One job running and two waiting at most: bounds the rows held in memory.
        self.jobs: deque[Job] = deque()
        self.error: BaseException | None = None

    def _work(self, job) -> None:
        if self.error is not None:
            return
        try:
            if callable(job):  # statements built (and compressed) on the writer thread
                job = job()
            for sql, params in job:
                self.conn.execute(sql, params)
        except BaseException as exc:  # handed to the importer's thread
            self.error = exc

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def submit(self, statements) -> None:
        """Queue statements to run after those already queued (waits while three are in hand).

        ``statements`` may be a list, or a function returning one that the writer thread
        calls, so work that releases the GIL (compressing) runs there, beside the parser."""
        self._raise()
        if not statements:
            return
        writer = self.ws.writer
        if writer.on_thread():  # an import inside another write: nothing to overlap with
            self._work(statements)
            self._raise()
            return
        while len(self.jobs) >= 3:
            writer.wait(self.jobs.popleft())
        self.jobs.append(writer.submit(self._work, statements))

    def drain(self) -> None:
        """Wait until every queued statement has run; raise the first error, if any."""
        while self.jobs:
            self.ws.writer.wait(self.jobs.popleft())
        self._raise()

    def close(self, *, raise_error: bool = True) -> None:
        """Finish the work in hand; raise a job's error if not yet raised.

        ``raise_error=False`` when the import is failing already, so its own error is the one
        the user sees.
        """
        while self.jobs:
            self.ws.writer.wait(self.jobs.popleft())
        if raise_error:
            self._raise()
