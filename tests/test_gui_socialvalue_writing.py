"""The Social value area as a bid writer meets it: it opens on the bid worked on in Bids, values
read naturally with thousands separators, removing asks and can be undone, and a commitment's
councils start as the tender's places."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from consortium.socialvalue import commitments, units
from consortium.socialvalue.demo import add_demo_social_value

TODAY = dt.date(2026, 11, 23)


def test_units_read_naturally():
    assert units.rate(Decimal("4200"), "people") == "£4,200 per person"
    assert units.rate(Decimal("15"), "hours") == "£15 an hour"
    assert units.rate(Decimal("0.2"), "£") == "£0.20 per £1"
    assert units.rate(Decimal("9500"), "FTE") == "£9,500 per FTE"
    assert units.amount(Decimal("25000"), "£") == "£25,000"
    assert units.amount(Decimal("1500.5"), "hours") == "1,500.5 hours"
    assert units.number(Decimal("12.00")) == "12"


def open_on_demo_bid(main_window):
    """Work on the demo social value bid in Bids, then open Social value."""
    bid_id = add_demo_social_value(main_window.ws, TODAY)
    main_window.sidebar.setCurrentRow(3)
    main_window.bids.reload(bid_id)
    assert main_window.bids.current_id() == bid_id
    main_window.sidebar.setCurrentRow(4)
    return bid_id, main_window.social_value


def test_opens_on_the_bid_worked_on_with_natural_units(main_window):
    from consortium.bids.records import create_for_consortium

    first = create_for_consortium(
        main_window.ws, main_window.ws.db.execute("SELECT id FROM consortia").fetchone()[0]
    )
    bid_id, page = open_on_demo_bid(main_window)
    assert page.bid.currentData() == bid_id != first.id
    # Going back to Bids and choosing the other bid: Social value follows.
    main_window.sidebar.setCurrentRow(3)
    main_window.bids.reload(first.id)
    main_window.sidebar.setCurrentRow(4)
    assert page.bid.currentData() == first.id
    main_window.sidebar.setCurrentRow(3)
    main_window.bids.reload(bid_id)
    main_window.sidebar.setCurrentRow(4)
    measures = [page.measure.itemText(i) for i in range(page.measure.count())]
    assert any(t.endswith("— £4,200 per person") for t in measures)
    assert any(t.endswith("— £15 an hour") for t in measures)
    assert any(t.endswith("— £0.20 per £1") for t in measures)
    assert not any(" per people" in t or " per hours" in t for t in measures)
    page.measure.setCurrentIndex(next(i for i, t in enumerate(measures) if "DL2" in t))
    assert page.measure_value.text().startswith("£4,200 per person")
    # Money and quantities with thousands separators.
    assert page.inputs.text() == "£60,000"
    column = [page.table.item(r, 2).text() for r in range(page.table.rowCount())]
    assert "£25,000" in column and "800" in column
    assert "£" in page.totals.text() and "," in page.totals.text()
    page.quantity.setValue(1234.5)
    assert page.quantity.text() == "1,234.50"


def test_councils_default_to_the_tenders_places(main_window):
    bid_id, page = open_on_demo_bid(main_window)
    # The demo tender is delivered in Milton Keynes (ITL3 TLJ12); no member works there.
    assert page.areas.text() == "Milton Keynes"
    page.measure.setCurrentIndex(
        next(i for i in range(page.measure.count()) if "DL3" in page.measure.itemText(i))
    )
    page.quantity.setValue(100)
    page.add()
    added = max(commitments.list_for_bid(main_window.ws.db, bid_id), key=lambda c: c.id)
    assert added.areas == ["TLJ12"]
    row = next(
        r
        for r in range(page.table.rowCount())
        if page.table.item(r, 0).data(Qt.ItemDataRole.UserRole + 60) == added.id
    )
    assert page.table.item(row, 7).text() == "Milton Keynes"
    # Typed councils are used instead; a misspelt one is refused, naming it.
    page.areas.setText("Bedford, Milton Kenes")
    page.add()
    assert "Milton Kenes" in page.message.text() and "not a UK council" in page.message.text()
    page.areas.setText("Bedford, Central Bedfordshire")
    page.add()
    latest = max(commitments.list_for_bid(main_window.ws.db, bid_id), key=lambda c: c.id)
    assert latest.areas == ["E06000055", "E06000056"]


def test_removing_asks_and_can_be_undone(main_window, qtbot, monkeypatch):
    bid_id, page = open_on_demo_bid(main_window)
    before = commitments.list_for_bid(main_window.ws.db, bid_id)
    page.table.selectRow(4)
    chosen = page.table.item(4, 1).text()
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No
    )
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert chosen in asked[0] and "undo" in asked[0]
    assert len(commitments.list_for_bid(main_window.ws.db, bid_id)) == len(before)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert page.table.rowCount() == len(before) - 1
    assert chosen not in [page.table.item(r, 1).text() for r in range(page.table.rowCount())]
    assert page.undo_button.isVisible()
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    after = commitments.list_for_bid(main_window.ws.db, bid_id)
    assert [(c.id, c.measure_code, c.quantity, c.areas) for c in after] == [
        (c.id, c.measure_code, c.quantity, c.areas) for c in before
    ]
    assert page.table.item(4, 1).text() == chosen
