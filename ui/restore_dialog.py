"""File > Restore from a backup…: the workspace's backups, newest first; the one chosen is
written back as a new workspace file (never over the one open), which the window then offers
to open. Daily backups are kept as shared pieces (consortium/backup_store.py), so they are not
files a person can open by hand any more: this is the way back."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from consortium.backup_store import Backup
from consortium.formatting import file_size, uk_date

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


class RestoreDialog(QDialog):
    chosen = Signal(object, object)  # (Backup, destination Path)

    def __init__(
        self,
        workspace: Path,
        backups: list[Backup],
        folder: Path,
        parent=None,
        *,
        making_today: bool = False,
        stored: int = 0,
    ):
        super().__init__(parent)
        self.setWindowTitle("Restore from a backup")
        self.workspace = workspace
        self.backups = list(reversed(backups))  # newest first
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Choose a backup. It is written back as a new workspace file beside this one, "
            "which you can open and compare: the workspace open now is not changed."
            if self.backups
            else f"There are no backups of this workspace yet. They go in {folder}."
        )
        pieced = sum(b.pieced for b in self.backups)
        if stored and pieced > 1:  # what sharing pieces saves, in the user's terms
            intro.setText(
                intro.text() + f" The {pieced} daily backups take {file_size(stored)} together."
            )
        if making_today:  # started as the workspace opened; seconds for a year of tenders
            intro.setText(
                intro.text()
                + " Today's backup is still being made: open this again in a moment to see it."
            )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget()
        self.list.setAccessibleName("Backups")
        for backup in self.backups:
            item = QListWidgetItem(backup_line(backup))
            item.setData(Qt.ItemDataRole.UserRole, backup)
            self.list.addItem(item)
        if self.backups:
            self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self._restore())
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.restore_button = buttons.addButton(
            "Restore a copy…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setEnabled(bool(self.backups))
        buttons.accepted.connect(self._restore)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 320)

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
