"""Every workbook the app writes prints as a reader expects: each sheet written, read back with
openpyxl, is set to A4, one page wide and as many tall as it needs, its header rows repeated on
every page, a print area (but none on a form people fill in, where it would leave their rows
off the page), borders or gridlines round its table, the document's name at the top of every
page and "Page 3 of 7" at the foot; and the calculator's wide sheets are narrow enough to print
at a size a person can read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import openpyxl
import pytest
from conftest import TODAY
from openpyxl.utils import range_boundaries

from consortium import assets, xlsx_layout
from consortium.bids import documents
from consortium.bids import records as bids
from consortium.library import share
from consortium.partners import excel
from consortium.socialvalue import calc, commitments, report, valuefile, workbook
from consortium.socialvalue.demo import DEMO_BID_NAME, add_demo_social_value
from consortium.tenders.pipeline import Pipeline, PipelineRow
from consortium.tenders.pipeline_xlsx import export_xlsx as pipeline_xlsx

FORMS = ("partner template", "partner export", "value file template")


def _pipeline() -> Pipeline:
    row = PipelineRow(
        ocid="ocds-h6vhtk-000001", contract_id="C1", notice_id="000001-2025",
        notice_url="https://www.find-tender.service.gov.uk/Notice/000001-2025",
        tender_title="Floating support", contract_title=None, buyer="Leeds City Council",
        suppliers=["Hope Trust"], supplier_ids=[], value=1_250_000.0, value_gross=None,
        currency="GBP", start="2024-01-01T00:00:00Z", end="2027-03-15T00:00:00Z",
        max_end=None, status="active", lots=[],
    )  # fmt: skip
    return Pipeline(dt.date(2026, 12, 1), dt.date(2028, 12, 1), rows=[row] * 30)


@pytest.fixture
def written(demo_ws, tmp_path) -> dict[str, object]:
    """Every .xlsx writer's file, by what it is."""
    bid_id = next(b.id for b in bids.list_all(demo_ws.db) if b.name == DEMO_BID_NAME)
    result = commitments.calculate_bid(demo_ws.db, bid_id)
    dd = tmp_path / "due diligence.xlsx"
    documents.due_diligence_workbook(demo_ws, bid_id, dd, today=TODAY)
    assets.save(demo_ws, assets.Asset(name="Hall", kind="building", council="E09000007"))
    share.export_entries(demo_ws.db, tmp_path / "library.xlsx")
    return {
        "calculator": workbook.build(result, tmp_path / "sv.xlsx", title="Demo"),
        "due diligence": dd,
        "social impact report": report.write_report(
            demo_ws.db, TODAY.year + 1, tmp_path / "report", today=TODAY
        )[1],
        "pipeline": pipeline_xlsx(_pipeline(), tmp_path / "pipeline.xlsx"),
        "assets": assets.export_xlsx(demo_ws, tmp_path / "assets.xlsx"),
        "library": tmp_path / "library.xlsx",
        "partner template": excel.write_template(tmp_path / "template.xlsx"),
        "partner export": excel.export_partners(demo_ws, tmp_path / "partners.xlsx"),
        "value file template": valuefile.write_template(tmp_path / "values.xlsx"),
    }


