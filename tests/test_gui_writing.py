"""Writing the bid in the window, offscreen at 1366×768, driven as a user would: questions typed,
pasted, edited, moved and deleted; answers never lost (typing pause, switching question,
Ctrl+S, closing the window); the status follows the answer; readiness counts what it lists."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox

from consortium.bids import questions as bid_questions
from consortium.matching import proposals
from ui.question_dialogs import PasteDialog, QuestionDialog

TODAY = dt.date(2026, 11, 23)
OCID = "ocds-h6vhtk-05a7b0"  # the demo's Milton Keynes domestic abuse tender


@pytest.fixture
def bid_page(main_window, qtbot):
    """The Bids area at 1366×768 with a new bid for a saved Milton Keynes consortium."""
    main_window.resize(1366, 768)
    ws = main_window.ws
    result = proposals.propose_for(ws, OCID, today=TODAY)
    proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    main_window.sidebar.setCurrentRow(3)
    page = main_window.bids
    page.reload()
    page.consortium.setCurrentIndex(page.consortium.findText("MK domestic abuse"))
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    page.questions.today = TODAY
    return page


def cell(panel, row: int, column: int) -> str:
    return panel.model.index(row, column).data()


def click_row(qtbot, panel, row: int) -> None:
    rect = panel.view.visualRect(panel.model.index(row, 1))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_questions_are_typed_pasted_edited_moved_and_deleted(bid_page, qtbot, monkeypatch):
    panel = bid_page.questions
    assert panel.model.rowCount() == 0
    assert "Type a question above" in panel.question.text()
    qtbot.keyClicks(
        panel.new_question, "1 How will you reach survivors in rural areas? (max 300 words)"
    )
    qtbot.keyClick(panel.new_question, Qt.Key.Key_Return)
    assert panel.model.rowCount() == 1 and panel.new_question.text() == ""
    assert (cell(panel, 0, 0), cell(panel, 0, 4)) == ("1", "0 / 300")
    assert cell(panel, 0, 1) == "How will you reach survivors in rural areas? (max 300 words)"
    # Several at once, one a line; the dialog counts them as they are pasted.
    dialog = PasteDialog(panel)
    dialog.text.setPlainText(
        "Q2 Describe your safeguarding approach.\n\nQ3 What social value will you deliver?"
    )
    assert dialog.count.text() == "2 questions to add."
    assert panel.paste(dialog.text.toPlainText()) == 2
    assert [cell(panel, r, 0) for r in range(3)] == ["1", "2", "3"]
    assert "Added 2 questions" in panel.notice.text()
    assert panel.current.ref == "3" and panel.question.text().startswith("<b>Q 3</b>")
    # Pasting the same again adds nothing.
    assert panel.paste("Q2 Describe your safeguarding approach.") == 0
    assert "already on the bid" in panel.notice.text()
    # Edit the question itself; its answer stays.
    click_row(qtbot, panel, 1)
    qtbot.keyClicks(panel.answer, "Our lead is trained.")
    edit = QuestionDialog(panel.current, panel)
    edit.limit.setText("abc")
    with pytest.raises(ValueError, match="not a whole number"):
        edit.values()
    edit.limit.setText("400")
    edit.ref.setText("Q2")  # as a buyer's workbook writes it
    assert panel.apply_edit(**edit.values())
    assert cell(panel, 1, 4) == "4 / 400"
    # The label reads "Q2", never "Q Q2".
    assert panel.question.text().startswith("<b>Q2</b>")
    assert (
        bid_questions.list_for(bid_page.ws.db, bid_page.current_id())[1].answer
        == "Our lead is trained."
    )
    # Move it up: the list and the stored order follow.
    qtbot.mouseClick(panel.up_button, Qt.MouseButton.LeftButton)
    assert [cell(panel, r, 0) for r in range(3)] == ["Q2", "1", "3"]
    assert panel.current.ref == "Q2" and not panel.up_button.isEnabled()
    qtbot.mouseClick(panel.down_button, Qt.MouseButton.LeftButton)
    assert [cell(panel, r, 0) for r in range(3)] == ["1", "Q2", "3"]
    # Delete asks; No keeps it, Yes deletes it, and Undo puts it back with its answer.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert panel.model.rowCount() == 3
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert [cell(panel, r, 0) for r in range(2)] == ["1", "3"]
    assert panel.undo_delete.isVisible()
    qtbot.mouseClick(panel.undo_delete, Qt.MouseButton.LeftButton)
    assert [cell(panel, r, 0) for r in range(3)] == ["1", "Q2", "3"]
    assert panel.current.answer == "Our lead is trained."


def test_switching_question_before_save_loses_nothing(bid_page, qtbot):
    panel = bid_page.questions
    panel.paste("1 Describe the service.\n2 How will you keep people safe?")
    click_row(qtbot, panel, 0)
    qtbot.keyClicks(panel.answer, "We run weekly drop-ins")
    assert panel.saved_state.text() == "Saving when you pause…"
    click_row(qtbot, panel, 1)  # no Save pressed
    assert panel.current.ref == "2" and panel.answer.toPlainText() == ""
    click_row(qtbot, panel, 0)
    assert panel.answer.toPlainText() == "We run weekly drop-ins"
    stored = bid_questions.list_for(bid_page.ws.db, bid_page.current_id())[0]
    assert stored.answer == "We run weekly drop-ins"
    # The status follows the answer: typed text makes it "drafting", in the list too.
    assert stored.status == "drafting" and cell(panel, 0, 3) == "drafting"
    assert panel.status.currentText() == "drafting"


def test_answers_save_after_a_pause_and_on_ctrl_s(bid_page, qtbot):
    panel = bid_page.questions
    panel.paste("1 Describe the service.")
    bid_id = bid_page.current_id()

    def stored() -> str:
        return bid_questions.list_for(bid_page.ws.db, bid_id)[0].answer

    qtbot.keyClicks(panel.answer, "Typed then paused")
    assert stored() == ""
    qtbot.waitUntil(lambda: stored() == "Typed then paused", timeout=5000)
    assert panel.saved_state.text() == "All changes saved"
    assert cell(panel, 0, 4) == "3"
    panel.answer.setFocus()
    qtbot.keyClicks(panel.answer, " and saved at once")
    qtbot.keyClick(panel.answer, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert stored() == "Typed then paused and saved at once"
    # The cursor stays where it was: saving does not reload the editor.
    assert panel.answer.textCursor().position() == len(stored())


def test_closing_the_window_saves_the_answer_being_typed(bid_page, qtbot, main_window):
    panel = bid_page.questions
    panel.paste("1 Describe the service.")
    bid_id = bid_page.current_id()
    ws_path = main_window.ws.path
    qtbot.keyClicks(panel.answer, "Typed just before closing")
    main_window.partners.editor.load(None)
    assert main_window.close()
    from consortium.workspace import Workspace

    again = Workspace.open(ws_path)
    try:
        assert bid_questions.list_for(again.db, bid_id)[0].answer == "Typed just before closing"
    finally:
        again.close()


def test_close_is_stopped_when_an_answer_cannot_be_saved(bid_page, qtbot, main_window, monkeypatch):
    panel = bid_page.questions
    panel.paste("1 Describe the service.\n2 Why you?")
    click_row(qtbot, panel, 0)
    qtbot.keyClicks(panel.answer, "Unsaveable")

    def refuse(ws, q):
        from consortium.bids.records import BidError

        raise BidError("the disk is full")

    monkeypatch.setattr(bid_questions, "save", refuse)
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Cancel,
    )
    main_window.partners.editor.load(None)
    assert not main_window.close()
    assert "could not be saved" in asked[0]
    assert "the disk is full" in panel.saved_state.text()
    assert panel.answer.toPlainText() == "Unsaveable" and panel.is_dirty()
    # Choosing another question keeps this one (and its text) while it cannot be saved.
    click_row(qtbot, panel, 1)
    assert panel.current.ref == "1" and panel.answer.toPlainText() == "Unsaveable"
    assert panel.view.currentIndex().row() == 0
    monkeypatch.undo()  # the fixture's close may now save it


def test_details_due_owner_readiness_and_the_new_bid_box(bid_page, qtbot, main_window):
    panel = bid_page.questions
    # With no question the disabled Due box says so in words, never 01/01/2000.
    assert not panel.due.isEnabled() and panel.due.text() == "No due date"
    panel.paste("Q1 Describe the service.\nQ2 How will you keep people safe?")
    assert panel.due.text() == "No due date"
    panel.due.setDate(QDate(2026, 12, 4))
    assert panel.flush()
    assert bid_questions.list_for(bid_page.ws.db, bid_page.current_id())[1].due == dt.date(
        2026, 12, 4
    )
    assert cell(panel, 1, 5) == "4 Dec 2026"
    # The owner box shows a long member name whole.
    longest = max((panel.owner.itemText(i) for i in range(panel.owner.count())), key=len)
    panel.owner.setCurrentText(longest)
    assert panel.owner.width() >= panel.owner.fontMetrics().horizontalAdvance(longest)
    # Readiness: the headline counts exactly what its list shows, and the list has room.
    report = panel.check_readiness()
    problems = len(report.problems)
    warnings = len(report.items) - problems
    headline = panel.readiness_summary.text()
    assert f"{problems} problem" in headline and f"{warnings} warning" in headline
    assert panel.readiness.count() == problems + warnings
    assert panel.side.tabText(1) == f"Readiness ({panel.readiness.count()})"
    assert panel.readiness.height() >= 160
    assert not any("Q Q" in panel.readiness.item(r).text() for r in range(panel.readiness.count()))
    # The "New bid for" box keeps its choice across reloads and after creating a bid.
    chosen = bid_page.consortium.currentText()
    assert chosen == "MK domestic abuse"
    bid_page.reload()
    main_window.sidebar.setCurrentRow(0)
    main_window.sidebar.setCurrentRow(3)
    assert bid_page.consortium.currentText() == chosen


def test_status_is_derived_from_the_answer(demo_ws):
    from test_bids_helpers import make_bid

    _, bid = make_bid(demo_ws)
    [q] = bid_questions.add_questions(demo_ws, bid.id, [bid_questions.Question(bid.id, "Why?")])
    q.answer = "Because."
    bid_questions.save(demo_ws, q)
    assert bid_questions.load(demo_ws.db, q.id).status == "drafting"
    q.status = "done"
    bid_questions.save(demo_ws, q)
    assert bid_questions.load(demo_ws.db, q.id).status == "done"  # a person's call is kept
    q.status, q.answer = "drafting", "  "
    bid_questions.save(demo_ws, q)
    assert bid_questions.load(demo_ws.db, q.id).status == "not started"
    assert bid_questions.Question(bid.id, "x", ref="Q1").label == "Q1"
    assert bid_questions.Question(bid.id, "x", ref="Question 4").label == "Question 4"
    assert bid_questions.Question(bid.id, "x", ref="2.1").label == "Q 2.1"


def test_lines_parse_one_question_a_line():
    found = bid_questions.parse_lines(
        "1.1 Describe the service (max 500 words)\n"
        "• How will you keep people safe? Weighting: 10%\n\n"
        "Q3: What social value will you deliver?\n"
    )
    assert [(q.ref, q.word_limit, q.weighting) for q in found] == [
        ("1.1", 500, None),
        ("", None, 10.0),
        ("3", None, None),
    ]
    assert found[1].text == "How will you keep people safe? Weighting: 10%"
    assert bid_questions.parse_lines(" \n\n") == []


def test_an_empty_due_date_opens_the_calendar_on_this_month(bid_page, qtbot):
    panel = bid_page.questions
    panel.paste("1 Describe the service.")
    assert panel.due.text() == "No due date"
    qtbot.mouseClick(panel.due, Qt.MouseButton.LeftButton, pos=panel.due.rect().center())
    calendar = panel.due.calendarWidget()
    today = dt.date.today()
    assert (calendar.yearShown(), calendar.monthShown()) == (today.year, today.month)
    assert panel.due.text() == "No due date"  # opening it sets nothing
    calendar.window().close()


def test_saving_at_every_pause_writes_one_audit_line(demo_ws):
    from test_bids_helpers import make_bid

    _, bid = make_bid(demo_ws)
    [q] = bid_questions.add_questions(demo_ws, bid.id, [bid_questions.Question(bid.id, "Why?")])

    def lines() -> int:
        return demo_ws.db.execute(
            "SELECT count(*) FROM audit WHERE entity = 'bid_question' AND entity_id = ?",
            [str(q.id)],
        ).fetchone()[0]

    for words in range(1, 6):
        q.answer = "word " * words
        bid_questions.save(demo_ws, q)
    assert lines() == 1
    q.status = "done"
    bid_questions.save(demo_ws, q)  # a different thing happened: it is logged
    assert lines() == 2
