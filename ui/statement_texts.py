"""The social value statement's own texts for a bid (need, method, reporting, governance,
additionality, contact): what the team writes in its own words, printed under the statement's
headings. Readiness names any left empty; this is where they are written."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from consortium.errors import ConsortiumError
from consortium.socialvalue import commitments, statement
from consortium.workspace import Workspace
from ui import colours

# (settings field, label, what to write). The labels are the statement's own headings.
FIELDS = (
    (
        "need",
        statement.WRITTEN_SECTIONS["need"],
        "The local need this social value answers, with figures: who, where, how many.",
    ),
    (
        "method",
        statement.WRITTEN_SECTIONS["method"],
        "How the members will deliver the commitments: who does what, and when.",
    ),
    (
        "reporting",
        "Measurement and reporting",
        "How delivery is measured and how often it is reported, and to whom.",
    ),
    (
        "governance",
        statement.WRITTEN_SECTIONS["governance"],
        "Who oversees delivery, and how shortfalls are put right.",
    ),
    (
        "additionality",
        statement.WRITTEN_SECTIONS["additionality"],
        "Why the value claimed would not happen without this contract.",
    ),
    (
        "contact",
        statement.WRITTEN_SECTIONS["contact"],
        "Who the buyer can ask about social value: name, role, email or phone.",
    ),
)


class StatementTexts(QWidget):
    """One box per text; saved with *Save texts*, and when another bid is chosen."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.bid_id: int | None = None
        self._shown: dict[str, str] = {}
        outer = QVBoxLayout(self)
        intro = QLabel(
            "The statement's sections in your own words. Each is printed under its heading in "
            "the social value statement; one left empty stops the submission copy."
        )
        intro.setWordWrap(True)
        outer.addWidget(intro)
        inner = QWidget()
        form = QFormLayout(inner)
        self.boxes: dict[str, QPlainTextEdit] = {}
        for field, label, hint in FIELDS:
            box = QPlainTextEdit()
            box.setPlaceholderText(hint)
            box.setToolTip(hint)
            box.setAccessibleName(label)
            box.setTabChangesFocus(True)  # Tab moves to the next box, as in any form
            box.setFixedHeight(72 if field != "contact" else 48)
            self.boxes[field] = box
            form.addRow(label, box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer.addWidget(scroll, 1)
        row = QHBoxLayout()
        self.save_button = QPushButton("Save texts")
        self.save_button.setAccessibleName("Save the statement texts")
        self.save_button.setToolTip(
            "Save these texts for the chosen bid (they are also saved when you choose another bid or area)"
        )
        self.save_button.clicked.connect(lambda: self.save())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Statement texts message")
        row.addWidget(self.save_button)
        row.addWidget(self.message, 1)
        outer.addLayout(row)

    def set_bid(self, ws: Workspace | None, bid_id: int | None) -> None:
        """Show a bid's texts; what was typed for the bid shown before is saved first. The
        same bid again (the page reloaded after a change elsewhere) shows the stored texts,
        unless the user is typing here."""
        if ws is self.ws and bid_id == self.bid_id and self.dirty():
            return
        self.flush()
        self.ws, self.bid_id = ws, bid_id
        settings = commitments.load_settings(ws.db, bid_id) if ws is not None and bid_id else None
        for field, box in self.boxes.items():
            box.setPlainText(getattr(settings, field, "") if settings else "")
            box.setEnabled(settings is not None)
        self.save_button.setEnabled(settings is not None)
        self._shown = self._typed()
        self.message.clear()

    def _typed(self) -> dict[str, str]:
        return {field: box.toPlainText() for field, box in self.boxes.items()}

    def dirty(self) -> bool:
        return self.bid_id is not None and self._typed() != self._shown

    def flush(self) -> bool:
        """Save what was typed, if anything; False when it could not be saved."""
        return self.save() if self.dirty() else True

    def save(self) -> bool:
        if self.ws is None or self.bid_id is None:
            return True
        typed = self._typed()
        try:
            settings = commitments.load_settings(self.ws.db, self.bid_id)
            for field, text in typed.items():
                setattr(settings, field, text.strip())
            commitments.save_settings(self.ws, self.bid_id, settings)
        except ConsortiumError as exc:  # busy, or the bid deleted meanwhile: the typing stays
            self.message.setText(colours.span("error", f"Not saved: {exc}"))
            return False
        self._shown = typed
        empty = [label for field, label, _ in FIELDS if not typed[field].strip()]
        self.message.setText(
            "Saved."
            + (
                colours.span("warning", f" Still empty: {', '.join(empty)}.")
                if empty
                else " Every section is written."
            )
        )
        return True