def test_every_sheet_of_every_workbook_is_set_up_to_print(written):
    for what, path in written.items():
        wb = openpyxl.load_workbook(path)
        for sheet in wb.worksheets:
            if sheet.sheet_state != "visible":
                continue
            where = f"{what}, sheet {sheet.title}"
            ps = sheet.page_setup
            assert str(ps.paperSize) == sheet.PAPERSIZE_A4, where
            assert ps.orientation in ("portrait", "landscape"), where
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
            assert ps.fitToWidth == 1, where
            one_page = sheet.title in ("Charts", "Due diligence")
            assert ps.fitToHeight == (1 if one_page else 0), where
            assert sheet.oddFooter.center.text == "Page &P of &N", where
            assert sheet.oddHeader.left.text, where  # the document's name
            assert sheet.oddHeader.right.text == "&A", where  # and the sheet's
            lines = sheet.page_margins
            assert 0.3 <= lines.left <= 1 and 0.3 <= lines.top <= 1, where
            if what in FORMS:
                # No fixed print area on a form: the rows people add print too.
                assert not sheet.print_area, where
            else:
                assert sheet.print_area, where
                _, _, last_col, last_row = range_boundaries(_area(sheet))
                if sheet.title != "Charts":  # charts float over cells: their area is set
                    assert (last_col, last_row) == (sheet.max_column, sheet.max_row), where
            if sheet.title in ("Instructions", "Help", "Summary", "Charts"):
                continue  # lines of text, not a table
            assert sheet.print_title_rows, where
            first = int(sheet.print_title_rows.split(":")[0].strip("$"))
            bordered = sheet.cell(first, 1).border.left.style == "thin"
            assert bordered or sheet.print_options.gridLines, where


def test_each_document_is_named_at_the_top_of_its_pages(written):
    heads = {
        what: openpyxl.load_workbook(path).worksheets[0].oddHeader.left.text
        for what, path in written.items()
    }
    assert heads["calculator"] == "Social value summary: Demo"
    assert heads["due diligence"] == f"Due diligence: {DEMO_BID_NAME}"
    assert heads["pipeline"] == "Pipeline: Contracts ending 1 Dec 2026 to 1 Dec 2028"
    assert heads["library"] == "Answer library"


def test_a_name_with_an_ampersand_prints_as_typed(tmp_path):
    """A single '&' starts a header code: "Smith & Jones" would print as "Smith  Jones"."""
    lines = [calc.Line(quantity=D(1), proxy=D(100), member="Smith & Jones")]
    r = calc.calculate(lines, calc.Assumptions(inputs=D(10)))
    out = workbook.build(r, tmp_path / "w.xlsx", title="Smith & Jones\x0b bid " + "x" * 200)
    head = openpyxl.load_workbook(out)["Inputs"].oddHeader.left.text
    assert head.startswith("Social value calculator: Smith && Jones bid x")
    assert head.endswith("…") and len(head) <= 101


def _area(sheet) -> str:
    return sheet.print_area.split("!")[-1].replace("$", "")


def _printed_width(sheet) -> float:
    first_col, _, last_col, _ = range_boundaries(_area(sheet))
    letters = [openpyxl.utils.get_column_letter(c) for c in range(first_col, last_col + 1)]
    return sum(sheet.column_dimensions[x].width or 10 for x in letters)


def test_the_calculator_prints_at_a_size_a_person_can_read(demo_ws, tmp_path):
    """The Inputs sheet printed at 40% of full size: its narrow Ref column was as wide as the
    longest assumption label above it, and every text column as wide as its longest text. Now
    the labels run across the columns beside them and long text wraps, so the sheet prints one
    A4 landscape page wide at 65% of full size or more."""
    bid_id = add_demo_social_value(demo_ws, TODAY)
    result = commitments.calculate_bid(demo_ws.db, bid_id)
    wb = openpyxl.load_workbook(workbook.build(result, tmp_path / "sv.xlsx", title="Demo"))
    ins, cal = wb["Inputs"], wb["Calculation"]
    assert ins["A12"].value == "Ref" and ins.column_dimensions["A"].width <= 8
    assert ins["A2"].value.startswith("Inputs: investment") and "A2:D2" in ins.merged_cells
    for sheet in (ins, cal):
        full = xlsx_layout.LANDSCAPE_WIDTH / 0.65
        assert _printed_width(sheet) <= full, (sheet.title, _printed_width(sheet))
    # The Calculation sheet's names are formulas: their columns are as wide as the names they
    # show (or wrap them), not a guess, and the money columns hold the largest figure.
    assert cal["B3"].alignment.wrap_text or cal.column_dimensions["B"].width >= 28
    biggest = max(f"£{float(r.gross_total):,.2f}" for r in result.lines)
    assert cal.column_dimensions["F"].width >= len(biggest)
