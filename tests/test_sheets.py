"""The one spreadsheet-cell rule (consortium.sheets): control characters never crash an export,
text a spreadsheet would run is escaped, and our own exports read back exactly as typed."""

from __future__ import annotations

import openpyxl
import pytest

from consortium import assets, sheets
from consortium.library import share
from consortium.library import store as library
from consortium.partners import store
from consortium.partners.excel import export_partners, import_partners
from consortium.records import Contact, Organisation
from consortium.workspace import Workspace

NASTY = ["=1+1", "+44 161", "-", "@Ann", "\tTab", "\rCR", "'=x", "''+y", "'quoted", "plain", ""]


@pytest.mark.parametrize("text", NASTY)
def test_value_is_escaped_and_typed_back_exactly(text):
    written = sheets.value(text)
    assert written[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert sheets.typed_back(written) == text


def test_control_characters_become_spaces():
    assert sheets.value("a\x0bb\x00c\x1fd\ud800") == "a b c d\ufffd"
    assert sheets.value(12.5) == 12.5 and sheets.value(None) is None


def stored_before_the_name_rule(ws, table: str, name: str) -> None:
    """A name with a control character, as a workspace made before names were checked holds
    it (validation.one_line now refuses one at every way in): exports must still cope."""

    def write():
        with ws.atomic():
            ws.conn.execute(f"UPDATE {table} SET name = ?", [name])

    ws.write(write)


def test_partner_export_with_control_characters_round_trips(empty_ws, tmp_path):
    store.save(
        empty_ws,
        Organisation(
            name="Vertical tab Trust",
            notes="=cmd\x07 and @here",
            contacts=[Contact(name="=Ann", phone="+44 161 496 0000", role="@lead")],
        ),
    )
    stored_before_the_name_rule(empty_ws, "organisations", "Vertical\x0btab Trust")
    path = export_partners(empty_ws, tmp_path / "out.xlsx")
    with Workspace.create(tmp_path / "copy.consortium") as copy:
        assert import_partners(copy, path).ok
        [org] = store.load_all(copy.db)
    assert org.name == "Vertical tab Trust"
    assert org.notes == "=cmd  and @here"
    assert (org.contacts[0].name, org.contacts[0].phone, org.contacts[0].role) == (
        "=Ann",
        "+44 161 496 0000",
        "@lead",
    )


def test_asset_and_library_exports_with_control_characters(empty_ws, tmp_path):
    assets.save(
        empty_ws,
        assets.Asset(name="Hall =1", kind="building", council="E09000007", postcode="NW1 0AB",
                     notes="-\x01note"),
    )  # fmt: skip
    stored_before_the_name_rule(empty_ws, "assets", "Hall\x0b=1")
    sheet = openpyxl.load_workbook(assets.export_xlsx(empty_ws, tmp_path / "a.xlsx"))["Assets"]
    values = [v for row in sheet.iter_rows(min_row=2, values_only=True) for v in row]
    assert "Hall =1" in values and "'- note" in values
    library.save(empty_ws, library.Entry(title="@title\x0c", body="=HYPERLINK(\x02)"))
    out = tmp_path / "lib.xlsx"
    share.export_entries(empty_ws.db, out)
    cells = [
        v for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True) for v in row
    ]
    assert "'@title" in cells and "'=HYPERLINK( )" in cells
    with Workspace.create(tmp_path / "copy.consortium") as copy:
        share.import_entries(copy, out)
        [entry] = library.list_all(copy.db)
    assert (entry.title, entry.body) == ("@title", "=HYPERLINK( )")


def test_ha_report_and_sv_workbook_with_control_characters(demo_ws, tmp_path):
    import datetime as dt
    from decimal import Decimal as D

    from consortium.socialvalue import calc, report, workbook

    def write():
        with demo_ws.atomic():
            demo_ws.conn.execute("UPDATE bids SET name = '=Bid' || char(11) || 'one'")
            demo_ws.conn.execute("UPDATE consortia SET name = '@Cons' || char(7) || 'ortium'")

    demo_ws.write(write)
    paths = report.write_report(demo_ws.db, 2027, tmp_path / "out", today=dt.date(2026, 11, 23))
    wb = openpyxl.load_workbook(paths[1])
    values = [v for row in wb["Summary"].iter_rows(min_row=2, values_only=True) for v in row]
    assert "'=Bid one" in values and "'@Cons ortium" in values  # the demo bids' commitments
    lines = [calc.Line(quantity=D(1), proxy=D(100), member="Trust\x0b=x", description="-\x01d")]
    r = calc.calculate(lines, calc.Assumptions(inputs=D(10)))
    out = workbook.build(r, tmp_path / "w.xlsx", title="\x0b=2+2")
    cells = [
        v for row in openpyxl.load_workbook(out)["Inputs"].iter_rows(values_only=True) for v in row
    ]
    assert "Trust =x" in cells and "'- d" in cells
