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


class ElsewhereWatch(QObject):
    def __init__(self, parent: QObject, changed: Callable[[], None]):
        super().__init__(parent)
        self._changed = changed
        self._ws: Workspace | None = None
        self._job: Job | None = None
        self.timer = QTimer(self, interval=INTERVAL_MS)
        self.timer.timeout.connect(self.check)

    def set_workspace(self, ws: Workspace) -> None:
        self._ws, self._job = ws, None  # an answer about the last workspace is not wanted
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._ws = self._job = None

    def check(self) -> None:
        """Collect the last answer if it is in, then ask again (the timer calls this)."""
        ws, job = self._ws, self._job
        if ws is None:
            return
        if job is not None:
            if not job.done:
                return  # the writer is busy (this window's own import): asked already
            self._job = None
            if job.error is None and job.result:
                self._changed()
        try:
            self._job = ws.writer.post(ws.changed_elsewhere)
        except WriterStopped:  # the workspace is closing
            self._job = None
