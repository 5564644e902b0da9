"""Tenders another program imports (a scheduled ``consortium tenders fetch``, the command line)
show in the open window without reopening the workspace."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from consortium.changes import EVERYTHING
from consortium.tenders import search
from tests.conftest import cli

ROOT = Path(__file__).resolve().parents[1]
OCDS = ROOT / "tests" / "fixtures" / "ocds" / "fts-selected-civil-society-releases.json"


def package_of_new_tenders(path: Path, n: int) -> Path:
    """A release package of ``n`` real notices given ocids the demo workspace does not hold."""
    package = json.loads(OCDS.read_text(encoding="utf-8"))
    releases = []
    for i, release in enumerate(package["releases"][:n]):
        release = copy.deepcopy(release)
        release["ocid"] = f"ocds-test-elsewhere-{i:03d}"
        release["id"] = f"{release['ocid']}-1"
        releases.append(release)
    package["releases"] = releases
    path.write_text(json.dumps(package), encoding="utf-8")
    return path


def test_tenders_another_program_imports_show_in_the_open_window(main_window, qtbot, tmp_path):
    win = main_window
    ws = win.ws
    win.sidebar.setCurrentRow(1)  # Tenders
    before = search.count(ws.reader)
    qtbot.waitUntil(lambda: f"of {before:,} tenders" in win.tenders.message.text())
    heard = len(win.dispatcher.heard)

    done = cli(
        "--workspace",
        str(ws.path),
        "tenders",
        "import",
        str(package_of_new_tenders(tmp_path / "fetched.json", 3)),
    )
    assert done.returncode == 0, done.stderr
    # Nothing in this process was told of the import: the window notices it on its own.
    qtbot.waitUntil(
        lambda: f"of {before + 3:,} tenders" in win.tenders.message.text(), timeout=20000
    )
    assert EVERYTHING in win.dispatcher.heard[heard:]
    assert "another program" in win.status.currentMessage()


def test_the_windows_own_writes_are_not_taken_for_another_programs(main_window, qtbot):
    """Its own commits never set the watch off (they reach the pages once, as they are)."""
    win = main_window
    ws = win.ws
    assert ws.changed_elsewhere() is False

    def write() -> None:
        with ws.atomic():
            ws.db["settings"].upsert({"key": "elsewhere-test", "value": "1"}, pk="key")

    ws.write(write)
    assert ws.changed_elsewhere() is False
    heard = len(win.dispatcher.heard)
    watch = win.elsewhere
    watch.timer.stop()  # asked here, step by step
    watch.collect()
    watch.check()  # asks the writer thread
    asked = watch._job
    assert asked is not None
    qtbot.waitUntil(lambda: asked.done)
    assert watch.collect() is True  # the answer: nothing from elsewhere
    assert asked.result is False
    assert EVERYTHING not in win.dispatcher.heard[heard:]


def test_an_editor_on_screen_keeps_what_is_typed_when_another_program_writes(
    main_window, qtbot, tmp_path
):
    """A scheduled fetch committing while the user writes a bid text: the Bids page is not
    reloaded under them (it used to put the stored text back over what was typed); the
    tenders show once the user goes to them."""
    from PySide6.QtCore import Qt

    from consortium.bids import records as bids

    win = main_window
    before = search.count(win.ws.reader)
    win.sidebar.setCurrentRow(3)  # Bids
    page = win.bids
    demo = next(b for b in bids.list_all(win.ws.db) if b.name == "Demo social value bid")
    for i in range(page.list.count()):
        if page.list.item(i).data(Qt.ItemDataRole.UserRole + 40) == demo.id:
            page.list.setCurrentRow(i)
    page.tabs.setCurrentWidget(page.narrative)
    field = page.narrative.fields["understanding"]
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "Typed, not saved yet.")
    heard = len(win.dispatcher.heard)

    done = cli(
        "--workspace",
        str(win.ws.path),
        "tenders",
        "import",
        str(package_of_new_tenders(tmp_path / "fetched.json", 3)),
    )
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: EVERYTHING in win.dispatcher.heard[heard:], timeout=20000)
    assert field.edit.toPlainText() == "Typed, not saved yet."
    assert "not saved yet" in field.state.text()
    win.sidebar.setCurrentRow(1)  # Tenders: refreshed as it is shown
    qtbot.waitUntil(lambda: f"of {before + 3:,} tenders" in win.tenders.message.text())
