"""Issue 14's whole journey in the window alone, offscreen at 1366×768, as a newcomer does it.

From a fresh demo workspace: the Start page, a tender that fits us (Tenders "Fits us"), a
consortium proposed with our organisation in it, saved, a bid started from it, two questions
typed and a questionnaire imported, answers written (switching question without saving loses
nothing), a library suggestion inserted, readiness checked, the documents built, a social value
commitment added and the bid sent for review with a key made through the offered dialog. Then
the housing association, in its own workspace and with its own key, opens the pack in the
Review area, reads an answer, opens the joint bid, comments on a question, approves with a
condition and saves the review; the consortium takes it in from Bids and sees the condition.

Only native dialogs (file choosers, text prompts, message boxes) and the desktop's "open this
file" are stood in for; every action is a click, a key or a choice in a widget.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from conftest import FIXTURES, TODAY, fits_listed
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from consortium.workspace import Workspace
from ui.mainwindow import MainWindow


def click(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_row(qtbot, view, row: int, column: int = 1) -> None:
    rect = view.visualRect(view.model().index(row, column))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def switch_tab(qtbot, tabs, title: str) -> None:
    """Click the tab whose title starts with ``title``."""
    bar = tabs.tabBar()
    index = next(i for i in range(tabs.count()) if tabs.tabText(i).startswith(title))
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert tabs.currentIndex() == index, title


def go(qtbot, win, widget) -> None:
    """Click the area's entry in the sidebar."""
    names = [p.name for p in win.pages if p.in_sidebar]
    row = [p.widget for p in win.pages if p.in_sidebar].index(widget)
    view = win.sidebar
    rect = view.visualItemRect(view.item(row))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.stack.currentWidget() is widget, names[row]


def wait_for_tasks(qtbot, win) -> None:
    qtbot.waitUntil(lambda: not win.tasks, timeout=60000)


class Dialogs:
    """Answers the native dialogs as the user would, recording what was asked."""

    def __init__(self, monkeypatch):
        self.asked: list[str] = []
        self.texts: list[str] = []  # answers to QInputDialog.getText, in order
        self.open_file = ""
        self.save_file = ""
        self.folder = ""
        self.urls = []
        self.said: list[str] = []  # the text of each message box

        def get_text(_parent, title, label, *args, **kwargs):
            self.asked.append(f"{title}: {label}")
            return self.texts.pop(0), True

        monkeypatch.setattr(QInputDialog, "getText", get_text)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (self.ask("open"), ""))
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (self.ask("save"), ""))
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: self.ask("folder"))
        monkeypatch.setattr(
            QMessageBox,
            "question",
            lambda _p, title, text="", *a, **k: (
                self.asked.append(title) or self.said.append(text) or QMessageBox.StandardButton.Yes
            ),
        )
        monkeypatch.setattr(
            QMessageBox,
            "information",
            lambda _p, title, text="", *a, **k: (
                self.asked.append(title) or self.said.append(text) or QMessageBox.StandardButton.Ok
            ),
        )
        monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: self.urls.append(url) or True)

    def ask(self, kind: str) -> str:
        self.asked.append(kind)
        return {"open": self.open_file, "save": self.save_file, "folder": self.folder}[kind]


