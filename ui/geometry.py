"""The window's size and saved layout.

The first window fills the screen's available area (work area minus task bar) on small
screens, and takes a comfortable size centred on big ones; a saved size is only reused when it
still fits the screen it opens on (a laptop unplugged from a big monitor).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QWidget

COMFORTABLE = QSize(1280, 800)  # enough for every area without scrolling
FRAME = QSize(16, 40)  # room for the window manager's border and title bar


def first_size(available: QRect) -> QRect:
    """Where the first window goes on a screen with this available geometry."""
    width = min(COMFORTABLE.width(), available.width() - FRAME.width())
    height = min(COMFORTABLE.height(), available.height() - FRAME.height())
    rect = QRect(0, 0, max(width, 0), max(height, 0))
    rect.moveCenter(available.center())
    return rect


def small_screen(available: QRect) -> bool:
    """Screens where the window should simply be maximised (1366×768 laptops, 150% scaling)."""
    return (
        available.width() < COMFORTABLE.width() + FRAME.width()
        or available.height() < COMFORTABLE.height() + FRAME.height()
    )


def fits(window: QWidget, available: QRect) -> bool:
    frame = window.frameGeometry()
    return available.contains(frame) or (
        frame.width() <= available.width()
        and frame.height() <= available.height()
        and available.intersects(frame)
    )


def place_window(window: QWidget, saved_geometry) -> bool:
    """Restore the saved geometry if it fits this screen, else size the window to the screen.
    Returns True when the window should be shown maximised."""
    screen = window.screen()
    available = screen.availableGeometry()
    restored = saved_geometry is not None and window.restoreGeometry(saved_geometry)
    if restored and fits(window, available):
        return window.isMaximized()
    window.setGeometry(first_size(available))
    return small_screen(available)
