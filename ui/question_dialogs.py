"""Small dialogs for the buyer's questions: edit one question, paste several (one a line)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from consortium.bids import questions as bid_questions
from ui import colours


class QuestionDialog(QDialog):
    """The question's reference, text, word limit and weighting, as the buyer wrote them."""

    def __init__(self, q: bid_questions.Question, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit question" if q.id is not None else "Add a question")
        self.resize(620, 360)
        form = QFormLayout(self)
        self.ref = QLineEdit(q.ref)
        self.ref.setPlaceholderText("e.g. 2.1 (optional)")
        self.ref.setToolTip("The buyer's number for the question, as the questionnaire shows it")
        self.text = QPlainTextEdit(q.text)
        self.text.setToolTip("The question as the buyer asks it, with any guidance under it")
        self.limit = QLineEdit(str(q.word_limit) if q.word_limit else "")
        self.limit.setPlaceholderText("e.g. 500 (leave empty for no limit)")
        self.limit.setToolTip("The most words the answer may have")
        self.weighting = QLineEdit(f"{q.weighting:g}" if q.weighting is not None else "")
        self.weighting.setPlaceholderText("e.g. 10 (per cent of the marks; optional)")
        self.weighting.setToolTip("How much of the marks this question carries, in per cent")
        for label, widget in (
            ("Reference", self.ref),
            ("Question", self.text),
            ("Word limit", self.limit),
            ("Weighting %", self.weighting),
        ):
            widget.setAccessibleName(f"Question {label.lower()}")
            form.addRow(label, widget)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(colours.style("error"))
        self.problem.setAccessibleName("Question problem")
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.question = q

    def values(self) -> dict:
        """What was typed, checked; raises ValueError with a message for people."""
        text = self.text.toPlainText().strip()
        if not text:
            raise ValueError("Type the question.")
        limit = self.limit.text().strip().replace(",", "")
        weight = self.weighting.text().strip().rstrip("%").strip()
        try:
            word_limit = int(limit) if limit else None
        except ValueError:
            raise ValueError(f"The word limit '{limit}' is not a whole number.") from None
        if word_limit is not None and word_limit <= 0:
            raise ValueError("A word limit is a whole number above 0.")
        try:
            weighting = float(weight) if weight else None
        except ValueError:
            raise ValueError(f"The weighting '{weight}' is not a number.") from None
        if weighting is not None and not 0 <= weighting <= 100:
            raise ValueError("A weighting is a percentage between 0 and 100.")
        return {
            "ref": self.ref.text().strip(),
            "text": text,
            "word_limit": word_limit,
            "weighting": weighting,
        }

    def _accept(self) -> None:
        try:
            self.values()
        except ValueError as exc:
            self.problem.setText(str(exc))
            return
        self.accept()


class PasteDialog(QDialog):
    """Several questions at once, one a line, with a live count of what will be added."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Paste questions")
        self.resize(640, 400)
        layout = QVBoxLayout(self)
        hint = QLabel(
            "Paste or type the questions, one a line. A number at the start (1.2, Q3) becomes the "
            "reference; a limit like “(max 500 words)” and a weighting like “Weighting: 10%” are "
            "picked up."
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Questions to add, one a line")
        self.text.setPlaceholderText(
            "1 Describe how you will deliver the service (max 500 words)\n"
            "2 How will you keep people safe? Weighting: 10%"
        )
        layout.addWidget(self.text, 1)
        self.count = QLabel("No questions yet.")
        self.count.setAccessibleName("Questions found")
        layout.addWidget(self.count)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add questions")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.text.textChanged.connect(self._counted)

    def _counted(self) -> None:
        n = len(bid_questions.parse_lines(self.text.toPlainText()))
        self.count.setText(
            "No questions yet." if not n else f"{n} question{'s' if n != 1 else ''} to add."
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(n > 0)
