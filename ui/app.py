"""Start the window: ``consortium`` with no subcommand calls :func:`run`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from consortium import __version__, home
from consortium.errors import ConsortiumError
from consortium.workspace import Workspace


def open_start_workspace(path: str | None) -> Workspace:
    """The workspace named on the command line, else the last one, else a new demo."""
    if path:
        return open_with_progress(Path(path))
    default, is_new = home.default_workspace()
    if is_new:
        from consortium.demo import create_demo

        return create_demo(default)
    return open_with_progress(default)


# Said once Cancel is pressed during an update: its last part (making the file smaller) keeps
# the update, so "nothing will be changed" would not be true then.
UPDATE_CANCELLING = "Stopping… an update not yet finished leaves the file as it was."


def open_with_progress(path: Path) -> Workspace:
    """Open ``path`` before the window exists. A workspace made by an earlier version is
    brought up to date off this thread, behind a progress dialog with Cancel (minutes for a
    year of tenders: the app must not look dead meanwhile); Cancel raises
    :class:`~consortium.progress.Cancelled` with the file as it was."""
    if not Workspace.needs_update(path):
        return Workspace.open(path)
    from ui.runner import run_task

    outcome: dict = {}
    loop = QEventLoop()
    task = run_task(
        None,
        "Updating the workspace",
        lambda progress, cancelled: Workspace.open(path, progress=progress, cancelled=cancelled),
        on_done=lambda ws: outcome.setdefault("ws", ws),
        on_error=lambda exc: outcome.setdefault("error", exc),
        cancelling=UPDATE_CANCELLING,
    )
    task.finished.connect(loop.quit)
    loop.exec()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["ws"]


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Consortium")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Consortium")
    app.setDesktopFileName("consortium")  # Wayland matches the window to consortium.desktop
    app.setWindowIcon(app_icon())
    return app


def app_icon() -> QIcon:
    """The app icon at every size it ships in (consortium/data/icons)."""
    icons = Path(__file__).resolve().parents[1] / "consortium" / "data" / "icons"
    icon = QIcon()
    for png in sorted(icons.glob("consortium-*.png")):
        icon.addFile(str(png))
    return icon


def run(path: str | None = None) -> int:
    app = make_app()
    from ui.mainwindow import MainWindow

    try:
        ws = open_start_workspace(path)
    except ConsortiumError as exc:
        QMessageBox.warning(None, "Consortium", f"{exc}\n\nThe demo workspace will open instead.")
        try:
            ws = Workspace.open(home.demo_path()) if home.demo_path().exists() else None
            if ws is None:
                from consortium.demo import create_demo

                ws = create_demo(home.demo_path())
        except ConsortiumError as again:
            QMessageBox.critical(None, "Consortium", str(again))
            return 1
    from ui import instance

    if not instance.may_open(None, ws.path):  # switched to the window that has it open
        ws.close()
        return 0
    window = MainWindow(ws)
    if window.start_maximised:
        window.showMaximized()  # a 1366×768 laptop, or big text scaling: use the whole screen
    else:
        window.show()
    # Smoke tests of a packaged build: open the real window, then close it cleanly.
    quit_after = os.environ.get("CONSORTIUM_QUIT_AFTER_MS", "")
    if quit_after.isdigit():
        QTimer.singleShot(int(quit_after), window.close)
    return app.exec()
