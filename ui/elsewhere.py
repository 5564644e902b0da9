"""Notice what another program wrote to the open workspace, and show it.

    watch = ElsewhereWatch(window, changed=lambda: dispatcher.dispatch(EVERYTHING))
    watch.set_workspace(ws)    # on opening one
    watch.stop()               # before it closes

Tenders can arrive while the window is open without it doing anything: a scheduled
``consortium tenders fetch``, or an import from the command line. Those commits are made on
another connection, so the window's own change records (``ws.on_commit``) never hear of them.
Every few seconds this posts :meth:`~consortium.workspace.Workspace.changed_elsewhere` to the
workspace's writer thread and, from a timer on this thread, collects the answer when it is
ready: the window never waits, even while its own import holds the writer.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from consortium.workspace import Workspace
from consortium.writer_thread import Job, WriterStopped

INTERVAL_MS = 3000  # a new tender seen within seconds; the check itself costs microseconds
COLLECT_MS = 50  # the answer is usually in by then: shown within a tick, not a second one


class ElsewhereWatch(QObject):
    def __init__(self, parent: QObject, changed: Callable[[], None]):
        super().__init__(parent)
        self._changed = changed
        self._ws: Workspace | None = None
        self._job: Job | None = None
        self.timer = QTimer(self, interval=INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self._collector = QTimer(self, interval=COLLECT_MS, singleShot=True)
        self._collector.timeout.connect(self.collect)

    def set_workspace(self, ws: Workspace) -> None:
        self._ws, self._job = ws, None  # an answer about the last workspace is not wanted
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._collector.stop()
        self._ws = self._job = None

    def check(self) -> None:
        """Ask the writer thread again, unless the last question is still waiting for it (the
        timer calls this)."""
        ws = self._ws
        if ws is None or not self.collect():
            return  # the writer is busy (this window's own import): asked already
        try:
            self._job = ws.writer.post(ws.changed_elsewhere)
        except WriterStopped:  # the workspace is closing
            self._job = None
            return
        self._collector.start()

    def collect(self) -> bool:
        """Take the answer in, if it has come: tell the window when another program wrote.
        False while the question still waits for the writer thread."""
        job = self._job
        if job is None:
            return True
        if not job.done:
            return False
        self._job = None
        if job.error is None and job.result:
            self._changed()
        return True
