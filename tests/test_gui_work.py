"""Members' work in the window, both sides, driven through the widgets: the member opens a
dropped work pack (a new workspace is made from it once the lead's words are typed), answers,
corrects an insurance date, attaches a certificate and sends back; the lead takes the reply in,
sees the conflict side by side, takes theirs, and accepts."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QFileDialog, QMessageBox

from consortium.bids import questions as bid_questions
from consortium.bids.questions import Question
from consortium.packs import keys
from consortium.partners import store as partner_store
from consortium.work import export, member
from consortium.workspace import Workspace
from tests.conftest import TODAY
from ui.work_page import WorkPage

DUE = dt.date(2026, 12, 7)


@pytest.fixture
def setup(demo_template, memory_keyring, tmp_path, monkeypatch):
    homes = {w: tmp_path / f"home-{w}" for w in ("lead", "member")}
    monkeypatch.setenv("CONSORTIUM_HOME", str(homes["member"]))
    member_words = keys.create_key("Member two").words
    monkeypatch.setenv("CONSORTIUM_HOME", str(homes["lead"]))
    lead_words = keys.create_key("Riverside Community Action").words
    lead_file = tmp_path / "lead" / "lead.consortium"
    lead_file.parent.mkdir()
    shutil.copyfile(demo_template, lead_file)
    lead = Workspace.open(lead_file)
    for existing in bid_questions.list_for(lead.db, 1):  # the demo bid's own questions
        bid_questions.delete(lead, existing.id)
    qs = []
    for ref, draft in (("1", ""), ("2", "Our first draft.")):
        q = Question(
            bid_id=1,
            ref=ref,
            text=f"Question {ref}: describe your outreach.",
            word_limit=50,
            owner_org_id=2,
            answer=draft,
        )
        bid_questions.save(lead, q)
        qs.append(q.id)
    pack = export.export_work(lead, 1, 2, tmp_path / "work.cbwork", due=DUE, today=TODAY)

    class Setup:
        pass

    s = Setup()
    s.lead, s.pack, s.qs, s.homes = lead, pack, qs, homes
    s.lead_words, s.member_words, s.tmp = lead_words, member_words, tmp_path
    s.as_ = lambda who: monkeypatch.setenv("CONSORTIUM_HOME", str(homes[who]))
    yield s
    lead.close()


def test_member_answers_and_sends_back_then_lead_takes_it_in_with_a_conflict(
    setup, main_window, qtbot, monkeypatch, tmp_path
):
    win = main_window
    setup.as_("member")
    member_file = tmp_path / "member" / "hope.consortium"
    member_file.parent.mkdir()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(member_file), ""))

    # Dropped on the window: the pack goes to Members' work, for a new workspace.
    win.take_files([setup.pack])
    assert win.current_page().key == "work"
    view = win.work.member
    assert "first work pack" in view.banner.text()
    dialog = view.key_dialog
    qtbot.keyClicks(dialog.typed, setup.lead_words)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert win.ws.path == member_file  # the window switched to the new workspace
    assert partner_store.ours(win.ws.db).id is not None
    view = win.work.member
    assert win.work.tabs.currentWidget() is view
    assert view.title.text().startswith("Work for Riverside Community Action")
    assert "due 7 Dec 2026" in view.title.text()
    assert view.questions.count() == 2

    # Answer question 1 (word count live), and check question 2's draft is there.
    view.questions.setCurrentRow(0)
    qtbot.keyClicks(view.answer, "We knock on every door in Bletchley.")
    assert view.words.text() == "7 words of 50"
    view.questions.setCurrentRow(1)
    assert view.answer.toPlainText() == "Our first draft."
    view.answer.selectAll()
    qtbot.keyClicks(view.answer, "Our member's rewrite of question two.")
    view.questions.setCurrentRow(0)
    assert view.answer.toPlainText() == "We knock on every door in Bletchley."
    # Typing then closing at once: the window saves it before it goes.
    view.answer.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(view.answer, " Weekly.")
    assert win._confirm_unsaved()
    saved = member.load(win.ws, view.work.id).answers[setup.qs[0]]
    assert saved == "We knock on every door in Bletchley. Weekly."

    # Correct the public liability date on the record.
    view.tabs.setCurrentIndex(1)
    row = next(
        r
        for r in range(view.record.rowCount())
        if view.record.item(r, 0).text() == "Public liability insurance: expires"
    )
    view.record.item(row, 1).setText("31 Mar 2028")
    assert "Saved" in view.record_message.text()
    view.record.item(row, 1).setText("the thirty-first")
    assert "cannot be read" in view.record_message.text()
    view.record.item(row, 1).setText("31 Mar 2028")

    # Attach the certificate the lead asked for.
    view.tabs.setCurrentIndex(2)
    assert any("Public liability" in view.needed.item(i).text() for i in range(view.needed.count()))
    cert = tmp_path / "PL certificate.pdf"
    cert.write_bytes(b"%PDF-1.4 test")
    view.attach(tmp_path / "no such certificate.pdf")
    assert "is not a file" in view.message.text()
    view.attach(cert)
    assert "PL certificate.pdf" in view.attached.item(0).text()
    assert "is not a file" not in view.message.text()  # the failure went with the success

    reply = tmp_path / "reply.cbreply"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(reply), ""))
    qtbot.mouseClick(view.send_button, Qt.MouseButton.LeftButton)
    assert reply.exists() and "Wrote" in view.message.text()

    # ---- the lead, meanwhile, rewrote question two; then takes the reply in.
    setup.as_("lead")
    q2 = bid_questions.load(setup.lead.db, setup.qs[1])
    q2.answer = "The lead's own rewrite."
    bid_questions.save(setup.lead, q2)
    page = WorkPage()
    qtbot.addWidget(page)
    page.lead.today = TODAY
    page.set_workspace(setup.lead)
    page.show()
    lead = page.lead
    assert lead.members.item(0, 2).text().startswith("Sent")
    page.open_reply(reply)
    assert "first reply" in lead.banner.text()  # the member's key was not pinned at sending
    qtbot.keyClicks(lead.key_dialog.typed, setup.member_words)
    qtbot.mouseClick(lead.key_dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "VERIFIED" in lead.banner.text() and "1 conflict" in lead.banner.text()
    whats = [lead.diff.item(r, 1).text() for r in range(lead.diff.rowCount())]
    assert any(w.startswith("CONFLICT: Q") for w in whats)
    assert any("Public liability insurance" in w for w in whats)
    assert any("PL certificate.pdf" in w for w in whats)
    # The conflict is shown side by side, not ticked until a choice is made.
    assert lead.conflict_box.isVisible()
    assert lead.mine.toPlainText() == "The lead's own rewrite."
    assert lead.theirs.toPlainText() == "Our member's rewrite of question two."
    row = lead.diff.currentRow()
    assert lead.diff.item(row, 0).checkState() == Qt.CheckState.Unchecked
    qtbot.mouseClick(lead.accept_all, Qt.MouseButton.LeftButton)  # a conflict needs a choice
    assert "Choose for each conflict first" in lead.banner.text()
    assert setup.lead.db["work_replies"].count == 0
    qtbot.mouseClick(lead.take_theirs, Qt.MouseButton.LeftButton)
    assert lead.diff.item(row, 0).checkState() == Qt.CheckState.Checked
    qtbot.mouseClick(lead.accept_ticked, Qt.MouseButton.LeftButton)
    assert "Took in 4 changes" in lead.banner.text()
    assert (
        bid_questions.load(setup.lead.db, setup.qs[1]).answer
        == "Our member's rewrite of question two."
    )
    assert (
        bid_questions.load(setup.lead.db, setup.qs[0]).answer
        == "We knock on every door in Bletchley. Weekly."
    )
    pl = next(
        c for c in partner_store.load(setup.lead.db, 2).credentials if c.type == "Public liability"
    )
    assert pl.expires == dt.date(2028, 3, 31)
    assert "reply taken in" in lead.members.item(0, 2).text()
    assert lead.diff.rowCount() == 0
    # Taking the same reply in again is refused in red, and nothing changes.
    page.open_reply(reply)
    assert "already taken in" in lead.banner.text()


def test_overdue_members_are_highlighted(setup, qtbot):
    page = WorkPage()
    qtbot.addWidget(page)
    page.lead.today = DUE + dt.timedelta(days=2)
    page.set_workspace(setup.lead)
    lead = page.lead
    assert "OVERDUE" in lead.members.item(0, 2).text()
    assert lead.members.item(0, 0).background().color().name() == "#f8d7da"
    assert lead.members.item(1, 2).text() == "No work pack sent"


def test_the_bid_overview_shows_each_members_work_pack(main_window, memory_keyring, tmp_path):
    win = main_window
    keys.create_key("Riverside Community Action")
    for existing in bid_questions.list_for(win.ws.db, 1):  # the demo bid's own questions
        bid_questions.delete(win.ws, existing.id)
    q = Question(bid_id=1, ref="1", text="Describe your outreach.", owner_org_id=2)
    bid_questions.save(win.ws, q)
    export.export_work(win.ws, 1, 2, tmp_path / "w.cbwork", due=DUE, today=TODAY)
    win.show_area("bids")
    win.bids.reload(1)
    text = win.bids.overview.toPlainText()
    assert "Work pack: Sent" in text and "due 7 Dec 2026" in text
    assert "1 of 1 question still open" in text
