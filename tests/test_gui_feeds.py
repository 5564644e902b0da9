"""Getting new tenders in the window, against a local server replaying the real pages: the bar
in the Tenders area and on the Start page, progress and Cancel, offline as one calm line, "New
for you" with the desktop notification, closing dates within 7 days, and the Pipeline area."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton

from consortium.formatting import money
from consortium.tenders import search
from consortium.tenders.feeds import fetch as feeds
from consortium.tenders.feeds.client import Client, Policy
from consortium.tenders.importer import import_paths
from tests.conftest import FIXTURES, fits_listed, tenders_listed, threads_calling
from tests.feed_server import CF_PAGE, FTS_PAGE, FakeTime, FeedServer, chain, closed_port
from ui.tenders_model import CLOSING_SOON

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def server():
    with FeedServer(chain("fts", FTS_PAGE, 4, weeks_later=15)) as s:  # open again on TODAY
        yield s


def point_at(window, url: str) -> None:
    clock = FakeTime()
    c = window.feeds
    c.sources, c.base_url, c.today = ["fts"], url, TODAY
    c.make_client = lambda: Client(Policy(min_interval=0), sleep=clock.sleep, clock=clock.clock)


def fetch_with_a_saved_search(win, server, qtbot) -> None:
    """A saved search of health and social work, then a whole fetch from ``server``."""
    search.save_search(win.ws, "Health and social work", search.TenderQuery(cpv=["85"]))
    point_at(win, server.url)
    win.feeds.fetch()
    qtbot.waitUntil(lambda: win.feeds.last_report is not None, timeout=60000)


def stored(ws) -> set[tuple[str, str]]:
    return {tuple(r) for r in ws.conn.execute("SELECT ocid, release_id FROM tender_releases")}


def no_message_box() -> bool:
    return not any(
        isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()
    )


def test_get_new_tenders_from_the_tenders_area(main_window, server, qtbot):
    win = main_window
    win.show_area("tenders")
    search.save_search(win.ws, "Health and social work", search.TenderQuery(cpv=["85"]))
    before = search.count(win.ws)
    bar = win.tenders.feed_bar
    assert bar.updated.text() == "Not yet updated from Find a Tender or Contracts Finder"
    assert win.start.feed_bar.updated.text() == bar.updated.text()
    point_at(win, server.url)
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.feeds.last_report is not None, timeout=60000)
    report = win.feeds.last_report
    assert report.status == "complete" and report.pages == 4
    assert bar.updated.text() == "Tenders last updated just now"
    assert win.start.feed_bar.updated.text() == "Tenders last updated just now"
    assert search.count(win.ws) == before + len(report.new_ocids)
    assert stored(win.ws) >= server.releases_of("fts", range(4))
    # New for you: the new tenders the saved search finds, in a list; double-click opens one.
    dialog = win.feeds.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.list.count() == len(win.feeds.last_alerts) > 0
    first = dialog.list.item(0)
    assert "saved search: Health and social work" in first.text()
    dialog.list.itemDoubleClicked.emit(first)
    assert win.current_page().key == "tenders"
    assert win.tenders.current_ocid() == first.data(Qt.ItemDataRole.UserRole)
    # The saved search marks them as new since it was last looked at.
    qtbot.waitUntil(win.tenders.saved_counted)
    assert "new)" in win.tenders.saved.itemText(1)


def test_the_notification_names_the_count_and_the_best_match(main_window, server, qtbot):
    win = main_window
    fetch_with_a_saved_search(win, server, qtbot)
    found = win.feeds.last_alerts
    win.feeds.notify(found)  # what the window does when it is in the background
    title, text = win.feeds.last_notification
    assert title == f"{len(found):,} new tender{'' if len(found) == 1 else 's'} for you"
    assert text.startswith(found[0].title)


def test_cancel_mid_fetch_then_carry_on(main_window, server, qtbot, monkeypatch):
    win = main_window
    point_at(win, server.url)
    server.delay = 0.4
    win.show_area("start")
    bar = win.start.feed_bar
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(server.served_pages) >= 2, timeout=30000)  # page 1 stored
    # No dialog: a day's download takes minutes at Find a Tender's pace, and the window stays
    # in use. Both bars say how far it is, and their button cancels.
    assert QApplication.activeModalWidget() is None and win.tasks[0].dialog is None
    qtbot.waitUntil(lambda: "Find a Tender: page" in bar.updated.text(), timeout=10000)
    assert "Find a Tender: page" in win.tenders.feed_bar.updated.text()
    assert bar.button.text() == "Cancel getting tenders"
    win.sidebar.setCurrentRow(win._sidebar_pages().index(win.page("partners")))
    assert win.current_page().key == "partners"
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _w, _t, text: said.append(text))
    win.open_path(win.ws.path)  # nor closed or swapped under it
    assert said and "Cancel getting tenders" in said[0] and win.ws.path.exists()
    # A task asked for meanwhile runs beside it: nothing to wait for.
    ran: list = []
    other = win.run("Checking the workspace", lambda _p, _c: ran.append("ran") or 7, ran.append)
    assert "waiting for" not in other.dialog.labelText()
    win.feeds.fetch()  # F5 again: the fetch goes on
    assert win.feeds.task is not None and not win.feeds.task.stop.is_set()
    win.show_area("tenders")
    qtbot.mouseClick(win.tenders.feed_bar.button, Qt.MouseButton.LeftButton)
    # Pages stored are kept: it used to say "Cancelling… nothing will be changed."
    assert "the pages already stored are kept" in win.tenders.feed_bar.updated.text()
    qtbot.waitUntil(lambda: win.feeds.last_report is not None, timeout=30000)
    assert bar.button.text() == "Get new tenders" and not win.feeds.running
    qtbot.waitUntil(lambda: ran == ["ran", 7])
    report = win.feeds.last_report
    assert report.status == "cancelled"
    kept = report.pages
    assert 1 <= kept < 4 and stored(win.ws) >= server.releases_of("fts", range(kept))
    assert no_message_box()
    server.delay = 0
    asked = len(server.requests)
    win.feeds.last_report = None
    win.feeds.fetch()
    qtbot.waitUntil(lambda: win.feeds.last_report is not None, timeout=60000)
    again = win.feeds.last_report
    assert again.status == "complete" and again.feeds[0].resumed
    assert again.pages == 4 - kept  # none fetched twice, none skipped
    assert server.queries()[asked]["cursor"] == [f"c{kept}"]
    assert stored(win.ws) >= server.releases_of("fts", range(4))


def test_a_task_asked_for_during_a_download_runs_at_once(main_window, server, qtbot, monkeypatch):
    # It used to wait the whole download (minutes at the services' pace) behind a window-modal
    # "waiting for “Getting new tenders” to finish…", the bars' Cancel out of reach under it.
    win = main_window
    point_at(win, server.url)
    server.allow(1)  # the download stops after its first page, until the test says
    win.show_area("start")
    qtbot.mouseClick(win.start.feed_bar.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored(win.ws) >= server.releases_of("fts", [0]), timeout=30000)
    files = [str(FIXTURES / "ocds" / "cf-search-2025-01-20_2025-01-23-page-001.json")]
    monkeypatch.setattr("ui.mainwindow.QFileDialog.getOpenFileNames", lambda *a, **k: (files, ""))
    win.choose_tender_import()
    task = win.tasks[-1]
    assert "waiting for" not in task.dialog.labelText()
    qtbot.waitUntil(lambda: win.last_tender_report is not None, timeout=60000)
    assert win.last_tender_report.releases_read == 100
    # Done while the download still waits for its second page; its Cancel is on the bars.
    assert win.feeds.running and win.start.feed_bar.button.text() == "Cancel getting tenders"
    report_box = QApplication.activeModalWidget()  # the import's report, as after any import
    assert report_box.windowTitle() == "Tender import report"
    report_box.close()
    server.allow(None)
    qtbot.waitUntil(lambda: win.feeds.last_report is not None, timeout=60000)
    report = win.feeds.last_report
    assert report.status == "complete" and report.pages == 4
    assert stored(win.ws) >= server.releases_of("fts", range(4))
    # "New for you" is of what the download brought, not of the file imported meanwhile.
    by_hand = {r["ocid"] for r in json.loads(Path(files[0]).read_text("utf-8"))["releases"]}
    assert report.new_ocids and not by_hand & set(report.new_ocids)
    assert len(report.new_ocids) == report.feeds[0].tenders_new
    assert no_message_box()


def test_a_page_that_comes_while_the_user_writes_waits_its_turn(main_window, server, qtbot):
    win = main_window
    ws = win.ws
    point_at(win, server.url)
    server.allow(1)
    win.show_area("tenders")
    bar = win.tenders.feed_bar
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored(ws) >= server.releases_of("fts", [0]), timeout=30000)
    inside, go = threading.Event(), threading.Event()

    def long_import(_progress, _cancelled):  # a big file: it holds the writer for minutes
        with ws.transaction():
            inside.set()
            go.wait(60)
        return "imported"

    ran: list = []
    win.run("Importing a year of tenders", long_import, ran.append)
    assert inside.wait(30)
    try:
        server.allow(2)
        qtbot.waitUntil(
            lambda: (
                bar.updated.text()
                == "Find a Tender: page 2 is in; it is stored once the task in hand is done…"
            ),
            timeout=30000,
        )
        assert not stored(ws) & server.releases_of("fts", [1])  # nothing slipped into it
    finally:
        go.set()
    qtbot.waitUntil(lambda: ran == ["imported"], timeout=30000)
    qtbot.waitUntil(lambda: stored(ws) >= server.releases_of("fts", [1]), timeout=30000)
    server.allow(None)
    qtbot.waitUntil(lambda: win.feeds.last_report is not None, timeout=60000)
    assert win.feeds.last_report.status == "complete" and win.feeds.last_report.pages == 4
    assert bar.updated.text() == "Tenders last updated just now"
    assert no_message_box()


def test_a_task_waiting_behind_another_cancels_at_once(main_window, qtbot):
    # Its Cancel used to say "Cancelling…" and keep the window-modal dialog up until the job
    # ahead ended.
    win = main_window
    inside, go = threading.Event(), threading.Event()

    def long_job(_progress, _cancelled):
        inside.set()
        go.wait(60)

    win.run("Importing a year of tenders", long_job, None)
    assert inside.wait(30)
    ran: list = []
    try:
        other = win.run("Checking the workspace", lambda _p, _c: ran.append("ran"), ran.append)
        dialog = other.dialog
        assert dialog.isVisible() and dialog.labelText() == (
            "Checking the workspace: waiting for “Importing a year of tenders” to finish…\n"
            "Cancel if you would rather not wait: nothing will be changed."
        )
        cancel = dialog.findChild(QPushButton)
        assert cancel.text() == "Cancel"
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        assert not other.running and not dialog.isVisible()
        assert win.statusBar().currentMessage() == (
            "Cancelled: “Checking the workspace” did not start, and nothing was changed."
        )
    finally:
        go.set()
    qtbot.waitUntil(lambda: not win.tasks, timeout=30000)
    assert ran == []
    # The next task starts at once, with nothing left queued before it.
    again = win.run("Checking the workspace", lambda _p, _c: 7, ran.append)
    assert "waiting for" not in again.dialog.labelText()
    qtbot.waitUntil(lambda: ran == [7])


def test_fits_us_while_tenders_come_is_worked_out_at_once_and_once(
    main_window, server, qtbot, monkeypatch
):
    # "Fits us" used to wait for the download behind a window-modal dialog (minutes), then be
    # worked out twice: the state it was asked for had changed with every page stored.
    from consortium.matching import fits

    win = main_window
    page = win.tenders
    calls: list[tuple[str, bool]] = []
    real = fits.fits_us

    def counted(*args, **kwargs):
        if kwargs.get("among") is None:  # not the download's own "new for you" check
            calls.append((threading.current_thread().name, win.feeds.running))
        return real(*args, **kwargs)

    monkeypatch.setattr(fits, "fits_us", counted)
    point_at(win, server.url)
    server.allow(1)
    win.show_area("tenders")
    tenders_listed(qtbot, page)
    qtbot.mouseClick(page.feed_bar.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored(win.ws) >= server.releases_of("fts", [0]), timeout=30000)
    page.fit.setCurrentIndex(page.fit.findData("any"))
    shown = fits_listed(qtbot, page)
    assert shown > 0 and "that fit us, best fit first" in page.message.text()
    assert len(calls) == 1 and calls[0][1], calls  # while the download still ran
    assert calls[0][0].startswith("consortium-reader"), calls  # not behind it on the worker
    # A page more stored: the list is searched again among the fits in hand, not re-ranked.
    assert page._fits_for == fits.fits_state(win.ws, page.today)
    server.allow(2)
    qtbot.waitUntil(lambda: "New tenders are coming in" in page.fit_note.text(), timeout=30000)
    assert page._fits_for != fits.fits_state(win.ws, page.today) and len(calls) == 1
    fits_listed(qtbot, page)
    assert "that fit us, best fit first" in page.message.text()
    # Once they are all in, the fits are worked out again, once.
    server.allow(None)
    qtbot.waitUntil(lambda: win.feeds.last_report is not None, timeout=60000)
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=30000)
    assert not calls[1][1]
    qtbot.waitUntil(lambda: not page._fitting, timeout=30000)
    fits_listed(qtbot, page)
    assert "coming in" not in page.fit_note.text()
    assert page.fits is not None and page._fits_for == fits.fits_state(win.ws, page.today)
    assert len(calls) == 2


def test_offline_is_one_calm_line(main_window, qtbot):
    win = main_window
    point_at(win, closed_port())
    win.feeds.fetch()
    qtbot.waitUntil(lambda: win.feeds.last_report is not None, timeout=30000)
    line = "offline — showing what you already have, never updated from the internet"
    assert win.tenders.feed_bar.updated.text() == line
    assert win.statusBar().currentMessage() == line
    assert no_message_box() and win.feeds.dialog is None


def test_check_when_consortium_opens(main_window, qtbot):
    win = main_window
    box = win.start.feed_bar.auto
    assert not box.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert feeds.check_on_start(win.ws)
    assert win.tenders.feed_bar.auto.isChecked()  # both bars follow the one setting


def test_closing_within_seven_days_is_highlighted(main_window, qtbot):
    win = main_window
    page = win.tenders
    win.show_area("tenders")
    page.run_search()
    tenders_listed(qtbot, page)
    row = next(
        r for r in range(page.model.rowCount()) if page.model.row_data(r)["status"] == "open"
        and page.model.row_data(r)["deadline"]
    )  # fmt: skip
    deadline = dt.date.fromisoformat(page.model.row_data(row)["deadline"][:10])
    ocid = page.model.row_data(row)["ocid"]
    page.today = deadline - dt.timedelta(days=3)
    page.run_search()
    tenders_listed(qtbot, page)
    row = page.model.row_of(ocid)
    brush = page.model.index(row, 3).data(Qt.ItemDataRole.BackgroundRole)
    assert brush is not None and brush.color().name() == CLOSING_SOON
    assert "Closes within 7 days" in page.model.index(row, 3).data(Qt.ItemDataRole.ToolTipRole)
    page.today = deadline - dt.timedelta(days=20)
    page.run_search()
    tenders_listed(qtbot, page)
    assert page.model.index(page.model.row_of(ocid), 3).data(Qt.ItemDataRole.BackgroundRole) is None


def test_pipeline_sort_chosen_while_a_search_runs_sorts_that_search(
    main_window, qtbot, monkeypatch
):
    """A heading clicked while the typed search is still being found sorts the rows of that
    search, not the rows still on screen."""
    import threading

    from ui import pipeline_page

    win = main_window
    import_paths(win.ws, [FTS_PAGE, CF_PAGE])
    win.pipeline.today = TODAY
    win.show_area("pipeline")
    page, model = win.pipeline, win.pipeline.model
    page.partner.setCurrentIndex(page.partner.findData("everyone"))
    qtbot.waitUntil(lambda: not page.busy())
    everyone = model.rowCount()
    gate, real = threading.Event(), pipeline_page.pipeline
    monkeypatch.setattr(pipeline_page, "pipeline", lambda *a, **k: gate.wait(10) and real(*a, **k))
    qtbot.keyClicks(page.search, "Hertfordshire")
    qtbot.waitUntil(page.busy)  # the search is being found, held at the gate
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(3) + 10
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    gate.set()
    qtbot.waitUntil(lambda: not page.busy() and not page._timer.isActive())
    assert 0 < model.rowCount() < everyone
    buyers = [model.index(r, 4).data() for r in range(model.rowCount())]
    assert all("Hertfordshire" in b or "Herts" in b for b in buyers)
    values = [model.item(r).value for r in range(model.rowCount())]
    known = [v for v in values if v is not None]
    assert values[: len(known)] == sorted(known, reverse=True)
    assert page.message.text().startswith(f"{model.rowCount():,} contract")


def test_pipeline_area_lists_sorts_searches_and_exports(main_window, qtbot, tmp_path, monkeypatch):
    win = main_window
    import_paths(win.ws, [FTS_PAGE, CF_PAGE])
    win.pipeline.today = TODAY
    win.show_area("pipeline")
    page = win.pipeline
    page.partner.setCurrentIndex(page.partner.findData("everyone"))
    table, model = page.table, page.model
    assert page.message.text() == "Finding contracts…"  # found off the GUI thread
    qtbot.waitUntil(lambda: not page.busy())

    def cell(r: int, c: int) -> str:
        return model.index(r, c).data()

    assert model.rowCount() == len(page.result.rows) > 20
    assert re.search(r"contracts? ending 23 May 2027 to 23 Nov 2028", page.message.text())
    assert cell(0, 0) == "15 Jun 2027"
    assert cell(0, 2) == "CF Contact and Support Services Limited"
    assert cell(0, 3) == "£3,650,000"
    # Sort by value, highest first, by clicking the heading as a user would.
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(3) + 10
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    qtbot.waitUntil(lambda: not page.busy())
    values = [model.item(r).value for r in range(model.rowCount())]
    known = [v for v in values if v is not None]
    assert values[: len(known)] == sorted(known)  # lowest first, those not given last
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    qtbot.waitUntil(lambda: not page.busy())
    values = [model.item(r).value for r in range(model.rowCount())]
    assert values[: len(known)] == sorted(known, reverse=True)  # values not given come last
    assert cell(0, 3) == money(max(known))
    qtbot.keyClicks(page.search, "Hertfordshire")
    qtbot.waitUntil(lambda: not page.busy() and 0 < model.rowCount() < len(values))
    assert all("Hertfordshire" in cell(r, 4) or "Herts" in cell(r, 4)
               for r in range(model.rowCount()))  # fmt: skip
    values = [model.item(r).value for r in range(model.rowCount())]
    known = [v for v in values if v is not None]
    assert values[: len(known)] == sorted(known, reverse=True)  # the sort chosen stays
    out = tmp_path / "pipeline.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    from consortium.tenders import pipeline_xlsx

    threads = threads_calling(monkeypatch, pipeline_xlsx, "export_xlsx")
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved" in page.message.text(), timeout=20_000)
    assert (
        page.message.text()
        == f"Saved {model.rowCount():,} contract{'' if model.rowCount() == 1 else 's'} to {out}"
    )
    assert threads and threads != [threading.main_thread().name]  # off the window's thread
    sheet = openpyxl.load_workbook(out).active
    assert sheet["A1"].value.startswith("Contracts ending 23 May 2027 to 23 Nov 2028")
    assert sheet.max_row - 2 == model.rowCount()
    assert sheet["E3"].number_format == '"£"#,##0'
    table.selectRow(0)
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert win.current_page().key == "tenders"


def test_each_new_for_you_dialog_is_deleted_when_the_next_one_shows(main_window, server, qtbot):
    """Every download left its "New for you" dialog alive, hidden: 24 Qt objects each."""
    from ui.feeds_ui import NewForYouDialog

    win = main_window
    fetch_with_a_saved_search(win, server, qtbot)
    assert win.feeds.last_alerts
    first = win.feeds.dialog
    assert first is not None and first.isVisible()
    for _ in range(2):  # shown again, as from the tray's notification
        win.feeds.show_new_for_you()
    qtbot.waitUntil(lambda: len(win.findChildren(NewForYouDialog)) == 1)
    (left,) = win.findChildren(NewForYouDialog)
    assert left is win.feeds.dialog and left is not first and left.isVisible()


def test_new_for_you_with_none_for_you_says_so_in_words(main_window, qtbot):
    """It showed a large empty list under "0 new tender(s) for you of 94 new"."""
    win = main_window
    win.feeds.last_report = feeds.FetchReport(new_ocids=[f"ocds-x-{i}" for i in range(94)])
    win.feeds.last_alerts = []
    win.feeds.show_new_for_you()
    dialog = win.feeds.dialog
    qtbot.waitUntil(dialog.isVisible)
    text = dialog.head.text()
    assert "None of the 94 new tenders is for you" in text and "Save search" in text
    assert not dialog.list.isVisible()
    win.feeds.last_report = feeds.FetchReport()
    win.feeds.show_new_for_you()
    assert "brought no new tenders" in win.feeds.dialog.head.text()
    assert not win.feeds.dialog.list.isVisible()
