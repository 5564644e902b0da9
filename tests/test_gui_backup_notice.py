"""A failed daily backup is shown once, calmly, naming the backups folder and what to do."""

from __future__ import annotations

from consortium import workspace
from consortium.workspace import Workspace


def _window(qtbot, path):
    from ui.mainwindow import MainWindow

    win = MainWindow(Workspace.open(path))
    qtbot.addWidget(win)
    return win


def test_a_failed_daily_backup_is_shown_in_the_status_bar(qtbot, demo_file, monkeypatch):
    def broken(source, dest):
        raise OSError("No space left on device")

    monkeypatch.setattr(workspace, "_copy_database", broken)
    win = _window(qtbot, demo_file)
    win.show()
    notice = win.backup_notice
    qtbot.waitUntil(lambda: notice.label.isVisible(), timeout=30_000)
    assert "backup failed" in notice.label.text()
    message = win.status.currentMessage()
    assert "No space left on device" in message
    assert str(win.ws.backup_folder()) in message and "Back up now" in message
    assert notice.label.toolTip() == message
    assert not notice.timer.isActive()  # once: nothing keeps looking or saying it again
    win.ws.close()


def test_a_good_daily_backup_shows_nothing(qtbot, demo_file):
    win = _window(qtbot, demo_file)
    win.show()
    notice = win.backup_notice
    qtbot.waitUntil(lambda: not notice.timer.isActive(), timeout=30_000)
    assert win.ws.backup_error is None and not notice.label.isVisible()
    assert "could not be made" not in win.status.currentMessage()
    win.ws.close()
