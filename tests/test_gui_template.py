"""Partners > Save an Excel template… writes the workbook off the window's thread, says where
it went, and says plainly when the place chosen cannot take it."""

from __future__ import annotations

import threading

import openpyxl
from PySide6.QtWidgets import QFileDialog, QMessageBox

from consortium.partners import excel
from tests.conftest import threads_calling


def menu_action(win, text: str):
    from PySide6.QtGui import QAction

    for act in win.findChildren(QAction):
        if act.text().replace("&", "") == text:
            return act
    raise AssertionError(f"no menu item {text!r}")


def test_the_template_is_saved_off_the_windows_thread(main_window, qtbot, tmp_path, monkeypatch):
    win = main_window
    out = tmp_path / "Partner template"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    threads = threads_calling(monkeypatch, excel, "write_template")
    menu_action(win, "Save an Excel template…").trigger()
    qtbot.waitUntil(lambda: "Saved the template" in win.status.currentMessage(), timeout=20_000)
    made = out.with_suffix(".xlsx")
    assert win.status.currentMessage() == f"Saved the template to {made}"
    assert threads and threads != [threading.main_thread().name]
    assert "Organisations" in openpyxl.load_workbook(made).sheetnames


def test_a_folder_it_cannot_write_to_is_said_plainly(main_window, qtbot, tmp_path, monkeypatch):
    win = main_window
    (tmp_path / "notes.txt").write_text("a file, not a folder", encoding="utf-8")
    gone = tmp_path / "notes.txt" / "template.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(gone), ""))
    menu_action(win, "Save an Excel template…").trigger()

    def shown() -> QMessageBox | None:
        boxes = [b for b in win.findChildren(QMessageBox) if b.isVisible()]
        return boxes[0] if boxes else None

    qtbot.waitUntil(lambda: shown() is not None, timeout=20_000)
    box = shown()
    assert box.windowTitle() == "That did not work"
    assert box.text().startswith("The template was not saved")
    assert "Please report this" not in box.text()
    box.close()
    assert not gone.exists()
