"""What one area changes reaches the others through the change dispatcher alone (no page tells
another to reload), driven through the widgets: a review taken in shows on Bids when it is
shown, a library answer shows in the Bids suggestions, a work-pack reply taken in shows on
Bids, social value follows what changed and only that, and typing an answer saves it without
the editor being reloaded under the cursor."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QFileDialog

from consortium.bids import questions as bid_questions
from consortium.changes import ANSWERS, Changes
from consortium.packs import keys, pack
from consortium.socialvalue import commitments
from tests.test_work import BID, Parties

BIDS_ROW, SOCIAL_VALUE_ROW, REVIEW_ROW, LIBRARY_ROW, PIPELINE_ROW, WORK_ROW = 3, 4, 5, 6, 7, 8


def bid_texts(win) -> list[str]:
    return [win.bids.list.item(i).text() for i in range(win.bids.list.count())]


def suggestions(panel) -> list[str]:
    return [panel.suggestions.item(i).text() for i in range(panel.suggestions.count())]


def member_open(win, name: str) -> str:
    """The Work area's "open of owned" cell for one member of the chosen bid."""
    members = win.work.lead.members
    row = next(r for r in range(members.rowCount()) if members.item(r, 0).text() == name)
    return members.item(row, 3).text()


def type_at_end(qtbot, editor, text: str) -> None:
    editor.setFocus()
    editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(editor, text)


def test_typing_an_answer_saves_it_without_reloading_the_editor_and_work_follows(
    main_window, qtbot
):
    win = main_window
    win.sidebar.setCurrentRow(WORK_ROW)  # the lead's view of the demo bid, read once here
    assert member_open(win, "Northside Young Carers Trust") == "0 of 2"
    win.sidebar.setCurrentRow(BIDS_ROW)
    panel = win.bids.questions
    panel.view.selectRow(0)  # Q1, ours until now
    panel.owner.setCurrentIndex(panel.owner.findText("Northside Young Carers Trust"))
    type_at_end(qtbot, panel.answer, " We also visit schools.")
    assert QApplication.focusWidget() is panel.answer
    qtbot.waitUntil(lambda: panel.saved_state.text() == "All changes saved", timeout=5000)
    assert win.dispatcher.heard[-1] == ANSWERS
    saved = bid_questions.load(win.ws.db, panel.current.id)
    assert saved.answer.endswith(" We also visit schools.")
    # Saved, and the editor was left alone: same text, caret at the end, focus, undo history.
    assert panel.answer.toPlainText() == saved.answer
    assert panel.answer.textCursor().position() == len(saved.answer)
    assert QApplication.focusWidget() is panel.answer
    assert panel.answer.document().isUndoAvailable()
    # The Work area shows the question's new owner when it is shown.
    win.sidebar.setCurrentRow(WORK_ROW)
    assert member_open(win, "Northside Young Carers Trust") == "0 of 3"


def test_a_library_answer_saved_shows_in_the_bids_suggestions_and_the_answer_is_kept(
    main_window, qtbot
):
    win = main_window
    win.sidebar.setCurrentRow(BIDS_ROW)
    panel = win.bids.questions
    panel.view.selectRow(5)  # Q6: the mobilisation plan
    type_at_end(qtbot, panel.answer, " Week one: keys.")
    win.sidebar.setCurrentRow(LIBRARY_ROW)  # what was typed is saved on the way out
    assert bid_questions.load(win.ws.db, panel.current.id).answer.endswith(" Week one: keys.")
    library = win.library
    qtbot.mouseClick(library.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(library.title, "Mobilisation in the first 90 days: set out the plan")
    qtbot.keyClicks(library.body, "Our mobilisation plan for the first 90 days of the contract.")
    qtbot.mouseClick(library.save_button, Qt.MouseButton.LeftButton)
    assert "Saved" in library.message.text()
    win.sidebar.setCurrentRow(BIDS_ROW)
    assert any(t.startswith("Mobilisation in the first 90 days") for t in suggestions(panel))
    # Only the suggestions were refreshed: the answer keeps its text and its undo history.
    assert panel.answer.toPlainText().endswith(" Week one: keys.")
    assert panel.answer.document().isUndoAvailable()


def test_a_review_taken_in_on_the_review_page_shows_on_bids_when_it_is_shown(
    main_window, memory_keyring, tmp_path, monkeypatch, qtbot
):
    win = main_window
    keys.create_key("Riverside Community Action")
    win.sidebar.setCurrentRow(BIDS_ROW)
    assert bid_texts(win)[0].endswith("drafting")
    sent = pack.export_pack(win.ws, BID, tmp_path / "bid.cbpack")
    win.sidebar.setCurrentRow(REVIEW_ROW)  # the housing association reviews it
    page = win.review
    page.open_pack(sent)
    page.decision.setCurrentIndex(page.decision.findData("approve"))
    back = page.export_to(tmp_path / "review.cbreview")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(back), ""))
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    assert "Approved" in page.banner.text()
    assert bid_texts(win)[0].endswith("drafting")  # not on screen: not reloaded for nothing
    win.sidebar.setCurrentRow(BIDS_ROW)
    assert bid_texts(win)[0].endswith("approved")
    assert "Approved" in win.bids.overview.toPlainText()


