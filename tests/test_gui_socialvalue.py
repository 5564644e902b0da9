"""The Social value area offscreen: commitments with running totals, assumptions, chart, exports."""

from __future__ import annotations

import datetime as dt

import openpyxl
from PySide6.QtCore import Qt

from consortium.socialvalue import commitments
from consortium.socialvalue.demo import add_demo_social_value
from tests.conftest import threads_calling

TODAY = dt.date(2026, 11, 23)


def test_commitments_totals_and_exports(main_window, tmp_path):
    ws = main_window.ws
    bid_id = add_demo_social_value(ws, TODAY)
    page = main_window.social_value
    main_window.sidebar.setCurrentRow(4)
    page.reload_bids(bid_id)
    before = commitments.calculate_bid(ws.db, bid_id)
    assert page.table.rowCount() == len(commitments.list_for_bid(ws.db, bid_id))
    from consortium.formatting import money
    from consortium.socialvalue import statement

    shown = money(before.present_value, pence=True)  # to the penny, as the statement says it
    assert shown in page.totals.text()
    ctx = statement.context(ws.db, bid_id, today=TODAY)
    assert ctx["totals"]["present_value"] == shown
    assert "a different thing" in page.totals.text()  # weighting and value share kept apart
    # Add a commitment with 20% deadweight: stored as a share, the present value goes up.
    page.member.setCurrentIndex(0)
    page.measure.setCurrentIndex(
        next(i for i in range(page.measure.count()) if "£" in page.measure.itemText(i))
    )
    page.quantity.setValue(2)
    page.years.setValue(2)
    page.deadweight.setValue(20)
    page.add()
    added = max(commitments.list_for_bid(ws.db, bid_id), key=lambda c: c.id)
    assert str(added.deadweight) in ("0.2", "0.20")
    after = commitments.calculate_bid(ws.db, bid_id)
    assert after.present_value > before.present_value
    assert page.table.horizontalHeaderItem(6).text() == "Adjustments"
    assert page.table.horizontalHeaderItem(5).text() == "Present value"
    assert any(
        "deadweight 20%" in page.table.item(r, 6).text() for r in range(page.table.rowCount())
    )
    # Assumptions are saved and change the ratio.
    page.inputs.setValue(100000)
    page.save_assumptions.click()
    assert commitments.load_settings(ws.db, bid_id).inputs == 100000
    assert page.chart.groups and page.chart.groups[0][0] == "By theme"
    book = page.export_workbook(tmp_path / "calc.xlsx")
    assert book is not None
    wb = openpyxl.load_workbook(book)
    formulas = [
        c.value
        for s in wb.worksheets
        for row in s.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert formulas


def test_record_delivery_with_evidence(main_window, tmp_path):
    from consortium.socialvalue import tracking

    ws = main_window.ws
    bid_id = add_demo_social_value(ws, TODAY)
    page = main_window.social_value
    page.reload_bids(bid_id)
    page.tabs.setCurrentIndex(1)
    assert page.progress.rowCount() == len(commitments.list_for_bid(ws.db, bid_id))
    page.record_delivery()
    assert "Select a commitment" in page.message.text()
    page.progress.selectRow(0)
    page.period.setText("Spring 2027")
    page.record_delivery()
    assert "period" in page.message.text().lower()
    evidence = tmp_path / "payroll.csv"
    evidence.write_text("x")
    page.evidence_files = [evidence]
    page.period.setText("2027-Q1")
    page.delivered_qty.setValue(1.5)
    page.people.setValue(3)
    page.record_delivery()
    assert page.message.text() == "Delivery recorded."
    commitment_id = page.progress.item(0, 0).data(Qt.ItemDataRole.UserRole + 60)
    assert tracking.deliveries(ws.db, commitment_id)[0].evidence
    assert page.progress.item(0, 4).text() == "1.5"


def test_the_statement_and_workbook_buttons_write_off_the_windows_thread(
    main_window, qtbot, tmp_path, monkeypatch
):
    import threading

    import docx
    from PySide6.QtWidgets import QFileDialog

    from consortium.socialvalue import statement, workbook

    ws = main_window.ws
    bid_id = add_demo_social_value(ws, TODAY)
    page = main_window.social_value
    main_window.sidebar.setCurrentRow(4)
    page.reload_bids(bid_id)
    for_statement = threads_calling(monkeypatch, statement, "build")
    for_workbook = threads_calling(monkeypatch, workbook, "build")
    answers = iter([str(tmp_path / "Statement.docx"), str(tmp_path / "Calculator.xlsx")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (next(answers), ""))
    qtbot.mouseClick(page.statement_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Saved the statement" in page.message.text(), timeout=20_000)
    assert str(tmp_path / "Statement.docx") in page.message.text()
    text = "\n".join(p.text for p in docx.Document(tmp_path / "Statement.docx").paragraphs)
    assert "social value" in text.lower()
    qtbot.mouseClick(page.workbook_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "calculator workbook" in page.message.text(), timeout=20_000)
    assert openpyxl.load_workbook(tmp_path / "Calculator.xlsx").worksheets
    threads = for_statement + for_workbook
    assert len(threads) == 2 and threading.main_thread().name not in threads


def test_the_statement_texts_are_written_in_the_window_and_readiness_is_satisfied(
    main_window, qtbot
):
    """They could only be set from the command line: the statement printed empty headings and
    the submission copy could not be built from the window."""
    from consortium.bids import readiness
    from consortium.bids import records as bids
    from consortium.matching import consortia

    ws = main_window.ws
    first = add_demo_social_value(ws, TODAY)
    settings = commitments.load_settings(ws.db, first)
    for field in ("need", "method", "governance", "additionality", "contact"):
        setattr(settings, field, "")
    commitments.save_settings(ws, first, settings)
    other = bids.create_for_consortium(ws, consortia.list_all(ws.db)[0].id, "Second bid").id
    page = main_window.social_value
    main_window.sidebar.setCurrentRow(4)
    page.reload_bids(first)
    page.tabs.setCurrentWidget(page.texts)
    assert page.tabs.tabText(page.tabs.currentIndex()) == "Statement texts"

    def empty_sections() -> list[str]:
        report = readiness.check(ws, first, today=TODAY)
        return [i.message for i in report.items if "social value statement" in i.message]

    assert len(empty_sections()) == 5 and "Social value > Statement texts" in empty_sections()[0]
    need = page.texts.boxes["need"]
    assert need.accessibleName() == "Understanding of need" and need.toPlainText() == ""
    qtbot.keyClicks(need, "412 households in temporary accommodation in Milton Keynes.")
    for field in ("method", "governance", "additionality"):
        qtbot.keyClicks(page.texts.boxes[field], f"Our {field}.")
    qtbot.mouseClick(page.texts.save_button, Qt.MouseButton.LeftButton)
    assert commitments.load_settings(ws.db, first).need.startswith("412 households")
    assert "Still empty: Contact." in page.texts.message.text()
    assert len(empty_sections()) == 1
    # Typed, not saved, then another bid chosen: saved for the first bid, not the second.
    qtbot.keyClicks(page.texts.boxes["contact"], "Joanne Price, Chief Executive")
    page.bid.setCurrentIndex(page.bid.findData(other))
    assert page.texts.boxes["contact"].toPlainText() == ""
    assert commitments.load_settings(ws.db, first).contact == "Joanne Price, Chief Executive"
    assert commitments.load_settings(ws.db, other).contact == ""
    assert empty_sections() == []
    # Typed, then another area opened: saved on leaving.
    page.bid.setCurrentIndex(page.bid.findData(first))
    assert page.texts.boxes["need"].toPlainText().startswith("412 households")
    page.texts.boxes["method"].setPlainText("Weekly drop-ins at three community centres.")
    main_window.sidebar.setCurrentRow(0)
    assert commitments.load_settings(ws.db, first).method == (
        "Weekly drop-ins at three community centres."
    )
