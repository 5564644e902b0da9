"""The Partners area driven as a user would, offscreen with pytest-qt."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import openpyxl
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QLineEdit, QPushButton

from consortium.demo import demo_partners
from consortium.partners import store
from consortium.partners.excel import export_partners
from consortium.progress import Cancelled, check
from consortium.workspace import Workspace
from ui.mainwindow import MainWindow, window_settings
from ui.partners_model import ID_ROLE, PartnerFilter, PartnerRow, PartnerTableModel
from ui.runner import run_task

DEMO_COUNT = len(demo_partners(dt.date(2026, 11, 23)))


@pytest.fixture
def window(main_window):
    main_window.show_area("partners")  # the area these tests work in is on screen
    return main_window


def names_shown(win) -> list[str]:
    proxy = win.partners.proxy
    return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]


def wait_for_tasks(qtbot, win) -> None:
    qtbot.waitUntil(lambda: not win.tasks, timeout=20000)


def test_models_pass_the_model_tester(qtmodeltester, demo_file):
    ws = Workspace.open(demo_file, backup=False)
    try:
        rows = [PartnerRow.from_org(o, dt.date(2026, 11, 23)) for o in store.load_all(ws.db)]
    finally:
        ws.close()
    model = PartnerTableModel()
    model.set_rows(rows)
    qtmodeltester.check(model)
    proxy = PartnerFilter()
    proxy.setSourceModel(model)
    proxy.set_search("carers")
    qtmodeltester.check(proxy)
    assert 0 < proxy.rowCount() < model.rowCount()


def test_list_shows_demo_partners_with_readiness_flags(window):
    assert window.partners.model.rowCount() == DEMO_COUNT
    model = window.partners.model
    row = model.row_for_id(
        store.find_existing(window.ws.db, store.Organisation(name="Southbank Positive Health"))
    )
    # Southbank's professional indemnity expired five days before the demo was made.
    assert model.index(row, 1).data() == "Expired"
    assert "Professional indemnity: expired" in model.index(row, 1).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert window.banner.isVisible() and "fictional" in window.banner.text()


def test_search_as_you_type_filters_the_list(window, qtbot):
    qtbot.keyClicks(window.partners.search, "young carers")
    qtbot.waitUntil(lambda: window.partners.proxy.rowCount() < DEMO_COUNT)
    shown = names_shown(window)
    assert "Northside Young Carers Trust" in shown
    assert "Brightpath Employment and Skills" not in shown
    assert f"of {DEMO_COUNT} partners" in window.partners.count.text()
    window.partners.search.clear()
    qtbot.waitUntil(lambda: window.partners.proxy.rowCount() == DEMO_COUNT)
    qtbot.keyClicks(window.partners.search, "E08000025")  # Birmingham's GSS code: no match by name
    qtbot.keyClicks(window.partners.search, "")
    window.partners.search.setText("birmingham")
    qtbot.waitUntil(lambda: names_shown(window) == ["Brightpath Employment and Skills"])


def test_add_partner_with_inline_validation(window, qtbot):
    before = store.count(window.ws.db)
    window.add_partner()
    editor = window.partners.editor
    qtbot.keyClicks(editor.name, "Hope Street Trust")
    qtbot.keyClicks(editor.postcode, "NOT A POSTCODE")
    assert editor.postcode_error.isVisible()
    assert "not a UK postcode" in editor.postcode_error.text()
    editor.request_save()
    assert store.count(window.ws.db) == before  # refused while the postcode is wrong
    assert "postcode" in editor.problems.text().lower()
    editor.postcode.setText("m1 1ae")
    assert not editor.postcode_error.isVisible()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert store.count(window.ws.db) == before + 1
    saved = store.load(
        window.ws.db,
        store.find_existing(window.ws.db, store.Organisation(name="Hope Street Trust")),
    )
    assert saved.postcode == "M1 1AE"
    assert "Hope Street Trust" in names_shown(window)
    assert window.partners.selected_id() == saved.id


def test_edit_then_undo_and_redo(window):
    page = window.partners
    target = store.find_existing(window.ws.db, store.Organisation(name="Essex Carers Alliance"))
    assert page.select(target)
    editor = page.editor
    assert editor.name.text() == "Essex Carers Alliance"
    editor.staff.setValue(99)
    editor.website.setText("www.essex-carers.example.org")
    editor.request_save()
    stored = store.load(window.ws.db, target)
    assert stored.staff == 99 and stored.website == "https://www.essex-carers.example.org"
    window.undo_stack.undo()
    assert store.load(window.ws.db, target).staff == 33
    assert editor.staff.value() == 33  # the editor shows the undone record
    window.undo_stack.redo()
    assert store.load(window.ws.db, target).staff == 99


def test_delete_and_undo_restores_everything(window):
    page = window.partners
    target = store.find_existing(window.ws.db, store.Organisation(name="Kingdom Care Co-operative"))
    before = store.load(window.ws.db, target)
    page.select(target)
    window._delete_selected()
    assert "Kingdom Care Co-operative" not in names_shown(window)
    with pytest.raises(store.NotFound):
        store.load(window.ws.db, target)
    window.undo_stack.undo()
    after = store.load(window.ws.db, target)
    assert after.name == before.name and after.credentials == before.credentials
    assert after.contacts == before.contacts and after.turnover == before.turnover
    assert "Kingdom Care Co-operative" in names_shown(window)


def test_credentials_table_round_trips_and_rejects_bad_dates(window):
    page = window.partners
    target = store.find_existing(
        window.ws.db, store.Organisation(name="Greenshoots Community Growing CIC")
    )
    page.select(target)
    editor = page.editor
    table = editor.credentials.table
    row = editor.credentials.add_row(
        ["insurance", "Professional indemnity", "31/13/2026", "£1m", "PI-1"]
    )
    org, problems = editor.record()
    assert any("Credentials, row" in p and "not a real date" in p for p in problems)
    table.item(row, 2).setText("30 Nov 2027")
    org, problems = editor.record()
    assert problems == []
    added = [c for c in org.credentials if c.type == "Professional indemnity"][0]
    assert added.cover == 1_000_000 and added.expires == dt.date(2027, 11, 30)


def _workbook_with_new_partners(path, names):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append(["My partner list (exported from our CRM)"])
    ws.append(["name", "Charity Number", "Areas served", "Staff"])
    for i, name in enumerate(names):
        ws.append([name, str(1200000 + i), "Leeds; Bradford", 4 + i])
    wb.save(path)
    return path


def test_import_through_the_dialog(window, qtbot, tmp_path, monkeypatch):
    path = _workbook_with_new_partners(
        tmp_path / "new partners.xlsx", ["Aire Valley Food Bank", "Kirkgate Youth Club"]
    )
    monkeypatch.setattr(
        "ui.mainwindow.QFileDialog.getOpenFileName", lambda *a, **k: (str(path), "")
    )
    window.choose_import()
    wait_for_tasks(qtbot, window)
    assert window.last_import is not None and window.last_import.ok
    assert sorted(window.last_import.created) == ["Aire Valley Food Bank", "Kirkgate Youth Club"]
    assert {"Aire Valley Food Bank", "Kirkgate Youth Club"} <= set(names_shown(window))
    assert store.count(window.ws.db) == DEMO_COUNT + 2


def test_bad_import_through_the_dialog_changes_nothing(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "bad.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Organisations"
    wb.active.append(["Name", "Charity number", "Areas served"])
    wb.active.append(["Good Org", "1234567", "Leeds"])
    wb.active.append(["Bad Org", "12AB", "Atlantis"])
    wb.save(path)
    dump_before = list(window.ws.conn.iterdump())
    monkeypatch.setattr(
        "ui.mainwindow.QFileDialog.getOpenFileName", lambda *a, **k: (str(path), "")
    )
    window.choose_import()
    wait_for_tasks(qtbot, window)
    result = window.last_import
    assert not result.ok
    messages = [str(p) for p in result.problems]
    assert any("row 3" in m and "Charity number" in m for m in messages)
    assert any("row 3" in m and "Atlantis" in m for m in messages)
    assert list(window.ws.conn.iterdump()) == dump_before
    assert os.path.exists(result.problems_file)


def test_drop_an_xlsx_onto_the_window_imports_it(window, qtbot, tmp_path):
    path = _workbook_with_new_partners(tmp_path / "dropped.xlsx", ["Dropped Trust"])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    wait_for_tasks(qtbot, window)
    assert "Dropped Trust" in names_shown(window)


def test_export_writes_a_reimportable_workbook(window, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    monkeypatch.setattr(
        "ui.mainwindow.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), "")
    )
    window.choose_export()
    wait_for_tasks(qtbot, window)
    wb = openpyxl.load_workbook(target, read_only=True)
    names = [r[0] for r in wb["Organisations"].iter_rows(min_row=2, values_only=True)]
    assert len(names) == DEMO_COUNT and "Riverside Community Action" in names


def test_cancel_stops_a_long_task_and_reports_it(qtbot, window):
    outcome = {}

    def slow(progress, cancelled):
        for i in range(2000):
            check(cancelled)
            progress(i, 2000, f"step {i}")
            time.sleep(0.005)
        return "finished"

    task = run_task(
        window,
        "Slow job",
        slow,
        on_done=lambda r: outcome.setdefault("done", r),
        on_error=lambda e: outcome.setdefault("error", e),
    )
    qtbot.waitUntil(lambda: task.dialog.value() > 0 or not task.running, timeout=5000)
    cancel = [b for b in task.dialog.findChildren(QPushButton) if b.text() == "Cancel"][0]
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not task.running, timeout=5000)
    assert isinstance(outcome.get("error"), Cancelled)
    assert "done" not in outcome


def test_geometry_is_remembered(qtbot, tmp_path, demo_file, monkeypatch):
    monkeypatch.setenv("CONSORTIUM_HOME", str(tmp_path / "home"))
    path = tmp_path / "ws.consortium"
    shutil.copy(demo_file, path)
    first = MainWindow(Workspace.open(path))
    qtbot.addWidget(first)
    first.show()
    first.resize(900, 612)  # the offscreen screen is 800 wide; restoreGeometry keeps windows on it
    first.close()
    assert window_settings().value("geometry") is not None
    second = MainWindow(Workspace.open(path))
    qtbot.addWidget(second)
    assert second.height() == 612  # a first start would be 780 high
    second.close()


def test_controls_have_accessible_names(window):
    unnamed = [
        w.text() or w.placeholderText() if isinstance(w, QLineEdit) else w.text()
        for w in window.findChildren(QPushButton) + window.findChildren(QLineEdit)
        if not w.accessibleName()
        and w.isVisibleTo(window)
        and not w.parent().inherits("QAbstractSpinBox")
        and not w.parent().inherits("QComboBox")
    ]
    assert unnamed == []


def test_selection_loads_the_editor(window):
    page = window.partners
    proxy = page.proxy
    for r in range(proxy.rowCount()):
        partner_id = proxy.index(r, 0).data(ID_ROLE)
        page.select(partner_id)
        assert page.editor.current_id() == partner_id
    assert export_partners  # the export module is importable from the UI environment


def test_python_slots_keep_none_alive(qtbot):
    """PySide6 6.12.0 dropped a reference to None on every Python slot call, which crashed
    Python 3.11 after a few seconds of progress updates (pyproject excludes that version)."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        ping = Signal()

    calls = []
    emitter = Emitter()
    emitter.ping.connect(lambda: calls.append(1) and None)
    before = sys.getrefcount(None)
    for _ in range(5000):
        emitter.ping.emit()
    assert len(calls) == 5000
    assert sys.getrefcount(None) - before > -1000


