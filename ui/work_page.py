"""Members' work: the member's "Work for <lead>" view (answer the questions sent, check the
record, attach files, send back) and the lead's side (status across members, send a work
pack, take a reply in with its diff: accept all or per item, conflicts side by side). A thin
view over ``consortium.work``."""

from __future__ import annotations

import copy
import datetime as dt
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from consortium.bids import records as bid_records
from consortium.bids.questions import word_count
from consortium.errors import ConsortiumError
from consortium.formatting import plural, possessive, uk_date
from consortium.library import suggest
from consortium.partners import store as partner_store
from consortium.records import normalise_name
from consortium.text import listed
from consortium.work import apply, export, member, records, status
from consortium.work import diff as work_diff
from consortium.workspace import Workspace
from ui import colours, key_confirm
from ui.signing import passphrase_for_signing
from ui.status import StatusLabel

ID_ROLE = Qt.ItemDataRole.UserRole + 60
CONFLICT = "#fff3cd"
OVERDUE = "#f8d7da"


def words_html(n: int, limit: int | None) -> str:
    """The word count as the bid's answer editor shows it (red when over the limit)."""
    if limit and n > limit:
        return (
            f"<span style='color:#9c0006'><b>{n:,} words: {n - limit:,} over the limit of "
            f"{limit:,}</b></span>"
        )
    return f"{n:,} words" + (f" of {limit:,}" if limit else "")


def member_work_html(ws: Workspace, bid_id: int) -> dict[int, str]:
    """Each member's work pack status as a short line for the bid's overview (overdue in
    red), keyed by partner id; members with no pack sent are left out."""
    lines = {}
    for s in status.for_bid(ws, bid_id):
        if not s.packs_sent:
            continue
        colour = "#9c0006" if s.overdue else "#495057"
        lines[s.org_id] = (
            f"<br><span style='color:{colour}'>Work pack: {escape(s.summary)}; "
            f"{s.open} of {plural(s.questions, 'question')} still open</span>"
        )
    return lines


