"""File > Restore from a backup…: the daily backup chosen in the list is written back as a new
workspace file, the window offers to open it, and it holds the workspace as it was that day."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from consortium import backup_store
from consortium.formatting import uk_date
from consortium.partners import store
from consortium.records import Organisation
from consortium.workspace import Workspace


def menu_action(win, text: str):
    for menu_action in win.menuBar().actions():
        for act in menu_action.menu().actions():
            if act.text() == text:
                return act
    raise AssertionError(f"no menu item {text!r}")


def shown_errors() -> list[str]:
    return [
        w.text()
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.isVisible()
    ]


def test_restore_todays_backup_as_a_new_workspace_and_open_it(
    main_window, qtbot, tmp_path, monkeypatch
):
    win = main_window
    win.ws.wait_for_backup()  # today's, made as the window opened
    before = store.count(win.ws.db)
    store.save(win.ws, Organisation(name="Joined After The Backup"))
    dest = tmp_path / "as it was.consortium"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(dest), ""))
    menu_action(win, "&Restore from a backup…").trigger()
    dialog = win.restore_dialog
    assert dialog.isVisible() and dialog.intro.text() == "Reading the backups…"
    qtbot.waitUntil(lambda: dialog.list.count() == 1)  # read off the window's thread
    line = dialog.list.item(0).text()
    today = dialog.current().made.date()
    assert uk_date(today) in line and "— daily backup, " in line and line.endswith(" MB")
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    # "Open it now?" is answered Yes (conftest): the window moves to the restored copy.
    qtbot.waitUntil(lambda: win.ws.path == dest, timeout=30000)
    assert store.count(win.ws.db) == before
    assert "Joined After The Backup" not in store.names(win.ws.db)
    assert win.statusBar().currentMessage() == (
        f"Restored the backup of {uk_date(today)} to {dest}"
    )
    # Never over a file that exists: the window says so, and nothing is written.
    stamp = dest.stat().st_mtime_ns
    win.ws.wait_for_backup()  # the restored workspace's own first backup, made as it opened
    menu_action(win, "&Restore from a backup…").trigger()
    qtbot.waitUntil(win.restore_dialog.restore_button.isEnabled)
    qtbot.mouseClick(win.restore_dialog.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any("already exists" in t for t in shown_errors()))
    assert dest.stat().st_mtime_ns == stamp


def test_with_no_backups_the_dialog_says_where_they_go(main_window, qtbot, monkeypatch):
    win = main_window
    win.ws.wait_for_backup()
    monkeypatch.setattr(backup_store, "backups", lambda _folder: [])
    menu_action(win, "&Restore from a backup…").trigger()
    dialog = win.restore_dialog
    qtbot.waitUntil(lambda: "no backups of this workspace yet" in dialog.intro.text())
    assert dialog.list.count() == 0 and not dialog.restore_button.isEnabled()
    assert str(win.ws.backup_folder()) in dialog.intro.text()


def test_a_workspace_that_will_not_open_offers_its_backups(
    main_window, qtbot, tmp_path, monkeypatch
):
    win = main_window
    other = tmp_path / "north.consortium"
    win.ws.backup_to(other)
    Workspace.open(other).close()  # opened once: its daily backup is made
    other.write_bytes(b"overwritten by a sync tool")
    dest = tmp_path / "north again.consortium"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(dest), ""))
    win.open_path(other)
    box = win.cannot_open_box
    assert box.isVisible() and "Its backups can be restored" in box.text()
    (restore,) = [b for b in box.buttons() if b.text() == "Restore from a backup…"]
    qtbot.mouseClick(restore, Qt.MouseButton.LeftButton)
    dialog = win.restore_dialog
    assert dialog.workspace == other
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.ws.path == dest, timeout=30000)
    assert store.count(win.ws.db) > 0


def test_an_empty_workspace_file_is_not_opened_as_a_new_one_and_its_backups_are_offered(
    main_window, qtbot, tmp_path
):
    win = main_window
    other = tmp_path / "north.consortium"
    win.ws.backup_to(other)
    Workspace.open(other).close()  # opened once: its daily backup is made
    other.write_bytes(b"")  # a copy that did not finish
    before = win.ws.path
    win.open_path(other)
    box = win.cannot_open_box
    assert box.isVisible() and "north.consortium is empty (0 bytes)" in box.text()
    assert "Its backups can be restored" in box.text()
    assert win.ws.path == before and other.read_bytes() == b""


def test_a_workspace_without_backups_says_only_why(main_window, qtbot, tmp_path):
    win = main_window
    broken = tmp_path / "never backed up.consortium"
    broken.write_bytes(b"not a workspace")
    win.open_path(broken)
    qtbot.waitUntil(lambda: any("could not" in t or "not a" in t for t in shown_errors()))
    assert not hasattr(win, "cannot_open_box") or not win.cannot_open_box.isVisible()


def test_todays_backup_is_added_to_the_list_once_it_is_made(demo_file, qtbot, monkeypatch):
    # A year of tenders' first backup takes seconds: the dialog opened meanwhile says so, and
    # lists it when it is done, without being opened again.
    import threading

    from ui import restore_dialog
    from ui.mainwindow import MainWindow

    storing, release = threading.Event(), threading.Event()
    real = backup_store.save

    def held_up(*args, **kwargs):
        storing.set()
        assert release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(backup_store, "save", held_up)
    monkeypatch.setattr(restore_dialog, "RECHECK_MS", 50)
    win = MainWindow(Workspace.open(demo_file))
    qtbot.addWidget(win)
    win.show()
    assert storing.wait(20)
    menu_action(win, "&Restore from a backup…").trigger()
    dialog = win.restore_dialog
    qtbot.waitUntil(lambda: "still being made" in dialog.intro.text())
    assert dialog.list.count() == 0 and not dialog.restore_button.isEnabled()
    release.set()
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=20000)
    assert "still being made" not in dialog.intro.text() and dialog.restore_button.isEnabled()
    assert "daily backup" in dialog.list.item(0).text()
    dialog.reject()
    win.close()