def test_cpv_picker_searches_and_ticks(qtbot):
    from ui.pickers import CODE_ROLE, CpvPicker

    picker = CpvPicker(None, ["85312320"])
    qtbot.addWidget(picker)
    qtbot.keyClicks(picker.search, "youth education")
    qtbot.waitUntil(
        lambda: picker.model.rowCount() > 0 and picker.model.item(0).data(CODE_ROLE) == "80310000"
    )
    picker.model.item(0).setCheckState(Qt.CheckState.Checked)
    assert picker.chosen() == ["80310000", "85312320"]
    picker.search.clear()
    qtbot.waitUntil(lambda: picker.model.rowCount() == 45)  # the CPV divisions
    assert picker.model.item(0).data(CODE_ROLE) == "03000000"


def test_area_picker_finds_councils_by_any_name(qtbot):
    from ui.pickers import CODE_ROLE, AreaPicker

    picker = AreaPicker(None, [])
    qtbot.addWidget(picker)
    picker.search.setText("London Borough of Camden")
    item = picker.results.item(0)
    assert item.data(CODE_ROLE) == "E09000007"
    item.setCheckState(Qt.CheckState.Checked)
    picker.search.setText("TLD")
    codes = [picker.results.item(i).data(CODE_ROLE) for i in range(picker.results.count())]
    assert "TLD" in codes
    assert picker.chosen() == ["E09000007"]


