"""The window and a second process on the same workspace: a second window offers to switch to
the one that has the workspace open, and a write while another process imports says so plainly.
Every test here runs a real second process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_two_processes import OCDS, PLAIN, Holder

from consortium import busy
from ui import instance

ROOT = Path(__file__).resolve().parents[1]

# The real main window on a workspace, offscreen; says when another process asked to see it.
WINDOW = r"""
import sys
from PySide6.QtCore import QTimer
from consortium.workspace import Workspace
from ui.app import make_app
from ui.mainwindow import MainWindow

app = make_app()
win = MainWindow(Workspace.open(sys.argv[1], backup=False))
win.show()
win.claim.show_requested.connect(lambda: (print("asked to show", flush=True), QTimer.singleShot(0, app.quit)))
QTimer.singleShot(60000, app.quit)
print("ready", flush=True)
app.exec()
"""


@pytest.fixture
def shared(demo_template: Path, tmp_path: Path) -> Path:
    """The workspace the other process has open (a copy of the demo of its own)."""
    import shutil

    path = tmp_path / "other" / "shared.consortium"
    path.parent.mkdir()
    shutil.copyfile(demo_template, path)
    return path


@pytest.fixture
def other_window(shared: Path):
    proc = subprocess.Popen(
        [sys.executable, "-c", WINDOW, str(shared)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen"),
    )
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        raise AssertionError(f"the other window did not start: {line!r} {proc.stderr.read()}")
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def test_opening_a_workspace_open_in_another_window_offers_to_switch(
    qapp, other_window, shared, monkeypatch
):
    asked = []
    monkeypatch.setattr(instance, "ask", lambda parent, path: asked.append(path) or "switch")
    assert instance.held_elsewhere(shared)
    assert instance.may_open(None, shared) is False
    assert asked == [shared]
    # The other process heard it and brought its window to the front.
    out, _err = other_window.communicate(timeout=30)
    assert "asked to show" in out


def test_the_window_asks_before_opening_a_workspace_another_window_has(
    main_window, other_window, shared, monkeypatch
):
    """File > Open on the workspace the other process shows: Cancel keeps this window as it
    was; "Open it here too" opens it."""
    mine = main_window.ws.path
    monkeypatch.setattr(instance, "ask", lambda parent, path: "cancel")
    main_window.open_path(shared)
    assert main_window.ws.path == mine
    monkeypatch.setattr(instance, "ask", lambda parent, path: "here")
    main_window.open_path(shared)
    assert main_window.ws.path == shared.resolve()
    assert other_window.poll() is None  # the other window carries on


def test_a_workspace_nobody_holds_opens_without_a_question(qapp, tmp_path, monkeypatch):
    monkeypatch.setattr(instance, "ask", lambda parent, path: pytest.fail("asked"))
    free = tmp_path / "free.consortium"
    assert not instance.held_elsewhere(free)
    assert instance.may_open(None, free) is True
    claim = instance.WorkspaceClaim()
    assert claim.hold(free)
    assert not instance.held_elsewhere(free, claim)  # its own window does not count
    claim.release()


def test_an_import_while_another_process_imports_says_so_in_the_window(
    monkeypatch, main_window, qtbot
):
    monkeypatch.setattr(busy, "TIMEOUT_MS", 300)
    shown = []
    monkeypatch.setattr(
        main_window, "show_error", lambda title, text, details="": shown.append(text)
    )
    main_window.ws.conn.execute("PRAGMA busy_timeout = 300")  # set at opening, before the patch
    holder = Holder(main_window.ws.path)
    try:
        main_window.import_tenders([OCDS])
        qtbot.waitUntil(lambda: not main_window.tasks, timeout=30000)
    finally:
        holder.finish()
    assert len(shown) == 1
    assert shown[0].startswith(PLAIN)
    assert "database is locked" not in shown[0]
