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
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from consortium.bids import questions as bid_questions
from consortium.bids import readiness
from consortium.errors import ConsortiumError
from consortium.formatting import uk_date
from consortium.library import suggest
from consortium.matching import consortia
from consortium.packs import review
from consortium.workspace import Workspace
from ui import colours
from ui.matches_models import RowsTableModel

ID_ROLE = Qt.ItemDataRole.UserRole + 50
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


class QuestionsPanel(QWidget):
    changed = Signal()
    partner_requested = Signal(int, str)  # partner id, field: "fix this on the partner's record"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.bid_id: int | None = None
        self.current: bid_questions.Question | None = None
        self.today = dt.date.today()
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.import_button = QPushButton("Import the buyer's questionnaire…")
        self.import_button.setAccessibleName("Import questionnaire")
        self.import_button.setToolTip(
            "An .xlsx (one question a row) or .docx (one question a heading or numbered paragraph)"
        )
        self.readiness_button = QPushButton("Check readiness")
        self.readiness_button.setAccessibleName("Check readiness")
        bar.addWidget(self.import_button)
        bar.addWidget(self.readiness_button)
        bar.addStretch()
        layout.addLayout(bar)
        outer = QSplitter(Qt.Orientation.Vertical)
        self.model = QuestionModel(self)
        self.view = QTableView()
        self.view.setAccessibleName("Questions")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((50, 430, 170, 90, 100)):
            self.view.setColumnWidth(column, width)
        outer.addWidget(self.view)

        lower = QSplitter(Qt.Orientation.Horizontal)
        editor = QWidget()
        ev = QVBoxLayout(editor)
        ev.setContentsMargins(0, 0, 0, 0)
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.question.setAccessibleName("Question text")
        ev.addWidget(self.question)
        row = QHBoxLayout()
        self.owner = QComboBox()
        self.owner.setAccessibleName("Question owner")
        self.status = QComboBox()
        self.status.setAccessibleName("Question status")
        self.status.addItems(bid_questions.STATUSES)
        self.due = QDateEdit(calendarPopup=True, displayFormat="dd/MM/yyyy")
        self.due.setAccessibleName("Due date")
        row.addWidget(QLabel("Owner"))
        row.addWidget(self.owner, 1)
        row.addWidget(QLabel("Status"))
        row.addWidget(self.status)
        row.addWidget(QLabel("Due"))
        row.addWidget(self.due)
        ev.addLayout(row)
        self.answer = QPlainTextEdit()
        self.answer.setAccessibleName("Answer")
        ev.addWidget(self.answer, 1)
        foot = QHBoxLayout()
        self.words = QLabel()
        self.words.setAccessibleName("Word count")
        self.save_button = QPushButton("Save answer")
        self.save_button.setAccessibleName("Save answer")
        foot.addWidget(self.words, 1)
        foot.addWidget(self.save_button)
        ev.addLayout(foot)
        self.comments = QLabel()
        self.comments.setWordWrap(True)
        self.comments.setAccessibleName("Review comments on this question")
        self.comments.setStyleSheet("background: #fff3cd; color: #212529; padding: 4px;")
        self.comments.setVisible(False)
        ev.addWidget(self.comments)
        lower.addWidget(editor)

        side = QWidget()
        sv = QVBoxLayout(side)
        sv.setContentsMargins(0, 0, 0, 0)
        sv.addWidget(QLabel("Suggested from your answer library"))
        self.suggestions = QListWidget()
        self.suggestions.setAccessibleName("Suggested answers")
        self.suggestions.setWordWrap(True)
        sv.addWidget(self.suggestions, 2)
        self.insert_button = QPushButton("Insert the selected answer")
        self.insert_button.setAccessibleName("Insert suggested answer")
        sv.addWidget(self.insert_button)
        sv.addWidget(QLabel("Readiness (double-click an item to go where it is fixed)"))
        self.readiness_summary = QLabel()
        self.readiness_summary.setWordWrap(True)
        self.readiness_summary.setAccessibleName("Readiness summary")
        sv.addWidget(self.readiness_summary)
        self.readiness = QListWidget()
        self.readiness.setAccessibleName("Readiness")
        self.readiness.setWordWrap(True)
        sv.addWidget(self.readiness, 1)
        lower.addWidget(side)
        lower.setSizes([700, 420])
        outer.addWidget(lower)
        outer.setSizes([260, 420])
        layout.addWidget(outer, 1)

        self._count_timer = QTimer(self, singleShot=True, interval=120)
        self._count_timer.timeout.connect(self._count)
        self.answer.textChanged.connect(self._count_timer.start)
        self.view.selectionModel().currentRowChanged.connect(self._chosen)
        self.save_button.clicked.connect(self.save)
        self.insert_button.clicked.connect(self.insert)
        self.import_button.clicked.connect(self.choose_import)
        self.readiness_button.clicked.connect(self.check_readiness)
        self.readiness.itemDoubleClicked.connect(self.go_to)

    # ------------------------------------------------------------------ data
    def set_bid(self, ws: Workspace, bid_id: int | None) -> None:
        self.ws, self.bid_id = ws, bid_id
        self.reload()

    def reload(self, select: int | None = None) -> None:
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
        self.owner.blockSignals(False)
        rows = bid_questions.list_for(self.ws.db, self.bid_id)
        self.model.set_rows(rows, owners)
        target = next((i for i, q in enumerate(rows) if q.id == keep), 0 if rows else None)
        if target is not None:
            self.view.selectRow(target)
        else:
            self._show(None)

    def _chosen(self, current, _previous) -> None:
        if current.isValid():
            self._show(self.model.rows[current.row()])

    def _show(self, q: bid_questions.Question | None) -> None:
        self.current = q
        for w in (
            self.owner,
            self.status,
            self.due,
            self.answer,
            self.save_button,
            self.insert_button,
        ):
            w.setEnabled(q is not None)
        self.suggestions.clear()
        if q is None:
            self.question.setText(
                "Import the buyer's questionnaire, or add questions, to start writing."
            )
            self.answer.clear()
            self.comments.setVisible(False)
            return
        limit = f" (max {q.word_limit:,} words)" if q.word_limit else ""
        weight = f", {q.weighting:g}% of the marks" if q.weighting else ""
        self.question.setText(
            f"<b>{escape(q.label)}</b>{escape(limit + weight)}<br>{escape(q.text)}"
        )
        self.owner.setCurrentIndex(max(0, self.owner.findData(q.owner_org_id)))
        self.status.setCurrentText(q.status)
        day = q.due or self.today
        self.due.setDate(QDate(day.year, day.month, day.day))
        self.answer.setPlainText(q.answer)
        self._count()
        for s in suggest.for_question(self.ws.db, q.text, today=self.today):
            item = QListWidgetItem(f"{s.title} — {s.owner} ({s.score})\n{s.why}")
            item.setData(ID_ROLE, s.entry_id)
            if s.freshness in ("stale", "overdue"):
                item.setForeground(QBrush(QColor("#9c0006")))
            self.suggestions.addItem(item)
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
    def save(self) -> None:
        if self.current is None or self.ws is None:
            return
        q = self.current
        q.answer = self.answer.toPlainText()
        q.owner_org_id = self.owner.currentData()
        q.status = self.status.currentText()
        d = self.due.date()
        q.due = dt.date(d.year(), d.month(), d.day())
        try:
            bid_questions.save(self.ws, q)
        except ConsortiumError as exc:
            self.words.setText(colours.span("error", str(exc)))
            return
        self.reload(q.id)
        self.changed.emit()

    def insert(self) -> None:
        item = self.suggestions.currentItem()
        if item is None or self.current is None:
            return
        entry_id, question_id = item.data(ID_ROLE), self.current.id
        self.save()  # keep what was typed; this also refreshes the suggestion list
        updated = suggest.insert(self.ws, question_id, entry_id)
        self.reload(updated.id)

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
        if self.ws is None or self.bid_id is None:
            return 0
        try:
            result = bid_questions.import_questionnaire(self.ws, self.bid_id, path)
        except ConsortiumError as exc:
            self.readiness_summary.setText(colours.span("error", str(exc)))
            return 0
        self.reload()
        self.readiness_summary.setText(f"Added {result.added} questions from {escape(path.name)}.")
        return result.added

    def check_readiness(self) -> readiness.Report | None:
        if self.ws is None or self.bid_id is None:
            return None
        report = readiness.check(self.ws, self.bid_id, today=self.today)
        colour = {"problem": "#9c0006", "warning": "#8a5300"}
        verdict = (
            "Ready to build."
            if report.ready
            else f"{len(report.problems)} problem(s) to fix (you can still build; they go in a cover note)."
        )
        self.readiness_summary.setText(f"<b>{escape(verdict)}</b>")
        self.readiness.clear()
        for i in report.items:
            item = QListWidgetItem(i.message)
            item.setForeground(QBrush(QColor(colour.get(i.severity, "#000000"))))
            item.setData(ID_ROLE, i.where)
            self.readiness.addItem(item)
        return report

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
