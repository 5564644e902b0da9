"""The HA officer reads the bid in the Review area (every answer, the built documents), comments
on parts of the pack picked from a list, approves with a condition; the consortium takes the
review in from the Bids area and sees decision, condition and comments on the bid."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices

from consortium.bids import questions
from consortium.bids import records as bids
from consortium.matching import proposals
from consortium.packs import keys, pack, review
from consortium.workspace import Workspace
from tests.conftest import TODAY


@pytest.fixture
def sent(main_window, memory_keyring, tmp_path, monkeypatch):
    """A bid with three questions (one left blank), sent as a pack with its built documents;
    the HA has its own key and workspace."""
    ws = main_window.ws
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=TODAY)
    c = proposals.save_as_consortium(ws, result, 0, "MK domestic abuse")
    bid = bids.create_for_consortium(ws, c.id)
    questions.add_questions(
        ws,
        bid.id,
        [
            questions.Question(
                bid.id,
                "How will you reach women who do not seek help?",
                ref="1",
                section="Delivery",
                word_limit=300,
                answer="Outreach workers at every GP surgery.\nA text line open at night.",
            ),
            questions.Question(bid.id, "Describe your safeguarding.", ref="2", answer="   "),
            questions.Question(
                bid.id, "What social value will you add?", ref="3", answer="Local jobs."
            ),
        ],
    )
    homes = {"us": tmp_path / "us-home", "ha": tmp_path / "ha-home"}
    monkeypatch.setenv("CONSORTIUM_HOME", str(homes["us"]))
    keys.create_key("Milton Keynes Women's Refuge")
    path = pack.export_pack(ws, bid.id, tmp_path / "mk.cbpack", today=TODAY)  # builds them
    monkeypatch.setenv("CONSORTIUM_HOME", str(homes["ha"]))
    ha_words = keys.create_key("Canalside Homes").words
    ha = Workspace.create(tmp_path / "ha" / "ha.consortium")
    opened_urls = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened_urls.append(url))
    yield {
        "bid": bid,
        "path": path,
        "ha": ha,
        "ha_words": ha_words,
        "homes": homes,
        "urls": opened_urls,
        "ours": ws,
    }
    ha.close()


def test_reviewer_reads_answers_opens_documents_comments_and_the_bid_shows_it(
    main_window, sent, qtbot, tmp_path, monkeypatch
):
    page = main_window.review
    page.today = TODAY
    main_window.sidebar.setCurrentRow(5)
    # The HA's window, on the HA's workspace.
    ours = sent["ours"]
    page.set_workspace(sent["ha"])
    page.open_pack(sent["path"])
    assert page.banner.text().startswith("<b>VERIFIED</b>")
    assert "2 of 3 questions answered" in page.summary.toPlainText()
    assert page.tabs.tabText(1) == "Answers (2/3)"
    page.tabs.setCurrentIndex(1)
    text = page.answers.toPlainText()
    for wanted in (
        "Q 1: How will you reach women who do not seek help?",
        "Outreach workers at every GP surgery.",
        "A text line open at night.",
        "Q 2: Describe your safeguarding.",
        "No answer given.",
        "Local jobs.",
    ):
        assert wanted in text
    # The built documents travel in the pack and open from the Documents tab.
    page.tabs.setCurrentIndex(2)
    names = [page.documents.item(r).text() for r in range(page.documents.count())]
    joint = next(r for r, n in enumerate(names) if "joint-bid-" in n and n.endswith(".docx"))
    assert any(n.endswith("due diligence.xlsx") for n in names), names
    rect = page.documents.visualItemRect(page.documents.item(joint))
    qtbot.mouseClick(page.documents.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.documents.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert sent["urls"], page.message.text()
    opened = Path(sent["urls"][-1].toLocalFile())
    with zipfile.ZipFile(sent["path"]) as zf:
        assert opened.read_bytes() == zf.read("documents/" + opened.name)
    assert any("Outreach workers" in p.text for p in docx.Document(str(opened)).paragraphs)
    # The checklist counts only real answers.
    answers = next(c for c in page.current_checklist() if c.item.startswith("Every question"))
    assert answers.status == review.FAIL and "Q 2 has no answer" in answers.evidence
    # Comments are on parts of the pack picked from a list.
    choices = [page.anchor.itemText(i) for i in range(page.anchor.count())]
    assert "Member: Ouse Valley Outreach" in choices
    assert "Q 1 — How will you reach women who do not seek help?" in choices
    assert any(c.startswith("Document: ") and "joint-bid-" in c for c in choices)
    assert any(c.startswith("Section: ") for c in choices)
    page.anchor.setCurrentIndex(
        choices.index("Q 1 — How will you reach women who do not seek help?")
    )
    qtbot.keyClicks(page.comment_text, "Say how many surgeries.")
    qtbot.mouseClick(page.add_comment, Qt.MouseButton.LeftButton)
    page.anchor.setCurrentIndex(choices.index("Member: Ouse Valley Outreach"))
    qtbot.keyClicks(page.comment_text, "Renew the public liability cover.")
    qtbot.keyClick(page.comment_text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    table = page.comments.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [
        "Q 1 — How will you reach women who do not seek help?",
        "Member: Ouse Valley Outreach",
    ]
    metrics = table.fontMetrics()  # the "On" column reads in full, not "…"
    assert table.columnWidth(0) > metrics.horizontalAdvance("Member: Ouse Valley Outreach")
    page.decision.setCurrentIndex(page.decision.findData("approve_with_conditions"))
    assert page.export_to(tmp_path / "none.cbreview") is None
    assert "conditions" in page.message.text()
    qtbot.keyClicks(page.conditions, "Renew the safeguarding policy before the start")
    out = page.export_to(tmp_path / "reply.cbreview")
    assert out is not None

    # Back at the consortium: Bids > Take in a review.
    monkeypatch.setenv("CONSORTIUM_HOME", str(sent["homes"]["us"]))
    page.set_workspace(ours)
    bids_page = main_window.bids
    main_window.sidebar.setCurrentRow(3)
    bids_page.reload(sent["bid"].id)
    assert bids_page.take_review_button.isEnabled()
    monkeypatch.setattr("ui.bids_page.QFileDialog.getOpenFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(bids_page.take_review_button, Qt.MouseButton.LeftButton)
    assert "first review from Canalside Homes" in bids_page.message.text()
    dialog = bids_page.key_dialog
    qtbot.keyClicks(dialog.typed, sent["ha_words"])
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "Approved with conditions" in bids_page.message.text()
    overview = bids_page.overview.toPlainText()
    assert "Review: Approved with conditions" in overview
    assert "Conditions: Renew the safeguarding policy before the start" in overview
    assert (
        "Q 1 — How will you reach women who do not seek help?: Say how many surgeries." in overview
    )
    assert "Member: Ouse Valley Outreach: Renew the public liability cover." in overview
    assert "Status: approved" in overview
    assert bids_page.tabs.tabText(2) == "Review comments (2)"


def test_take_in_a_review_of_another_bid_is_refused_in_the_bids_area(
    main_window, sent, qtbot, tmp_path, monkeypatch
):
    ha = sent["ha"]
    opened = review.open_for_review(ha, sent["path"], TODAY)
    out = review.export_review(
        review.Review(opened, opened.checklist, [], "approve"), tmp_path / "r.cbreview"
    )
    monkeypatch.setenv("CONSORTIUM_HOME", str(sent["homes"]["us"]))
    ws = main_window.ws
    other = bids.create_for_consortium(ws, sent["bid"].consortium_id)
    bids_page = main_window.bids
    main_window.sidebar.setCurrentRow(3)
    bids_page.reload(other.id)
    bids_page.take_in_review(out)
    assert "not of" in bids_page.message.text() and bids_page.key_dialog is None
    assert bids.load(ws.db, sent["bid"].id).status == "in review"  # as sent
    assert review.latest_review(ws, sent["bid"].id) is None
