"""Walk every area of the main window, as a newcomer's screen shows it, and list what does not
fit: widgets outside the window or cut off by their parent, labels, buttons, tabs and
placeholders whose text is clipped with no tooltip to read it in full.

Run in a fresh process (the screen and scale must be set before Qt starts):

    QT_SCALE_FACTOR=1.5 QT_QPA_PLATFORM=offscreen:configfile=screen.json \\
        python tests/layout_walk.py OUT.json [SHOTS_DIR]

``tests/test_gui_layout.py`` runs it at 1366×768, at 1280×720 and at 150% on 1920×1080.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QCheckBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabBar,
    QTableView,
    QTabWidget,
    QWidget,
)

TODAY = dt.date(2026, 11, 23)


def _in_scrolled_content(widget: QWidget, window: QWidget) -> bool:
    """Inside a scroll area's content: it may lie beyond the viewport (that is what scrolling is
    for); the viewport itself is checked instead."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and parent is grand.viewport():
            return True
        parent = grand
    return False


def _name(widget: QWidget) -> str:
    text = ""
    if isinstance(widget, (QLabel, QAbstractButton)):
        text = widget.text()
    elif isinstance(widget, QLineEdit):
        text = widget.placeholderText()
    label = widget.accessibleName() or text or widget.objectName()
    return f"{type(widget).__name__} '{label[:60]}'"


def _text_width(widget: QWidget, text: str) -> int:
    return widget.fontMetrics().horizontalAdvance(text)


def _plain(label: QLabel) -> str:
    from PySide6.QtGui import QTextDocument

    if label.textFormat().name == "PlainText":
        return label.text()
    doc = QTextDocument()
    doc.setHtml(label.text())
    return doc.toPlainText()


def _clipped_cells(view: QTableView, where: str) -> list[str]:
    """Cells whose text is cut short (elided) with no tooltip giving it in full."""
    from PySide6.QtCore import Qt

    model = view.model()
    found = []
    metrics = view.fontMetrics()
    for row in range(min(model.rowCount(), 25)):
        if view.isRowHidden(row):
            continue
        for column in range(model.columnCount()):
            if view.isColumnHidden(column):
                continue
            index = model.index(row, column)
            text = index.data(Qt.ItemDataRole.DisplayRole)
            if not isinstance(text, str) or not text or "\n" in text:
                continue
            if view.wordWrap() and view.rowHeight(row) > metrics.height() * 1.8:
                continue
            clipped = metrics.horizontalAdvance(text) + 8 > view.columnWidth(column)
            if clipped and not index.data(Qt.ItemDataRole.ToolTipRole):
                header = model.headerData(column, Qt.Orientation.Horizontal)
                found.append(
                    f"{where}: {_name(view)} cuts '{text[:40]}' short in column "
                    f"'{header}' with no tooltip"
                )
                break
        if len(found) >= 3:
            break
    return found


def problems_here(window: QWidget, where: str) -> list[str]:
    found: list[str] = []
    frame = window.rect()
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.isWindow() or QWidget.window(widget) is not window:
            continue
        if widget.width() <= 0 or widget.height() <= 0:
            continue
        scrolled = _in_scrolled_content(widget, window)
        rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        if not scrolled and not frame.contains(rect):
            found.append(f"{where}: {_name(widget)} at {rect.getRect()} lies outside the window")
            continue
        parent = widget.parentWidget()
        if (
            not scrolled
            and parent is not None
            and parent is not window
            and not isinstance(parent, QAbstractScrollArea)
            and not QRect(QPoint(0, 0), parent.size()).contains(widget.geometry())
            and not isinstance(widget, QTabBar)  # a tab widget's bar is sized by the style
        ):
            found.append(f"{where}: {_name(widget)} is cut off by its parent {_name(parent)}")
        tip = bool(widget.toolTip())
        if isinstance(widget, QLabel) and not widget.wordWrap() and not tip and widget.text():
            need = max(_text_width(widget, line) for line in _plain(widget).splitlines() or [""])
            if need > widget.contentsRect().width() + 1 and widget.pixmap().isNull():
                found.append(f"{where}: {_name(widget)} is clipped ({need} > {widget.width()})")
        elif isinstance(widget, (QPushButton, QCheckBox)):
            if widget.width() + 1 < widget.minimumSizeHint().width() and not tip:
                found.append(f"{where}: {_name(widget)} is squeezed and clips its text")
        elif isinstance(widget, QLineEdit) and not widget.text() and widget.placeholderText():
            room = widget.width() - 12 - (20 if widget.isClearButtonEnabled() else 0)
            if _text_width(widget, widget.placeholderText()) > room and not tip:
                found.append(f"{where}: {_name(widget)} cuts its hint short")
        elif isinstance(widget, QTableView) and widget.model() is not None:
            found += _clipped_cells(widget, where)
        elif isinstance(widget, QTabBar) and widget.count():
            last = widget.tabRect(widget.count() - 1)
            if widget.tabRect(0).left() < 0 or last.right() > widget.width():
                hidden = [
                    widget.tabText(i)
                    for i in range(widget.count())
                    if not widget.rect().contains(widget.tabRect(i))
                ]
                found.append(f"{where}: tabs {hidden} do not fit in their bar")
    return found


