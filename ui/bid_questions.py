"""The buyer's questions for one bid: the list (status colours, owner, word counts), the answer
editor with a live word count, library suggestions beside it, review comments on the question,
and the readiness panel. A thin view over ``consortium.bids`` and ``consortium.library``."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

from PySide6.QtCore import (
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from consortium.bids import questions as bid_questions
from consortium.bids import readiness
from consortium.errors import ConsortiumError
from consortium.formatting import uk_date
from consortium.library import store, suggest
from consortium.matching import consortia
from consortium.packs import review
from consortium.workspace import Workspace
from ui import colours
from ui.matches_models import RowsTableModel
from ui.question_dialogs import PasteDialog, QuestionDialog

ID_ROLE = Qt.ItemDataRole.UserRole + 50
NO_DATE = QDate(2000, 1, 1)  # the Due box's lowest date, shown as "No due date"
STATUS_COLOURS = {
    "not started": "#e9ecef",
    "drafting": "#fff3cd",
    "in review": "#cfe2ff",
    "done": "#d1e7dd",
}


class QuestionModel(RowsTableModel):
    COLUMNS = ("Ref", "Question", "Owner", "Status", "Words", "Due")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.owners: dict[int, str] = {}

    @property
    def rows(self) -> list[bid_questions.Question]:
        return self._rows

    def set_rows(self, rows, owners=None) -> None:
        self.owners = dict(owners or {})
        super().set_rows(rows)

    def refresh(self, q: bid_questions.Question) -> None:
        """Show a saved question's new values in its row, without resetting the view."""
        for r, row in enumerate(self._rows):
            if row.id == q.id:
                self._rows[r] = q
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(self.COLUMNS) - 1))
                return

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        q, column = self._rows[index.row()], index.column()
        if role == ID_ROLE:
            return q.id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return q.ref or str(q.position + 1)
            if column == 1:
                return (
                    q.text if role == Qt.ItemDataRole.ToolTipRole else q.text.split("\n")[0][:120]
                )
            if column == 2:
                return self.owners.get(q.owner_org_id, "") if q.owner_org_id else "nobody yet"
            if column == 3:
                return q.status
            if column == 4:
                return f"{q.words:,} / {q.word_limit:,}" if q.word_limit else f"{q.words:,}"
            if column == 5:
                return uk_date(q.due) if q.due else ""
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == 3:
                return QBrush(QColor(STATUS_COLOURS.get(q.status, "#ffffff")))
            if column == 4 and q.over_limit:
                return QBrush(QColor("#f8d7da"))
        return None


class DueDateEdit(QDateEdit):
    """A due date that may be empty: the lowest date stands for "no date" (shown in words),
    and the calendar then opens on this month rather than on January 2000."""

    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        if self.date() == self.minimumDate():
            today = dt.date.today()
            self.calendarWidget().setCurrentPage(today.year, today.month)