def test_a_work_pack_reply_taken_in_shows_on_bids_and_work_lists_new_bids(
    main_window, memory_keyring, tmp_path, monkeypatch, qtbot
):
    win = main_window
    parties = Parties(win.ws, tmp_path, monkeypatch)  # the demo bid's questions, for members
    try:
        reply = parties.answer_and_reply(
            2, parties.send(2), {"1": "We run a drop-in every week."}, "2028-03-31"
        )
        win.sidebar.setCurrentRow(BIDS_ROW)
        bids_page = win.bids
        qtbot.mouseClick(bids_page.new_button, Qt.MouseButton.LeftButton)  # a second bid
        bids_page.list.setCurrentRow(
            next(
                i
                for i in range(bids_page.list.count())
                if bids_page.list.item(i).data(Qt.ItemDataRole.UserRole + 40) == BID
            )
        )
        panel = bids_page.questions
        panel.view.selectRow(0)  # question 1, Northside's, not answered yet
        assert panel.answer.toPlainText() == ""
        win.sidebar.setCurrentRow(WORK_ROW)
        lead = win.work.lead
        assert lead.bid.count() == 2  # the bid made in Bids is there to choose
        lead.bid.setCurrentIndex(lead.bid.findData(BID))
        win.take_files([reply])  # dropped on the window: the Work area takes it
        assert "VERIFIED" in lead.banner.text()
        qtbot.mouseClick(lead.accept_all, Qt.MouseButton.LeftButton)
        assert "Took in" in lead.banner.text()
        win.sidebar.setCurrentRow(BIDS_ROW)
        assert bids_page.current_id() == BID
        assert panel.answer.toPlainText() == "We run a drop-in every week."
    finally:
        parties.close()


def test_social_value_shows_what_changed_elsewhere_and_keeps_what_is_typed(main_window):
    win = main_window
    win.sidebar.setCurrentRow(SOCIAL_VALUE_ROW)
    page = win.social_value
    rows = page.table.rowCount()
    assert rows > 0
    page.inputs.setValue(12345)  # typed, not saved yet
    win.sidebar.setCurrentRow(BIDS_ROW)
    win.sidebar.setCurrentRow(SOCIAL_VALUE_ROW)
    assert page.inputs.value() == 12345  # nothing changed: the page was not reloaded
    win.sidebar.setCurrentRow(BIDS_ROW)
    # A commitment added while the area is hidden (as a member's work or a script would).
    item = dataclasses.replace(commitments.list_for_bid(win.ws.db, BID)[0], id=None, years=2)
    commitments.add(win.ws, item)
    assert page.table.rowCount() == rows  # not on screen: not reloaded yet
    win.sidebar.setCurrentRow(SOCIAL_VALUE_ROW)
    assert page.table.rowCount() == rows + 1


def test_the_pipeline_lists_a_partner_added_elsewhere_and_keeps_its_choice(main_window):
    from consortium.partners import store
    from consortium.records import Organisation

    win = main_window
    win.sidebar.setCurrentRow(PIPELINE_ROW)
    page = win.pipeline
    page.partner.setCurrentIndex(page.partner.findText("Northside Young Carers Trust"))
    win.sidebar.setCurrentRow(0)  # Partners
    store.save(win.ws, Organisation(name="Brand New Helpers"))
    assert page.partner.findText("Brand New Helpers") < 0  # not on screen: not reloaded yet
    win.sidebar.setCurrentRow(PIPELINE_ROW)
    assert page.partner.findText("Brand New Helpers") >= 0
    assert page.partner.currentText() == "Northside Young Carers Trust"


def test_the_dispatcher_leaves_a_writer_alone_on_screen_and_refreshes_once_when_shown(
    qtbot, empty_ws
):
    from PySide6.QtWidgets import QStackedWidget, QWidget

    from consortium.changes import BIDS
    from ui.dispatch import ChangeDispatcher

    stack = QStackedWidget()
    qtbot.addWidget(stack)
    editor, other = QWidget(), QWidget()
    stack.addWidget(editor)
    stack.addWidget(other)
    dispatcher = ChangeDispatcher(stack)
    calls = []

    def refresh():
        calls.append("editor")

    dispatcher.watch(editor, "answers", refresh, writer=True)
    dispatcher.watch(editor, "bids", refresh)
    dispatcher.attach(empty_ws)
    stack.setCurrentWidget(editor)
    with empty_ws.atomic(Changes.of("answers")):
        pass
    assert calls == []  # its own save, on screen: left alone
    with empty_ws.atomic(BIDS):
        pass
    assert calls == ["editor"]
    stack.setCurrentWidget(other)
    with empty_ws.atomic(Changes.of("answers", "bids")):
        pass
    assert calls == ["editor"]  # hidden: marked stale only
    stack.setCurrentWidget(editor)
    assert calls == ["editor", "editor"]  # once for the two kinds
