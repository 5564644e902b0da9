"""Opening the window and visiting every area reads no more than a screenful of tenders.

Counted through the core's load counter (``tenders.store.LOADS``), not timed: with hundreds of
thousands of tenders, anything that loads every tender on the GUI thread freezes the window.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from consortium.tenders import store as tender_store
from consortium.workspace import Workspace
from tests.conftest import matches_listed

SCREENFUL = 20  # rows a list shows at 1366×768


def test_opening_the_window_and_every_area_loads_a_screenful_at_most(qtbot, demo_file):
    from ui.mainwindow import MainWindow

    ws = Workspace.open(demo_file)
    tenders = ws.conn.execute("SELECT count(*) FROM tenders").fetchone()[0]
    assert tenders > SCREENFUL  # otherwise the test could not tell loading all from a screenful
    tender_store.LOADS.clear()
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.show()
    # The Matches area, not shown yet, has not even listed its tenders.
    assert win.stack.currentWidget() is not win.matches
    assert win.matches.tenders.rowCount() == 0
    for row in range(win.sidebar.count()):
        win.sidebar.setCurrentRow(row)
        qtbot.wait(10)
        assert win.stack.currentWidget().isVisible()
    # and every tab of the Matches area except the one that ranks opportunities on request
    win.show_area("matches")
    assert matches_listed(qtbot, win.matches) == tenders  # listed once shown
    for index in range(win.matches.tabs.count()):
        if win.matches.tabs.widget(index) is not win.matches.opps_page:
            win.matches.tabs.setCurrentIndex(index)
            qtbot.wait(10)
    assert tender_store.LOADS["tender"] <= SCREENFUL
    win.close()


def test_opportunities_are_ranked_in_the_background_only_when_shown(qtbot, main_window):
    win = main_window
    tender_store.LOADS.clear()
    win.show_area("matches")
    page = win.matches
    assert page.opps.rowCount() == 0 and tender_store.LOADS["tender"] == 0
    page.tabs.setCurrentWidget(page.opps_page)
    assert page._opps_task is not None  # running on the worker, not on this thread
    qtbot.waitUntil(lambda: page.opps.rowCount() > 0, timeout=30000)
    assert "our organisation" in page.partner.currentText()
    assert "best first" in page.opps_note.text()
    # the same partner again: nothing is ranked twice
    loads = tender_store.LOADS["tender"]
    page.tabs.setCurrentIndex(0)
    page.tabs.setCurrentWidget(page.opps_page)
    assert page._opps_task is None and tender_store.LOADS["tender"] == loads