class MemberView(QWidget):
    """Work for a lead: the questions to answer, the record to check, the files to attach."""

    workspace_made = Signal(object)  # a new Workspace made from a pack, for the window to open

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.work: member.Work | None = None
        self.current_q: dict | None = None
        self._loading = False
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.chooser = QComboBox()
        self.chooser.setAccessibleName("Work pack")
        self.chooser.setToolTip("The work packs leads have sent you")
        self.open_button = QPushButton("Open a work pack…")
        self.open_button.setToolTip("Open a .cbwork file a lead partner sent you")
        self.open_button.clicked.connect(self.choose_pack)
        top.addWidget(self.chooser, 1)
        top.addWidget(self.open_button)
        outer.addLayout(top)
        self.banner = StatusLabel()  # a failure shown here goes at the view's next success
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.banner)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.title.setWordWrap(True)
        outer.addWidget(self.title)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Work tabs")
        outer.addWidget(self.tabs, 1)

        # Questions: the list, the answer editor with its word count, suggestions beside it.
        qpage = QSplitter(Qt.Orientation.Horizontal)
        self.questions = QListWidget()
        self.questions.setAccessibleName("Questions to answer")
        qpage.addWidget(self.questions)
        editor = QWidget()
        ev = QVBoxLayout(editor)
        ev.setContentsMargins(0, 0, 0, 0)
        self.question_text = QLabel()
        self.question_text.setWordWrap(True)
        self.question_text.setTextFormat(Qt.TextFormat.RichText)
        ev.addWidget(self.question_text)
        self.answer = QPlainTextEdit()
        self.answer.setAccessibleName("Answer")
        self.answer.setPlaceholderText("Write your answer here. It is saved as you type.")
        ev.addWidget(self.answer, 1)
        self.words = QLabel()
        self.words.setAccessibleName("Word count")
        ev.addWidget(self.words)
        qpage.addWidget(editor)
        side = QWidget()
        sv = QVBoxLayout(side)
        sv.setContentsMargins(0, 0, 0, 0)
        sv.addWidget(QLabel("Suggested answers (the lead's and your library's):"))
        self.suggestions = QListWidget()
        self.suggestions.setAccessibleName("Suggested answers")
        self.suggestions.setWordWrap(True)
        sv.addWidget(self.suggestions, 1)
        self.insert_button = QPushButton("Insert the selected answer")
        self.insert_button.setToolTip(
            "Put the chosen library answer into this question's answer, to edit"
        )
        self.insert_button.setEnabled(False)
        self.insert_button.clicked.connect(self.insert_suggestion)
        self.suggestions.currentRowChanged.connect(
            lambda row: self.insert_button.setEnabled(row >= 0)
        )
        sv.addWidget(self.insert_button)
        qpage.addWidget(side)
        qpage.setSizes([260, 560, 300])
        self.tabs.addTab(qpage, "Questions")

        # The record as the lead holds it, to confirm or correct.
        rpage = QWidget()
        rv = QVBoxLayout(rpage)
        rv.addWidget(
            QLabel(
                "Your organisation's details as the lead holds them. Correct anything out of "
                "date (dates like 31 Mar 2028); your corrections go back with your reply."
            )
        )
        self.record = QTableWidget(0, 2)
        self.record.setAccessibleName("Our record")
        self.record.setHorizontalHeaderLabels(["Detail", "Value"])
        self.record.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.record.horizontalHeader().setStretchLastSection(True)
        self.record.verticalHeader().setVisible(False)
        self.record.itemChanged.connect(self._record_edited)
        rv.addWidget(self.record, 1)
        self.record_message = QLabel()
        self.record_message.setWordWrap(True)
        rv.addWidget(self.record_message)
        self.tabs.addTab(rpage, "Our record")

        # Files the lead needs, and those attached.
        fpage = QWidget()
        fv = QVBoxLayout(fpage)
        fv.addWidget(QLabel("The lead needs these documents from you:"))
        self.needed = QListWidget()
        self.needed.setAccessibleName("Documents needed")
        fv.addWidget(self.needed, 1)
        self.attach_button = QPushButton("Attach a file for the selected document…")
        self.attach_button.setToolTip(
            "Choose the file (e.g. an insurance certificate) the lead asked for in the selected row"
        )
        self.attach_button.clicked.connect(self.choose_attachment)
        fv.addWidget(self.attach_button)
        fv.addWidget(QLabel("Attached:"))
        self.attached = QListWidget()
        self.attached.setAccessibleName("Attached files")
        fv.addWidget(self.attached, 1)
        self.tabs.addTab(fpage, "Files to attach")

        self.sv_list = QListWidget()
        self.sv_list.setAccessibleName("Social value commitments")
        self.tabs.addTab(self.sv_list, "Social value")

        bottom = QHBoxLayout()
        self.message = StatusLabel()
        bottom.addWidget(self.message, 1)
        self.send_button = QPushButton("Send back…")
        self.send_button.setAccessibleName("Send back")
        self.send_button.setToolTip("Write the signed reply file to email or copy to the lead")
        self.send_button.clicked.connect(self.choose_send)
        bottom.addWidget(self.send_button)
        outer.addLayout(bottom)

        self._save_timer = QTimer(self, singleShot=True, interval=600)
        self._save_timer.timeout.connect(self.save_answer)
        self.answer.textChanged.connect(self._typed)
        self.questions.currentRowChanged.connect(self._question_chosen)
        self.chooser.currentIndexChanged.connect(self._work_chosen)
        self._enable(False)

    # ------------------------------------------------------------------ loading
    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.reload()

    def _enable(self, on: bool) -> None:
        for w in (self.tabs, self.send_button):
            w.setEnabled(on)

    def reload(self, select: int | None = None) -> None:
        if self.ws is None:
            return
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for w in member.list_work(self.ws):
            due = f", due {uk_date(w.due)}" if w.due else ""
            self.chooser.addItem(f"Work for {w.lead}: {w.bid_name}{due}", w.id)
        self.chooser.blockSignals(False)
        if select is not None:
            self.chooser.setCurrentIndex(max(self.chooser.findData(select), 0))
        self._work_chosen()

    def _work_chosen(self, *_args) -> None:
        self.save_answer()
        work_id = self.chooser.currentData()
        self.work = member.load(self.ws, work_id) if work_id is not None else None
        self._enable(self.work is not None)
        if self.work is None:
            self.title.setText("No work from a lead yet. Open a work pack a lead sent you.")
            self.questions.clear()
            self.record.setRowCount(0)
            return
        w = self.work
        due = f" — due {uk_date(w.due)}" if w.due else ""
        self.title.setText(f"Work for {w.lead}: {w.bid_name}{due}")
        sent = f"Reply sent {w.sent_at[:10]}" if w.sent_at else ""
        self.message.say(sent)
        self.questions.blockSignals(True)
        self.questions.clear()
        for q in w.questions:
            item = QListWidgetItem(self._q_label(q))
            item.setData(ID_ROLE, q["id"])
            self.questions.addItem(item)
        self.questions.blockSignals(False)
        self.questions.setCurrentRow(0 if w.questions else -1)
        self._question_chosen(self.questions.currentRow())
        self._fill_record()
        self._fill_files()
        self.sv_list.clear()
        for c in w.data.get("social_value") or []:
            self.sv_list.addItem(
                f"{c.get('measure_code')} {c.get('description') or ''}: {c.get('quantity')} "
                f"{c.get('unit') or ''} a year for {plural(int(c.get('years') or 0), 'year')}. {c.get('activity') or ''}"
            )

    def _q_label(self, q: dict) -> str:
        n = self.work.words(q["id"])
        limit = q.get("word_limit")
        return f"{q.get('label')}  ({n:,}{f'/{limit:,}' if limit else ''} words)"

    def _question_chosen(self, row: int) -> None:
        self.save_answer()
        self.current_q = (
            self.work.questions[row] if self.work and 0 <= row < len(self.work.questions) else None
        )
        q = self.current_q
        self._loading = True
        self.answer.setPlainText(self.work.answer(q["id"]) if q else "")
        self._loading = False
        if q is None:
            self.question_text.clear()
            self.words.clear()
            self.suggestions.clear()
            return
        bits = []
        if q.get("word_limit"):
            bits.append(f"{q['word_limit']:,} words at most")
        if q.get("weighting") is not None:
            bits.append(f"weighting {q['weighting']:g}%")
        if q.get("due"):
            bits.append(f"due {uk_date(dt.date.fromisoformat(q['due']))}")
        self.question_text.setText(
            f"<b>{escape(q.get('label') or '')}</b> {escape(q['text'])}<br>"
            f"<span style='color:#495057'>{escape('; '.join(bits))}</span>"
        )
        self._count()
        self._fill_suggestions(q)

    def refresh_suggestions(self) -> None:
        """The library changed: the suggestions again, the answer being written left alone."""
        if self.ws is not None and self.work is not None and self.current_q is not None:
            self._fill_suggestions(self.current_q)

    def _fill_suggestions(self, q: dict) -> None:
        self.suggestions.clear()
        for s in q.get("suggestions") or []:
            item = QListWidgetItem(f"From {self.work.lead}: {s.get('title')}")
            item.setData(ID_ROLE, s.get("body") or "")
            item.setToolTip((s.get("body") or "")[:500])
            self.suggestions.addItem(item)
        from consortium.library import store as library

        for s in suggest.for_question(self.ws.db, q["text"], min_score=suggest.MIN_SHOWN):
            item = QListWidgetItem(f"Your library: {s.title} ({s.why})")
            item.setData(ID_ROLE, library.load(self.ws.db, s.entry_id).body)
            self.suggestions.addItem(item)

    def _count(self) -> None:
        q = self.current_q
        if q is None:
            return
        self.words.setText(words_html(word_count(self.answer.toPlainText()), q.get("word_limit")))

    def _typed(self) -> None:
        if self._loading:
            return
        self._count()
        self._save_timer.start()

    def save_answer(self) -> None:
        self._save_timer.stop()
        q = self.current_q
        if self.work is None or q is None or self._loading:
            return
        text = self.answer.toPlainText()
        if text == self.work.answer(q["id"]):
            return
        try:
            member.save_answer(self.ws, self.work.id, q["id"], text)
        except ConsortiumError as exc:
            self.message.fail(colours.span("error", f"Not saved: {exc}"))
            return
        self.work.answers[q["id"]] = text
        row = self.questions.currentRow()
        if 0 <= row < self.questions.count():
            self.questions.item(row).setText(self._q_label(q))
        self.banner.succeeded()
        self.message.say("Answer saved")

    def flush(self) -> bool:
        """Save what is being typed now; False when it could not be saved."""
        self.save_answer()
        q = self.current_q
        return (
            self.work is None or q is None or self.work.answer(q["id"]) == self.answer.toPlainText()
        )

    def insert_suggestion(self) -> None:
        item = self.suggestions.currentItem()
        if item is None:
            return
        text = self.answer.toPlainText().rstrip()
        self.answer.setPlainText((text + "\n\n" if text else "") + item.data(ID_ROLE))
        self.save_answer()

    # ------------------------------------------------------------------ record
    def _fill_record(self) -> None:
        self._loading = True
        rows = records.editable_rows(self.work.record)
        self.record.setRowCount(len(rows))
        for r, (key, label, text) in enumerate(rows):
            head = QTableWidgetItem(label)
            head.setFlags(head.flags() & ~Qt.ItemFlag.ItemIsEditable)
            head.setData(ID_ROLE, key)
            self.record.setItem(r, 0, head)
            self.record.setItem(r, 1, QTableWidgetItem(text))
        self._loading = False
        self.record_message.clear()

    def _record_edited(self, item: QTableWidgetItem) -> None:
        if self._loading or item.column() != 1:
            return
        key = self.record.item(item.row(), 0).data(ID_ROLE)
        data = copy.deepcopy(self.work.record)
        try:
            records.set_text(data, key, item.text())
            member.save_record(self.ws, self.work.id, data)
        except ConsortiumError as exc:
            self.record_message.setText(colours.span("error", str(exc)))
            return
        self.work.record = data
        self.banner.succeeded()
        self.record_message.setText(f"Saved: {escape(self.record.item(item.row(), 0).text())}")

    # ------------------------------------------------------------------ files
    def _fill_files(self) -> None:
        self.needed.clear()
        for n in self.work.data.get("documents_needed") or []:
            item = QListWidgetItem(f"{n.get('label')} — {n.get('reason')}")
            item.setData(ID_ROLE, n.get("key"))
            self.needed.addItem(item)
        if self.needed.count():
            self.needed.setCurrentRow(0)
        self.attached.clear()
        labels = {
            n.get("key"): n.get("label") for n in self.work.data.get("documents_needed") or []
        }
        for f in self.work.files:
            self.attached.addItem(
                f"{f['name']}  (for: {labels.get(f['need'], f['need'] or 'general')})"
            )

    def choose_attachment(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Attach a file", str(Path.home()))
        if path:
            self.attach(Path(path))

    def attach(self, path: Path) -> None:
        item = self.needed.currentItem()
        need = item.data(ID_ROLE) if item is not None else ""
        try:
            member.attach(self.ws, self.work.id, path, need=need or "")
        except ConsortiumError as exc:
            self.message.fail(colours.span("error", str(exc)))
            return
        self.work = member.load(self.ws, self.work.id)
        self._fill_files()
        self.banner.succeeded()
        self.message.succeeded()  # the file shows in the Attached list

    # ------------------------------------------------------------------ send back
    def choose_send(self) -> None:
        suggested = Path.home() / f"{self.work.member} reply.cbreply"
        path, _ = QFileDialog.getSaveFileName(
            self, "Send back", str(suggested), "Replies (*.cbreply)"
        )
        if path:
            self.send_back(Path(path))

    def send_back(self, path: Path, passphrase: str | None = None) -> Path | None:
        self.save_answer()
        ok, passphrase = passphrase_for_signing(self, passphrase, self.message)
        if not ok:
            return None
        try:
            out = member.send_back(self.ws, self.work.id, path, passphrase=passphrase)
        except ConsortiumError as exc:
            self.message.fail(colours.span("error", str(exc)))
            return None
        self.banner.succeeded()
        self.message.say(
            f"Wrote <b>{escape(out.name)}</b>, signed by you. Email it or copy it to {escape(self.work.lead)}."
        )
        self.work = member.load(self.ws, self.work.id)
        return out

    # ------------------------------------------------------------------ opening
    def choose_pack(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a work pack", str(Path.home()), "Work packs (*.cbwork);;All files (*)"
        )
        if path:
            self.open_pack(Path(path))

    def open_pack(self, path: Path, words: str | None = None, new_file: Path | None = None) -> None:
        """Open a work pack here, or (when this workspace is another organisation's) in a new
        workspace made from it, as the user chooses."""
        try:
            _signed, data, _ = member.verify_work(path)
            name = str(data["record"].get("name") or "")
            ours = partner_store.ours(self.ws.db)
            elsewhere = ours is not None and normalise_name(ours.name) != normalise_name(name)
            if new_file is None and elsewhere:
                answer = QMessageBox.question(
                    self,
                    "A new workspace?",
                    f"This work pack is for {name}, but this workspace is {possessive(ours.name)}. Make a "
                    f"new workspace for {name} from the pack?",
                )
                if answer != QMessageBox.StandardButton.Yes:
                    return
                chosen, _ = QFileDialog.getSaveFileName(
                    self,
                    "New workspace",
                    str(Path.home() / f"{name}.consortium"),
                    "Workspaces (*.consortium)",
                )
                if not chosen:
                    return
                new_file = Path(chosen)
            if new_file is not None:
                ws = member.workspace_for_pack(path, new_file, confirm_words=words)
                self.banner.say(
                    f"<b>VERIFIED</b>: made the workspace {escape(new_file.name)} for {escape(name)}.",
                    key_confirm.GREEN,
                )
                self.workspace_made.emit(ws)
                return
            work = member.open_work(self.ws, path, confirm_words=words)
        except member.KeyNotConfirmed as exc:
            check = exc.check.to_dict()
            self.banner.fail(
                f"<b>Not opened yet.</b> {escape(str(exc))}",
                key_confirm.AMBER if words is None else key_confirm.RED,
            )
            key_confirm.ask(self, check, lambda typed: self.open_pack(path, typed, new_file))
            return
        except ConsortiumError as exc:
            self.banner.fail(
                f"<b>NOT OPENED — do not rely on {escape(path.name)}.</b> {escape(str(exc))}",
                key_confirm.RED,
            )
            return
        self.banner.say(
            f"<b>VERIFIED</b>: signed by {escape(work.lead)} with the key trusted here.",
            key_confirm.GREEN,
        )
        self.reload(select=work.id)


class LeadView(QWidget):
    """The lead's side: members' status on a bid, sending work packs, taking replies in."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.today = dt.date.today()
        self.incoming: apply.Incoming | None = None
        self.choices: dict[str, tuple[str, str]] = {}
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Bid:"))
        self.bid = QComboBox()
        self.bid.setAccessibleName("Bid")
        top.addWidget(self.bid, 1)
        self.send_button = QPushButton("Send a work pack to the selected member…")
        self.send_button.setToolTip(
            "Write a signed work pack for the member chosen in the table: its questions, its record to check and the documents you need"
        )
        self.send_button.clicked.connect(self.choose_send)
        top.addWidget(self.send_button)
        self.take_button = QPushButton("Take in a reply…")
        self.take_button.setToolTip(
            "Open a member's signed reply: it is checked, then its changes are shown before anything is applied"
        )
        self.take_button.clicked.connect(self.choose_reply)
        top.addWidget(self.take_button)
        outer.addLayout(top)
        self.members = QTableWidget(0, 5)
        self.members.setAccessibleName("Members' status")
        self.members.setHorizontalHeaderLabels(
            ["Member", "Role", "Work pack", "Questions open", "Replies"]
        )
        self.members.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.members.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.members.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.members.setMaximumHeight(130)
        self.members.verticalHeader().setVisible(False)
        outer.addWidget(self.members)
        self.banner = StatusLabel()  # a failure shown here goes at the view's next success
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.banner)
        split = QSplitter(Qt.Orientation.Vertical)
        self.diff = QTableWidget(0, 4)
        self.diff.setAccessibleName("Changes in the reply")
        self.diff.setHorizontalHeaderLabels(["Take in", "What", "Yours now", "Theirs"])
        self.diff.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.diff.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.diff.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.diff.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.diff.setColumnWidth(1, 300)
        self.diff.setWordWrap(True)
        self.diff.verticalHeader().setVisible(False)
        self.diff.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.diff.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.diff.currentCellChanged.connect(lambda row, *_: self._show_item(row))
        split.addWidget(self.diff)
        conflict = QWidget()
        cv = QVBoxLayout(conflict)
        cv.setContentsMargins(0, 0, 0, 0)
        self.conflict_label = QLabel()
        self.conflict_label.setWordWrap(True)
        cv.addWidget(self.conflict_label)
        sides = QHBoxLayout()
        self.mine = QPlainTextEdit(readOnly=True)
        self.mine.setAccessibleName("Your text")
        self.theirs = QPlainTextEdit(readOnly=True)
        self.theirs.setAccessibleName("Their text")
        self.merged = QPlainTextEdit()
        self.merged.setAccessibleName("Merged text")
        self.merged.setPlaceholderText("Merge by hand here, then press Use the merged text")
        for title, box in (("Yours", self.mine), ("Theirs", self.theirs), ("Merged", self.merged)):
            col = QVBoxLayout()
            col.addWidget(QLabel(f"<b>{title}</b>"))
            col.addWidget(box)
            sides.addLayout(col)
        cv.addLayout(sides)
        pick = QHBoxLayout()
        self.keep_mine = QPushButton("Keep mine")
        self.keep_mine.setToolTip(
            "Keep your own answer and set the member's aside (it stays with the reply)"
        )
        self.take_theirs = QPushButton("Take theirs")
        self.take_theirs.setToolTip("Replace your answer with the member's")
        self.use_merged = QPushButton("Use the merged text")
        self.use_merged.setToolTip(
            "Use the text in the merge box, which you can edit from both answers"
        )
        for b, choice in (
            (self.keep_mine, apply.MINE),
            (self.take_theirs, apply.THEIRS),
            (self.use_merged, apply.MERGED),
        ):
            b.clicked.connect(lambda _=False, c=choice: self.choose(c))
            pick.addWidget(b)
        pick.addStretch(1)
        cv.addLayout(pick)
        self.conflict_box = conflict
        conflict.setMinimumHeight(170)
        self.diff.setMinimumHeight(120)
        split.addWidget(conflict)
        self.split = split
        split.setSizes([260, 200])
        outer.addWidget(split, 1)
        bottom = QHBoxLayout()
        self.message = StatusLabel()
        bottom.addWidget(self.message, 1)
        self.accept_all = QPushButton("Accept all")
        self.accept_all.setToolTip(
            "Apply every change in this reply in one go (conflicts ask first)"
        )
        self.accept_all.clicked.connect(lambda: self.take_in(everything=True))
        self.accept_ticked = QPushButton("Accept the ticked changes")
        self.accept_ticked.setToolTip(
            "Apply only the ticked changes; the rest are left as they are"
        )
        self.accept_ticked.clicked.connect(lambda: self.take_in(everything=False))
        bottom.addWidget(self.accept_all)
        bottom.addWidget(self.accept_ticked)
        outer.addLayout(bottom)
        self.bid.currentIndexChanged.connect(lambda _i: self.reload_status())
        self._show_diff()

    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.incoming = None
        self.reload_bids()
        self._show_diff()

    def reload_bids(self) -> None:
        """The bids to choose from (the one chosen stays chosen), and its members' status."""
        if self.ws is None:
            return
        keep = self.bid.currentData()
        self.bid.blockSignals(True)
        self.bid.clear()
        for b in bid_records.list_all(self.ws.db):
            self.bid.addItem(b.name, b.id)
        if keep is not None and self.bid.findData(keep) >= 0:
            self.bid.setCurrentIndex(self.bid.findData(keep))
        self.bid.blockSignals(False)
        self.reload_status()

    def bid_id(self) -> int | None:
        return self.bid.currentData()

    def reload_status(self) -> None:
        self.members.setRowCount(0)
        if self.ws is None or self.bid_id() is None:
            return
        rows = status.for_bid(self.ws, self.bid_id(), today=self.today)
        self.members.setRowCount(len(rows))
        for r, s in enumerate(rows):
            cells = [s.name, s.role, s.summary, f"{s.open} of {s.questions}", str(s.replies)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, s.org_id)
                if s.overdue:
                    item.setBackground(QBrush(QColor(OVERDUE)))
                    item.setForeground(QBrush(QColor("#58151c")))
                self.members.setItem(r, c, item)
        if rows:
            self.members.selectRow(0)

    # ------------------------------------------------------------------ sending
    def choose_send(self) -> None:
        row = self.members.currentRow()
        if row < 0 or self.bid_id() is None:
            self.message.fail("Choose a member first.")
            return
        org_id = self.members.item(row, 0).data(ID_ROLE)
        name = self.members.item(row, 0).text()
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Send a work pack",
            str(Path.home() / f"{name} work.cbwork"),
            "Work packs (*.cbwork)",
        )
        if path:
            self.send(org_id, Path(path))

    def send(
        self, org_id: int, path: Path, *, due: dt.date | None = None, passphrase=None
    ) -> Path | None:
        ok, passphrase = passphrase_for_signing(self, passphrase, self.message)
        if not ok:
            return None
        try:
            out = export.export_work(
                self.ws,
                self.bid_id(),
                org_id,
                path,
                due=due,
                passphrase=passphrase,
                today=self.today,
            )
        except ConsortiumError as exc:
            self.message.fail(colours.span("error", str(exc)))
            return None
        self.banner.succeeded()
        self.message.say(f"Wrote <b>{escape(out.name)}</b>: email it or copy it to the member.")
        self.reload_status()
        return out

    # ------------------------------------------------------------------ taking in
    def choose_reply(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Take in a reply", str(Path.home()), "Replies (*.cbreply);;All files (*)"
        )
        if path:
            self.open_reply(Path(path))

    def open_reply(self, path: Path, words: str | None = None) -> None:
        self.incoming, self.choices = None, {}
        try:
            self.incoming = apply.read_reply(self.ws, path, confirm_words=words)
        except member.KeyNotConfirmed as exc:
            check = exc.check.to_dict()
            self.banner.fail(
                f"<b>Not taken in.</b> {escape(str(exc))}",
                key_confirm.RED if check["status"] == "changed" or words else key_confirm.AMBER,
            )
            self._show_diff()
            key_confirm.ask(self, check, lambda typed: self.open_reply(path, typed))
            return
        except ConsortiumError as exc:
            self.banner.fail(
                f"<b>REFUSED — nothing was taken in.</b> {escape(str(exc))}", key_confirm.RED
            )
            self._show_diff()
            return
        i = self.incoming
        idx = self.bid.findData(i.bid_id)
        if idx >= 0 and idx != self.bid.currentIndex():
            self.bid.setCurrentIndex(idx)
        conflicts = len(i.conflicts)
        self.banner.say(
            f"<b>VERIFIED</b>: a reply from {escape(i.member)}, signed with the key trusted for "
            f"them ({escape(i.check.words)}). {plural(len(i.items), 'change')}"
            + (
                f", <b>{plural(conflicts, 'conflict')}</b> with your own edits since the pack went out"
                if conflicts
                else ""
            )
            + ". Nothing is taken in until you accept.",
            key_confirm.AMBER if conflicts else key_confirm.GREEN,
        )
        self._show_diff()

    def _show_diff(self) -> None:
        items = self.incoming.items if self.incoming else []
        self.diff.setRowCount(len(items))
        for r, it in enumerate(items):
            tick = QTableWidgetItem("")
            tick.setFlags(
                Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
            )
            tick.setCheckState(Qt.CheckState.Unchecked if it.conflict else Qt.CheckState.Checked)
            tick.setData(ID_ROLE, it.key)
            self.diff.setItem(r, 0, tick)
            what = f"{'CONFLICT: ' if it.conflict else ''}{it.label}" + (
                f" ({it.detail})" if it.detail else ""
            )
            for c, text in enumerate(
                (
                    what,
                    _short(it.old_text) if it.kind != work_diff.FILE else "",
                    _short(it.new_text),
                ),
                start=1,
            ):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                if it.conflict:
                    cell.setBackground(QBrush(QColor(CONFLICT)))
                    cell.setForeground(QBrush(QColor("#664d03")))
                self.diff.setItem(r, c, cell)
        self.diff.resizeRowsToContents()
        for b in (self.accept_all, self.accept_ticked):
            b.setEnabled(bool(items))
        self.conflict_box.setVisible(False)
        if items:
            first = next((r for r, it in enumerate(items) if it.conflict), 0)
            self.diff.setCurrentCell(first, 1)
            self._show_item(first)

    def _show_item(self, row: int) -> None:
        if not self.incoming or not 0 <= row < len(self.incoming.items):
            self.conflict_box.setVisible(False)
            return
        it = self.incoming.items[row]
        self.conflict_box.setVisible(it.conflict)
        if not it.conflict:
            return
        sizes = self.split.sizes()
        if sizes[1] < 170:  # it was hidden: give it room beside the list
            self.split.setSizes([max(sizes[0] - 200, 120), 200])
        chosen = self.choices.get(it.key)
        self.conflict_label.setText(
            f"<b>{escape(it.label)}</b>: you changed this after the work pack went out, and "
            f"{escape(self.incoming.member)} changed it too. Choose which to keep, or merge them."
            + (f" <i>Chosen: {escape(chosen[0])}.</i>" if chosen else "")
        )
        answer = it.kind == work_diff.ANSWER
        self.mine.setPlainText(str(it.old or "") if answer else it.old_text)
        self.theirs.setPlainText(str(it.new or "") if answer else it.new_text)
        if chosen is None or chosen[0] != apply.MERGED:
            # Both texts, to cut down: a start for merging by hand.
            self.merged.setPlainText(f"{it.old or ''}\n\n{it.new or ''}".strip() if answer else "")
        self.merged.setEnabled(it.kind == work_diff.ANSWER)
        self.use_merged.setEnabled(it.kind == work_diff.ANSWER)

    def choose(self, choice: str) -> None:
        row = self.diff.currentRow()
        if not self.incoming or not 0 <= row < len(self.incoming.items):
            return
        it = self.incoming.items[row]
        self.choices[it.key] = (choice, self.merged.toPlainText() if choice == apply.MERGED else "")
        self.diff.item(row, 0).setCheckState(Qt.CheckState.Checked)
        self._show_item(row)

    def take_in(self, *, everything: bool) -> apply.Applied | None:
        if not self.incoming:
            return None
        open_conflicts = [i.label for i in self.incoming.conflicts if i.key not in self.choices]
        if everything and open_conflicts:
            self.banner.fail(
                "<b>Nothing was taken in yet.</b> Choose for each conflict first (keep mine, "
                "take theirs, or merge): " + escape(listed(open_conflicts, 10, sep="; ")),
                key_confirm.AMBER,
            )
            return None
        if everything:
            accept: str | set[str] = "all"
        else:
            accept = {
                self.diff.item(r, 0).data(ID_ROLE)
                for r in range(self.diff.rowCount())
                if self.diff.item(r, 0).checkState() == Qt.CheckState.Checked
            }
        try:
            result = apply.apply(self.ws, self.incoming, accept=accept, choices=self.choices)
        except ConsortiumError as exc:
            self.banner.fail(f"<b>Nothing was taken in.</b> {escape(str(exc))}", key_confirm.RED)
            return None
        kept = len(result.conflicts_kept)
        self.banner.say(
            f"<b>Took in {plural(len(result.accepted), 'change')} from {escape(self.incoming.member)}</b>, "
            "each recorded in the audit log with the reply it came from."
            + (f" {plural(kept, 'conflict')} kept as yours (no choice was made)." if kept else ""),
            key_confirm.AMBER if kept else key_confirm.GREEN,
        )
        self.incoming, self.choices = None, {}
        self._show_diff()
        self.reload_status()  # the Bids area hears of the answers taken in from the dispatcher
        return result


def _short(text: str, n: int = 300) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


class WorkPage(QWidget):
    """The Members' work area: the lead's tab and the member's "Work for …" tab."""

    workspace_made = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Members' work tabs")
        self.lead = LeadView()
        self.member = MemberView()
        self.tabs.addTab(self.lead, "Our members' work")
        self.tabs.addTab(self.member, "Work for a lead")
        layout.addWidget(self.tabs)
        self.member.workspace_made.connect(self.workspace_made)

    def set_workspace(self, ws: Workspace) -> None:
        self.lead.set_workspace(ws)
        self.member.set_workspace(ws)
        # A workspace made from a work pack opens on the member's view.
        only_member = not bid_records.list_all(ws.db) and member.list_work(ws)
        self.tabs.setCurrentWidget(self.member if only_member else self.lead)

    def open_pack(self, path: Path) -> None:
        self.tabs.setCurrentWidget(self.member)
        self.member.open_pack(path)

    def open_reply(self, path: Path) -> None:
        self.tabs.setCurrentWidget(self.lead)
        self.lead.open_reply(path)
