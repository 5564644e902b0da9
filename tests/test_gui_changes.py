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
from tests.conftest import fits_listed, matches_listed
from tests.test_work import BID, Parties

BIDS_ROW, SOCIAL_VALUE_ROW, REVIEW_ROW, LIBRARY_ROW, PIPELINE_ROW, WORK_ROW = 3, 4, 5, 6, 7, 8


def _commit(ws, changes) -> None:
    """An empty write naming ``changes``, committed on the writer thread as every write is."""

    def body() -> None:
        with ws.atomic(changes):
            pass

    ws.write(body)


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
    _commit(empty_ws, Changes.of("answers"))
    assert calls == []  # its own save, on screen: left alone
    _commit(empty_ws, BIDS)
    assert calls == ["editor"]
    stack.setCurrentWidget(other)
    _commit(empty_ws, Changes.of("answers", "bids"))
    assert calls == ["editor"]  # hidden: marked stale only
    stack.setCurrentWidget(editor)
    assert calls == ["editor", "editor"]  # once for the two kinds


# ------------------------------------------------- partners, matching, saved searches, feeds
PARTNERS_ROW, TENDERS_ROW, MATCHES_ROW = 0, 1, 2


def partner_names(win) -> list[str]:
    proxy = win.partners.proxy
    return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]


def wait_for_tasks(qtbot, win) -> None:
    qtbot.waitUntil(lambda: not win.tasks, timeout=30000)


def test_a_partner_saved_in_the_editor_is_chosen_and_one_saved_elsewhere_is_listed(
    main_window, qtbot
):
    from consortium.changes import PARTNERS
    from consortium.partners import store
    from consortium.records import Organisation

    win = main_window
    win.sidebar.setCurrentRow(PARTNERS_ROW)
    page, editor = win.partners, win.partners.editor
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(editor.name, "Hope Street Trust")
    # While it is being typed, a partner is saved elsewhere (a member's reply, a script):
    # the list shows it at once and the partner being typed is left alone.
    store.save(win.ws, Organisation(name="Brand New Helpers"))
    assert win.dispatcher.heard[-1] == PARTNERS
    assert "Brand New Helpers" in partner_names(win)
    assert editor.name.text() == "Hope Street Trust" and editor.is_dirty()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    new_id = store.find_existing(win.ws.db, Organisation(name="Hope Street Trust"))
    assert "Hope Street Trust" in partner_names(win)
    assert page.selected_id() == new_id == editor.current_id()  # the one just saved
    assert not editor.is_dirty()
    matches = win.matches.partner
    win.sidebar.setCurrentRow(MATCHES_ROW)
    assert matches.findData(new_id) >= 0  # and Matches offers it
    # Undone from another area: the Partners list follows when it is shown.
    win.undo_stack.undo()
    assert matches.findData(new_id) < 0
    win.sidebar.setCurrentRow(PARTNERS_ROW)
    assert "Hope Street Trust" not in partner_names(win)
    win.sidebar.setCurrentRow(MATCHES_ROW)
    win.undo_stack.redo()  # put back while the area is hidden: chosen once it is listed
    win.sidebar.setCurrentRow(PARTNERS_ROW)
    assert "Hope Street Trust" in partner_names(win)
    assert page.selected_id() == new_id and editor.name.text() == "Hope Street Trust"


def test_not_for_us_reranks_matches_through_the_dispatcher_even_when_marked_elsewhere(
    main_window, qtbot
):
    from PySide6.QtWidgets import QPushButton

    from consortium.changes import MATCHING
    from consortium.matching import feedback

    win = main_window
    win.sidebar.setCurrentRow(MATCHES_ROW)
    page = win.matches
    page.tabs.setCurrentWidget(page.opps_page)
    qtbot.waitUntil(lambda: page._opps_task is None and page.opps.rowCount() > 1, timeout=30000)
    first = page.opps.item(0).tender.ocid
    page.opps_view.selectRow(0)
    not_for_us = next(b for b in page.findChildren(QPushButton) if b.text() == "Not for us")
    qtbot.mouseClick(not_for_us, Qt.MouseButton.LeftButton)
    assert win.dispatcher.heard[-1] == MATCHING
    qtbot.waitUntil(lambda: page.opps.item(0).tender.ocid != first, timeout=30000)
    assert page.opps_view.currentIndex().row() >= 0
    assert page.opps.item(page.opps_view.currentIndex().row()).tender.ocid == first
    # Marked while Matches is hidden (the CLI's way into the same workspace): ranked again
    # when it is shown.
    top = page.opps.item(0).tender.ocid
    win.sidebar.setCurrentRow(PARTNERS_ROW)
    feedback.mark(win.ws, page.partner.currentData(), top, feedback.NOT_FOR_US)
    win.sidebar.setCurrentRow(MATCHES_ROW)
    qtbot.waitUntil(lambda: page._opps_task is None, timeout=30000)

    def mark_of(ocid: str) -> str:
        row = next(r for r in range(page.opps.rowCount()) if page.opps.item(r).tender.ocid == ocid)
        return page.opps.data(page.opps.index(row, 2))

    qtbot.waitUntil(lambda: mark_of(top) == "Not for us (your mark)", timeout=30000)
    assert mark_of(first) == "Not for us (your mark)"