def test_one_tender_from_the_start_page_to_a_reviewed_bid(
    qtbot, demo_file, tmp_path, monkeypatch, memory_keyring
):
    dialogs = Dialogs(monkeypatch)
    homes = {"us": tmp_path / "us-home", "ha": tmp_path / "ha-home"}
    monkeypatch.setenv("CONSORTIUM_HOME", str(homes["us"]))
    win = MainWindow(Workspace.open(demo_file))
    qtbot.addWidget(win)
    win.tenders.today = win.matches.today = TODAY
    win.resize(1366, 768)
    win.show()

    # --- Start page: the checklist says what to do; "Find a tender that fits you".
    assert win.stack.currentWidget() is win.start
    assert "Next:" in win.start.summary.text()
    click(qtbot, win.start.buttons["fit"])
    tenders = win.tenders
    assert win.stack.currentWidget() is tenders
    assert tenders.fit.currentData() == "any"
    wait_for_tasks(qtbot, win)
    fits_listed(qtbot, tenders)
    assert "that fit us, best fit first" in tenders.message.text()
    assert tenders.model.rowCount() > 0
    title = tenders.model.index(0, 1).data()
    fit = tenders.model.index(0, 8).data()
    assert title and int(fit.split()[0]) >= 40
    click_row(qtbot, tenders.view, 0)
    ocid = tenders.current_ocid()
    assert ocid

    # --- Matches > Proposal with our organisation in it; save; "Start a bid".
    click(qtbot, tenders.match_button)
    matches = win.matches
    assert win.stack.currentWidget() is matches
    assert matches.heading.text() and title.split()[0] in matches.heading.text()
    switch_tab(qtbot, matches.tabs, "Proposal")
    assert matches.include_ours.isChecked()
    assert "Riverside Community Action" in matches.include_ours.text()  # the demo's "ours"
    matches.result = None
    click(qtbot, matches.propose_button)
    qtbot.waitUntil(lambda: matches.result is not None, timeout=60000)
    assert "Includes our organisation." in matches.summary.text()
    assert matches.grid.columnCount() > 2
    dialogs.texts.append("Our first consortium")
    click(qtbot, matches.save_button)
    assert dialogs.asked[-1] == "Save as consortium: Name for this consortium:"
    assert "Saved consortium “Our first consortium”" in matches.saved_label.text()
    click(qtbot, matches.start_bid_button)
    bids = win.bids
    assert win.stack.currentWidget() is bids
    assert bids.consortium.currentText().startswith("Our first consortium")
    assert bids.current_id() is not None

    # --- Two questions typed, then the buyer's questionnaire imported.
    panel = bids.questions
    panel.today = TODAY
    assert panel.model.rowCount() == 0
    for line in (
        "A1 Describe how you will reach people who do not ask for help. (max 250 words)",
        "A2 How will the partners share the work?",
    ):
        qtbot.keyClicks(panel.new_question, line)
        click(qtbot, panel.add_button)
    assert panel.model.rowCount() == 2
    assert panel.model.index(0, 4).data() == "0 / 250"
    dialogs.open_file = str(FIXTURES / "bids" / "questionnaire.xlsx")
    click(qtbot, panel.import_button)
    assert "from questionnaire.xlsx" in panel.notice.text()
    total = panel.model.rowCount()
    assert total > 2

    # --- Answers: typed, then another question clicked without saving: nothing is lost.
    click_row(qtbot, panel.view, 0)
    qtbot.keyClicks(panel.answer, "Outreach workers at GP surgeries and food banks.")
    click_row(qtbot, panel.view, 1)
    assert panel.answer.toPlainText() == ""
    qtbot.keyClicks(panel.answer, "The lead holds the contract; members deliver by area.")
    click_row(qtbot, panel.view, 0)
    assert panel.answer.toPlainText() == "Outreach workers at GP surgeries and food banks."
    assert panel.model.index(0, 3).data() == "drafting"
    assert panel.model.index(1, 3).data() == "drafting"

    # --- A library suggestion inserted into the safeguarding question.
    row = next(r for r, q in enumerate(panel.model.rows) if "safeguarding" in q.text.lower())
    click_row(qtbot, panel.view, row)
    switch_tab(qtbot, panel.side, "Suggestions")
    assert panel.suggestions.count() >= 1
    assert not panel.insert_button.isEnabled()
    panel.suggestions.setCurrentRow(0)
    click(qtbot, panel.insert_button)
    assert "Designated Safeguarding Lead" in panel.answer.toPlainText()

    # --- Readiness: the headline and the list agree.
    switch_tab(qtbot, panel.side, "Readiness")
    click(qtbot, panel.readiness_button)
    counts = [
        int(n) for n in re.findall(r"(\d+) (?:problem|warning)", panel.readiness_summary.text())
    ]
    assert counts and sum(counts) == panel.readiness.count() > 0, panel.readiness_summary.text()

    # --- Build documents in the background.
    out = tmp_path / "built"
    out.mkdir()
    dialogs.folder = str(out)
    click(qtbot, bids.build_button)
    qtbot.waitUntil(lambda: bids.open_folder.isVisible(), timeout=120000)
    assert "Built" in bids.message.text() and "joint-bid-" in bids.message.toolTip()
    assert list(out.rglob("*joint-bid-*.docx"))

    # --- A social value commitment, in the area that opens on this bid.
    bid_id = bids.current_id()
    sv = win.social_value
    go(qtbot, win, sv)
    assert sv.bid.currentData() == bid_id
    before = sv.table.rowCount()
    sv.quantity.setValue(2)
    click(qtbot, sv.add_button)
    assert sv.table.rowCount() == before + 1
    assert "£" in sv.totals.text()

    # --- Send for review: the key is offered first, made, then the pack is saved.
    go(qtbot, win, bids)
    assert bids.current_id() == bid_id
    pack_path = tmp_path / "our-bid.cbpack"
    dialogs.save_file = str(pack_path)
    dialogs.texts.append("Riverside Community Action")  # who signs: the offered name
    asked = len(dialogs.asked)
    click(qtbot, bids.send_button)
    assert dialogs.asked[asked] == "A signing key is needed"
    assert dialogs.asked[asked + 1].startswith("Signing key: Organisation that signs")
    assert "save" in dialogs.asked[asked + 2 :]
    wait_for_tasks(qtbot, win)  # the pack is built and signed in the background
    assert pack_path.exists(), bids.message.text()
    assert "Wrote the signed pack" in bids.message.text()
    words = bids.message.text().split("<b>")[-1].split("</b>")[0]
    assert len(words.split()) >= 4
    assert "in review" in bids.overview.toPlainText()

    # === The housing association, in its own workspace with its own key.
    monkeypatch.setenv("CONSORTIUM_HOME", str(homes["ha"]))
    ha = MainWindow(Workspace.create(tmp_path / "ha" / "ha.consortium"))
    qtbot.addWidget(ha)
    ha.resize(1366, 768)
    ha.show()
    review_page = ha.review
    review_page.today = TODAY
    go(qtbot, ha, review_page)
    dialogs.open_file = str(pack_path)
    click(qtbot, review_page.open_button)
    assert review_page.banner.text().startswith("<b>VERIFIED</b>"), review_page.banner.text()
    switch_tab(qtbot, review_page.tabs, "Answers (")
    text = review_page.answers.toPlainText()
    assert "Outreach workers at GP surgeries and food banks." in text
    assert "Designated Safeguarding Lead" in text
    switch_tab(qtbot, review_page.tabs, "Documents")
    docs = review_page.documents
    names = [docs.item(r).text() for r in range(docs.count())]
    assert len(names) == len(set(names)) and not any("(2)" in n for n in names), names
    joint = next(r for r, n in enumerate(names) if "joint-bid-" in n and n.endswith(".docx"))
    rect = docs.visualItemRect(docs.item(joint))
    qtbot.mouseClick(docs.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    click(qtbot, review_page.open_document_button)
    assert dialogs.urls, review_page.message.text()
    opened = Path(dialogs.urls[-1].toLocalFile())
    with zipfile.ZipFile(pack_path) as zf:
        assert opened.read_bytes() == zf.read("documents/" + opened.name)
    # A comment on the first question, picked from the list of the pack's parts.
    choices = [review_page.anchor.itemText(i) for i in range(review_page.anchor.count())]
    on = next(c for c in choices if "A1 — Describe how you will reach people" in c)
    review_page.anchor.setCurrentIndex(choices.index(on))
    qtbot.keyClicks(review_page.comment_text, "Name the GP surgeries.")
    click(qtbot, review_page.add_comment)
    assert review_page.comments.table.item(0, 0).text() == on
    review_page.decision.setCurrentIndex(review_page.decision.findData("approve_with_conditions"))
    qtbot.keyClicks(review_page.conditions, "Renew the safeguarding policy before the start")
    review_path = tmp_path / "reply.cbreview"
    dialogs.save_file = str(review_path)
    dialogs.texts.append("Canalside Homes")
    asked = len(dialogs.asked)
    click(qtbot, review_page.send)
    # The checklist has failed checks: the officer is asked before approving, and says yes.
    assert dialogs.asked[asked] == "Approve with checks not passed?"
    assert dialogs.asked[asked + 1] == "A signing key is needed"
    # The reviewer is told what is signed and for whom (not "a bid pack … the housing association").
    assert (
        dialogs.said[-2].startswith("A review is signed") and "the consortium" in dialogs.said[-2]
    )
    assert "Read them to the consortium when you send your first review" in dialogs.said[-1]
    assert review_path.exists(), review_page.message.text()
    assert "Saved the signed review" in review_page.message.text()
    from consortium.packs import keys

    ha_words = keys.identity().words
    ha.close()

    # === Back at the consortium: Bids > Take in a review, and the condition on the bid.
    monkeypatch.setenv("CONSORTIUM_HOME", str(homes["us"]))
    dialogs.open_file = str(review_path)
    click(qtbot, bids.take_review_button)
    assert "first review from Canalside Homes" in bids.message.text()
    dialog = bids.key_dialog
    qtbot.keyClicks(dialog.typed, ha_words)
    click(qtbot, dialog.ok_button)
    assert "Approved with conditions" in bids.message.text()
    overview = bids.overview.toPlainText()
    assert "Review: Approved with conditions" in overview
    assert "Conditions: Renew the safeguarding policy before the start" in overview
    assert f"{on}: Name the GP surgeries." in overview
    assert "Status: approved" in overview
    assert "Riverside Community Action — lead provider (lot 1)" in overview
    assert bids.tabs.tabText(2) == "Review comments (1)"
    win.close()
