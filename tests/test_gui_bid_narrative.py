"""The Bids area's "Bid texts" tab: the suggested draft is shown and marked as such, the user
rewrites it, a [prompt] left in is named, Save keeps it, and the built submission copy prints
exactly what the user wrote."""

from __future__ import annotations

import datetime as dt

import docx
from PySide6.QtCore import Qt

from consortium.bids import narrative
from consortium.bids import records as bids

TODAY = dt.date(2026, 11, 23)


def _demo_bid(main_window):
    page = main_window.bids
    main_window.sidebar.setCurrentRow(3)
    page.reload()
    demo = next(b for b in bids.list_all(main_window.ws.db) if b.name == "Demo social value bid")
    for i in range(page.list.count()):
        if page.list.item(i).data(Qt.ItemDataRole.UserRole + 40) == demo.id:
            page.list.setCurrentRow(i)
    return page, demo


def test_write_the_bid_texts_and_build(main_window, qtbot, tmp_path):
    ws = main_window.ws
    page, demo = _demo_bid(main_window)
    page.tabs.setCurrentWidget(page.narrative)
    field = page.narrative.fields["understanding"]
    # The demo bid's texts are the demo's own; clearing one brings back the suggested draft.
    assert field.edit.toPlainText().startswith("The council wants survivors to be safe")
    assert "your text" in field.state.text()
    field.edit.selectAll()
    qtbot.keyClick(field.edit, Qt.Key.Key_Delete)
    qtbot.mouseClick(field.use_draft, Qt.MouseButton.LeftButton)
    assert field.edit.toPlainText() == narrative.draft(ws, demo.id, "understanding")
    assert "Replace [Say in your own words" in field.prompts.text()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "Survivors in Milton Keynes need one front door.")
    assert field.prompts.text() == ""
    assert "not saved yet" in field.state.text()
    qtbot.mouseClick(page.narrative.save_button, Qt.MouseButton.LeftButton)
    assert "Saved 1 text" in page.narrative.message.text()
    assert narrative.stored(ws.db, demo.id)["understanding"] == (
        "Survivors in Milton Keynes need one front door."
    )
    # Typed but not saved, then the user builds: what they see is what is built.
    summary = page.narrative.fields["executive_summary"]
    summary.edit.selectAll()
    qtbot.keyClicks(summary.edit, "Three charities, one service.")
    page.build(tmp_path)
    qtbot.waitUntil(lambda: page.open_folder.isVisible(), timeout=60000)
    sub = next(tmp_path.glob("*-submission.docx"))
    texts = [p.text for p in docx.Document(sub).paragraphs]
    assert "Three charities, one service." in texts
    assert "Survivors in Milton Keynes need one front door." in texts
    assert "submission.docx" in page.message.toolTip() and "working.docx" in page.message.toolTip()


def test_switching_bid_keeps_what_was_typed(main_window, qtbot):
    ws = main_window.ws
    page, demo = _demo_bid(main_window)
    gov = page.narrative.fields["governance"]
    gov.edit.selectAll()
    qtbot.keyClicks(gov.edit, "The board meets every month.")
    other = bids.create_for_consortium(ws, demo.consortium_id, "Another bid")
    page.reload(other.id)
    assert narrative.stored(ws.db, demo.id)["governance"] == "The board meets every month."
    assert "suggested draft" in page.narrative.fields["governance"].state.text()


def test_readiness_names_a_prompt_and_takes_the_user_to_it(main_window, qtbot):
    ws = main_window.ws
    page, demo = _demo_bid(main_window)
    narrative.save(ws, demo.id, "governance", "The board meets [say how often].")
    page._show()
    page.questions.today = TODAY
    page.questions.check_readiness()
    items = [page.questions.readiness.item(i) for i in range(page.questions.readiness.count())]
    prompt = next(i for i in items if "[say how often]" in i.text())
    page.tabs.setCurrentIndex(0)
    page.questions.readiness.itemDoubleClicked.emit(prompt)
    assert page.tabs.currentWidget() is page.narrative
    assert "Replace [say how often]" in page.narrative.fields["governance"].prompts.text()
