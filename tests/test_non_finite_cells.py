"""Number cells a tool wrote as 1e999 (infinity to Excel's reader) or NaN, and numbers typed
with hundreds of digits: every workbook importer refuses them as a person's mistake, naming
the row and column, or leaves that value out, and never fails with a traceback (the fuzzer
found OverflowError in the partner and questionnaire importers)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from consortium import validation
from consortium.bids import questions
from consortium.partners import excel as partner_excel
from consortium.tenders import store
from consortium.tenders.importer import import_paths
from consortium.workspace import Workspace

FIX = Path(__file__).parent / "fixtures"
HUGE = "9" * 400  # float() makes this infinity


def with_numbers(path: Path, numbers: dict[str, str]) -> Path:
    """``path`` with each number cell holding a key of ``numbers`` holding its value instead
    (as written in the sheet's XML, e.g. "1e999"), which openpyxl cannot write itself."""
    out = path.with_name(path.stem + "-edited.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                for marker, value in numbers.items():
                    data = data.replace(f"<v>{marker}</v>".encode(), f"<v>{value}</v>".encode())
            dst.writestr(item, data)
    return out


def questionnaire(tmp_path: Path, limit, weighting) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Section", "Question", "Word Limit", "Weighting"])
    ws.append(["1.1", "Delivery", "Describe how you will deliver the service.", limit, weighting])
    ws.append(["1.2", "Delivery", "How will you reach survivors?", 500, 0.1])
    path = tmp_path / "questionnaire.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize("value", ["1e999", "-1e999", HUGE])
def test_a_questionnaire_with_an_infinite_limit_or_weighting_is_read_without_them(tmp_path, value):
    path = with_numbers(questionnaire(tmp_path, 777777, 888888), {"777777": value, "888888": value})
    first, second = questions.read_questionnaire(path)
    assert first.ref == "1.1" and first.word_limit is None and first.weighting is None
    assert (second.word_limit, second.weighting) == (500, 10)


def test_a_nan_cell_is_refused_as_a_damaged_workbook_naming_the_file(tmp_path):
    path = with_numbers(questionnaire(tmp_path, 777777, 0.2), {"777777": "NaN"})
    with pytest.raises(questions.QuestionnaireError, match="questionnaire-edited.xlsx.*damaged"):
        questions.read_questionnaire(path)


def test_a_limit_typed_with_hundreds_of_digits_is_no_limit(tmp_path):
    first, _ = questions.read_questionnaire(questionnaire(tmp_path, HUGE, HUGE + "%"))
    assert first.word_limit is None and first.weighting is None


@pytest.fixture
def demo_export(demo_ws, tmp_path) -> Path:
    return partner_excel.export_partners(demo_ws, tmp_path / "partners.xlsx")


def _set_first(path: Path, header: str, value) -> None:
    """Set the first partner's cell under ``header`` on the Organisations sheet."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Organisations"]
    headers = [c.value for c in ws[1]]
    ws.cell(row=2, column=headers.index(header) + 1, value=value)
    wb.save(path)


@pytest.mark.parametrize(
    ("header", "value"),
    [("Staff", "1e999"), ("Volunteers", "-1e999"), ("Staff", HUGE), ("Volunteers", "1e20")],
)
def test_a_partner_count_written_as_infinity_is_a_problem_on_its_row(
    demo_ws, demo_export, header, value
):
    _set_first(demo_export, header, 919191)
    path = with_numbers(demo_export, {"919191": value})
    before = demo_ws.db["organisations"].count
    result = partner_excel.import_partners(demo_ws, path, write_problems=False)
    assert not result.ok
    (problem,) = [p for p in result.problems if p.column == header]
    assert problem.row == 2 and "must be a whole number" in problem.message, problem
    assert demo_ws.db["organisations"].count == before  # nothing imported


def test_counts_and_phones_refuse_infinity_as_text_too():
    for raw in ("inf", "1e999", HUGE, int(HUGE), float("inf"), float("nan"), "1e20", 10**20):
        with pytest.raises(ValueError, match="whole number"):
            validation.whole_number(raw, "Staff")
        with pytest.raises(ValueError, match="not a UK phone number"):
            validation.phone(raw)
    assert validation.whole_number("1,250", "Staff") == 1250
    assert validation.whole_number(validation.MAX_COUNT, "Staff") == validation.MAX_COUNT


@pytest.mark.parametrize("value", ["1e999", HUGE])
def test_a_contracts_finder_export_with_infinite_value_and_code_imports_without_them(
    tmp_path, value
):
    path = tmp_path / "cf.xlsx"
    shutil.copyfile(FIX / "ocds" / "cf-xlsx-small.xlsx", path)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    headers = [c.value for c in ws[1]]
    title = ws.cell(row=2, column=headers.index("Title") + 1).value
    ws.cell(row=2, column=headers.index("Value High") + 1, value=717171)
    ws.cell(row=2, column=headers.index("Cpv Codes") + 1, value=727272)
    wb.save(path)
    edited = with_numbers(path, {"717171": value, "727272": value})
    workspace = Workspace.create(tmp_path / "cf.consortium")
    try:
        report = import_paths(workspace, [edited])
        assert report.tenders_new == ws.max_row - 1
        (ocid,) = [
            r[0]
            for r in workspace.conn.execute("SELECT ocid FROM tenders WHERE title = ?", [title])
        ]
        tender = store.get_tender(workspace.db, ocid)
        assert tender.value is None and tender.value_max is None
        if value == HUGE:  # kept as an unknown code, as any code not in the CPV list is
            assert any(d.startswith("unknown_cpv:") for d in tender.defects)
        else:
            assert tender.cpv == []  # "inf" is no CPV code
    finally:
        workspace.close()


@pytest.mark.parametrize(
    ("written", "shown", "said"),
    [(HUGE, HUGE, "(400 characters)"), ("1e999", "inf", "not 'inf'"), ("-1e999", "-inf", "")],
)
def test_the_problems_copy_of_a_workbook_with_such_numbers_is_written(
    demo_ws, demo_export, written, shown, said
):
    # The window writes a copy of the user's workbook with the bad cells red: openpyxl read a
    # cell of 400 digits but could not write it back, and the import failed with a traceback;
    # an infinite one it wrote as a number no spreadsheet shows, so the cell printed empty.
    _set_first(demo_export, "Staff", 919191)
    path = with_numbers(demo_export, {"919191": written})
    result = partner_excel.import_partners(demo_ws, path)
    (problem,) = [p for p in result.problems if p.column == "Staff"]
    assert "must be a whole number" in problem.message and said in problem.message
    with zipfile.ZipFile(result.problems_file) as saved:
        sheets = [n for n in saved.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = b"".join(saved.read(n) for n in sheets)
    assert b"<v>inf</v>" not in xml and b"<v>-inf</v>" not in xml
    copy = openpyxl.load_workbook(result.problems_file)["Organisations"]
    headers = [c.value for c in copy[1]]
    assert copy.cell(row=2, column=headers.index("Staff") + 1).value == shown  # as text
    assert "Staff" in copy.cell(row=2, column=headers.index("Problems") + 1).value


def test_the_record_rule_bounds_counts_as_the_importer_does():
    from consortium.partners.rules import check_organisation
    from consortium.records import Organisation

    assert "staff" not in check_organisation(Organisation(name="A", staff=validation.MAX_COUNT))
    problems = check_organisation(Organisation(name="A", staff=10**20, volunteers=-1))
    assert problems["staff"] == "Staff must be a whole number from 0 to 10,000,000"
    assert problems["volunteers"] == "Volunteers must be a whole number from 0 to 10,000,000"