def test_weights_changed_rerank_matches_and_the_tenders_that_fit_us(main_window, qtbot):
    from consortium.matching import service

    win = main_window
    win.sidebar.setCurrentRow(TENDERS_ROW)
    tenders = win.tenders
    tenders.fit.setCurrentIndex(tenders.fit.findData("any"))
    wait_for_tasks(qtbot, win)
    fits_listed(qtbot, tenders)
    assert tenders.model.index(0, 8).data() == "88 alone"
    win.sidebar.setCurrentRow(MATCHES_ROW)
    page = win.matches
    matches_listed(qtbot, page)
    assert page.select_tender("ocds-h6vhtk-06e058")
    before = [m.score for m in page.matches]
    page.weight_boxes["place"].setValue(0)  # saved, and ranked again by the dispatcher
    assert service.load_weights(win.ws.db).place == 0
    assert [m.score for m in page.matches] != before
    win.sidebar.setCurrentRow(TENDERS_ROW)  # the fits use the weights too
    wait_for_tasks(qtbot, win)
    qtbot.waitUntil(lambda: "that fit us" in tenders.message.text())
    fits_listed(qtbot, tenders)
    assert tenders.model.index(0, 8).data() != "88 alone"
    # Weights saved elsewhere (another window's way in): the boxes show them when shown.
    win.sidebar.setCurrentRow(PARTNERS_ROW)
    service.save_weights(win.ws, service.Weights())
    assert page.weight_boxes["place"].value() == 0  # hidden: not read yet
    win.sidebar.setCurrentRow(MATCHES_ROW)
    assert page.weight_boxes["place"].value() == service.Weights().place
    assert [m.score for m in page.matches] == before


def test_a_saved_search_is_listed_and_looking_at_it_clears_its_new_count(
    main_window, qtbot, monkeypatch
):
    from PySide6.QtWidgets import QInputDialog

    from consortium.changes import SEARCHES
    from consortium.tenders import search

    win = main_window
    win.sidebar.setCurrentRow(TENDERS_ROW)
    page = win.tenders
    page.text.setText("domestic abuse")
    page.run_search()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Domestic abuse", True))
    qtbot.mouseClick(page.save_search, Qt.MouseButton.LeftButton)
    assert win.dispatcher.heard[-1] == SEARCHES
    assert page.saved.itemText(1).startswith("Domestic abuse (")
    qtbot.waitUntil(page.saved_counted)  # counted off the GUI thread
    count = search.count(win.ws, search.TenderQuery(text="domestic abuse"))
    assert page.saved.itemText(1) == f"Domestic abuse ({count:,})"
    # A search saved while the area is hidden (the CLI's way in) is listed when it is shown,
    # and looking at it clears its "new" count while it stays chosen.
    win.sidebar.setCurrentRow(PARTNERS_ROW)
    search.save_search(win.ws, "Anything", search.TenderQuery(status=[]))

    def long_ago() -> None:  # as if last looked at long ago (names nothing itself)
        with win.ws.atomic():
            win.ws.conn.execute("UPDATE saved_searches SET last_viewed_at = '2000-01-01'")

    win.ws.write(long_ago)
    assert page.saved.count() == 2  # hidden: not read yet
    win.sidebar.setCurrentRow(TENDERS_ROW)
    assert page.saved.count() == 3
    qtbot.waitUntil(page.saved_counted)
    index = page.saved.findText("Anything", Qt.MatchFlag.MatchStartsWith)
    assert "new)" in page.saved.itemText(index)
    page.saved.setCurrentIndex(index)
    page.saved.activated.emit(index)
    qtbot.waitUntil(page.saved_counted)
    index = page.saved.findText("Anything", Qt.MatchFlag.MatchStartsWith)
    assert page.saved.itemText(index) == f"Anything ({search.count(win.ws):,})"
    assert page.saved.currentIndex() == index


def test_the_check_on_start_choice_shows_on_both_bars_through_the_dispatcher(main_window):
    from consortium.changes import FEEDS

    win = main_window
    win.sidebar.setCurrentRow(TENDERS_ROW)
    win.tenders.feed_bar.auto.click()
    assert win.dispatcher.heard[-1] == FEEDS
    assert win.tenders.feed_bar.auto.isChecked() and win.start.feed_bar.auto.isChecked()


def test_matches_reads_its_tenders_when_first_shown_and_at_once_when_on_screen(
    main_window, demo_template, tmp_path, qtbot
):
    from consortium.workspace import Workspace
    from tests.conftest import copy_workspace

    def demo_copy(name: str) -> Workspace:
        return Workspace.open(copy_workspace(demo_template, tmp_path / name))

    win = main_window
    tenders = win.matches.tenders
    assert tenders.rowCount() == 0  # not read while the window opened
    win.sidebar.setCurrentRow(MATCHES_ROW)
    shown = matches_listed(qtbot, win.matches)  # read in the background once shown
    assert shown > 0
    assert win.matches.select_tender("ocds-h6vhtk-05a7b0")
    assert win.matches.lot.count() > 1
    win.sidebar.setCurrentRow(PARTNERS_ROW)
    win._switch_to(demo_copy("second.consortium"))
    # nothing of the last workspace's tender is left on the page
    assert win.matches.heading.text().startswith("Choose a tender")
    assert win.matches.lot.count() == 0 and win.matches.match_model.rowCount() == 0
    assert tenders.rowCount() == 0  # hidden: nothing of the old workspace, nothing read yet
    qtbot.wait(100)
    assert tenders.rowCount() == 0 and not win.matches._lister.busy()
    win.sidebar.setCurrentRow(MATCHES_ROW)
    assert matches_listed(qtbot, win.matches) == shown
    win._switch_to(Workspace.create(tmp_path / "empty.consortium"))  # on screen: at once
    assert win.matches._lister.busy() and matches_listed(qtbot, win.matches) == 0
    win._switch_to(demo_copy("third.consortium"))
    assert matches_listed(qtbot, win.matches) == shown
