"""The Library area offscreen, driven through its widgets: the demo library with stale entries
flagged, search, add/edit/delete with undo, import/export read back; and its suggestions in the
Bids area on first run, with Insert disabled until one is chosen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMessageBox

from consortium.bids import questions as bid_questions
from consortium.library import store
from consortium.matching import proposals

TODAY = dt.date(2026, 11, 23)
FIXTURES = Path(__file__).parent / "fixtures" / "bids"


def open_library(main_window):
    page = main_window.library
    page.today = TODAY
    main_window.show_area("library")
    assert main_window.sidebar.currentItem().text() == "Library"
    page.reload()
    return page


def shown(page, column: int) -> list[str]:
    return [page.model.index(r, column).data() for r in range(page.model.rowCount())]


def test_demo_library_is_browsable_and_stale_entries_are_flagged(main_window, qtbot):
    page = open_library(main_window)
    titles = shown(page, 0)
    assert len(titles) >= 6 and "Data protection and UK GDPR" in titles
    states = dict(zip(titles, shown(page, 4), strict=True))
    assert states["Data protection and UK GDPR"] == "⚠ stale"
    assert states["Safeguarding adults and children: our approach"] == "fresh"
    assert any(s == "⚠ never reviewed" for s in states.values())
    assert "2 need review" in page.summary.text()
    page.view.selectRow(titles.index("Data protection and UK GDPR"))
    assert page.title.text() == "Data protection and UK GDPR"
    assert page.owner.currentText() == "Riverside Community Action"
    assert "Stale" in page.state.text() and "check it before" in page.state.text()
    # "Reviewed today" clears the flag and sets the next review a year on.
    qtbot.mouseClick(page.reviewed_button, Qt.MouseButton.LeftButton)
    assert (
        dict(zip(shown(page, 0), shown(page, 4), strict=True))["Data protection and UK GDPR"]
        == "fresh"
    )
    assert "1 needs review" in page.summary.text()
    # Only what needs review, then a search.
    page.show_only.setCurrentIndex(page.show_only.findData("stale"))
    assert all(s.startswith("⚠") for s in shown(page, 4))
    page.show_only.setCurrentIndex(0)
    qtbot.keyClicks(page.search, "mobilisation TUPE")
    qtbot.waitUntil(
        lambda: shown(page, 0)[:1] == ["Mobilisation plan: the first 90 days"], timeout=3000
    )
    assert "shown of" in page.summary.text()


def test_add_edit_delete_and_undo(main_window, qtbot, monkeypatch):
    page = open_library(main_window)
    before = page.model.rowCount()
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert page.title.hasFocus() or page.title.isEnabled()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)  # no title yet
    assert "Give the entry a title" in page.message.text()
    qtbot.keyClicks(page.title, "Volunteer recruitment and training")
    page.owner.setEditText("Essex Carers Alliance")
    qtbot.keyClicks(page.tags, "volunteers, training")
    qtbot.keyClicks(page.review_due, "31/02/2027")
    qtbot.keyClicks(page.body, "Every volunteer has an induction and a named supervisor.")
    qtbot.keyClick(page.body, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "Review due" in page.message.text() and "not a real date" in page.message.text()
    page.review_due.clear()
    qtbot.keyClicks(page.review_due, "1 Mar 2027")
    qtbot.keyClick(page.body, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.model.rowCount() == before + 1
    saved = next(e for e in store.list_all(main_window.ws.db) if e.title.startswith("Volunteer"))
    assert (saved.owner, saved.tags, saved.review_due) == (
        "Essex Carers Alliance",
        ["volunteers", "training"],
        dt.date(2027, 3, 1),
    )
    assert page.review_due.text() == "1 Mar 2027"
    # Edit, then choose another entry without saving: the edit is kept.
    page.body.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(page.body, " They meet monthly.")
    other = next(r for r, t in enumerate(shown(page, 0)) if not t.startswith("Volunteer"))
    page.view.selectRow(other)
    assert store.load(main_window.ws.db, saved.id).body.endswith("They meet monthly.")
    # Delete asks, and can be undone.
    page.view.selectRow(shown(page, 0).index("Volunteer recruitment and training"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert "Volunteer recruitment and training" not in shown(page, 0)
    assert page.undo_button.isVisible()
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    assert "Volunteer recruitment and training" in shown(page, 0)
    back = next(e for e in store.list_all(main_window.ws.db) if e.title.startswith("Volunteer"))
    assert back.uid == saved.uid and back.body.endswith("They meet monthly.")


def test_export_and_import_round_trip(main_window, tmp_path, monkeypatch):
    page = open_library(main_window)
    out = tmp_path / "library.xlsx"
    assert page.export_to(out) == page.model.rowCount()
    sheet = openpyxl.load_workbook(out)["Library"]
    titles = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == sorted(shown(page, 0))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.view.selectRow(0)
    gone = page.title.text()
    page.delete()
    result = page.import_file(out)
    assert result is not None and result.added == 1 and gone in shown(page, 0)
    assert "1 added" in page.message.text()
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    assert page.import_file(bad) is None
    assert "notes.txt" in page.message.text()


def test_demo_suggestions_show_on_first_run_and_insert_needs_a_choice(main_window, qtbot):
    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    main_window.sidebar.setCurrentRow(3)
    page = main_window.bids
    page.reload()
    page.consortium.setCurrentIndex(page.consortium.findText("MK domestic abuse"))
    page.create_bid()
    panel = page.questions
    panel.today = TODAY
    panel.import_file(FIXTURES / "questionnaire.xlsx")
    row = next(r for r, q in enumerate(panel.model.rows) if "safeguarding" in q.text.lower())
    panel.view.selectRow(row)
    assert panel.suggestions.count() >= 1
    assert panel.suggestions.item(0).text().startswith("Safeguarding adults and children")
    assert not panel.insert_button.isEnabled()  # nothing chosen yet
    panel.insert()
    assert panel.current.answer == ""
    panel.suggestions.setCurrentRow(0)
    assert panel.insert_button.isEnabled()
    qtbot.mouseClick(panel.insert_button, Qt.MouseButton.LeftButton)
    q = bid_questions.list_for(ws.db, page.current_id())[row]
    assert "Designated Safeguarding Lead" in q.answer and q.status == "drafting"
    assert "Designated Safeguarding Lead" in panel.answer.toPlainText()
    # The library counts the use; "Open the library" goes there.
    qtbot.mouseClick(panel.library_button, Qt.MouseButton.LeftButton)
    assert main_window.stack.currentWidget() is main_window.library
    lib = main_window.library
    lib.view.selectRow(shown(lib, 0).index("Safeguarding adults and children: our approach"))
    assert "Used 1 time." in lib.state.text()
