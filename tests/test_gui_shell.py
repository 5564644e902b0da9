"""The window's shell driven as a newcomer would: the Start page and its checklist, Help,
Ctrl+F on the visible area, tooltips, files dropped on the area that takes them, the Tenders
"Fits us" view, readable colours under a dark palette, and the first window's size."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import TODAY, copy_workspace, fits_listed, tenders_listed, threads_calling
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRect, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QInputDialog,
    QLabel,
    QStyleOptionViewItem,
    QTabWidget,
    QWidget,
)

from consortium.partners import store
from consortium.workspace import Workspace
from ui import colours, geometry, tooltips
from ui.mainwindow import MainWindow
from ui.tenders_model import KEY_ROLE

FIXTURES = Path(__file__).parent / "fixtures"


def wait_for_tasks(qtbot, win) -> None:
    qtbot.waitUntil(lambda: not win.tasks, timeout=30000)


def drop(win, *paths: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    win.dropEvent(
        QDropEvent(
            QPointF(10, 10),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )


def every_view(win):
    """Each area, and each tab of the tab widgets in it, made visible in turn."""
    app = QApplication.instance()
    for page in win.pages:
        win.show_area(page.key)
        app.processEvents()
        yield page.key
        for tabs in page.widget.findChildren(QTabWidget):
            if not tabs.isVisible():
                continue
            for i in range(tabs.count()):
                tabs.setCurrentIndex(i)
                app.processEvents()
                yield f"{page.key} > {tabs.tabText(i)}"
            tabs.setCurrentIndex(0)


@pytest.fixture
def fresh_window(qtbot, empty_template, tmp_path, monkeypatch):
    """The window on an empty workspace, as a newcomer who chose File > New sees it."""
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    ws = Workspace.open(copy_workspace(empty_template, tmp_path / "new" / "mine.consortium"))
    win = MainWindow(ws)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.partners.editor.load(None)
    win.close()


# ---------------------------------------------------------------------------- Start page
def test_the_window_opens_on_the_start_page(main_window):
    win = main_window
    assert win.stack.currentWidget() is win.start
    assert win.start_button.isChecked()
    assert win.sidebar.currentRow() == -1
    assert "find public-service tenders" in win.start.about.text()
    assert win.start.marks["consortium"].text() == "✓"
    assert win.start.marks["bid"].text() == "✓"  # the demo bid's questions are answered
    assert win.start.marks["review"].text() == "7."
    assert win.start.buttons["review"].font().bold()  # the next step stands out
    assert win.start.summary.text() == "6 of 7 steps done. Next: send for review."
    assert not win.start.demo_button.isVisible()  # this is the demo


def test_the_checklist_follows_what_the_newcomer_does(fresh_window, qtbot):
    win = fresh_window
    start = win.start
    assert start.summary.text() == "0 of 7 steps done. Next: describe your organisation."
    assert start.demo_button.isVisible()  # a way to see a filled-in example first
    # "Describe your organisation" opens a new partner in the editor, ready to type.
    qtbot.mouseClick(start.buttons["organisation"], Qt.MouseButton.LeftButton)
    assert win.stack.currentWidget() is win.partners
    editor = win.partners.editor
    qtbot.keyClicks(editor.name, "Riverside Community Action")
    editor.is_ours.setChecked(True)
    editor.request_save()
    assert store.ours(win.ws.db).name == "Riverside Community Action"
    win.start_button.click()
    assert win.stack.currentWidget() is win.start
    # Saved and marked as ours, but matching needs what we do and where: not ticked yet.
    assert start.details["organisation"].text() == (
        "Riverside Community Action: add what you do, service codes, where you work."
    )
    assert start.marks["organisation"].text() == "1."
    assert start.summary.text() == "0 of 7 steps done. Next: describe your organisation."
    # The step now opens our organisation rather than a blank one.
    qtbot.mouseClick(start.buttons["organisation"], Qt.MouseButton.LeftButton)
    assert editor.name.text() == "Riverside Community Action"
    # Each step's button leads to the area that does it.
    for key, area in (
        ("partners", win.partners),
        ("tenders", win.tenders),
        ("fit", win.tenders),
        ("consortium", win.matches),
        ("bid", win.bids),
        ("review", win.bids),
    ):
        win.show_area("start")
        qtbot.mouseClick(start.buttons[key], Qt.MouseButton.LeftButton)
        assert win.stack.currentWidget() is area, key
    wait_for_tasks(qtbot, win)


def test_fit_step_turns_on_fits_us(main_window, qtbot):
    win = main_window
    qtbot.mouseClick(win.start.buttons["fit"], Qt.MouseButton.LeftButton)
    assert win.stack.currentWidget() is win.tenders
    assert win.tenders.fit.currentData() == "any"
    wait_for_tasks(qtbot, win)


# ---------------------------------------------------------------------------- Help
def test_help_menu_has_guide_shortcuts_and_about(main_window, qtbot):
    win = main_window
    help_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Help")
    names = [a.text() for a in help_menu.actions() if a.text()]
    assert names == ["&Start page", "&User guide", "&Keyboard shortcuts", "&About Consortium"]
    guide = next(a for a in help_menu.actions() if a.text() == "&User guide")
    assert guide.shortcut().toString() == "F1"
    guide.trigger()
    text = win.help_window.browser.toPlainText()
    assert "Describe your organisation" in text and "Fits us" in text
    assert "http" not in win.help_window.browser.toHtml().split("<body")[1]  # offline
    win.help_window.close()
    next(a for a in help_menu.actions() if a.text() == "&Keyboard shortcuts").trigger()
    shortcuts = win.help_window.browser.toPlainText()
    for keys, what in (
        ("Ctrl+F", "Find in this area"),
        ("Ctrl+N", "Add partner"),
        ("Ctrl+T", "Import tender files"),
        ("Ctrl+Z", "Undo"),
        ("F1", "User guide"),
    ):
        assert keys in shortcuts and what in shortcuts
    win.help_window.close()


def test_user_guide_describes_every_area_and_getting_new_tenders(main_window):
    next(
        a
        for m in main_window.menuBar().actions()
        if m.text() == "&Help"
        for a in m.menu().actions()
        if a.text() == "&User guide"
    ).trigger()
    text = main_window.help_window.browser.toPlainText()
    areas = [p.name for p in main_window.pages if p.in_sidebar]
    assert {"Pipeline", "Work packs"} <= set(areas)
    missing = [title for title in areas if title not in text]
    assert not missing, f"the guide does not mention {missing}"
    for words in ("Get new tenders", "New for you", "Send a work pack", "Take in a reply"):
        assert words in text
    main_window.help_window.close()


# ---------------------------------------------------------------------------- keys
def test_ctrl_f_searches_the_area_on_show(main_window, qtbot):
    win = main_window
    win.activateWindow()
    for key, field in (
        ("tenders", win.tenders.text),
        ("partners", win.partners.search),
        ("matches", win.matches.search),
    ):
        win.show_area(key)
        qtbot.keyClick(win.stack.currentWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert QApplication.focusWidget() is field, key
        assert field.isVisible()
    win.show_area("social_value")
    before = QApplication.focusWidget()
    win.find_action.trigger()
    assert QApplication.focusWidget() is before  # no hidden field anywhere gets the focus
    assert win.status.currentMessage() == "This area has no search box."


# ---------------------------------------------------------------------------- tooltips
def test_every_button_and_field_has_a_tooltip(main_window):
    missing = set()
    total = 0
    for where in every_view(main_window):
        for widget in main_window.findChildren(QWidget):
            if tooltips.needs_tip(widget) and widget.isVisible():
                total += 1
                if not widget.toolTip():
                    missing.add(f"{where}: {type(widget).__name__} '{widget.accessibleName()}'")
    assert total > 150
    assert sorted(missing) == [], "\n".join(sorted(missing))


# ---------------------------------------------------------------------------- drops
def test_a_questionnaire_dropped_on_bids_goes_to_the_bid(main_window, qtbot):
    win = main_window
    win.show_area("bids")
    bid_id = win.bids.current_id()
    assert bid_id is not None
    partners_before = len(store.load_all(win.ws.db))
    drop(win, FIXTURES / "bids" / "questionnaire.xlsx")
    wait_for_tasks(qtbot, win)
    assert win.stack.currentWidget() is win.bids
    assert win.bids.questions.model.rowCount() > 0
    assert win.bids.questions.notice.text().startswith("Added ")
    assert len(store.load_all(win.ws.db)) == partners_before  # no partner import was tried


def test_a_questionnaire_dropped_elsewhere_still_goes_to_bids(main_window, qtbot):
    win = main_window
    win.show_area("partners")
    drop(
        win,
        FIXTURES / "bids" / "questionnaire.docx",
        FIXTURES / "bids" / "questionnaire-table.docx",
    )
    assert win.stack.currentWidget() is win.bids
    assert win.bids.questions.model.rowCount() > 0
    assert "questionnaire-table.docx again afterwards" in win.status.currentMessage()


def test_a_tender_export_dropped_on_partners_goes_to_tenders(main_window, qtbot):
    win = main_window
    win.show_area("partners")
    before = win.ws.db.execute("SELECT count(*) FROM tenders").fetchone()[0]
    drop(win, FIXTURES / "ocds" / "cf-xlsx-small.xlsx")
    wait_for_tasks(qtbot, win)
    assert win.stack.currentWidget() is win.tenders
    assert win.ws.db.execute("SELECT count(*) FROM tenders").fetchone()[0] > before


def test_an_ambiguous_workbook_asks(main_window, qtbot, monkeypatch, tmp_path):
    import openpyxl

    path = tmp_path / "mystery.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Budget", 2027])
    book.save(path)
    asked = []

    def choose(parent, title, label, items, current, editable):
        asked.append(items)
        return items[2], True  # the user says: a questionnaire

    monkeypatch.setattr(QInputDialog, "getItem", choose)
    win = main_window
    win.show_area("start")  # the Start page takes no kind of file itself
    drop(win, path)
    assert asked == [
        [
            "partner organisations (Excel workbook)",
            "tender notices",
            "the buyer's questionnaire for a bid",
        ]
    ]
    assert win.stack.currentWidget() is win.bids
    # On Tenders the same workbook is taken as a tender export, without asking.
    win.show_area("tenders")
    drop(win, path)
    wait_for_tasks(qtbot, win)
    assert len(asked) == 1


def test_a_pack_goes_to_review(main_window, tmp_path):
    path = tmp_path / "bid.cbpack"
    path.write_bytes(b"not a real pack")
    main_window.show_area("tenders")
    drop(main_window, path)
    assert main_window.stack.currentWidget() is main_window.review
    assert "bid.cbpack" in main_window.review.banner.text()


# ---------------------------------------------------------------------------- fits us
def test_fits_us_lists_the_tenders_our_organisation_fits(main_window, qtbot):
    win = main_window
    win.show_area("tenders")
    page = win.tenders
    all_rows = tenders_listed(qtbot, page)
    assert page.view.isColumnHidden(8)
    page.fit.setCurrentIndex(page.fit.findData("any"))
    wait_for_tasks(qtbot, win)
    shown = fits_listed(qtbot, page)
    assert 0 < shown < all_rows
    assert "that fit us, best fit first" in page.message.text()
    assert not page.view.isColumnHidden(8)
    fits = [page.model.index(r, 8).data() for r in range(shown)]
    scores = [int(f.split()[0]) for f in fits]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 40
    first = page.model.index(0, 1).data()
    assert first == "Young Carers services across Camden and Islington"
    assert fits[0] == "88 alone"
    assert page.model.index(0, 8).data(Qt.ItemDataRole.ToolTipRole) == (
        "Our organisation's fit: 88 out of 100, alone"
    )
    # Other filters still apply on top of the fit.
    qtbot.keyClicks(page.text, "carers")
    page.run_search()
    assert 0 < fits_listed(qtbot, page) < shown
    page.text.clear()
    page.fit.setCurrentIndex(page.fit.findData("alone"))
    fits_listed(qtbot, page)
    alone = [page.model.index(r, 1).data() for r in range(page.model.rowCount())]
    assert alone[0] == first and all(
        page.model.index(r, 8).data().endswith("alone") for r in range(len(alone))
    )
    page.fit.setCurrentIndex(0)
    assert tenders_listed(qtbot, page) == all_rows and page.view.isColumnHidden(8)
    assert page.current_ocid() == page.model.index(page.view.currentIndex().row(), 0).data(KEY_ROLE)


def test_the_fits_us_list_is_searched_off_the_windows_thread(main_window, qtbot, monkeypatch):
    # Among 200,000 tenders a word's search over our fits took 70 ms, on the window's thread
    # at every pause in the typing.
    from consortium.matching import fits

    win = main_window
    win.show_area("tenders")
    page = win.tenders
    every = tenders_listed(qtbot, page)
    page.fit.setCurrentIndex(page.fit.findData("any"))
    wait_for_tasks(qtbot, win)
    shown = fits_listed(qtbot, page)
    threads = threads_calling(monkeypatch, fits, "fitting_keys")
    qtbot.keyClicks(page.text, "carers")  # the typing pause runs the search
    qtbot.waitUntil(lambda: bool(threads))
    assert 0 < fits_listed(qtbot, page) < shown
    assert threads and all(name.startswith("consortium-fits") for name in threads), threads
    assert "that fit us, best fit first" in page.message.text()
    assert page.current_ocid() == page.model.index(0, 0).data(KEY_ROLE)
    # "Any fit" chosen while a search among the fits still runs: its outcome is not shown.
    page.text.clear()
    page.run_search()
    assert page._fit_lister.busy()
    page.fit.setCurrentIndex(0)
    assert tenders_listed(qtbot, page) == every and page.view.isColumnHidden(8)
    qtbot.wait(100)
    assert page.model.rowCount() == every and page.view.isColumnHidden(8)
    assert "that fit us" not in page.message.text()


def test_fits_are_worked_out_again_when_partners_change(main_window, qtbot):
    win = main_window
    page = win.tenders
    win.show_area("tenders")
    page.fit.setCurrentIndex(1)
    wait_for_tasks(qtbot, win)
    before = fits_listed(qtbot, page)
    ours = store.ours(win.ws.db)
    ours.areas = []  # we no longer say where we work: fewer tenders fit
    ours.cpv_codes = []
    ours.services = "Catering"
    store.save(win.ws, ours)
    page.run_search()
    wait_for_tasks(qtbot, win)
    qtbot.waitUntil(lambda: "that fit us" in page.message.text())
    assert fits_listed(qtbot, page) < before


# ---------------------------------------------------------------------------- dark palette
def dark_palette() -> QPalette:
    pal = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.WindowText, "#f0f0f0"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.AlternateBase, "#2a2a2a"),
        (QPalette.ColorRole.Text, "#f0f0f0"),
        (QPalette.ColorRole.Button, "#353535"),
        (QPalette.ColorRole.ButtonText, "#f0f0f0"),
        (QPalette.ColorRole.Highlight, "#2a82da"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, "#353535"),
        (QPalette.ColorRole.ToolTipText, "#f0f0f0"),
        (QPalette.ColorRole.PlaceholderText, "#a0a0a0"),
    ):
        pal.setColor(role, QColor(colour))
    return pal


@pytest.fixture
def dark_app():
    app = QApplication.instance()
    before = app.palette()
    app.setPalette(dark_palette())
    yield app
    app.setPalette(before)


def _label_colours(label: QLabel) -> list[tuple[QColor, QColor, str]]:
    """(text, background, what) for a label: its style sheet, then colours in its rich text."""
    import re

    sheet = label.styleSheet()
    text = label.palette().color(QPalette.ColorRole.WindowText)
    back = label.palette().color(QPalette.ColorRole.Window)
    m = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6}|\w+)", sheet)
    if m:
        text = QColor(m.group(1))
    m = re.search(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3,6}|\w+)", sheet)
    if m:
        back = QColor(m.group(1))
    pairs = [(text, back, label.text()[:50])]
    for found in re.finditer(r"color:\s*(#[0-9a-fA-F]{3,6})", label.text()):
        pairs.append((QColor(found.group(1)), back, label.text()[:50]))
    return pairs


def _cell_colours(view: QAbstractItemView):
    model = view.model()
    root = view.rootIndex()
    try:
        columns = model.columnCount(root)
    except TypeError:  # a list widget's model keeps it private: it has one column
        columns = 1
    for row in range(min(model.rowCount(root), 30)):
        for column in range(columns):
            index = model.index(row, column, root)
            delegate = view.itemDelegateForIndex(index)
            if type(delegate).__name__ not in ("ReadableDelegate", "QStyledItemDelegate"):
                continue
            option = QStyleOptionViewItem()
            option.initFrom(view)
            delegate.initStyleOption(option, index)
            if not option.text:
                continue
            brush = option.backgroundBrush
            back = (
                brush.color()
                if brush.style() != Qt.BrushStyle.NoBrush
                else option.palette.color(QPalette.ColorRole.Base)
            )
            yield option.palette.color(QPalette.ColorRole.Text), back, option.text[:40]


def test_text_stays_readable_in_a_dark_palette(dark_app, qtbot, demo_file, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    win = MainWindow(Workspace.open(demo_file))
    qtbot.addWidget(win)
    win.tenders.today = TODAY
    win.show()
    # Put coloured text on screen: an error, a match ranking, a proposal and readiness.
    win.tenders.cpv.setText("abc")
    win.tenders.run_search()
    win.match_tender(win.ws.db.execute("SELECT ocid FROM bids").fetchone()[0])
    win.bids.questions.check_readiness()
    poor = set()
    checked = 0
    for where in every_view(win):
        for label in win.findChildren(QLabel):
            if not label.isVisible() or not label.text():
                continue
            for text, back, what in _label_colours(label):
                checked += 1
                if colours.contrast(text, back) < colours.AA:
                    poor.add(f"{where}: label '{what}' {text.name()} on {back.name()}")
        for view in win.findChildren(QAbstractItemView):
            if not view.isVisible() or view.model() is None:
                continue
            for text, back, what in _cell_colours(view):
                checked += 1
                if colours.contrast(text, back) < colours.AA:
                    poor.add(f"{where}: cell '{what}' {text.name()} on {back.name()}")
    assert checked > 500
    assert sorted(poor) == []
    # Chart labels are painted in the palette's window text, on the window colour.
    pal = win.social_value.palette()
    assert colours.contrast(colours.ink(pal), pal.color(QPalette.ColorRole.Window)) >= colours.AA
    win.partners.editor.load(None)
    win.close()


def test_meaning_colours_pass_on_light_and_dark():
    light, dark = QPalette(), dark_palette()
    light.setColor(QPalette.ColorRole.Window, QColor("#efefef"))
    light.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    for pal in (light, dark):
        for meaning in colours.MEANINGS:
            for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):
                assert (
                    colours.contrast(colours.colour(meaning, pal), pal.color(role)) >= colours.AA
                ), (meaning, role)
    assert round(colours.contrast(QColor("black"), QColor("white")), 1) == 21.0
    assert (
        colours.contrast(colours.readable(QColor("#9c0006"), QColor("#1e1e1e")), QColor("#1e1e1e"))
        >= 4.5
    )
    assert colours.readable(QColor("#9c0006"), QColor("#ffffff")) == QColor("#9c0006")


# ---------------------------------------------------------------------------- first window
def test_first_window_fits_the_screen():
    laptop = QRect(0, 0, 1366, 728)  # 1366×768 less a task bar
    assert geometry.small_screen(laptop)
    first = geometry.first_size(laptop)
    assert laptop.contains(first) and first.height() <= 728 - geometry.FRAME.height()
    scaled = QRect(0, 0, 1280, 680)  # 1920×1080 at 150%, less a task bar
    assert geometry.small_screen(scaled) and scaled.contains(geometry.first_size(scaled))
    big = QRect(0, 0, 2560, 1400)
    assert not geometry.small_screen(big)
    placed = geometry.first_size(big)
    assert placed.size() == geometry.COMFORTABLE and placed.center() == big.center()


def test_a_saved_size_too_big_for_this_screen_is_not_reused(main_window):
    win = main_window
    available = win.screen().availableGeometry()
    win.setGeometry(QRect(0, 0, available.width() + 600, available.height() + 400))
    saved = win.saveGeometry()
    geometry.place_window(win, saved)
    assert win.width() <= available.width() and win.height() <= available.height()


def test_dragging_shows_which_files_the_window_takes(main_window, tmp_path):
    from PySide6.QtGui import QDragEnterEvent

    def accepts(*names: str) -> bool:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(tmp_path / n)) for n in names])
        event = QDragEnterEvent(
            QPoint(5, 5),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        event.ignore()
        main_window.dragEnterEvent(event)
        return event.isAccepted()

    assert accepts("questions.docx")  # a Word questionnaire (refused before)
    assert accepts("notices.json", "partners.xlsx")
    assert accepts("bid.cbpack")
    assert not accepts("questions.pdf")


def test_a_newcomer_can_look_around_the_demo_from_the_start_page(fresh_window, qtbot):
    win = fresh_window
    mine = win.ws.path
    qtbot.mouseClick(win.start.demo_button, Qt.MouseButton.LeftButton)
    wait_for_tasks(qtbot, win)
    assert win.ws.path != mine and win.ws.path.exists()
    win.show_area("start")
    assert win.start.marks["tenders"].text() == "✓"
    assert not win.start.demo_button.isVisible()
