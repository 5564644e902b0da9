"""The Help menu's windows: the user guide (bundled, read offline), the keyboard shortcuts and
About. The shortcuts list is read from the window's own actions, so it cannot drift from them."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout

from consortium import __version__

GUIDE = Path(__file__).with_name("guide.html")

# Keys handled inside pages rather than by a menu action.
PAGE_KEYS = (
    ("Ctrl+F", "Search the area you are looking at"),
    ("Ctrl+S", "Save what you are editing"),
    ("Ctrl+Enter", "Add the comment you are writing (Review)"),
    ("F1", "This guide"),
)


class TextWindow(QDialog):
    """A resizable window holding one page of rich text."""

    def __init__(self, parent, title: str, html: str):
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName(title)
        self.browser.setOpenExternalLinks(False)  # offline: nothing opens a web page
        self.browser.setHtml(html)
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close this window")
        layout.addWidget(buttons)
        screen = (parent.screen() if parent is not None else None) or self.screen()
        room = screen.availableGeometry()
        self.resize(min(720, room.width() - 40), min(620, room.height() - 80))


def guide_html() -> str:
    try:
        return GUIDE.read_text(encoding="utf-8")
    except OSError:
        return "<p>The user guide is missing from this installation; reinstall Consortium.</p>"


def shortcuts_html(actions: list[QAction]) -> str:
    rows = []
    for action in actions:
        keys = action.shortcut()
        if keys.isEmpty():
            continue
        text = action.text().replace("&", "").rstrip("…")
        rows.append((keys.toString(QKeySequence.SequenceFormat.NativeText), text))
    rows += list(PAGE_KEYS)
    seen: set[str] = set()
    body = []
    for keys, what in rows:
        if keys in seen:
            continue
        seen.add(keys)
        body.append(f"<tr><td><b>{escape(keys)}</b>&nbsp;&nbsp;</td><td>{escape(what)}</td></tr>")
    return "<h2>Keyboard shortcuts</h2><table cellpadding='3'>" + "".join(body) + "</table>"


def show_guide(parent) -> TextWindow:
    window = TextWindow(parent, "Consortium user guide", guide_html())
    window.show()
    return window


def show_shortcuts(parent, actions: list[QAction]) -> TextWindow:
    window = TextWindow(parent, "Keyboard shortcuts", shortcuts_html(actions))
    window.show()
    return window


def about(parent) -> None:
    QMessageBox.about(
        parent,
        "About Consortium",
        f"Consortium {__version__}\n\nHelps small charities form bidding consortia for public "
        "contracts, offline.\n\nContains public sector information licensed under the Open "
        "Government Licence v3.0, CPV codes © European Union, and council data © mySociety "
        "(CC BY 4.0).",
    )
