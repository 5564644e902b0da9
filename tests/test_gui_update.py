"""A workspace made by an earlier version is brought up to date behind a progress dialog with
Cancel, whether it is opened from the window or named when the app starts: the window never
waits for it, and Cancel leaves the file as it was."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

from consortium import formatting, migrations
from consortium.progress import Cancelled
from consortium.workspace import read_version
from tests.conftest import copy_workspace, leave_deleted_space

V11 = Path(__file__).resolve().parent / "fixtures" / "workspaces" / "v11.consortium"


def version_of(path: Path) -> int:
    return read_version(path)[1]


@pytest.fixture
def held_update(monkeypatch):
    """The update's last step, held (reporting progress, as a long step does) until the test
    lets it go: ``release.set()``. Cancel stops it through the step's own progress report."""
    release = threading.Event()
    last = migrations.STEPS[-1]

    def held(db):
        for i in range(600):  # 30 s at most, so a broken test never hangs the run
            migrations.report(i, 600)  # raises Cancelled once Cancel is pressed
            if release.wait(0.05):
                break
        return last(db)

    monkeypatch.setattr(migrations, "STEPS", [*migrations.STEPS[:-1], held])
    return release


def update_dialog() -> QProgressDialog | None:
    for widget in QApplication.topLevelWidgets():
        if (
            isinstance(widget, QProgressDialog)
            and widget.isVisible()
            and widget.windowTitle() == "Updating the workspace"
        ):
            return widget
    return None


def open_old_workspace(win, qtbot, folder: Path) -> tuple[Path, QProgressDialog]:
    """File > Open of a workspace of version 11: the file and the update's dialog, once up."""
    old = copy_workspace(V11, folder / "old.consortium")
    win.open_path(old)
    qtbot.waitUntil(lambda: update_dialog() is not None, timeout=10_000)
    return old, update_dialog()


def test_an_old_workspace_opened_from_the_window_is_updated_behind_a_progress_dialog(
    main_window, qtbot, tmp_path, held_update
):
    win = main_window
    old, dialog = open_old_workspace(win, qtbot, tmp_path)
    qtbot.waitUntil(lambda: "Updating old.consortium" in dialog.labelText(), timeout=10_000)
    assert "Cancel leaves it as it was" in dialog.labelText()
    assert dialog.maximum() == (migrations.LATEST - 11) * 1000
    # The window is still on its workspace, and answers (it paints, its pages switch).
    assert win.ws.path.name == "demo.consortium"
    win.sidebar.setCurrentRow(1)
    assert win.stack.currentWidget() is win.tenders
    held_update.set()
    qtbot.waitUntil(lambda: win.ws.path.name == "old.consortium", timeout=30_000)
    assert win.windowTitle().startswith("old")
    assert "old.consortium was brought up to date" in win.status.currentMessage()
    assert update_dialog() is None
    assert version_of(old) == migrations.LATEST


def test_cancel_while_the_window_updates_a_workspace_leaves_it_as_it_was(
    main_window, qtbot, tmp_path, held_update
):
    win = main_window
    old, dialog = open_old_workspace(win, qtbot, tmp_path)
    cancel = dialog.findChild(QPushButton)
    assert cancel.text() == "Cancel"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "The update was cancelled" in win.status.currentMessage(), timeout=30_000
    )
    assert "old.consortium is unchanged" in win.status.currentMessage()
    assert win.ws.path.name == "demo.consortium"  # still on the workspace it had
    assert version_of(old) == 11
    assert not list((tmp_path / "old-backups").glob("before-migration-*"))


def test_the_app_started_on_an_old_workspace_updates_it_before_the_window(
    qtbot, tmp_path, held_update
):
    from ui.app import open_with_progress

    old = copy_workspace(V11, tmp_path / "old.consortium")
    seen: list[str] = []

    def look() -> None:
        dialog = update_dialog()
        if dialog is not None and "Updating old.consortium" in dialog.labelText():
            seen.append(dialog.labelText())
            held_update.set()
        else:
            QTimer.singleShot(50, look)

    QTimer.singleShot(0, look)
    ws = open_with_progress(old)  # runs its own event loop until the update is done
    try:
        assert seen and "(part" in seen[0]
        assert ws.schema_version == migrations.LATEST
        assert ws.update_note.startswith("old.consortium was brought up to date")
    finally:
        ws.close()


def test_cancel_at_start_up_leaves_the_workspace_as_it_was(qtbot, tmp_path, held_update):
    from ui.app import open_with_progress

    old = copy_workspace(V11, tmp_path / "old.consortium")

    def press_cancel() -> None:
        dialog = update_dialog()
        if dialog is None:
            QTimer.singleShot(50, press_cancel)
            return
        qtbot.mouseClick(dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, press_cancel)
    with pytest.raises(Cancelled, match="old.consortium is unchanged"):
        open_with_progress(old)
    assert version_of(old) == 11


def file_action(win, text: str):
    from PySide6.QtGui import QAction

    for act in win.findChildren(QAction):
        if act.text().replace("&", "") == text:
            return act
    raise AssertionError(f"no File menu item {text!r}")


def test_make_workspace_smaller_gives_back_deleted_space_from_the_file_menu(main_window, qtbot):
    win = main_window
    ws = win.ws

    leave_deleted_space(ws, 6)
    ws.write(lambda: ws.writer_conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
    big = ws.path.stat().st_size
    file_action(win, "Make workspace smaller").trigger()
    qtbot.waitUntil(lambda: "smaller (" in win.status.currentMessage(), timeout=30_000)
    message = win.status.currentMessage()
    assert message.startswith("demo.consortium is ") and " MB smaller (" in message
    assert ws.path.stat().st_size < big - 5_000_000
    assert ws.check() == []


def test_check_and_back_up_run_behind_a_progress_dialog(main_window, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    win = main_window
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _w, _t, text, *a: told.append(text))
    file_action(win, "Check workspace").trigger()
    qtbot.waitUntil(lambda: bool(told), timeout=30_000)
    assert told == ["demo.consortium: all checks passed."]
    file_action(win, "Back up now").trigger()
    qtbot.waitUntil(lambda: "Backed up to" in win.status.currentMessage(), timeout=30_000)
    made = Path(win.status.currentMessage().removeprefix("Backed up to "))
    assert made.is_file() and made.parent.name == "demo-backups"
    assert not list(made.parent.glob("*.part"))


def test_cancel_a_backup_leaves_no_file(main_window, tmp_path):
    """Cancel between the backup's steps: no half-written copy is left in the backups folder."""
    ws = main_window.ws
    dest = tmp_path / "copies" / "copy.consortium"
    with pytest.raises(Cancelled, match="no backup was made"):
        ws.backup_to(dest, lambda *a: None, lambda: True)
    assert not dest.exists() and not list(dest.parent.glob("*"))


def test_make_workspace_smaller_says_so_when_there_is_nothing_to_give_back(main_window, qtbot):
    win = main_window
    file_action(win, "Make workspace smaller").trigger()  # compacted once: nothing left
    qtbot.waitUntil(lambda: "small" in win.status.currentMessage(), timeout=30_000)
    win.status.clearMessage()
    file_action(win, "Make workspace smaller").trigger()
    qtbot.waitUntil(lambda: "small" in win.status.currentMessage(), timeout=30_000)
    assert win.status.currentMessage() == (
        "demo.consortium was already as small as it can be ("
        + formatting.file_size(win.ws.path.stat().st_size)
        + ")."
    )