class QuestionsPanel(QWidget):
    """Answers are never lost: what is typed is saved a moment after typing stops, when
    another question (or bid) is chosen, on Ctrl+S, and before the window closes."""

    partner_requested = Signal(int, str)  # partner id, field: "fix this on the partner's record"
    library_requested = Signal()
    SAVE_DELAY_MS = 800

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.bid_id: int | None = None
        self.current: bid_questions.Question | None = None
        self.today = dt.date.today()
        self._loading = False
        self._dirty = False
        self.deleted: bid_questions.Question | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.new_question = QLineEdit()
        self.new_question.setPlaceholderText("Type a question and press Enter to add it")
        self.new_question.setAccessibleName("New question")
        self.new_question.setToolTip(
            "A number at the start becomes its reference, and “(max 500 words)” its word limit"
        )
        self.add_button = QPushButton("Add question")
        self.add_button.setAccessibleName("Add question")
        self.add_button.setToolTip("Add the question typed on the left to the end of the list")
        self.paste_button = QPushButton("Paste several…")
        self.paste_button.setAccessibleName("Paste questions")
        self.paste_button.setToolTip("Paste or type many questions at once, one a line")
        self.import_button = QPushButton("Import questionnaire…")
        self.import_button.setAccessibleName("Import questionnaire")
        self.import_button.setToolTip(
            "The buyer's .xlsx (one question a row) or .docx (one question a heading or "
            "numbered paragraph)"
        )
        bar.addWidget(self.new_question, 1)
        bar.addWidget(self.add_button)
        bar.addWidget(self.paste_button)
        bar.addWidget(self.import_button)
        layout.addLayout(bar)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Questions message")
        self.notice.setVisible(False)
        self.undo_delete = QPushButton("Undo")
        self.undo_delete.setAccessibleName("Undo delete question")
        self.undo_delete.setToolTip("Put the deleted question back, with its answer")
        self.undo_delete.setVisible(False)
        note_row = QHBoxLayout()
        note_row.addWidget(self.notice, 1)
        note_row.addWidget(self.undo_delete)
        layout.addLayout(note_row)

        outer = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        tv = QHBoxLayout(top)
        tv.setContentsMargins(0, 0, 0, 0)
        self.model = QuestionModel(self)
        self.view = QTableView()
        self.view.setAccessibleName("Questions")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        # The question takes the room left; the other columns keep to what they show.
        for column, width in enumerate((55, 300, 150, 85, 85, 90)):
            self.view.setColumnWidth(column, width)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        tv.addWidget(self.view, 1)
        side_buttons = QVBoxLayout()
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setAccessibleName("Edit question")
        self.edit_button.setToolTip(
            "Change the question's text, reference, word limit or weighting"
        )
        self.up_button = QPushButton("Move up")
        self.up_button.setAccessibleName("Move question up")
        self.up_button.setToolTip("Move the question one place up the buyer's order")
        self.down_button = QPushButton("Move down")
        self.down_button.setAccessibleName("Move question down")
        self.down_button.setToolTip("Move the question one place down the buyer's order")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setAccessibleName("Delete question")
        self.delete_button.setToolTip("Delete the question and its answer (you can undo it)")
        for b in (self.edit_button, self.up_button, self.down_button, self.delete_button):
            side_buttons.addWidget(b)
        side_buttons.addStretch()
        tv.addLayout(side_buttons)
        outer.addWidget(top)

        lower = QSplitter(Qt.Orientation.Horizontal)
        editor = QWidget()
        ev = QVBoxLayout(editor)
        ev.setContentsMargins(0, 0, 0, 0)
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.question.setAccessibleName("Question text")
        self.question.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        ev.addWidget(self.question)
        grid = QGridLayout()
        self.owner = QComboBox()
        self.owner.setAccessibleName("Question owner")
        self.owner.setToolTip("The member who writes this answer")
        # Long member names must show whole: the box grows with the pane, never below 24 letters.
        self.owner.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.owner.setMinimumContentsLength(24)
        self.status = QComboBox()
        self.status.setAccessibleName("Question status")
        self.status.setToolTip(
            "Follows the answer (typing makes it 'drafting'); set 'in review' or 'done' yourself"
        )
        self.status.addItems(bid_questions.STATUSES)
        self.due = DueDateEdit(calendarPopup=True, displayFormat="dd/MM/yyyy")
        self.due.setAccessibleName("Due date")
        self.due.setToolTip("When the owner's answer is due (optional)")
        # The lowest date stands for "no date", shown as words, never as 01/01/2000.
        self.due.setMinimumDate(NO_DATE)
        self.due.setSpecialValueText("No due date")
        self.due.setDate(NO_DATE)
        grid.addWidget(QLabel("Owner"), 0, 0)
        grid.addWidget(self.owner, 0, 1, 1, 3)
        grid.addWidget(QLabel("Status"), 1, 0)
        grid.addWidget(self.status, 1, 1)
        grid.addWidget(QLabel("Due"), 1, 2, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.due, 1, 3)
        grid.setColumnStretch(1, 1)
        ev.addLayout(grid)
        self.answer = QPlainTextEdit()
        self.answer.setAccessibleName("Answer")
        self.answer.setPlaceholderText(
            "Write the answer here. It is saved as you type; Ctrl+S saves at once."
        )
        ev.addWidget(self.answer, 1)
        foot = QHBoxLayout()
        self.words = QLabel()
        self.words.setAccessibleName("Word count")
        self.saved_state = QLabel()
        self.saved_state.setAccessibleName("Saved state")
        self.save_button = QPushButton("Save answer")
        self.save_button.setAccessibleName("Save answer")
        self.save_button.setToolTip("Save now (Ctrl+S); answers also save as you type")
        foot.addWidget(self.words, 1)
        foot.addWidget(self.saved_state)
        foot.addWidget(self.save_button)
        ev.addLayout(foot)
        self.comments = QLabel()
        self.comments.setWordWrap(True)
        self.comments.setAccessibleName("Review comments on this question")
        self.comments.setStyleSheet("background: #fff3cd; color: #212529; padding: 4px;")
        self.comments.setVisible(False)
        ev.addWidget(self.comments)
        lower.addWidget(editor)

        self.side = QTabWidget()
        self.side.setAccessibleName("Suggestions and readiness")
        suggestions_page = QWidget()
        sv = QVBoxLayout(suggestions_page)
        sv.setContentsMargins(4, 4, 4, 4)
        self.suggestions = QListWidget()
        self.suggestions.setAccessibleName("Suggested answers")
        self.suggestions.setWordWrap(True)
        sv.addWidget(self.suggestions, 1)
        self.suggestions_hint = QLabel()
        self.suggestions_hint.setWordWrap(True)
        self.suggestions_hint.setAccessibleName("Suggestions hint")
        sv.addWidget(self.suggestions_hint)
        srow = QHBoxLayout()
        self.insert_button = QPushButton("Insert the selected answer")
        self.insert_button.setAccessibleName("Insert suggested answer")
        self.insert_button.setToolTip("Add the chosen library entry to the end of this answer")
        self.library_button = QPushButton("Open the library")
        self.library_button.setAccessibleName("Open the answer library")
        self.library_button.setToolTip("Browse, add and review the reusable answers")
        srow.addWidget(self.insert_button, 1)
        srow.addWidget(self.library_button)
        sv.addLayout(srow)
        self.side.addTab(suggestions_page, "Suggestions")
        readiness_page = QWidget()
        rv = QVBoxLayout(readiness_page)
        rv.setContentsMargins(4, 4, 4, 4)
        self.readiness_button = QPushButton("Check readiness")
        self.readiness_button.setAccessibleName("Check readiness")
        self.readiness_button.setToolTip(
            "List what is missing before the bid is built: answers, owners, members' documents"
        )
        rv.addWidget(self.readiness_button)
        self.readiness_summary = QLabel()
        self.readiness_summary.setWordWrap(True)
        self.readiness_summary.setAccessibleName("Readiness summary")
        rv.addWidget(self.readiness_summary)
        self.readiness = QListWidget()
        self.readiness.setAccessibleName("Readiness")
        self.readiness.setWordWrap(True)
        self.readiness.setToolTip("Double-click an item to go where it is fixed")
        self.readiness.setMinimumHeight(160)
        rv.addWidget(self.readiness, 1)
        self.side.addTab(readiness_page, "Readiness")
        lower.addWidget(self.side)
        lower.setSizes([640, 420])
        outer.addWidget(lower)
        outer.setSizes([200, 480])
        self.splitter = outer
        layout.addWidget(outer, 1)

        self._count_timer = QTimer(self, singleShot=True, interval=120)
        self._count_timer.timeout.connect(self._count)
        self._save_timer = QTimer(self, singleShot=True, interval=self.SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save)
        self.answer.textChanged.connect(self._count_timer.start)
        self.answer.textChanged.connect(self._edited)
        self.owner.currentIndexChanged.connect(self._edited)
        self.status.currentIndexChanged.connect(self._edited)
        self.due.dateChanged.connect(self._edited)
        self.view.selectionModel().currentRowChanged.connect(self._chosen)
        self.view.doubleClicked.connect(lambda _i: self.edit_question())
        self.save_button.clicked.connect(self.save)
        self.insert_button.clicked.connect(self.insert)
        self.suggestions.itemSelectionChanged.connect(self._can_insert)
        self.suggestions.itemDoubleClicked.connect(lambda _i: self.insert())
        self.library_button.clicked.connect(self.library_requested)
        self.import_button.clicked.connect(self.choose_import)
        self.add_button.clicked.connect(self.add_typed)
        self.new_question.returnPressed.connect(self.add_typed)
        self.paste_button.clicked.connect(self.choose_paste)
        self.edit_button.clicked.connect(self.edit_question)
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        self.delete_button.clicked.connect(self.delete_question)
        self.undo_delete.clicked.connect(self.put_back)
        self.readiness_button.clicked.connect(self.check_readiness)
        self.readiness.itemDoubleClicked.connect(self.go_to)
        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)
        self._show(None)

    # ------------------------------------------------------------------ data
    def set_bid(self, ws: Workspace, bid_id: int | None) -> None:
        if self.ws is not None and (ws is not self.ws or bid_id != self.bid_id):
            self.flush()
        if bid_id != self.bid_id:
            self.current = None
            self.deleted = None
            self.undo_delete.setVisible(False)
            self.notice.setVisible(False)
            self.readiness.clear()
            self.readiness_summary.clear()
            self.side.setTabText(1, "Readiness")
        self.ws, self.bid_id = ws, bid_id
        self.reload()

    def reload(self, select: int | None = None) -> None:
        self.flush()
        if self.ws is None or self.bid_id is None:
            self.model.set_rows([], {})
            self._show(None)
            return
        from consortium.bids import records as bids

        keep = select if select is not None else (self.current.id if self.current else None)
        c = consortia.load(self.ws.db, bids.load(self.ws.db, self.bid_id).consortium_id)
        owners = {m.org_id: m.name for m in c.members}
        self.owner.blockSignals(True)
        self.owner.clear()
        self.owner.addItem("Nobody yet", None)
        for org_id, name in owners.items():
            self.owner.addItem(name, org_id)
            self.owner.setItemData(self.owner.count() - 1, name, Qt.ItemDataRole.ToolTipRole)
        self.owner.blockSignals(False)
        rows = bid_questions.list_for(self.ws.db, self.bid_id)
        self.current = None  # the rows below replace it; nothing is pending (flushed above)
        self.model.set_rows(rows, owners)
        target = next((i for i, q in enumerate(rows) if q.id == keep), 0 if rows else None)
        if target is not None:
            self.view.selectRow(target)
            self.view.scrollTo(self.model.index(target, 0))
        else:
            self._show(None)

    def _chosen(self, current, previous) -> None:
        # The question being left is saved first: switching never loses what was typed. If it
        # cannot be saved, the choice goes back to it, with the text still in the editor.
        if not self.flush():
            if previous.isValid():
                selection = self.view.selectionModel()
                selection.blockSignals(True)
                self.view.selectRow(previous.row())
                selection.blockSignals(False)
            return
        if current.isValid() and current.row() < len(self.model.rows):
            self._show(self.model.rows[current.row()])
        else:
            self._show(None)

    def _show(self, q: bid_questions.Question | None) -> None:
        self._loading = True
        try:
            self._fill(q)
        finally:
            self._loading = False
        self._set_dirty(False)

    def _fill(self, q: bid_questions.Question | None) -> None:
        self.current = q
        for w in (
            self.owner,
            self.status,
            self.due,
            self.answer,
            self.save_button,
            self.edit_button,
            self.delete_button,
            self.up_button,
            self.down_button,
        ):
            w.setEnabled(q is not None)
        has_bid = self.ws is not None and self.bid_id is not None
        for w in (
            self.new_question,
            self.add_button,
            self.paste_button,
            self.import_button,
            self.readiness_button,
        ):
            w.setEnabled(has_bid)
        self.suggestions.clear()
        self.insert_button.setEnabled(False)
        if q is None:
            self.question.setText(
                "Type a question above and press Enter, paste several, or import the buyer's "
                "questionnaire, to start writing."
                if has_bid
                else "Create a bid first: choose its consortium at the top and press Create bid."
            )
            self.answer.clear()
            self.owner.setCurrentIndex(0 if self.owner.count() else -1)
            self.status.setCurrentIndex(0)
            self.due.setDate(NO_DATE)
            self.comments.setVisible(False)
            self.suggestions_hint.clear()
            self.words.clear()
            return
        row = self.model.rows.index(q) if q in self.model.rows else -1
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < len(self.model.rows) - 1)
        limit = f" (max {q.word_limit:,} words)" if q.word_limit else ""
        weight = f", {q.weighting:g}% of the marks" if q.weighting else ""
        self.question.setText(
            f"<b>{escape(q.label)}</b>{escape(limit + weight)}<br>{escape(q.text)}"
        )
        self.owner.setCurrentIndex(max(0, self.owner.findData(q.owner_org_id)))
        self.owner.setToolTip(f"The member who writes this answer: {self.owner.currentText()}")
        self.status.setCurrentText(q.status)
        if q.due:
            self.due.setDate(QDate(q.due.year, q.due.month, q.due.day))
        else:
            self.due.setDate(NO_DATE)
        self.answer.setPlainText(q.answer)
        self._count()
        self._fill_suggestions(q)
        notes = [
            c
            for c in review.comments_for(self.ws, self.bid_id)
            if c["anchor_type"] == "question"
            and c["anchor_id"] in {q.ref, str(q.position + 1), str(q.id)}
        ]
        self.comments.setVisible(bool(notes))
        self.comments.setText(
            "<br>".join(
                f"<b>{escape(c['author'] or 'Reviewer')}:</b> {escape(c['text'])}" for c in notes
            )
        )

    def refresh_suggestions(self) -> None:
        """The library changed: the suggestions beside the answer again, and nothing else
        (the answer being written keeps its text, caret and undo)."""
        if self.ws is not None and self.current is not None:
            self._fill_suggestions(self.current)

    def _fill_suggestions(self, q: bid_questions.Question) -> None:
        self.suggestions.clear()
        self.insert_button.setEnabled(False)
        for s in suggest.for_question(
            self.ws.db, q.text, today=self.today, min_score=suggest.MIN_SHOWN
        ):
            item = QListWidgetItem(f"{s.title} — {s.owner} ({s.score})\n{s.why}")
            item.setData(ID_ROLE, s.entry_id)
            item.setToolTip(s.freshness_text)
            if s.freshness in ("stale", "never reviewed"):
                item.setText(item.text() + f"\n⚠ {s.freshness_text}: check it before use")
                item.setForeground(QBrush(colours.colour("error")))
            self.suggestions.addItem(item)
        if self.suggestions.count():
            self.suggestions_hint.setText("Choose one, then Insert (or double-click it).")
        elif store.list_all(self.ws.db):
            self.suggestions_hint.setText("Nothing in your answer library matches this question.")
        else:
            self.suggestions_hint.setText(
                "Your answer library is empty: add reusable answers in the Library area."
            )

    def _can_insert(self) -> None:
        self.insert_button.setEnabled(
            self.current is not None and bool(self.suggestions.selectedItems())
        )

    def _edited(self, *_args) -> None:
        if self._loading or self.current is None:
            return
        self._set_dirty(True)
        self._save_timer.start()

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        if not dirty:
            self._save_timer.stop()
        if self.current is None:
            self.saved_state.clear()
        elif dirty:
            self.saved_state.setText("Saving when you pause…")
        else:
            self.saved_state.setText("All changes saved")

    def is_dirty(self) -> bool:
        return self._dirty

    def _count(self) -> None:
        if self.current is None:
            self.words.clear()
            return
        n = bid_questions.word_count(self.answer.toPlainText())
        limit = self.current.word_limit
        if limit and n > limit:
            self.words.setText(
                colours.span(
                    "error",
                    f"<b>{n:,} words: {n - limit:,} over the limit of {limit:,}</b>",
                    html=True,
                )
            )
        else:
            self.words.setText(f"{n:,} words" + (f" of {limit:,}" if limit else ""))

    # --------------------------------------------------------------- actions
    def flush(self) -> bool:
        """Save what is being typed now, if anything; False when it could not be saved."""
        if not self._dirty:
            return True
        return self.save()

    def save(self) -> bool:
        """Save the answer, owner, status and due date of the question shown; True on success.
        The list row is refreshed in place, so the cursor stays where it is."""
        self._save_timer.stop()
        if self.current is None or self.ws is None:
            self._set_dirty(False)
            return True
        q = self.current
        before = (q.answer, q.owner_org_id, q.status, q.due)
        q.answer = self.answer.toPlainText()
        q.owner_org_id = self.owner.currentData()
        q.status = self.status.currentText()
        d = self.due.date()
        q.due = None if d == NO_DATE else dt.date(d.year(), d.month(), d.day())
        try:
            bid_questions.save(self.ws, q)
        except ConsortiumError as exc:
            q.answer, q.owner_org_id, q.status, q.due = before
            self.saved_state.setText(colours.span("error", f"Not saved: {exc}"))
            return False
        if self.status.currentText() != q.status:  # the status follows the answer
            self._loading = True
            self.status.setCurrentText(q.status)
            self._loading = False
        self.owner.setToolTip(f"The member who writes this answer: {self.owner.currentText()}")
        self._count()
        self.model.refresh(q)
        self._set_dirty(False)
        return True

    def insert(self) -> None:
        item = self.suggestions.currentItem()
        if item is None or not item.isSelected() or self.current is None:
            return
        entry_id, question_id = item.data(ID_ROLE), self.current.id
        if not self.flush():  # keep what was typed
            return
        updated = suggest.insert(self.ws, question_id, entry_id)
        self.current = None
        self.reload(updated.id)

    def _say(self, text: str, undo: bool = False) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        self.undo_delete.setVisible(undo)

    def add_typed(self) -> int:
        """Add the question(s) typed in the box; how many were added."""
        text = self.new_question.text().strip()
        if not text or self.ws is None or self.bid_id is None:
            return 0
        if not self.flush():
            return 0
        try:
            result = bid_questions.add_lines(self.ws, self.bid_id, text)
        except ConsortiumError as exc:
            self._say(colours.span("error", str(exc)))
            return 0
        self.new_question.clear()
        return self._added(result)

    def _added(self, result) -> int:
        if result.added:
            self.reload(result.questions[-1].id)
            self._say(
                f"Added {self._count_text(result.added)}"
                + (f"; {result.skipped} already on the bid." if result.skipped else ".")
            )
        else:
            self._say("Those questions are already on the bid; nothing was added.")
        return result.added

    @staticmethod
    def _count_text(n: int) -> str:
        return f"{n} question{'s' if n != 1 else ''}"

    def choose_paste(self) -> None:
        dialog = PasteDialog(self)
        if dialog.exec():
            self.paste(dialog.text.toPlainText())

    def paste(self, text: str) -> int:
        if self.ws is None or self.bid_id is None or not self.flush():
            return 0
        try:
            result = bid_questions.add_lines(self.ws, self.bid_id, text)
        except ConsortiumError as exc:
            self._say(colours.span("error", str(exc)))
            return 0
        return self._added(result)

    def edit_question(self) -> None:
        if self.current is None:
            return
        dialog = QuestionDialog(self.current, self)
        if dialog.exec():
            self.apply_edit(**dialog.values())

    def apply_edit(self, *, ref: str, text: str, word_limit, weighting) -> bool:
        """Change the question itself (its answer is kept)."""
        if self.current is None or not self.flush():
            return False
        q = self.current
        q.ref, q.text, q.word_limit, q.weighting = ref, text, word_limit, weighting
        try:
            bid_questions.save(self.ws, q)
        except ConsortiumError as exc:
            self._say(colours.span("error", str(exc)))
            self.current = None
            self.reload(q.id)
            return False
        self.current = None
        self.reload(q.id)
        self._say(f"Saved {escape(q.label)}.")
        return True

    def move(self, offset: int) -> None:
        if self.current is None or not self.flush():
            return
        moved = bid_questions.move(self.ws, self.current.id, offset)
        self.current = None
        self.reload(moved.id)

    def delete_question(self) -> None:
        q = self.current
        if q is None or not self.flush():
            return
        answer = QMessageBox.question(
            self,
            "Delete question",
            f"Delete {q.label} and its answer ({q.words:,} words)?\n\nYou can put it back with Undo.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.deleted = bid_questions.delete(self.ws, q.id)
        self.current = None
        rows = self.model.rows
        row = next((i for i, x in enumerate(rows) if x.id == q.id), 0)
        after = rows[row + 1].id if row + 1 < len(rows) else (rows[row - 1].id if row else None)
        self.reload(after)
        self._say(f"Deleted {escape(q.label)}.", undo=True)

    def put_back(self) -> None:
        if self.deleted is None or self.ws is None:
            return
        q = bid_questions.restore(self.ws, self.deleted)
        self.deleted = None
        self.current = None
        self.reload(q.id)
        self._say(f"Put back {escape(q.label)}.")

    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import the buyer's questionnaire",
            str(Path.home()),
            "Questionnaires (*.xlsx *.docx)",
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> int:
        if self.ws is None or self.bid_id is None or not self.flush():
            return 0
        try:
            result = bid_questions.import_questionnaire(self.ws, self.bid_id, path)
        except ConsortiumError as exc:
            self._say(colours.span("error", str(exc)))
            return 0
        self.reload()
        self._say(
            f"Added {self._count_text(result.added)} from {escape(path.name)}"
            + (f"; {result.skipped} already on the bid." if result.skipped else ".")
        )
        return result.added

    def check_readiness(self) -> readiness.Report | None:
        if self.ws is None or self.bid_id is None or not self.flush():
            return None
        report = readiness.check(self.ws, self.bid_id, today=self.today)
        self.show_readiness(report)
        self.side.setCurrentIndex(1)
        return report

    def show_readiness(self, report: readiness.Report) -> None:
        """Show a readiness report worked out elsewhere (the build's own check)."""
        meaning = {"problem": "error", "warning": "warning"}
        problems = len(report.problems)
        warnings = len(report.items) - problems
        if not report.items:
            verdict = "Ready to build: nothing is missing."
        else:
            # The headline counts exactly what the list below shows.
            counts = " and ".join(
                text
                for n, text in (
                    (problems, f"{problems} problem{'s' if problems != 1 else ''} to fix"),
                    (warnings, f"{warnings} warning{'s' if warnings != 1 else ''}"),
                )
                if n
            )
            verdict = counts + (
                " (you can still build; problems go in a cover note)." if problems else "."
            )
        self.readiness_summary.setText(f"<b>{escape(verdict)}</b>")
        self.readiness.clear()
        for i in report.items:
            item = QListWidgetItem(f"{i.severity.capitalize()}: {i.message}")
            if i.severity in meaning:
                item.setForeground(QBrush(colours.colour(meaning[i.severity])))
            item.setData(ID_ROLE, i.where)
            item.setToolTip("Double-click to go where this is fixed")
            self.readiness.addItem(item)
        self.side.setTabText(1, f"Readiness ({len(report.items)})")

    def go_to(self, item: QListWidgetItem) -> None:
        """Take the user to where a readiness item is fixed: the question, or the partner."""
        where = item.data(ID_ROLE) or {}
        if where.get("kind") == "question":
            row = next((r for r, q in enumerate(self.model.rows) if q.id == where.get("id")), None)
            if row is not None:
                self.view.selectRow(row)
                self.answer.setFocus()
        elif where.get("kind") == "partner" and where.get("id") is not None:
            self.partner_requested.emit(where["id"], where.get("field") or "")
