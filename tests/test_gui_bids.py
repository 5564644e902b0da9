"""The Bids area offscreen: questions imported, answered with a live word count, library
suggestions inserted, readiness checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from consortium.bids import questions as bid_questions
from consortium.library import store as library
from consortium.matching import proposals
from ui.bid_questions import ID_ROLE

TODAY = dt.date(2026, 11, 23)
FIXTURES = Path(__file__).parent / "fixtures" / "bids"


def test_questions_answers_suggestions_and_readiness(main_window):
    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    library.save(
        ws,
        library.Entry(
            title="Safeguarding survivors of domestic abuse",
            body="Our safeguarding approach for survivors of domestic abuse follows SafeLives guidance.",
            owner="Milton Keynes Women's Refuge",
            tags=["safeguarding"],
            last_reviewed=TODAY - dt.timedelta(days=30),
        ),
    )
    page = main_window.bids
    main_window.sidebar.setCurrentRow(3)
    page.reload()
    page.consortium.setCurrentIndex(page.consortium.findText("MK domestic abuse"))
    page.create_bid()
    panel = page.questions
    panel.today = TODAY
    added = panel.import_file(FIXTURES / "questionnaire.xlsx")
    assert added > 0 and panel.model.rowCount() == added
    panel.view.selectRow(0)
    first = panel.current
    panel.answer.setPlainText("one two three four five")
    panel._count()
    assert panel.words.text().startswith("5 words")
    panel.owner.setCurrentIndex(panel.owner.findText("Ouse Valley Outreach"))
    panel.save()
    stored = bid_questions.load(ws.db, first.id)
    assert stored.answer == "one two three four five" and stored.owner_org_id is not None
    limited = next((q for q in panel.model.rows if q.word_limit), None)
    if limited is not None:
        panel.view.selectRow(panel.model.rows.index(limited))
        panel.answer.setPlainText("word " * (limited.word_limit + 3))
        panel._count()
        assert "over the limit" in panel.words.text()
    # A question about safeguarding gets the library entry suggested, and inserting it works.
    bid_id = page.current_id()
    q = bid_questions.Question(
        bid_id=bid_id,
        text="Describe how you will safeguard survivors of domestic abuse.",
        word_limit=300,
    )
    bid_questions.add_questions(ws, bid_id, [q])
    panel.reload(q.id)
    assert panel.suggestions.count() >= 1
    assert "Safeguarding survivors" in panel.suggestions.item(0).text()
    panel.suggestions.setCurrentRow(0)
    panel.insert()
    assert "SafeLives" in bid_questions.load(ws.db, q.id).answer
    report = panel.check_readiness()
    assert report is not None and not report.ready
    assert "problem" in panel.readiness_summary.text()
    assert panel.readiness.count() == len(report.items)
    # Double-clicking an item goes where it is fixed: a question, or a partner's record.
    question_row = next(
        r
        for r in range(panel.readiness.count())
        if panel.readiness.item(r).data(ID_ROLE)["kind"] == "question"
    )
    wanted = panel.readiness.item(question_row).data(ID_ROLE)["id"]
    panel.go_to(panel.readiness.item(question_row))
    assert panel.current.id == wanted
    partner_row = next(
        (
            r
            for r in range(panel.readiness.count())
            if panel.readiness.item(r).data(ID_ROLE)["kind"] == "partner"
        ),
        None,
    )
    if partner_row is not None:
        target = panel.readiness.item(partner_row).data(ID_ROLE)["id"]
        panel.go_to(panel.readiness.item(partner_row))
        assert main_window.stack.currentWidget() is main_window.partners
        assert main_window.partners.selected_id() == target


def test_build_documents_in_the_background(main_window, qtbot, tmp_path):

    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    page = main_window.bids
    main_window.sidebar.setCurrentRow(3)
    page.reload()
    page.consortium.setCurrentIndex(page.consortium.findText("MK domestic abuse"))
    page.create_bid()
    page.questions.check_readiness()
    shown = page.questions.readiness.count()
    # Changed elsewhere (the command line, another window): the build checks afresh, and the
    # Readiness panel shows what it found, not what was checked before.
    from consortium.bids import records as bid_records

    bid_records.declare_conflicts(ws, page.current_id(), "None declared by any member.")
    main_window.resize(1366, 768)
    page.build(tmp_path)
    qtbot.waitUntil(lambda: page.open_folder.isVisible(), timeout=30000)
    assert page.questions.readiness.count() == shown - 1
    # One short line (it was three at 1366×768, naming every file): how many, where, and the
    # readiness problems; each file and the folder's whole path are its tooltip.
    written = [p for p in tmp_path.iterdir() if p.is_file()]
    line = page.message.text()
    assert line.startswith(f"Built {len(written)} documents in {tmp_path.name}")
    assert "readiness problem" in line and "joint-bid-" not in line
    label = page.message
    assert label.heightForWidth(label.width()) < 2 * label.fontMetrics().lineSpacing(), line
    assert str(tmp_path) in label.toolTip()
    assert all(p.name in label.toolTip() for p in written)
    from consortium import pdf

    if pdf.available():  # the buyer's copies as PDF too (this bid's submission copy waits)
        assert page.pdf_box.isChecked()
        (made,) = tmp_path.glob("*Right to Challenge EOI.pdf")
        assert made.name in label.toolTip()
    page.save_declaration()  # the next message has no files to list
    assert label.toolTip() == ""


def test_attach_a_community_asset_as_venue(main_window):
    from consortium import assets

    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    assets.save(ws, assets.Asset(name="Fishermead Centre", council="E06000042"))
    page = main_window.bids
    page.reload()
    page.consortium.setCurrentIndex(page.consortium.findText("MK domestic abuse"))
    page.create_bid()
    assert page.asset.currentText() == "Fishermead Centre (Milton Keynes)"
    page.venue_note.setText("Weekly drop-in")
    page.add_venue.click()
    assert page.venue_list.item(0).text() == "Fishermead Centre, Milton Keynes — Weekly drop-in"
    assert assets.venues(ws.db, page.current_id())[0]["note"] == "Weekly drop-in"
