"""A page's line (or banner) that says what the last action did, and knows whether it failed.

    line = StatusLabel("Open a pack to review it.")
    line.fail(colours.span("error", "The review was not taken in."), key_confirm.RED)
    line.succeeded()        # a later action worked: the failure goes, the standing text is back
    line.say("Saved the review.")   # or a success that has something to say replaces it

A failure stays until the next action on the page succeeds, and no longer: a red "not taken in"
left on screen after later successes reads as if they had failed too. ``standing`` is what the
line shows when nothing has failed (the Review banner's verification of the pack in hand).
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


class StatusLabel(QLabel):
    def __init__(self, text: str = "", style: str = "", parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.failed = False
        self._standing = ("", "")
        self.stand(text, style)

    def stand(self, html: str, style: str = "") -> None:
        """Show what holds until something changes it (and what a success comes back to)."""
        self._standing = (html, style)
        self._show(html, style, failed=False)

    def say(self, html: str, style: str = "", *, details: str = "") -> None:
        """A success (or news) with something to say: it replaces any failure. ``details``
        (the files written, each warning) are the tooltip, so the line itself stays short."""
        self._show(html, style, failed=False, details=details)

    def fail(self, html: str, style: str = "", *, details: str = "") -> None:
        """A failure: shown until the next success on the page."""
        self._show(html, style, failed=True, details=details)

    def succeeded(self) -> None:
        """An action worked and had nothing to say here: a failure shown goes."""
        if self.failed:
            self._show(*self._standing, failed=False)

    def clear(self) -> None:
        self.failed = False
        self.setToolTip("")
        super().clear()

    def _show(self, html: str, style: str, *, failed: bool, details: str = "") -> None:
        self.failed = failed
        self.setText(html)
        self.setStyleSheet(style)
        self.setToolTip(details)  # another message's details never linger under this one


def tell_failure(label: QLabel, text: str) -> None:
    """Say a failure on ``label``, marked as one when it is a :class:`StatusLabel`."""
    if isinstance(label, StatusLabel):
        label.fail(text)
    else:
        label.setText(text)
