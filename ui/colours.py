"""Colours that stay readable in light and dark palettes (WCAG AA: 4.5:1 for text).

    label.setText(colours.span("error", "The file could not be read"))
    label.setStyleSheet(colours.style("error"))
    painter.setPen(colours.ink(widget.palette()))        # chart text on the widget's background

Item views get ``ReadableDelegate`` (``install`` puts it on every plain view in a page): a cell
with a coloured background gets dark or light text, whichever reads, and a coloured text that
would be too faint on its background is darkened or lightened until it passes 4.5:1.
"""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QStyledItemDelegate, QWidget

AA = 4.5
DARK_INK = QColor("#212529")
LIGHT_INK = QColor("#f8f9fa")
# Each meaning has a colour for light backgrounds and one for dark; both pass AA on the
# palettes' usual window and base colours.
MEANINGS = {
    "error": ("#9c0006", "#ff8a8a"),
    "warning": ("#7a4a00", "#ffc966"),
    "ok": ("#0a5c2a", "#7ddc9f"),
    "muted": ("#555555", "#b8b8b8"),
}


def luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def palette() -> QPalette:
    app = QApplication.instance()
    return app.palette() if app is not None else QPalette()


def is_dark(pal: QPalette | None = None) -> bool:
    pal = pal or palette()
    return luminance(pal.color(QPalette.ColorRole.Window)) < 0.2


def colour(meaning: str, pal: QPalette | None = None) -> QColor:
    light, dark = MEANINGS[meaning]
    return QColor(dark if is_dark(pal) else light)


def span(meaning: str, text: str, *, html: bool = False) -> str:
    """Rich text in a meaning's colour; ``text`` is escaped unless ``html``."""
    body = text if html else escape(text)
    return f"<span style='color:{colour(meaning).name()}'>{body}</span>"


def style(meaning: str) -> str:
    return f"color: {colour(meaning).name()};"


def ink(pal: QPalette | None = None) -> QColor:
    """Text colour for painting on a window background (charts)."""
    return (pal or palette()).color(QPalette.ColorRole.WindowText)


def on(background: QColor) -> QColor:
    """Dark or light text, whichever reads better on this background."""
    return (
        DARK_INK if contrast(DARK_INK, background) >= contrast(LIGHT_INK, background) else LIGHT_INK
    )


def readable(text: QColor, background: QColor) -> QColor:
    """``text`` itself if it passes AA on ``background``, else the same hue made darker or
    lighter until it does (falling back to dark or light ink)."""
    if contrast(text, background) >= AA:
        return text
    lighter = luminance(background) < 0.18
    hue, sat, light, alpha = text.getHslF()
    for step in range(1, 21):
        value = min(1.0, light + step * 0.05) if lighter else max(0.0, light - step * 0.05)
        candidate = QColor.fromHslF(max(hue, 0.0), sat, value, alpha)
        if contrast(candidate, background) >= AA:
            return candidate
    return on(background)


class ReadableDelegate(QStyledItemDelegate):
    """A plain delegate that keeps every cell's text readable on its background."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        fix_option(option)


def fix_option(option) -> None:
    """Make the text colours in a style option readable on its background."""
    from PySide6.QtCore import Qt

    pal = option.palette
    brush = option.backgroundBrush
    if brush.style() != Qt.BrushStyle.NoBrush:
        background = brush.color()
        text = pal.color(QPalette.ColorRole.Text)
        pal.setColor(QPalette.ColorRole.Text, readable(text, background))
        pal.setColor(QPalette.ColorRole.WindowText, readable(text, background))
    else:
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        pal.setColor(QPalette.ColorRole.Text, readable(text, base))
    option.palette = pal


def install(root: QWidget) -> None:
    """Give every item view under ``root`` that uses Qt's plain delegate a readable one."""
    for view in root.findChildren(QAbstractItemView):
        delegate = view.itemDelegate()
        if type(delegate) is QStyledItemDelegate:
            view.setItemDelegate(ReadableDelegate(view))
