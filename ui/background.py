"""The latest of a page's background jobs: run off the GUI thread, only its outcome shown.

    counts = LatestJob(self, executor, done=self._show_counts, failed=self._not_counted)
    counts.start(lambda stale: count_everything(ws, cancelled=stale))
    counts.stop()          # the workspace closed: the running job stops at its next check

Each job runs as ``work(stale)`` on ``executor``; ``stale()`` turns true once a newer job is
asked for (or :meth:`stop` is called), so a core function given it as ``cancelled`` stops
early. While one runs, only the latest job asked for waits to run next. Its result (or its
error) reaches ``done`` (or ``failed``) on the GUI thread through a timer that polls the
future: no Qt object is touched off the GUI thread. Jobs made stale never reach either.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future

from PySide6.QtCore import QObject, QTimer

from consortium import memory

Work = Callable[[Callable[[], bool]], object]


class LatestJob(QObject):
    def __init__(
        self,
        parent: QObject,
        executor: Executor,
        done: Callable[[object], None],
        failed: Callable[[BaseException], None] | None = None,
        interval_ms: int = 40,
    ):
        super().__init__(parent)
        self._executor = executor
        self._done, self._failed = done, failed
        self._asked = 0  # numbers the jobs asked for: only the latest one's outcome counts
        self._running: tuple[int, Future] | None = None
        self._waiting: tuple[int, Work] | None = None
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self._poll)

    def start(self, work: Work) -> None:
        """Run ``work`` next, in place of any job still waiting; the running one goes stale."""
        self._asked += 1
        if self._running is not None:
            self._waiting = (self._asked, work)
        else:
            self._submit(self._asked, work)

    def stop(self) -> None:
        """Make every job stale: the running one stops at its next check, none waits."""
        self._asked += 1
        self._waiting = None

    def busy(self) -> bool:
        """True while a job runs (or its outcome is still to be collected)."""
        return self._running is not None

    def _submit(self, token: int, work: Work) -> None:
        stale = lambda: token != self._asked  # noqa: E731 - a newer job was asked for
        # The collector paused for the job: its scans of what a job builds froze the window.
        self._running = (token, self._executor.submit(memory.paused(work), stale))
        self._timer.start()

    def _poll(self) -> None:
        if self._running is None:
            self._timer.stop()
            return
        token, future = self._running
        if not future.done():
            return
        self._running = None
        waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting[0] == self._asked:
            self._submit(*waiting)
        else:
            self._timer.stop()
        if token != self._asked:
            return  # made stale meanwhile
        error = future.exception()
        if error is None:
            self._done(future.result())
        elif self._failed is not None:
            self._failed(error)
