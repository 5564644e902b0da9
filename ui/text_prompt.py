"""A one-line text prompt wide enough for the text it suggests.

QInputDialog.getText sizes its line edit for about 20 characters, so a suggested name such as
"Domestic abuse support services for Milton Keynes consortium" is cut off at 1366×768. The
prompt still goes through QInputDialog.getText (tests answer it by patching that one call); an
application event filter widens the dialog as it is shown.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QWidget


class _Widen(QObject):
    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Show and isinstance(obj, QInputDialog):
            widen(obj, self.text)
        return False


def widen(dialog: QInputDialog, text: str) -> None:
    """Give the dialog's line edit room for ``text``, within the screen (or 1366 px)."""
    edit = dialog.findChild(QLineEdit)
    if edit is None:
        return
    screen = dialog.screen()
    room = screen.availableGeometry().width() - 80 if screen is not None else 1286
    wanted = edit.fontMetrics().horizontalAdvance(text + "MMMM")
    edit.setMinimumWidth(max(240, min(wanted, room, 900)))
    dialog.adjustSize()


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> tuple[str, bool]:
    """QInputDialog.getText, with the line edit as wide as the suggested text needs."""
    app = QApplication.instance()
    widener = _Widen(text)
    if app is not None:
        app.installEventFilter(widener)
    try:
        return QInputDialog.getText(parent, title, label, text=text)
    finally:
        if app is not None:
            app.removeEventFilter(widener)
