"""The bid's own texts (executive summary, understanding of the need, governance), written in the
Bids area. A thin view over consortium.bids.narrative: it shows the user's text, or the suggested
draft built from the data (marked as a draft), and names any [prompt] still to replace."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from consortium.bids import narrative
from consortium.bids.questions import word_count
from consortium.formatting import plural
from consortium.workspace import Workspace


def _short(prompt: str, limit: int = 60) -> str:
    """A long prompt cut at a word, still reading as a prompt: '[Say in your own words …]'."""
    if len(prompt) <= limit:
        return prompt
    return prompt[:limit].rsplit(" ", 1)[0] + " …]"


class NarrativeField(QWidget):
    def __init__(self, key: str, label: str, parent=None):
        super().__init__(parent)
        self.key = key
        self.draft_text = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        head = QHBoxLayout()
        title = QLabel(f"<b>{escape(label)}</b>")
        head.addWidget(title)
        self.state = QLabel()
        self.state.setAccessibleName(f"{label} state")
        head.addWidget(self.state, 1)
        self.use_draft = QPushButton("Use suggested draft")
        self.use_draft.setAccessibleName(f"Use the suggested draft of the {label.lower()}")
        self.use_draft.setToolTip("Replace the text with a first draft built from the bid's data")
        head.addWidget(self.use_draft)
        layout.addLayout(head)
        self.edit = QPlainTextEdit()
        self.edit.setAccessibleName(label)
        self.edit.setMinimumHeight(110)
        layout.addWidget(self.edit)
        self.prompts = QLabel()
        self.prompts.setWordWrap(True)
        self.prompts.setAccessibleName(f"{label} prompts")
        layout.addWidget(self.prompts)
        self.use_draft.clicked.connect(lambda: self.edit.setPlainText(self.draft_text))
        self.edit.textChanged.connect(self._refresh)

    def show_text(self, text: str, draft: str, is_draft: bool) -> None:
        self.draft_text = draft
        self.edit.blockSignals(True)
        self.edit.setPlainText(text)
        self.edit.blockSignals(False)
        self.edit.document().setModified(False)
        self._is_draft = is_draft
        self._refresh()

    def _refresh(self) -> None:
        text = self.edit.toPlainText()
        words = f"{word_count(text):,} words"
        if self.edit.document().isModified():
            self.state.setText(f"{words}; not saved yet")
        elif self._is_draft:
            self.state.setText(f"{words}; suggested draft: edit it, then Save")
        else:
            self.state.setText(f"{words}; your text")
        found = narrative.prompts_in(text)
        if found:
            shown = ", ".join(escape(_short(p)) for p in found[:3])
            self.prompts.setText(
                f"<span style='color:#9c0006'>Replace {shown} with your own words: a prompt "
                "left in stops the submission copy being built.</span>"
            )
        else:
            self.prompts.setText("")

    def modified(self) -> bool:
        return self.edit.document().isModified()


class NarrativePanel(QWidget):
    """One editor per text; Save keeps them in the workspace (switching bid saves too)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.bid_id: int | None = None
        self._shown: tuple | None = None  # (workspace, bid) the editors were filled for
        outer = QVBoxLayout(self)
        intro = QLabel(
            "These texts open the joint bid. Each starts as a suggested draft from the bid's "
            "data: make it yours, then Save."
        )
        intro.setWordWrap(True)
        outer.addWidget(intro)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        col = QVBoxLayout(body)
        self.fields = {k: NarrativeField(k, label) for k, label in narrative.FIELDS.items()}
        for f in self.fields.values():
            col.addWidget(f)
        col.addStretch()
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        row = QHBoxLayout()
        self.message = QLabel()
        self.message.setAccessibleName("Bid texts message")
        row.addWidget(self.message, 1)
        self.save_button = QPushButton("Save texts")
        self.save_button.setAccessibleName("Save the bid texts")
        row.addWidget(self.save_button)
        outer.addLayout(row)
        self.save_button.clicked.connect(self.save)

    def set_bid(self, ws: Workspace | None, bid_id: int | None) -> None:
        if self.ws is not None and self.bid_id is not None and self.bid_id != bid_id:
            self.save(quiet=True)  # never lose what was typed when the user moves on
        self.ws, self.bid_id = ws, bid_id
        self.setEnabled(ws is not None and bid_id is not None)
        if ws is None or bid_id is None:
            self._shown = None
            for f in self.fields.values():
                f.show_text("", "", True)
            return
        same = self._shown == (ws, bid_id)
        self._shown = (ws, bid_id)
        own = narrative.stored(ws.db, bid_id)
        for key, f in self.fields.items():
            if same and f.modified():
                continue  # the same bid shown again (a refresh): what is typed stays
            draft = narrative.draft(ws, bid_id, key)
            f.show_text(own.get(key) or draft, draft, not own.get(key))
        self.message.setText("")

    def show_field(self, where: dict) -> bool:
        """Readiness named one of these texts ({"field": "narrative: governance"}): focus it."""
        key = str(where.get("field") or "").removeprefix("narrative: ")
        field = self.fields.get(key)
        if field is None:
            return False
        field.edit.setFocus()
        return True

    def save(self, quiet: bool = False) -> None:
        if self.ws is None or self.bid_id is None:
            return
        changed = [f for f in self.fields.values() if f.modified()]
        for f in changed:
            narrative.save(self.ws, self.bid_id, f.key, f.edit.toPlainText())
            f.show_text(f.edit.toPlainText(), f.draft_text, False)
        if not quiet:
            self.message.setText(
                f"Saved {plural(len(changed), 'text')}."
                if changed
                else "Nothing changed since the last save."
            )
