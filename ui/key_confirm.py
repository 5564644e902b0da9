"""Confirming a counterpart's signing key by its words, and taking a review in with it.

A key the workspace does not trust yet (a first review, or a key that changed) is accepted only
when the user types the eight words the other side reads to them over the phone. The dialog
never shows the expected words: copying them from the screen would prove nothing.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from consortium.errors import ConsortiumError
from consortium.formatting import plural, possessive
from consortium.packs import review, trust
from ui import colours
from ui.status import StatusLabel

RED = "padding: 8px; background: #f8d7da; color: #58151c;"
AMBER = "padding: 8px; background: #fff3cd; color: #664d03;"
GREEN = "padding: 8px; background: #d1e7dd; color: #0a3622;"


class KeyConfirmDialog(QDialog):
    """Type the words the sender reads you; OK only when they are the key's words."""

    confirmed = Signal(str)

    def __init__(self, check: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.check = check
        self.setWindowTitle("Check the signing key's words")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        who = escape(check["organisation"])
        whose = escape(possessive(check["organisation"]))
        if check["status"] == trust.CHANGED:
            pinned = check["pinned"]
            intro = (
                f"<p style='{colours.style('error')}'><b>This file is signed by a different key from the one "
                f"trusted for {escape(pinned['organisation'])}.</b></p>"
                f"<p>Trusted key: fingerprint {escape(trust.grouped(pinned['fingerprint']))}<br>"
                f"This file's key: fingerprint {escape(trust.grouped(check['fingerprint']))}</p>"
                "<p>Someone may be pretending to be them. Trust the new key only if "
                f"{who} tell you they changed it.</p>"
            )
        elif check["status"] == trust.KNOWN:
            intro = (
                f"<p>{whose} key is trusted here since their first file, but its words have "
                "not been checked with them yet.</p>"
            )
        else:
            intro = f"<p>This is the first file signed by {whose} key that you have taken in.</p>"
        self.intro = QLabel(
            intro + f"<p>Phone {who} on a number you already have (not one in the file or email) "
            "and ask them to read you their key's eight words. They see them under "
            "<i>File &gt; Signing key</i>. Type the words here:</p>"
        )
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.typed = QLineEdit(placeholderText="eight words, as they read them")
        self.typed.setAccessibleName("Words read by the sender")
        self.typed.setToolTip("Case, commas and spaces do not matter")
        layout.addWidget(self.typed)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(colours.style("error"))
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Trust this key")
        self.ok_button.setToolTip("Only when the words they read match")
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.typed.textChanged.connect(
            lambda text: self.ok_button.setEnabled(len(text.split()) >= 4)
        )

    def _check(self) -> None:
        if not trust.words_match(self.typed.text(), self.check["words"]):
            self.problem.setText(
                "Those are not the words of the key that signed this file. Check them again "
                "with the sender; if they still differ, do not trust the file."
            )
            return
        self.accept()
        self.confirmed.emit(self.typed.text())


def ask(parent: QWidget, check: dict, on_words) -> KeyConfirmDialog:
    """Open the dialog (window-modal, not blocking) and call ``on_words(typed)`` once the user
    confirms. The dialog is kept on ``parent.key_dialog`` so tests can drive it."""
    dialog = KeyConfirmDialog(check, parent)
    dialog.confirmed.connect(on_words)
    parent.key_dialog = dialog
    dialog.open()
    return dialog


def take_in_review(
    parent: QWidget, ws, path, line: StatusLabel, done, *, bid_id=None, words=None, on_ask=None
) -> None:
    """Import a review; on an untrusted key show why in red and ask for the key's words.

    ``line`` is where the user is looking: a failure is shown there until the page's next
    success; ``done(imported)`` runs once the review is in; ``on_ask(check, on_words)`` lets
    the page offer the dialog again."""
    try:
        imported = review.import_review(ws, path, confirm_words=words, bid_id=bid_id)
    except review.KeyNotTrusted as exc:
        check = exc.check.to_dict()
        refused = check["status"] == trust.CHANGED or words is not None
        # A first review is waiting for the words, not failing: say so while the dialog is open.
        headline = (
            "The review was not taken in."
            if refused
            else "The review is not taken in yet: type the words the reviewer reads you."
        )
        line.fail(f"<b>{headline}</b> {escape(str(exc))}", RED if refused else AMBER)

        def on_words(typed: str) -> None:
            take_in_review(parent, ws, path, line, done, bid_id=bid_id, words=typed, on_ask=on_ask)

        if on_ask is not None:
            on_ask(check, on_words)
        ask(parent, check, on_words)
        return
    except ConsortiumError as exc:
        line.fail(f"<b>The review was not taken in.</b> {escape(str(exc))}", RED)
        return
    extra = "".join(f"<br>⚠ {escape(w)}" for w in imported.warnings)
    conditions = f"<br>Conditions: {escape(imported.conditions)}" if imported.conditions else ""
    line.say(
        f"<b>{escape(imported.reviewer)}: {escape(review.DECISIONS[imported.decision])}.</b> "
        f"{plural(imported.comments, 'comment')} added beside the bid; its status is now "
        f"{escape(imported.status)}.{conditions}{extra}",
        AMBER if imported.warnings else GREEN,
    )
    done(imported)
