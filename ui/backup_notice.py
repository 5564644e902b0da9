"""Tell the user, once and calmly, when today's backup failed (``Workspace.backup_error``).

The daily backup runs on its own thread after the workspace opens, so the window waits for it
without blocking: a timer looks every half second until it has finished. A failure is one line
in the status bar (kept, beside the other messages) naming the backups folder and what to do;
the work itself is safe in the workspace file, so it is never an alarming dialog.

    notice = BackupNotice(window.status)
    notice.watch(ws)       # on every workspace the window opens
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QStatusBar

from consortium.workspace import Workspace
from ui import colours


def failure_text(ws: Workspace) -> str:
    """The plain sentence for a failed daily backup."""
    reason = str(ws.backup_error) or type(ws.backup_error).__name__
    return (
        f"Today's backup could not be made ({reason}). Your work is safe in {ws.path.name}. "
        f"Backups go in {ws.backup_folder()}: free some disk space there or check the folder "
        "can be written to, then use File > Back up now."
    )


class BackupNotice(QObject):
    def __init__(self, status: QStatusBar):
        super().__init__(status)
        self.status = status
        self.ws: Workspace | None = None
        self.label = QLabel()
        self.label.setAccessibleName("Backup problem")
        self.label.setStyleSheet(colours.style("warning"))
        self.label.setVisible(False)
        status.addPermanentWidget(self.label)
        self.timer = QTimer(self, interval=500)
        self.timer.timeout.connect(self._check)

    def watch(self, ws: Workspace) -> None:
        self.ws = ws
        self.label.setVisible(False)
        self.timer.start()
        self._check()

    def _check(self) -> None:
        ws = self.ws
        if ws is None or ws.backup_running:
            return
        self.timer.stop()  # once per workspace opened
        if ws.backup_error is None:
            return
        text = failure_text(ws)
        self.label.setText("⚠ Today's backup failed")
        self.label.setToolTip(text)
        self.label.setVisible(True)
        self.status.showMessage(text, 60_000)
