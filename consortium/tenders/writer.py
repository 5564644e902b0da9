"""Bulk inserts on a second thread, so SQLite's work overlaps the parsing of the next notices.

    writer = BulkWriter(conn)
    writer.submit([multi_insert("INSERT INTO t (a, b)", rows, 2, limit)])
    writer.drain()     # before the importer's own thread reads or writes the connection again
    writer.close()     # always (in a finally): waits for the work in hand, stops the thread

Why this is quick: SQLite releases Python's lock (the GIL) while it works, so inserting,
indexing and writing pages run on the second core while Python parses JSON on the first. Each
job is a few multi-row INSERT statements, one step each, so the thread takes the GIL back a
handful of times per batch; ``executemany`` would take it back once per row and wait for the
parser every time.

Only one thread uses the connection at a time: the importer calls :meth:`drain` before it
touches the connection itself, so reads see every earlier write and the transaction stays one.
An error in a job is raised again in the importer's thread at the next ``drain``, ``submit`` or
``close``, inside the import's transaction, so the workspace rolls back as usual.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Sequence
from itertools import chain

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

    >>> multi_insert("INSERT INTO t (a, b)", [(1, 2), (3, 4), (5, 6)], 2, 4)  # doctest: +NORMALIZE_WHITESPACE
    [('INSERT INTO t (a, b) SELECT * FROM (VALUES (?,?),(?,?)) WHERE column1 IS NOT NULL', [1, 2, 3, 4]),
     ('INSERT INTO t (a, b) SELECT * FROM (VALUES (?,?),(?,?)) WHERE column1 IS NOT NULL', [5, 6, None, None])]
    """
    size = max(1, min(per, limit // width))
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


_STOP = object()


class BulkWriter:
    """Runs lists of statements, in order, on one background thread (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.jobs: queue.Queue = queue.Queue(maxsize=2)  # bounds the rows held in memory
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name="tender-writer", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is _STOP:
                    return
                if self.error is None:
                    if callable(job):  # statements built (and compressed) on this thread
                        job = job()
                    for sql, params in job:
                        self.conn.execute(sql, params)
            except BaseException as exc:  # handed to the importer's thread
                self.error = exc
            finally:
                self.jobs.task_done()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def submit(self, statements) -> None:
        """Queue statements to run after those already queued (blocks while two jobs wait).

        ``statements`` may be a list, or a function returning one that this thread calls, so
        work that releases the GIL (compressing) runs here, beside the parser."""
        self._raise()
        if statements:
            self.jobs.put(statements)

    def drain(self) -> None:
        """Wait until every queued statement has run; raise the first error, if any."""
        self.jobs.join()
        self._raise()

    def close(self, *, raise_error: bool = True) -> None:
        """Finish the work in hand and stop the thread; raise a job's error if not yet raised.

        ``raise_error=False`` when the import is failing already, so its own error is the one
        the user sees.
        """
        if self.thread.is_alive():
            self.jobs.put(_STOP)
            self.thread.join()
        if raise_error:
            self._raise()