def test_erase_a_person_from_the_contacts_tab(window, tmp_path, monkeypatch):
    page = window.partners
    target = store.find_existing(
        window.ws.db, store.Organisation(name="Northside Young Carers Trust")
    )
    page.select(target)
    editor = page.editor
    editor.contacts.table.setCurrentCell(0, 0)
    exported = tmp_path / "priya.json"
    monkeypatch.setattr(
        "ui.mainwindow.QFileDialog.getSaveFileName", lambda *a, **k: (str(exported), "")
    )
    editor.export_person.click()
    assert "priya@northsideyoungcarers.org.uk" in exported.read_text(encoding="utf-8")
    editor.contacts.table.setCurrentCell(0, 0)
    editor.erase_person.click()
    assert store.load(window.ws.db, target).contacts == []
    assert editor.contacts.table.rowCount() == 0
    everything = "\n".join(window.ws.conn.iterdump())
    assert "priya" not in everything.lower()


def test_header_click_sorts_and_keeps_the_selection(window):
    page = window.partners
    target = store.find_existing(window.ws.db, store.Organisation(name="Canalside Homes"))
    page.select(target)
    page.view.horizontalHeader().setSortIndicator(4, Qt.SortOrder.DescendingOrder)  # turnover
    assert names_shown(window)[0] == "Canalside Homes"  # £52.6m, the largest
    assert page.selected_id() == target
    page.view.horizontalHeader().setSortIndicator(1, Qt.SortOrder.AscendingOrder)  # insurance
    assert page.proxy.index(0, 1).data() == "Expired"
