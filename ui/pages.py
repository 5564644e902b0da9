"""The window's areas as a list: one entry per page, in sidebar order.

To add an area, build its widget and register it in ``MainWindow._register_pages`` with one line:

    self.add_page(Page("library", "Library", "Reusable answers…", LibraryPage(),
                       search=lambda page: page.search, accepts=("library",)))

``key`` is what code and tests use to show it (``window.show_area("library")``); ``search`` says
which field Ctrl+F focuses while the page is visible; ``accepts`` names the file kinds
(``consortium.filekinds``) a file dropped on this page may be.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtWidgets import QWidget


@dataclass
class Page:
    key: str
    name: str  # the sidebar label
    about: str  # the sidebar tooltip: what the area is for
    widget: QWidget
    search: Callable[[QWidget], QWidget | None] | None = None  # Ctrl+F's target on this page
    accepts: tuple[str, ...] = field(default_factory=tuple)  # file kinds dropped here
    in_sidebar: bool = True  # the Start page has its own button above the list

    def search_field(self) -> QWidget | None:
        return self.search(self.widget) if self.search is not None else None
