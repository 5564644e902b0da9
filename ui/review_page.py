"""The Review area (for a housing association): open a signed bid pack, see at once whether it
is genuine, work through the assurance checklist, comment, decide, and send a signed review
back. Also takes a review back into a bid on the consortium's side. A thin view over
``consortium.packs``."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from consortium.errors import ConsortiumError
from consortium.formatting import plural
from consortium.packs import pack, review, trust
from consortium.workspace import Workspace
from ui import colours, key_confirm
from ui.assets_page import AssetsPage
from ui.partner_editor import ComboDelegate, Table
from ui.signing import ensure_key, passphrase_for_signing
from ui.status import StatusLabel

STATUS_COLOURS = {
    review.PASS: "#d1e7dd",
    review.WARN: "#fff3cd",
    review.FAIL: "#f8d7da",
    review.OPEN: "#e9ecef",
}
INTRO = "Open a .cbpack file sent by a consortium to review it. It is checked before anything else."
GREY = "padding: 8px; background: #e9ecef; color: #212529;"
STATUSES = (review.PASS, review.WARN, review.FAIL, review.OPEN, "not applicable")


class ReviewPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.opened: review.OpenedPack | None = None
        self.today = dt.date.today()
        outer = QVBoxLayout(self)
        self.areas = QTabWidget()
        self.areas.setAccessibleName("Review tabs")
        outer.addWidget(self.areas)
        review_tab = QWidget()
        self.areas.addTab(review_tab, "Review a bid pack")
        self.assets = AssetsPage()
        self.areas.addTab(self.assets, "Locality assets")
        layout = QVBoxLayout(review_tab)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open a bid pack…")
        self.open_button.setAccessibleName("Open a bid pack")
        self.import_button = QPushButton("Take a review back into a bid…")
        self.import_button.setAccessibleName("Import a review")
        row.addWidget(self.open_button)
        row.addWidget(self.import_button)
        row.addStretch()
        layout.addLayout(row)
        # What the pack in hand is (verified or not) stands here; a review that could not be
        # taken in is said here too, until the next thing done on the page works.
        self.banner = StatusLabel(INTRO, GREY)
        self.banner.setAccessibleName("Verification result")
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.banner)
        self.key_dialog = None  # the open "check the key's words" dialog, if any
        self._confirm_again = None
        self._pack_confirm = None  # the open pack's own "check the words" offer, if any
        self.confirm_button = QPushButton("They read me the words…")
        self.confirm_button.setAccessibleName("Confirm the key by its words")
        self.confirm_button.setToolTip(
            "Type the eight words the sender reads you over the phone to trust their key"
        )
        self.confirm_button.setVisible(False)
        self.confirm_button.clicked.connect(lambda: self._confirm_again and self._confirm_again())
        layout.addWidget(self.confirm_button)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Pack contents")
        self.summary = QTextBrowser()
        self.summary.setAccessibleName("Bid summary")
        self.tabs.addTab(self.summary, "Summary")
        self.answers = QTextBrowser()
        self.answers.setAccessibleName("Questions and answers")
        self.answers.setToolTip("Every question in the pack with the consortium's answer")
        self.tabs.addTab(self.answers, "Answers")
        documents = QWidget()
        dv = QVBoxLayout(documents)
        dv.setContentsMargins(0, 0, 0, 0)
        self.documents = QListWidget()
        self.documents.setAccessibleName("Documents in the pack")
        self.documents.setToolTip("Double-click a document to open it")
        # Names start with the consortium's (often long) name: wrap them so the part that
        # says which document it is ("joint-bid", "due diligence") is never cut off at 1366.
        self.documents.setWordWrap(True)
        self.documents.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.documents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        dv.addWidget(self.documents, 1)
        self.open_document_button = QPushButton("Open document")
        self.open_document_button.setAccessibleName("Open the selected document")
        self.open_document_button.setToolTip(
            "Open the document as the consortium signed it (checked again as it is taken out)"
        )
        dv.addWidget(self.open_document_button)
        self.tabs.addTab(documents, "Documents")
        self.changes = QTextBrowser()
        self.changes.setAccessibleName("Changes since the last version")
        self.tabs.addTab(self.changes, "Changes")
        splitter.addWidget(self.tabs)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        # The checklist and the comments share the height above the decision, which stays put
        # below them: the officer drags the divider to give either more room.
        stack = QSplitter(Qt.Orientation.Vertical)
        stack.setChildrenCollapsible(False)
        self.right_splitter = stack
        checks = QWidget()
        cv = QVBoxLayout(checks)
        cv.setContentsMargins(0, 0, 0, 0)
        cv.addWidget(
            QLabel(
                "Assurance checklist (double-click a status or note to change it; add your own items)"
            )
        )
        self.checklist = QTreeWidget()
        self.checklist.setAccessibleName("Assurance checklist")
        self.checklist.setHeaderLabels(["Item", "Status", "Evidence", "Your note"])
        self.checklist.setColumnWidth(0, 330)
        self.checklist.setColumnWidth(1, 90)
        self.checklist.setColumnWidth(2, 300)
        self.checklist.setItemDelegateForColumn(1, ComboDelegate(lambda _r: STATUSES, False, self))
        self.checklist.setMinimumHeight(90)
        cv.addWidget(self.checklist, 1)
        add = QHBoxLayout()
        self.new_item = QLineEdit(placeholderText="Your own checklist item…")
        self.new_item.setAccessibleName("New checklist item")
        self.new_foundation = QComboBox()
        self.new_foundation.setAccessibleName("Foundation for the new item")
        self.new_foundation.addItems(review.FOUNDATIONS)
        self.add_item = QPushButton("Add item")
        self.add_item.setAccessibleName("Add checklist item")
        add.addWidget(self.new_item, 1)
        add.addWidget(self.new_foundation)
        add.addWidget(self.add_item)
        cv.addLayout(add)
        stack.addWidget(checks)

        notes = QWidget()
        nv = QVBoxLayout(notes)
        nv.setContentsMargins(0, 0, 0, 0)
        comment_row = QHBoxLayout()
        comment_row.addWidget(QLabel("Comment on:"))
        self.anchor = QComboBox()
        self.anchor.setAccessibleName("Comment on")
        self.anchor.setToolTip("A section, question, member or document of the pack")
        self.anchor.setMinimumContentsLength(28)
        self.anchor.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.add_comment = QPushButton("Add comment")
        self.add_comment.setAccessibleName("Add comment")
        self.add_comment.setToolTip("Add the comment on the chosen part of the pack (Ctrl+Enter)")
        comment_row.addWidget(self.anchor, 1)
        comment_row.addWidget(self.add_comment)
        nv.addLayout(comment_row)
        # A comment is often a paragraph: the box grows with the window, and is never less
        # than four lines (a one-line box showed an officer two lines' worth at 1366×768).
        self.comment_text = QPlainTextEdit()
        self.comment_text.setPlaceholderText(
            "Your comment on the part chosen above… (Ctrl+Enter adds it)"
        )
        self.comment_text.setAccessibleName("Comment text")
        self.comment_text.setTabChangesFocus(True)
        lines = self.comment_text.fontMetrics().lineSpacing()
        self.comment_text.setMinimumHeight(4 * lines + 12)
        self.comment_text.installEventFilter(self)
        nv.addWidget(self.comment_text, 3)
        self._anchors: dict[str, review.Anchor] = {}
        self.comments = Table("Comments", ["On", "Comment"])
        self.comments.table.setItemDelegateForColumn(
            0, ComboDelegate(lambda _r: tuple(self._anchors), False, self)
        )
        self.comments.table.setWordWrap(False)
        self.comments.table.setMinimumHeight(2 * lines + 30)
        self.comments.add.setVisible(False)  # comments are added on a chosen anchor, above
        nv.addWidget(self.comments, 2)
        stack.addWidget(notes)
        stack.setSizes([240, 220])  # at 1366×768: eight checklist rows, four lines of comment
        rv.addWidget(stack, 1)
        decide = QHBoxLayout()
        self.decision = QComboBox()
        self.decision.setAccessibleName("Decision")
        # Nothing chosen until the reviewer chooses: an untouched box never approves a bid.
        self.decision.addItem("Choose a decision…", None)
        for key, label in review.DECISIONS.items():
            self.decision.addItem(label, key)
        self.reasons = QPlainTextEdit()
        self.reasons.setAccessibleName("Reasons for the decision")
        self.reasons.setPlaceholderText("Reasons (needed unless you approve)")
        self.reasons.setToolTip("Why you decided as you did; the consortium sees this on the bid")
        self.reasons.setMaximumHeight(70)
        self.conditions = QLineEdit(
            placeholderText="Conditions of approval, e.g. renew the safeguarding policy before the start"
        )
        self.conditions.setAccessibleName("Conditions of approval")
        self.conditions.setToolTip("Needed when you approve with conditions; shown on the bid")
        self.send = QPushButton("Sign and save the review…")
        self.send.setAccessibleName("Sign and save the review")
        decide.addWidget(self.decision)
        decide.addWidget(self.reasons, 1)
        decide.addWidget(self.send)
        rv.addLayout(decide)
        rv.addWidget(self.conditions)
        self.message = StatusLabel()
        self.message.setAccessibleName("Review message")
        rv.addWidget(self.message)
        splitter.addWidget(right)
        splitter.setSizes([520, 760])
        self.splitter = splitter
        layout.addWidget(splitter, 1)

        self.open_button.clicked.connect(self.choose_pack)
        self.import_button.clicked.connect(self.choose_review)
        self.add_item.clicked.connect(self._add_item)
        self.add_comment.clicked.connect(self._add_comment)
        self.open_document_button.clicked.connect(lambda: self.open_document())
        self.documents.itemDoubleClicked.connect(lambda item: self.open_document(item))
        self.send.clicked.connect(self.choose_export)
        self.checklist.itemChanged.connect(self._recolour)
        self._enable(False)

    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.opened = None
        self.banner.stand(INTRO, GREY)
        self._enable(False)
        self.assets.set_workspace(ws)

    def _enable(self, on: bool) -> None:
        for w in (
            self.checklist,
            self.new_item,
            self.new_foundation,
            self.add_item,
            self.comments,
            self.anchor,
            self.comment_text,
            self.add_comment,
            self.decision,
            self.reasons,
            self.conditions,
            self.send,
        ):
            w.setEnabled(on)

    # --------------------------------------------------------------------- opening
    def choose_pack(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a bid pack", str(Path.home()), "Bid packs (*.cbpack);;All files (*)"
        )
        if path:
            self.open_pack(Path(path))

    def _succeeded(self) -> None:
        """Something done on the page worked: a failure still shown (a review not taken in,
        a document not opened) goes."""
        if self.banner.failed:
            self.banner.succeeded()
            # The pack's banner is back, and with it its offer to check the sender's words
            # (taking a review in had put the button to its own use, or hidden it).
            self._confirm_again = self._pack_confirm
            self.confirm_button.setVisible(self._pack_confirm is not None)
        self.message.succeeded()

    def _offer_confirmation(self, check: dict, on_words) -> None:
        """Show the 'they read me the words' button and open the dialog."""

        def again():
            key_confirm.ask(self, check, on_words)

        self._confirm_again = self._pack_confirm = again
        self.confirm_button.setVisible(True)
        again()

    def open_pack(self, path: Path, confirm_words: str | None = None) -> None:
        if self.ws is None:
            return
        self.opened = None
        self.confirm_button.setVisible(False)
        self._pack_confirm = None
        self.checklist.clear()
        self.comments.set_rows([])
        self.answers.clear()
        self.documents.clear()
        self.anchor.clear()
        self._anchors = {}
        # A new pack starts a new review: nothing of the last one's decision is carried over.
        self.comment_text.clear()  # a comment half-written on the last pack is not on this one
        self.new_item.clear()
        self.reasons.clear()
        self.conditions.clear()
        self.decision.setCurrentIndex(0)
        self.message.clear()
        for index, title in enumerate(("Summary", "Answers", "Documents", "Changes")):
            self.tabs.setTabText(index, title)
        self.tabs.setCurrentIndex(0)
        try:  # verified once; nothing is stored unless every check passes
            self.opened = review.open_for_review(
                self.ws, path, self.today, confirm_words=confirm_words
            )
        except review.PackRefused as exc:
            result = exc.verification
            problems = "".join(f"<li>{escape(p)}</li>" for p in result.problems)
            self.banner.stand(
                f"<b>NOT VERIFIED — do not rely on {escape(path.name)}.</b><ul>{problems}</ul>",
                key_confirm.RED,
            )
            self.summary.setHtml(
                "<p>Nothing in this pack was opened, because it did not verify.</p>"
            )
            self.changes.clear()
            self._enable(False)
            if result.only_key_refused or (result.key_refused and confirm_words is not None):
                self._offer_confirmation(
                    result.key, lambda typed: self.open_pack(path, confirm_words=typed)
                )
            return
        except ConsortiumError as exc:
            self.banner.stand(escape(str(exc)), key_confirm.RED)
            return
        result = self.opened.verification
        signer = result.signer
        warn = "".join(f"<br>⚠ {escape(w)}" for w in result.warnings)
        self.banner.stand(
            f"<b>VERIFIED</b>: every file is as {escape(signer['organisation'])} signed it. "
            f"Their key's words: <b>{escape(signer['words'])}</b>{warn}",
            key_confirm.AMBER if result.warnings else key_confirm.GREEN,
        )
        if not trust.confirmed(self.ws, signer["fingerprint"]):
            # Trusted on first sight only: offered (not forced) until its words are checked.
            self._confirm_again = self._pack_confirm = lambda: key_confirm.ask(
                self, result.key, lambda typed: self.open_pack(path, confirm_words=typed)
            )
            self.confirm_button.setVisible(True)
        self._show_summary()
        self._show_checklist(self.opened.checklist)
        self._enable(True)

    def _show_summary(self) -> None:
        data = self.opened.data
        c, bid, tender = data["consortium"], data["bid"], data.get("tender") or {}
        parts = [f"<h2>{escape(bid['name'])}</h2>"]
        if tender:
            parts.append(
                f"<p>For <b>{escape(tender.get('title') or '')}</b> — {escape(tender.get('buyer') or '')}</p>"
            )
        fee = f", management fee {c['fee_percent']:g}%" if c.get("fee_percent") is not None else ""
        parts.append(
            f"<p>{escape(c['name'])}: {escape(c['model_label'])}{fee}</p><h3>Members</h3><ul>"
        )
        for m in data["members"]:
            few = m.get("lots") or []
            lots = f" — lot{'s' if len(few) > 1 else ''} {', '.join(few)}" if few else ""
            parts.append(f"<li><b>{escape(m['name'])}</b> ({escape(m['role'])}{escape(lots)})</li>")
        parts.append("</ul>")
        files = self.opened.verification.manifest.get("files", {})
        docs = [n for n in files if n.startswith(("documents/", "evidence/"))]
        if docs:
            parts.append(
                f"<p>{plural(len(docs), 'document')} in the pack: see the Documents tab to open them.</p>"
            )
        questions = data.get("questions") or []
        if questions:
            parts.append(
                f"<h3>{review.answered(data)} of {len(questions)} questions answered</h3>"
                "<p>Read them in the Answers tab.</p>"
            )
        self.summary.setHtml("".join(parts))
        self._show_answers(questions)
        self.tabs.setTabText(1, f"Answers ({review.answered(data)}/{len(questions)})")
        self.documents.clear()
        for name in docs:
            item = QListWidgetItem(
                name.split("/", 1)[1] + ("" if name.startswith("documents/") else "  (evidence)")
            )
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(f"{name} — {files[name].get('size', 0):,} bytes")
            self.documents.addItem(item)
        self.tabs.setTabText(2, f"Documents ({len(docs)})")
        self.open_document_button.setEnabled(bool(docs))
        if docs:
            self.documents.setCurrentRow(0)
        self._anchors = {
            a.label: a for a in review.anchors(data, self.opened.verification.manifest)
        }
        self.anchor.clear()
        for label, a in self._anchors.items():
            self.anchor.addItem(label, a)
        if self.opened.changes:
            self.changes.setHtml(
                "<ul>" + "".join(f"<li>{escape(ch)}</li>" for ch in self.opened.changes) + "</ul>"
            )
            self.tabs.setTabText(3, f"Changes ({len(self.opened.changes)})")
        else:
            self.changes.setHtml("<p>No earlier version of this bid has been reviewed here.</p>")
            self.tabs.setTabText(3, "Changes")

    def _show_answers(self, questions: list[dict]) -> None:
        parts = []
        section = None
        for q in questions:
            if q.get("section") and q["section"] != section:
                section = q["section"]
                parts.append(f"<h2>{escape(section)}</h2>")
            label = (
                f"Q {q['ref']}" if q.get("ref") else f"Question {int(q.get('position') or 0) + 1}"
            )
            limit = f" of {q['word_limit']:,}" if q.get("word_limit") else ""
            over = (
                f" <b style='{colours.style('error')}'>(over the limit)</b>"
                if q.get("over_limit")
                else ""
            )
            weight = f", {q['weighting']:g}% of the marks" if q.get("weighting") else ""
            answer = str(q.get("answer") or "").strip()
            body = (
                "".join(f"<p>{escape(p)}</p>" for p in answer.split("\n") if p.strip())
                if answer
                else f"<p style='{colours.style('error')}'><i>No answer given.</i></p>"
            )
            parts.append(
                f"<h3>{escape(label)}: {escape(q.get('text') or '')}</h3>"
                f"<p style='color:#555'>{q.get('words', 0):,}{limit} words{over}{weight}</p>{body}"
            )
        self.answers.setHtml("".join(parts) or "<p>The pack holds no questions.</p>")

    def eventFilter(self, watched, event) -> bool:
        """Ctrl+Enter in the comment box adds the comment; Enter alone starts a new line."""
        if (
            watched is self.comment_text
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self._add_comment()
            return True
        return super().eventFilter(watched, event)

    def _add_comment(self) -> None:
        text = self.comment_text.toPlainText().strip()
        if not text or self.anchor.currentIndex() < 0:
            return
        row = self.comments.add_row([self.anchor.currentText(), text])
        table = self.comments.table
        table.item(row, 0).setToolTip(self.anchor.currentText())
        table.item(row, 1).setToolTip(text)
        # What it is on must read in full (it was "…" when the column shrank to its header).
        table.resizeColumnToContents(0)
        table.setColumnWidth(0, min(max(table.columnWidth(0), 160), 340))
        table.resizeRowsToContents()
        self.comment_text.clear()
        self._succeeded()

    def open_document(self, item: QListWidgetItem | None = None) -> Path | None:
        """Take one document out of the pack (checked against the signed manifest) into the
        workspace's attachments folder and open it with the computer's own program."""
        item = item or self.documents.currentItem()
        if item is None or self.opened is None or self.ws is None:
            return None
        name = item.data(Qt.ItemDataRole.UserRole)
        folder = self.ws.attachments / "received" / f"pack-{self.opened.received_id}"
        try:
            out = pack.extract_entry(
                self.opened.path, self.opened.verification.manifest, name, folder
            )
        except ConsortiumError as exc:
            self.message.fail(colours.span("error", str(exc)))
            return None
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(out)))
        self._succeeded()
        self.message.say(f"Opened {escape(out.name)} (a copy in {escape(str(folder))}).")
        return out

    def _show_checklist(self, checks: list[review.Check]) -> None:
        self.checklist.clear()
        groups = {}
        for foundation in review.FOUNDATIONS:
            group = QTreeWidgetItem([foundation])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.checklist.addTopLevelItem(group)
            groups[foundation] = group
        for check in checks:
            self._add_check(groups[check.foundation], check)
        self.checklist.expandAll()

    def _add_check(self, group: QTreeWidgetItem, check: review.Check) -> QTreeWidgetItem:
        item = QTreeWidgetItem([check.item, check.status, "; ".join(check.evidence), check.note])
        item.setData(0, Qt.ItemDataRole.UserRole, check.automated)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        item.setBackground(1, QBrush(QColor(STATUS_COLOURS.get(check.status, "#ffffff"))))
        item.setToolTip(0, check.item)  # long items are cut off at 1366 pixels
        item.setToolTip(2, "\n".join(check.evidence))
        group.addChild(item)
        return item

    def _recolour(self, item: QTreeWidgetItem, column: int) -> None:
        """A status changed by hand takes its colour (it kept the one it was made with)."""
        if column == 1 and item.parent() is not None:
            colour = QColor(STATUS_COLOURS.get(item.text(1), "#ffffff"))
            if item.background(1).color() != colour:
                item.setBackground(1, QBrush(colour))

    def _add_item(self) -> None:
        text = self.new_item.text().strip()
        if not text:
            return
        group = self.checklist.topLevelItem(self.new_foundation.currentIndex())
        self._add_check(
            group,
            review.Check(self.new_foundation.currentText(), text, review.OPEN, [], automated=False),
        )
        self.new_item.clear()
        self._succeeded()

    def current_checklist(self) -> list[review.Check]:
        checks = []
        for g in range(self.checklist.topLevelItemCount()):
            group = self.checklist.topLevelItem(g)
            for k in range(group.childCount()):
                item = group.child(k)
                checks.append(
                    review.Check(
                        foundation=group.text(0),
                        item=item.text(0),
                        status=item.text(1),
                        evidence=[e for e in item.text(2).split("; ") if e],
                        automated=bool(item.data(0, Qt.ItemDataRole.UserRole)),
                        note=item.text(3),
                    )
                )
        return checks

    def current_comments(self) -> list[review.Comment]:
        comments = []
        for _r, (on, text) in self.comments.rows():
            a = self._anchors.get(on)
            if not text:
                continue
            if a is None:  # typed by hand: keep it, on the bid as a whole
                a = review.Anchor("section", "general", on or "The bid as a whole")
            comments.append(review.Comment(a.type, a.id, text, anchor_label=a.label))
        return comments

    # ----------------------------------------------------------------------- saving
    def choose_export(self) -> None:
        if self.opened is None:
            return
        decision = self.decision.currentData()
        # Asked before a file name or passphrase is: a decision that cannot be signed says so.
        problem = review.decision_problem(
            decision, self.reasons.toPlainText(), self.conditions.text()
        )
        if problem:
            self.message.fail(colours.span("error", problem))
            return
        caveat = review.approval_caveat(decision, self.current_checklist())
        if caveat:
            answer = QMessageBox.question(
                self,
                "Approve with checks not passed?",
                caveat,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.message.say("Not signed: look at the checks, or choose another decision.")
                return
        # The review is signed: offer to make the key before asking where to save it.
        if not ensure_key(self, self.message, for_="review"):
            return
        suggested = Path.home() / f"{self.opened.data['bid']['name']} - review.cbreview"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the signed review", str(suggested), "Reviews (*.cbreview)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path, passphrase: str | None = None) -> Path | None:
        ok, passphrase = passphrase_for_signing(self, passphrase, self.message)
        if not ok:
            return None
        try:
            out = review.export_review(
                review.Review(
                    self.opened,
                    self.current_checklist(),
                    self.current_comments(),
                    self.decision.currentData(),
                    reasons=self.reasons.toPlainText().strip(),
                    conditions=self.conditions.text().strip(),
                ),
                path,
                passphrase=passphrase,
            )
        except ConsortiumError as exc:
            self.message.fail(colours.span("error", str(exc)))
            return None
        self._succeeded()
        self.message.say(
            f"Saved the signed review to {escape(str(out))}. Send it back to the consortium."
        )
        return out

    # ---------------------------------------------------------------- consortium side
    def choose_review(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Take a review back in", str(Path.home()), "Reviews (*.cbreview);;All files (*)"
        )
        if path:
            self.import_review(Path(path))

    def import_review(self, path: Path) -> None:
        if self.ws is None:
            return
        self.confirm_button.setVisible(False)

        def ask_again(check, on_words):
            self._confirm_again = lambda: key_confirm.ask(self, check, on_words)
            self.confirm_button.setVisible(True)

        key_confirm.take_in_review(
            self,
            self.ws,
            path,
            self.banner,
            # The bid's new status and comments reach the Bids area by the change dispatcher.
            lambda _imported: (self.confirm_button.setVisible(False), self.message.succeeded()),
            on_ask=ask_again,
        )