def walk(window, app) -> tuple[list[str], list[tuple[str, QWidget]]]:
    """Every area, and every tab of every tab widget in it."""
    found: list[str] = []
    screen = window.screen().availableGeometry()
    if not screen.contains(window.frameGeometry()):
        found.append(
            f"the window {window.frameGeometry().getRect()} runs off the screen {screen.getRect()}"
        )
    need = window.minimumSizeHint()
    if need.width() > screen.width() or need.height() > screen.height():
        found.append(f"the window needs at least {need.width()}×{need.height()}")
    views = []
    for page in window.pages:
        window.show_area(page.key)
        app.processEvents()
        need = window.minimumSizeHint()
        if need.width() > screen.width() or need.height() > screen.height():
            found.append(f"{page.name} needs a window of at least {need.width()}×{need.height()}")
        tabs = [t for t in page.widget.findChildren(QTabWidget)]
        found += problems_here(window, page.name)
        views.append((page.key, window))
        for tab_widget in tabs:
            for i in range(tab_widget.count()):
                if not tab_widget.isVisible():
                    continue
                tab_widget.setCurrentIndex(i)
                app.processEvents()
                found += problems_here(window, f"{page.name} > {tab_widget.tabText(i)}")
                if page.key == "matches":
                    found += _tender_titles_readable(window, tab_widget.tabText(i))
            tab_widget.setCurrentIndex(0)
    return found, views


TITLE_WIDTH = 160  # pixels: the first words of a tender's title, enough to tell tenders apart


def _tender_titles_readable(window, tab: str) -> list[str]:
    """The Matches tender list keeps room for titles whichever tab is open (a tab's row of
    partner drop-downs once squeezed them to a few letters at 1366 pixels)."""
    width = window.matches.tender_view.columnWidth(0)
    if width < TITLE_WIDTH:
        return [f"Matches > {tab}: the tender titles get {width} px (want {TITLE_WIDTH}+)"]
    return []


def fill(window, app) -> None:
    """Put the text a user meets on screen: a proposal with its gaps, a bid's questions and
    readiness, the tenders that fit us."""
    from consortium.matching import proposals

    ocid = window.ws.db.execute("SELECT ocid FROM bids").fetchone()[0]
    window.match_tender(ocid)
    window.matches.show_result(proposals.propose_for(window.ws, ocid, today=TODAY))
    window.show_area("bids")
    questions = window.bids.questions
    questions.import_file(Path(__file__).parent / "fixtures" / "bids" / "questionnaire.xlsx")
    questions.view.selectRow(0)
    questions.check_readiness()
    window.show_area("tenders")
    window.tenders.show_fits()
    while window.tasks or window.tenders.fits is None or window.tenders._fit_lister.busy():
        app.processEvents()
    window.tenders.view.selectRow(0)
    app.processEvents()


def main(out: str, shots: str | None = None) -> None:
    os.environ["CONSORTIUM_HOME"] = tempfile.mkdtemp(prefix="consortium-walk-")
    app = QApplication.instance() or QApplication([])
    from consortium.demo import create_demo
    from ui.mainwindow import MainWindow

    folder = tempfile.mkdtemp(prefix="consortium-walk-ws-")
    window = MainWindow(create_demo(Path(folder) / "demo.consortium", TODAY))
    window.tenders.today = TODAY
    window.matches.today = TODAY
    if window.start_maximised:
        window.showMaximized()
    else:
        window.show()
    for _ in range(5):
        app.processEvents()
    fill(window, app)
    found, _views = walk(window, app)
    if shots:
        for page in window.pages:
            window.show_area(page.key)
            app.processEvents()
            window.grab().save(str(Path(shots) / f"{page.key}.png"))
    screen = window.screen()
    result = {
        "screen": list(screen.availableGeometry().getRect()),
        "window": list(window.frameGeometry().getRect()),
        "scale": screen.devicePixelRatio(),
        "problems": found,
    }
    Path(out).write_text(json.dumps(result, indent=1), encoding="utf-8")
    window.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
