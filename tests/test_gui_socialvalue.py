"""The Social value area offscreen: commitments with running totals, assumptions, chart, exports."""

from __future__ import annotations

import datetime as dt

import openpyxl

from consortium.socialvalue import commitments
from consortium.socialvalue.demo import add_demo_social_value

TODAY = dt.date(2026, 11, 23)


def test_commitments_totals_and_exports(main_window, tmp_path):
    ws = main_window.ws
    bid_id = add_demo_social_value(ws, TODAY)
    page = main_window.social_value
    main_window.sidebar.setCurrentRow(4)
    page.reload_bids(bid_id)
    before = commitments.calculate_bid(ws.db, bid_id)
    assert page.table.rowCount() == len(commitments.list_for_bid(ws.db, bid_id))
    assert f"£{before.present_value:,.0f}" in page.totals.text()
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
