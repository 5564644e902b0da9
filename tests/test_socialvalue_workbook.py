"""The calculator workbook: formulas everywhere, and LibreOffice agrees with the app."""

import shutil
import subprocess
from decimal import Decimal as D

import openpyxl
import pytest
from conftest import TODAY

from consortium.socialvalue import calc, commitments, workbook
from consortium.socialvalue.calc import pennies
from consortium.socialvalue.demo import add_demo_social_value


@pytest.fixture
def built(demo_ws, tmp_path):
    bid_id = add_demo_social_value(demo_ws, TODAY)
    # one commitment with no council, to cover that row of the council table
    c = commitments.list_for_bid(demo_ws.db, bid_id)[2]
    c.areas = []
    commitments.add(demo_ws, c)
    result = commitments.calculate_bid(demo_ws.db, bid_id)
    out = workbook.build(result, tmp_path / "sv.xlsx", title="Demo")
    return result, out


def test_every_computed_cell_is_a_formula(built):
    result, out = built
    wb = openpyxl.load_workbook(out)
    cal = wb["Calculation"]
    n = len(result.lines)
    for row in cal.iter_rows(min_row=3, max_row=2 + n):
        for cell in row:
            assert isinstance(cell.value, str) and cell.value.startswith("="), cell.coordinate
    for cell in cal[2][7:]:
        assert cell.value is None or cell.value.startswith("=")
    sm = wb["Summary"]
    numbers = [r[1] for r in sm.iter_rows(min_row=3, max_col=2) if r[1].value is not None]
    computed = [c for c in numbers if c.value != "Present value (£)"]
    assert len(computed) >= 9 + len(result.by_theme) + len(result.by_member)
    assert all(str(c.value).startswith("=") for c in computed)
    dis = wb["Discount"]
    assert all(str(r[2].value).startswith("=") for r in dis.iter_rows(min_row=2))
    charts = wb["Charts"]  # on their own sheet, set to print whole on one page
    assert len(charts._charts) == 2 and not sm._charts
    assert charts.page_setup.fitToHeight == 1 and charts.sheet_properties.pageSetUpPr.fitToPage
    ins = wb["Inputs"]
    assert ins.print_title_rows == "$12:$12" and ins.page_setup.orientation == "landscape"
    assert ins.page_setup.fitToWidth == 1 and ins.freeze_panes == "C13"
    names = [c.value for c in ins["P"][12:]]  # council names beside their GSS codes
    assert names and all(n and not n.startswith("E0") for n in names if n is not None)
    assert ins.oddFooter.center.text == "Page &P of &N"
    assert ins.oddHeader.left.text == "Social value calculator: Demo"
    assert not list(out.parent.glob(".sv-*"))  # the temporary file was renamed


@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui "
    "to check the workbook's formulas against the app",
)
@pytest.mark.parametrize("year1", [True, False])
def test_libreoffice_recalculation_matches_app(built, tmp_path, year1):
    result, out = built
    if not year1:
        from dataclasses import replace

        lines = [r.line for r in result.lines]
        result = calc.calculate(lines, replace(result.assumptions, discount_year1=False))
        out = workbook.build(result, tmp_path / "sv0.xlsx", title="Demo")
    conv = tmp_path / "recalc"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", "xlsx", "--outdir", str(conv), str(out)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    wb = openpyxl.load_workbook(conv / out.name, data_only=True)
    sm = wb["Summary"]
    values = {r[0]: r[1] for r in sm.iter_rows(values_only=True, max_col=2) if r[0]}

    def money(x):
        return pennies(D(str(x)))

    assert money(values["Present value (£)"]) == pennies(result.present_value)
    assert money(values["Gross value, before adjustments and discounting (£)"]) == pennies(
        result.gross
    )
    assert money(values["Net value, undiscounted (£)"]) == pennies(result.net_undiscounted)
    ratio = values["SROI ratio (£ of social value per £1 of inputs)"]
    assert round(D(str(ratio)), 6) == round(result.sroi_ratio, 6)
    for table in (result.by_theme, result.by_member, result.by_council):
        for k, v in table.items():
            assert money(values[k]) == pennies(v), k
    cal = wb["Calculation"]
    pv_col = 8 + max(r.line.effective_years for r in result.lines) + 1
    for i, r in enumerate(result.lines):
        assert money(cal.cell(3 + i, pv_col).value) == pennies(r.present_value)


def test_user_text_is_never_a_formula(tmp_path):
    from decimal import Decimal as D

    lines = [
        calc.Line(quantity=D(1), proxy=D(100), member='=HYPERLINK("http://x","y")',
                  description="=1+1", theme="=SUM(A1)"),
    ]  # fmt: skip
    r = calc.calculate(lines, calc.Assumptions(inputs=D(10)))
    out = workbook.build(r, tmp_path / "w.xlsx", title="=2+2")
    wb = openpyxl.load_workbook(out)
    ins = wb["Inputs"]
    assert ins["B13"].data_type == "s" and ins["D13"].data_type == "s"
    assert ins["A1"].data_type == "s"
    sm = wb["Summary"]
    labels = [c for c in sm["A"] if isinstance(c.value, str) and c.value.startswith("'=")]
    assert labels and all(c.data_type == "s" for c in labels)
    for sheet in (ins, sm):
        for row in sheet.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and v[:1] in "+-@\t\r"), v
