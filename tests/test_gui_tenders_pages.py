"""The Tenders list pages its search: the first page and the count at once, more rows as the
view scrolls, a new page 0 when the sort changes, and never every matching id (on a generated
workspace of ~2,800 tenders, offscreen)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt

from consortium.tenders import search
from consortium.workspace import Workspace
from tests.conftest import tenders_listed, threads_calling
from ui.tenders_model import KEY_ROLE
from ui.tenders_page import TendersPage

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def page(qtbot, generated_template, tmp_path):
    shutil.copyfile(generated_template, tmp_path / "g.consortium")
    ws = Workspace.open(tmp_path / "g.consortium", backup=False)
    page = TendersPage()
    qtbot.addWidget(page)
    page.today = TODAY
    page.resize(1366, 700)
    page.show()
    page.status.setCurrentIndex(page.status.findText("Any status"))
    page._timer.stop()
    page.set_workspace(ws)
    tenders_listed(qtbot, page)
    yield page
    ws.close()


def fetch_all(qtbot, model) -> None:
    """Every page of the list, each read off the GUI thread as when the view scrolls."""
    while model.more:
        model.fetchMore()
        qtbot.waitUntil(lambda: not model._pager.busy())


def test_first_page_and_total_at_once_more_rows_as_the_view_scrolls(page, qtbot, monkeypatch):
    ws, model = page.ws, page.model
    firsts = threads_calling(monkeypatch, search, "first_page")
    pages = threads_calling(monkeypatch, search, "search_page")
    page.run_search()
    assert model.rowCount() == search.PAGE  # the list shown stays until the new one comes
    tenders_listed(qtbot, page)
    full = search.search_keys(ws, page.query(), today=TODAY)
    total = ws.conn.execute("SELECT count(*) FROM tenders").fetchone()[0]
    assert len(full) == total > 4 * search.PAGE
    assert model.keys == full[: search.PAGE] and model.rowCount() == search.PAGE
    assert page.message.text() == f"{total:,} of {total:,} tenders"
    page.view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > search.PAGE)
    assert model.keys == full[: model.rowCount()] and model.rowCount() < total
    assert (
        model.index(model.rowCount() - 1, 1).data()
        == search.rows(ws, [full[model.rowCount() - 1]])[0]["title"]
    )
    fetch_all(qtbot, model)
    assert model.keys == full
    # At 200,000 tenders the first page of "s*" took 240 ms, and each page more as much.
    assert firsts and pages and len(pages) > 2
    assert all(name.startswith("consortium-tenders") for name in firsts + pages), firsts + pages


def test_a_new_sort_or_search_pages_again_from_the_top(page, qtbot):
    ws, model = page.ws, page.model
    fetch_all(qtbot, model)
    page.sort.setCurrentIndex(page.sort.findText("Sort: Value, highest first"))
    by_value = search.search_keys(ws, search.TenderQuery(sort="value"), today=TODAY)
    qtbot.waitUntil(lambda: model.keys == by_value[: search.PAGE])
    values = [r["value_sort"] for r in search.rows(ws, model.keys) if r["value_sort"] is not None]
    assert values == sorted(values, reverse=True) and len(values) > 10  # highest first
    page.view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > search.PAGE)
    assert model.keys == by_value[: model.rowCount()]
    page.text.setText("support")
    words = search.search_keys(ws, search.TenderQuery(text="support", sort="value"), today=TODAY)
    qtbot.waitUntil(lambda: model.keys == words[: search.PAGE])
    assert page.message.text().startswith(f"{len(words):,} of ")


def test_a_slow_count_shows_an_estimate_then_the_count(page, qtbot, monkeypatch):
    monkeypatch.setattr(search, "COUNT_BUDGET", 0.0)
    monkeypatch.setattr(search, "SAMPLE_SPAN", 100)  # estimate from stretches, not all
    # The exact count, on its own thread, is held until the estimate has been read: on a
    # quick machine it could finish while the list was still being waited for, and the
    # estimate would never be seen (CI, stop 30).
    release, real_count = threading.Event(), search.count

    def held_count(*args, cancelled=None, **kwargs):
        if cancelled is not None:
            release.wait(10)
        return real_count(*args, cancelled=cancelled, **kwargs)

    monkeypatch.setattr(search, "count", held_count)
    page._total = None
    page.text.setText("support")
    page.run_search()
    tenders_listed(qtbot, page)
    n = real_count(page.ws, page.query(), today=TODAY)
    assert page.message.text().startswith("About ") and "counting" in page.message.text()
    assert len(page.model.keys) == search.PAGE  # the list did not wait for the count
    release.set()
    qtbot.waitUntil(lambda: page.message.text().startswith(f"{n:,} of "))
    page.text.setText("care")  # a count overtaken by a newer search is dropped
    page.run_search()
    page.text.setText("housing")
    page.run_search()
    n = real_count(page.ws, page.query(), today=TODAY)
    qtbot.waitUntil(lambda: page.message.text().startswith(f"{n:,} of "))
    qtbot.wait(200)
    assert page.message.text().startswith(f"{n:,} of ")


def test_best_match_says_what_it_is_judged_over(page):
    from PySide6.QtCore import Qt

    labels = [page.sort.itemText(i) for i in range(page.sort.count())]
    best = next(i for i, text in enumerate(labels) if "Best match" in text)
    tip = page.sort.itemData(best, Qt.ItemDataRole.ToolTipRole)
    assert f"newest {search.RELEVANCE_POOL:,} tenders" in tip and "closing date" in tip


def test_saved_searches_are_listed_at_once_and_counted_off_the_gui_thread(page, qtbot, monkeypatch):
    ws = page.ws
    search.save_search(ws, "Care", search.TenderQuery(text="care"))
    search.save_search(ws, "Everything", search.TenderQuery(status=[]))
    counted_on: list[str] = []
    real_count = search.count

    def count(*args, **kwargs):
        counted_on.append(threading.current_thread().name)
        return real_count(*args, **kwargs)

    monkeypatch.setattr(search, "count", count)
    page.reload_saved()
    # Listed before any count (the counts reach the list through the GUI thread's events).
    assert [page.saved.itemText(i) for i in range(page.saved.count())][1:] == [
        "Care (counting…)",
        "Everything (counting…)",
    ]
    qtbot.waitUntil(page.saved_counted)
    monkeypatch.setattr(search, "count", real_count)
    care = real_count(ws, search.TenderQuery(text="care"), today=TODAY)
    every = real_count(ws, search.TenderQuery(status=[]), today=TODAY)
    assert page.saved.itemText(1) == f"Care ({care:,})"  # just saved: nothing new yet
    assert page.saved.itemText(2) == f"Everything ({every:,})"
    assert counted_on and threading.main_thread().name not in counted_on
    # Choosing one shows its search, with the new count from the listing, not counted again.
    again: list[str] = []
    real_counts = search.saved_counts
    monkeypatch.setattr(
        search,
        "saved_counts",
        lambda *a, **k: again.append(threading.current_thread().name) or real_counts(*a, **k),
    )
    page.saved.setCurrentIndex(1)
    page.saved.activated.emit(1)
    assert page.text.text() == "care"
    tenders_listed(qtbot, page)
    assert page.message.text().startswith(f"{care:,} of ")
    assert threading.main_thread().name not in again


def test_a_saved_search_that_cannot_be_counted_shows_its_name_and_the_others_their_counts(
    page, qtbot, monkeypatch
):
    ws = page.ws
    search.save_search(ws, "Broken", search.TenderQuery(text="care"))
    search.save_search(ws, "Everything", search.TenderQuery(status=[]))
    real = search.saved_counts

    def counts(ws_, saved, **kw):
        if saved["name"] == "Broken":
            raise search.SearchError("no such column")  # as a search stored by a newer version
        return real(ws_, saved, **kw)

    monkeypatch.setattr(search, "saved_counts", counts)
    page.reload_saved()
    qtbot.waitUntil(page.saved_counted)
    every = search.count(ws, search.TenderQuery(status=[]), today=TODAY)
    assert [page.saved.itemText(i) for i in (1, 2)] == ["Broken", f"Everything ({every:,})"]


def test_a_tender_shown_from_elsewhere_beyond_the_list_is_the_one_matched(page, qtbot):
    ws = page.ws
    every = search.search_keys(ws, search.TenderQuery(status=[]), today=TODAY)
    far = search.ocids_for(ws, [every[-1]])[0]  # further down than the list fetches
    page.show_tender(far)
    assert search.get(ws, far).title in page.detail.toPlainText()  # at once
    tenders_listed(qtbot, page)
    assert page.model.row_of(far) is None
    assert not page.view.selectionModel().hasSelection()  # no other row looks chosen
    assert search.get(ws, far).title in page.detail.toPlainText()
    with qtbot.waitSignal(page.match_requested) as asked:
        qtbot.mouseClick(page.match_button, Qt.MouseButton.LeftButton)
    assert asked.args == [far]
    # choosing a row in the list makes that the one
    page.view.selectRow(2)
    with qtbot.waitSignal(page.match_requested) as asked:
        qtbot.mouseClick(page.match_button, Qt.MouseButton.LeftButton)
    assert asked.args == [page.model.index(2, 0).data(KEY_ROLE)]


def test_a_page_more_that_cannot_be_read_is_said_not_hidden(page, qtbot, monkeypatch):
    """The list used to end silently where the failed page began, as if it held every match."""
    import sqlite3

    model = page.model
    assert model.more and model.rowCount() == search.PAGE

    def broken(*_args, **_kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(search, "search_page", broken)
    page.view.scrollToBottom()
    qtbot.waitUntil(lambda: "could not be read" in page.message.text())
    text = page.message.text()
    assert f"Only the first {search.PAGE:,} tenders are listed" in text
    assert "disk I/O error" in text and "try again" in text
    assert not model.canFetchMore() and model.rowCount() == search.PAGE
    monkeypatch.undo()
    page.sort.setCurrentIndex(page.sort.findText("Sort: Value, highest first"))
    qtbot.waitUntil(lambda: "could not be read" not in page.message.text())
    tenders_listed(qtbot, page)
    page.view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > search.PAGE)
