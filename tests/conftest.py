"""Shared fixtures: a private CONSORTIUM_HOME per test, and workspaces copied from templates.

The demo workspace is built once per session and copied per test (copying a ~1 MB file is much
faster than building it again), as sqlite-utils' own tests do.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# Before anything imports Qt: every GUI test runs headless.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
# Belt and braces for code that runs outside a test (session fixtures, collection): never the
# real profile. The autouse fixture below gives each test its own folder.
if "CONSORTIUM_HOME" not in os.environ:
    _SESSION_HOME = tempfile.mkdtemp(prefix="consortium-home-")
    os.environ["CONSORTIUM_HOME"] = _SESSION_HOME
    # Gone with the run: every run left one behind in the system's temporary folder.
    atexit.register(shutil.rmtree, _SESSION_HOME, ignore_errors=True)

import datetime as dt  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from consortium.workspace import Workspace  # noqa: E402

TODAY = dt.date(2026, 11, 23)
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def consortium_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings, the demo workspace and 'last used' go here, never to the real data folder."""
    home = tmp_path / "consortium-home"
    monkeypatch.setenv("CONSORTIUM_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace, built once; copy it (``demo_file``/``demo_ws``), never open it."""
    from consortium.demo import create_demo

    folder = tmp_path_factory.mktemp("demo-template")
    ws = create_demo(folder / "demo.consortium", TODAY)
    ws.close()  # the last connection closing checkpoints the WAL: one self-contained file
    path = folder / "demo.consortium"
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("empty-template")
    ws = Workspace.create(folder / "empty.consortium")
    ws.close()
    return folder / "empty.consortium"


@pytest.fixture(scope="session")
def generated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 real-shaped releases from bench/tenders.py imported once (copy it, never open it):
    enough tenders for searches that page and plans that differ."""
    import importlib.util

    from consortium.tenders.importer import import_paths

    spec = importlib.util.spec_from_file_location(
        "bench_tenders", Path(__file__).resolve().parents[1] / "bench" / "tenders.py"
    )
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    folder = tmp_path_factory.mktemp("generated-template")
    gen.generate(folder / "package.json", 3000)
    ws = Workspace.create(folder / "generated.consortium")
    import_paths(ws, [folder / "package.json"])
    ws.close()
    return folder / "generated.consortium"


def cli(*args: str) -> subprocess.CompletedProcess:
    """``consortium ARGS`` in a process of its own, as a user or a scheduled job runs it."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(
        [sys.executable, "-m", "consortium", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def leave_deleted_space(ws: Workspace, megabytes: int) -> None:
    """Write ``megabytes`` of rows and delete them again: space only compacting gives back."""

    def fill_then_empty() -> None:
        with ws.atomic():
            ws.conn.executemany(
                "INSERT INTO settings (key, value) VALUES (?, ?)",
                [(f"scratch-{i}", "x" * 1_000_000) for i in range(megabytes)],
            )
        with ws.atomic():
            ws.conn.execute("DELETE FROM settings WHERE key LIKE 'scratch-%'")

    ws.write(fill_then_empty)


def copy_workspace(template: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, dest)
    return dest


@pytest.fixture
def demo_file(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo workspace file (not opened)."""
    return copy_workspace(demo_template, tmp_path / "work" / "demo.consortium")


@pytest.fixture
def demo_ws(demo_file: Path) -> Iterator[Workspace]:
    ws = Workspace.open(demo_file)
    yield ws
    ws.close()


@pytest.fixture
def empty_ws(empty_template: Path, tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(copy_workspace(empty_template, tmp_path / "work" / "empty.consortium"))
    yield ws
    ws.close()


def dump(ws: Workspace) -> list[str]:
    """Every table's rows and the schema, as SQL text: equal dumps mean nothing changed.

    The query planner's statistics (sqlite_stat*, refreshed by ``PRAGMA optimize`` when a
    workspace is closed) are not data and are left out.
    """
    return [
        line
        for line in ws.conn.iterdump()
        if "sqlite_stat" not in line and line != 'ANALYZE "sqlite_master";'
    ]


@pytest.fixture
def main_window(qtbot, demo_file: Path, monkeypatch: pytest.MonkeyPatch):
    """The main window on a private copy of the demo workspace, offscreen. Questions the window
    asks are answered "yes", information boxes "OK"."""
    from PySide6.QtWidgets import QMessageBox

    from ui.mainwindow import MainWindow

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    win = MainWindow(Workspace.open(demo_file))
    qtbot.addWidget(win)
    win.tenders.today = TODAY
    win.matches.today = TODAY
    # The window listed its tenders as of the real date while it was made: list them again as
    # of the demo's day, which the demo's dates were moved for.
    win.tenders.run_search()
    win.show()
    yield win
    win.partners.editor.load(None)  # nothing left unsaved, so closing does not ask
    win.close()


class MemoryKeyring:
    """An in-memory keyring backend for tests (never the real OS keyring)."""

    priority = 1

    def __init__(self):
        self.store: dict[tuple[str, str], str] = {}

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def get_password(self, service, username):
        return self.store.get((service, username))

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    import keyring
    import keyring.backend

    ring = type("TestKeyring", (MemoryKeyring, keyring.backend.KeyringBackend), {})()
    ring.store = {}
    before = keyring.get_keyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


def threads_calling(monkeypatch: pytest.MonkeyPatch, module, name: str) -> list[str]:
    """The names of the threads that call ``module.name`` from now on (it still runs): to show
    that work the window asks for runs off the window's thread."""
    import threading

    called: list[str] = []
    real = getattr(module, name)

    def recorded(*args, **kwargs):
        called.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, recorded)
    return called


def matches_listed(qtbot, page) -> int:
    """Wait until the Matches page's tender list, read in the background, is shown; its rows."""
    qtbot.waitUntil(lambda: not page._lister.busy(), timeout=15_000)
    return page.tenders.rowCount()


def fits_listed(qtbot, page, timeout: int = 60_000) -> int:
    """Wait until the Tenders page's "Fits us" list, searched in the background once our fits
    are worked out, is shown; its rows."""
    qtbot.waitUntil(lambda: page.fits is not None and not page._fit_lister.busy(), timeout=timeout)
    return page.model.rowCount()


def tenders_listed(qtbot, page, timeout: int = 15_000) -> int:
    """Wait until the Tenders page's list, searched off the GUI thread (its first page, a page
    more as it scrolls, or the "Fits us" list), is shown; its rows."""
    qtbot.waitUntil(
        lambda: not (page._lister.busy() or page._fit_lister.busy() or page.model._pager.busy()),
        timeout=timeout,
    )
    return page.model.rowCount()
