"""File > Restore from a backup…: the workspace's backups, newest first; the one chosen is
written back as a new workspace file (never over the one open), which the window then offers
to open. Daily backups are kept as shared pieces (consortium/backup_store.py), so they are not
files a person can open by hand any more: this is the way back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from consortium import backup_store
from consortium.backup_store import Backup
from consortium.formatting import file_size, uk_date
from ui.background import LatestJob

_KINDS = {
    "daily": "daily backup",
    "before an update": "made before an update of the app",
    "made by hand": "made with Back up now",
}


def backup_line(backup: Backup) -> str:
    """Tue 1 Dec 2026, 09:14 — daily backup, 495 MB."""
    made = backup.made
    kind = _KINDS.get(backup.kind, backup.kind)
    return f"{made:%a} {uk_date(made.date())}, {made:%H:%M} — {kind}, {file_size(backup.size)}"


def restored_name(workspace: Path, backup: Backup) -> Path:
    """Where a restored copy goes unless the user says otherwise: beside the workspace."""
    return workspace.with_name(f"{workspace.stem} as on {uk_date(backup.made.date())}.consortium")


# Reading the lists and sizing the pieces of a year's backups takes 130 ms: off the GUI thread.
_READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consortium-backups")
RECHECK_MS = 1000  # while today's backup is still being made, how often to look again


class RestoreDialog(QDialog):
    chosen = Signal(object, object)  # (Backup, destination Path)

    def __init__(
        self,
        workspace: Path,
        folder: Path,
        parent=None,
        *,
        making_today: Callable[[], bool] = lambda: False,
    ):
        super().__init__(parent)
        self.setWindowTitle("Restore from a backup")
        self.workspace, self.folder = workspace, folder
        self._making_today = making_today
        self.backups: list[Backup] = []
        layout = QVBoxLayout(self)
        self.intro = QLabel("Reading the backups…")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.list = QListWidget()
        self.list.setAccessibleName("Backups")
        self.list.itemDoubleClicked.connect(lambda _item: self._restore())
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.restore_button = buttons.addButton(
            "Restore a copy…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setEnabled(False)
        buttons.accepted.connect(self._restore)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 320)
        self._reader = LatestJob(self, _READER, self._fill, self._not_read)
        self._recheck = QTimer(self, singleShot=True, interval=RECHECK_MS)
        self._recheck.timeout.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        """Read the backups folder again, off the GUI thread."""
        folder, making = self.folder, self._making_today()
        self._reader.start(
            lambda _stale: (backup_store.backups(folder), backup_store.stored_bytes(folder), making)
        )

    def _not_read(self, exc: BaseException) -> None:
        self.intro.setText(f"The backups in {self.folder} could not be read ({exc}).")

    def _fill(self, result: tuple[list[Backup], int, bool]) -> None:
        found, stored, making = result
        # Asked before the folder was read: a backup that finished meanwhile is in the list, so
        # the dialog never lists it and says it is still being made.
        today = f"daily-{dt.date.today().isoformat()}"
        making = making and not any(b.name == today for b in found)
        chosen = self.current()
        self.backups = list(reversed(found))  # newest first
        text = (
            "Choose a backup. It is written back as a new workspace file beside this one, "
            "which you can open and compare: the workspace open now is not changed."
            if self.backups
            else f"There are no backups of this workspace yet. They go in {self.folder}."
        )
        pieced = sum(b.pieced for b in self.backups)
        if stored and pieced > 1:  # what sharing pieces saves, in the user's terms
            text += f" The {pieced} daily backups take {file_size(stored)} together."
        if making:  # started as the workspace opened; seconds for a year of tenders
            text += " Today's backup is still being made: it is added here once it is done."
            self._recheck.start()
        self.intro.setText(text)
        self.list.clear()
        for backup in self.backups:
            item = QListWidgetItem(backup_line(backup))
            item.setData(Qt.ItemDataRole.UserRole, backup)
            self.list.addItem(item)
        names = [b.name for b in self.backups]
        self.list.setCurrentRow(names.index(chosen.name) if chosen and chosen.name in names else 0)
        self.restore_button.setEnabled(bool(self.backups))

    def current(self) -> Backup | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _restore(self) -> None:
        backup = self.current()
        if backup is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Restore the backup as",
            str(restored_name(self.workspace, backup)),
            "Consortium workspace (*.consortium)",
            options=QFileDialog.Option.DontConfirmOverwrite,  # the window refuses one that exists
        )
        if not name:
            return
        dest = Path(name)
        if dest.suffix != ".consortium":
            dest = dest.with_name(dest.name + ".consortium")
        self.accept()
        self.chosen.emit(backup, dest)
