"""The Tenders area offscreen: rows fetched on demand, filters, detail pane, saved searches,
imports through the dialog and by dropping files, and "match partners" from a tender."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QInputDialog

from consortium.tenders import search
from tests.conftest import tenders_listed
from ui.tenders_model import BLOCK, KEY_ROLE, TenderListModel

TODAY = dt.date(2026, 11, 23)
FIXTURES = Path(__file__).parent / "fixtures" / "ocds"


@pytest.fixture
def window(main_window, qtbot):
    main_window.sidebar.setCurrentRow(1)
    main_window.tenders.run_search()
    tenders_listed(qtbot, main_window.tenders)
    return main_window


def test_model_fetches_rows_only_when_asked(qtmodeltester, window):
    page = window.tenders
    keys = search.search_keys(window.ws, today=TODAY)
    model = TenderListModel()
    model.today = TODAY
    model.set_keys(window.ws, keys * 20)  # 860 rows in five blocks
    assert model.fetches == 0
    assert model.index(BLOCK * 3 + 5, 1).data() == model.row_data(BLOCK * 3 + 5)["title"]
    assert model.fetches == 1  # one block read for a row far down the list
    qtmodeltester.check(model)
    assert page.model.rowCount() > 0


def test_open_tenders_by_default_with_status_and_countdown(window):
    page = window.tenders
    statuses = {page.model.row_data(r)["status"] for r in range(page.model.rowCount())}
    assert statuses <= {"open", "coming soon"}
    young_carers = page.model.row_of("ocds-h6vhtk-06e058")
    assert "days)" in page.model.index(young_carers, 3).data()


def test_filters_words_place_and_status(window, qtbot):
    page = window.tenders
    page.text.setText("carers")
    qtbot.waitUntil(
        lambda: "ocds-h6vhtk-06e058" in page.model.ocids() and page.model.rowCount() < 10
    )
    page.text.clear()
    page.place.setText("Camden")
    qtbot.waitUntil(lambda: "ocds-h6vhtk-06e058" in page.model.ocids())
    assert "ocds-h6vhtk-05a7b0" not in page.model.ocids()  # Milton Keynes is not in London
    page.place.clear()
    page.status.setCurrentIndex(page.status.findText("Awarded"))
    qtbot.waitUntil(
        lambda: (
            page.model.ocids()
            and all(
                page.model.row_data(r)["status"] == "awarded" for r in range(page.model.rowCount())
            )
        )
    )


def test_bad_filter_says_what_to_do(window, qtbot):
    page = window.tenders
    page.cpv.setText("care")
    qtbot.waitUntil(lambda: "not a CPV code" in page.message.text())


def test_detail_pane_shows_lots_deadlines_and_marks_viewed(window):
    page = window.tenders
    page.view.selectRow(page.model.row_of("ocds-h6vhtk-05a7b0"))
    html = page.detail.toHtml()
    assert "Domestic Abuse Support Services" in html
    assert "Lot 3" in html and "Milton Keynes" in html
    assert "days)" in html  # deadline counting down
    row = search.rows(window.ws, ["ocds-h6vhtk-05a7b0"], today=TODAY)[0]
    assert row["viewed"]


def test_saved_search_round_trip(window, qtbot, monkeypatch):
    page = window.tenders
    page.text.setText("domestic abuse")
    page.run_search()  # at once, rather than after the typing pause
    tenders_listed(qtbot, page)
    expected = page.model.ocids()
    assert 2 <= len(expected) < 10
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Domestic abuse", True))
    page._save_search()
    assert page.saved.count() == 2 and page.saved.itemText(1).startswith("Domestic abuse")
    page.text.clear()
    page.run_search()
    assert tenders_listed(qtbot, page) > len(expected)
    page.saved.setCurrentIndex(1)
    page._saved_chosen(1)
    tenders_listed(qtbot, page)
    assert page.model.ocids() == expected
    assert page.text.text() == "domestic abuse"


def test_import_through_the_dialog_shows_the_report(window, qtbot, monkeypatch):
    before = search.count(window.ws, today=TODAY)
    files = [str(FIXTURES / "cf-search-2025-01-20_2025-01-23-page-001.json")]
    monkeypatch.setattr("ui.mainwindow.QFileDialog.getOpenFileNames", lambda *a, **k: (files, ""))
    window.choose_tender_import()
    qtbot.waitUntil(lambda: window.last_tender_report is not None, timeout=60000)
    report = window.last_tender_report
    assert report.releases_read == 100
    assert search.count(window.ws, today=TODAY) == before + report.tenders_new
    assert window.stack.currentWidget() is window.tenders


def test_bad_tender_file_changes_nothing(window, qtbot, tmp_path, monkeypatch):
    bad = tmp_path / "broken.json"
    bad.write_text('{"releases": [{"ocid": "x", ', encoding="utf-8")
    shown = []
    monkeypatch.setattr(window, "show_error", lambda title, text, details="": shown.append(text))
    dump = list(window.ws.conn.iterdump())
    window.import_tenders([bad])
    qtbot.waitUntil(lambda: not window.tasks, timeout=20000)
    assert shown and "broken.json" in shown[0]
    assert list(window.ws.conn.iterdump()) == dump


def test_drop_a_json_file_imports_tenders(window, qtbot):
    mime = QMimeData()
    mime.setUrls(
        [QUrl.fromLocalFile(str(FIXTURES / "cf-search-2025-01-20_2025-01-23-page-001.json"))]
    )
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.last_tender_report is not None, timeout=60000)
    assert window.last_tender_report.releases_read == 100


def test_match_partners_from_a_tender(window):
    page = window.tenders
    page.view.selectRow(page.model.row_of("ocds-h6vhtk-06e058"))
    page.match_button.click()
    assert window.stack.currentWidget() is window.matches
    assert window.matches.ocid == "ocds-h6vhtk-06e058"
    assert window.matches.match_model.rowCount() > 0
    assert window.tenders.view.currentIndex().data(KEY_ROLE) == "ocds-h6vhtk-06e058"


def test_a_tender_is_marked_viewed_when_its_page_is_shown_not_before(main_window, qtbot):
    # The hidden Tenders page chooses its first row when its list arrives: the user has not
    # looked at that tender, so it is not marked viewed (a workbook import that changed
    # nothing then wrote to the workspace) until the page is shown.
    win = main_window
    page = win.tenders
    assert not page.isVisible()
    page.run_search()
    tenders_listed(qtbot, page)
    shown = page.current_ocid()
    assert shown and page._shown == shown

    def viewed() -> bool:
        return (
            win.ws.conn.execute(
                "SELECT count(*) FROM tender_views WHERE ocid = ?", [shown]
            ).fetchone()[0]
            > 0
        )

    qtbot.wait(100)
    assert not viewed()
    win.show_area("tenders")
    qtbot.waitUntil(viewed)
