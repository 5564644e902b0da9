"""Partner workbooks as people really make them: real .xlsx files written with openpyxl (and two
committed binary fixtures, see fixtures/partners/make_fixtures.py), imported into real
workspaces. Every bad case must name the sheet, row and column and change nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import FIXTURES, dump
from openpyxl.utils import get_column_letter

from consortium.partners import store
from consortium.partners.columns import SHEETS
from consortium.partners.excel import (
    WorkbookError,
    export_partners,
    import_partners,
    write_template,
)
from consortium.progress import Cancelled
from consortium.records import Contact, Credential, Organisation
from consortium.workspace import Workspace

PARTNER_FIXTURES = FIXTURES / "partners"
MANCHESTER, SALFORD, CAMDEN = "E08000003", "E08000006", "E09000007"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_book(
    path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None
):
    """A workbook with the given sheets (in order) and rows; ``merges`` per sheet."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        for span in (merges or {}).get(title, []):
            ws.merge_cells(span)
    wb.save(path)
    return path


_TEMPLATE: dict[str, bytes] = {}


def fill_template(path: Path, rows: dict[str, list[dict]]) -> Path:
    """The app's own template with rows typed in under its headers (by header name).

    The long reference sheets (councils, CPV codes) are dropped to keep the tests quick; the
    round-trip tests read and write complete workbooks.
    """
    if "bytes" not in _TEMPLATE:
        write_template(path)
        wb = openpyxl.load_workbook(path)
        for title in ("Councils", "CPV codes"):
            del wb[title]
        wb.save(path)
        _TEMPLATE["bytes"] = path.read_bytes()
    path.write_bytes(_TEMPLATE["bytes"])
    wb = openpyxl.load_workbook(path)
    for title, records in rows.items():
        ws = wb[title]
        headers = [str(c.value).rstrip(" *") for c in ws[1]]
        for record in records:
            unknown = set(record) - set(headers)
            assert not unknown, f"test bug: {unknown} not on {title}"
            ws.append([record.get(h) for h in headers])
    wb.save(path)
    return path


def org_by_name(ws, name: str) -> Organisation:
    matches = [o for o in store.load_all(ws.db) if o.name == name]
    assert len(matches) == 1, [o.name for o in store.load_all(ws.db)]
    return matches[0]


def sheet_values(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


# ================================================================================ the messy file
def messy_workbook(path: Path) -> Path:
    """What a partnership manager's own list looks like after a year of use."""
    return save_book(
        path,
        {
            # Not called Organisations; two merged title rows and a blank row above the header;
            # headers in another order, case and spacing, aliases, and a column of her own.
            "Partner list Nov 2026": [
                ["Hope Network: partner list"],
                ["Updated 23 Nov 2026 by Sam"],
                [],
                [
                    "  charity no. ",
                    "PARTNER NAME",
                    "Post Code",
                    "Our internal RAG",
                    "cpv",
                    "Number of  Staff",
                    "Areas covered",
                    "Legal Status",
                    "Website",
                ],
                [
                    "1123456",
                    "The Hope Trust Ltd",
                    "m1 1ae",
                    "Green",
                    85311000,
                    12,
                    "Manchester; Salford",
                    "CIO",
                    "hope.example.org",
                ],
                [],
                [
                    1187654,
                    "Riverside Care",
                    "SW1A1AA",
                    "Amber",
                    3000000,
                    "7",
                    "Camden",
                    "Registered charity",
                    None,
                ],
                ["  ", None, "", None, None, None, None, None, None],
                [
                    None,
                    "Acme Support CIC",
                    None,
                    None,
                    "85312000; 3000000",
                    3.0,
                    "TLD",
                    "cic",
                    None,
                ],
            ],
            "insurance": [
                ["ORGANISATION", "Expiry", "Insurance Type", "Cover  (£)"],
                ["The Hope Trust Ltd", "23/11/2026", "public liability", "£5,000,000"],
                [],
                ["Riverside Care", "23 Nov 2026", "Employer's liability", 10_000_000],
                ["acme support", dt.datetime(2026, 11, 23), "Professional indemnity", 2_000_000],
            ],
            "Turnover": [
                [" FY ", "Organisation name", "Annual Income (£)"],
                [2025, "hope trust", "250,000"],
                ["2024/25", "Riverside Care", 98_000.0],
            ],
            "Contacts": [
                ["Organisation", "Full Name", "E-mail", "Job title", "Shoe size"],
                ["The Hope Trust Ltd", "Sam Patel", "sam@hope.example.org", "Bids lead", 9],
            ],
        },
        merges={"Partner list Nov 2026": ["A1:I1", "A2:I2"]},
    )


def test_messy_workbook_imports(empty_ws, tmp_path):
    path = messy_workbook(tmp_path / "partners.xlsx")
    result = import_partners(empty_ws, path)
    assert result.problems == []
    assert sorted(result.created) == ["Acme Support CIC", "Riverside Care", "The Hope Trust Ltd"]
    assert any("Our internal RAG" in n for n in result.notes)
    assert any("Shoe size" in n for n in result.notes)

    hope = org_by_name(empty_ws, "The Hope Trust Ltd")
    assert hope.charity_number == "1123456"
    assert hope.postcode == "M1 1AE"
    assert hope.cpv_codes == ["85311000"]
    assert hope.areas == [MANCHESTER, SALFORD]
    assert hope.legal_form == "cio"
    assert hope.website == "https://hope.example.org"
    assert hope.staff == 12
    assert hope.turnover == {2025: 250_000}
    [ins] = hope.credentials
    assert (ins.kind, ins.type, ins.cover) == ("insurance", "Public liability", 5_000_000)
    assert ins.expires == dt.date(2026, 11, 23)  # typed as 23/11/2026
    assert [(c.name, c.role, c.email) for c in hope.contacts] == [
        ("Sam Patel", "Bids lead", "sam@hope.example.org")
    ]

    riverside = org_by_name(empty_ws, "Riverside Care")
    assert riverside.charity_number == "1187654"  # a number in the cell
    assert riverside.cpv_codes == ["03000000"]  # Excel had dropped the leading zero
    assert riverside.staff == 7
    assert riverside.areas == [CAMDEN]
    assert riverside.legal_form == "charity"
    assert riverside.turnover == {2025: 98_000}  # "2024/25" is the year ending 2025
    assert riverside.credentials[0].expires == dt.date(2026, 11, 23)  # typed as 23 Nov 2026

    acme = org_by_name(empty_ws, "Acme Support CIC")
    assert acme.cpv_codes == ["03000000", "85312000"]
    assert acme.staff == 3
    assert acme.legal_form == "cic"
    assert acme.areas == ["TLD"]
    assert acme.credentials[0].expires == dt.date(2026, 11, 23)  # a real date cell
    assert acme.credentials[0].type == "Professional indemnity"

    assert store.count(empty_ws.db) == 3
    assert empty_ws.audit_log(limit=1)[0]["action"] == "import"
    assert empty_ws.check() == []


def test_reimport_updates_and_never_duplicates(empty_ws, tmp_path):
    path = messy_workbook(tmp_path / "partners.xlsx")
    import_partners(empty_ws, path)
    first = dump(empty_ws)

    again = import_partners(empty_ws, path)
    assert again.ok
    assert again.created == [] and again.updated == []
    assert sorted(again.unchanged) == ["Acme Support CIC", "Riverside Care", "The Hope Trust Ltd"]
    assert dump(empty_ws) == first  # not even an audit entry

    # The same partners typed differently: matched on charity number, company number or name.
    second = save_book(
        tmp_path / "changes.xlsx",
        {
            "Organisations": [
                ["Name", "Charity number", "Staff"],
                ["hope trust", None, 15],  # name only: "The Hope Trust Ltd" normalised
                ["Riverside Care (Camden)", "1187654", 8],  # a new name, the same charity
            ]
        },
    )
    result = import_partners(empty_ws, second)
    assert result.ok
    assert result.created == []
    assert sorted(result.updated) == ["Riverside Care (Camden)", "hope trust"]
    assert store.count(empty_ws.db) == 3
    staff = {o.name: o.staff for o in store.load_all(empty_ws.db)}
    assert staff == {"hope trust": 15, "Riverside Care (Camden)": 8, "Acme Support CIC": 3}
    hope = org_by_name(empty_ws, "hope trust")
    assert hope.charity_number == ""  # a blank cell clears the detail (as the template says)
    # Columns absent from the second file are left as they were.
    assert hope.areas == [MANCHESTER, SALFORD]
    assert len(hope.credentials) == 1 and hope.turnover == {2025: 250_000}


def test_reimport_matches_on_company_number(empty_ws, tmp_path):
    org_id = store.save(empty_ws, Organisation(name="Acme Care", company_number="07654321"))
    path = save_book(
        tmp_path / "acme.xlsx",
        {"Organisations": [["Name", "Company number"], ["Acme Community Care Ltd", 7654321]]},
    )
    result = import_partners(empty_ws, path)
    assert result.ok and result.created == [] and result.updated == ["Acme Community Care Ltd"]
    assert [(o.id, o.company_number) for o in store.load_all(empty_ws.db)] == [(org_id, "07654321")]


def test_dry_run_writes_nothing(demo_ws, tmp_path):
    path = messy_workbook(tmp_path / "partners.xlsx")
    before = dump(demo_ws)
    result = import_partners(demo_ws, path, dry_run=True)
    assert result.ok and result.dry_run
    assert len(result.created) == 3
    assert result.summary().startswith("Would import partners.xlsx: 3 new")
    assert dump(demo_ws) == before


def test_cancel_leaves_the_workspace_unchanged(demo_ws, tmp_path):
    path = messy_workbook(tmp_path / "partners.xlsx")
    before = dump(demo_ws)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 1  # let the reading start, then press Cancel

    with pytest.raises(Cancelled):
        import_partners(demo_ws, path, cancelled=cancelled)
    assert dump(demo_ws) == before


def test_progress_is_reported(empty_ws, tmp_path):
    path = messy_workbook(tmp_path / "partners.xlsx")
    seen = []
    import_partners(empty_ws, path, progress=lambda done, total, text: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]


# ================================================================================== round trip
def comparable(org: Organisation) -> dict:
    from dataclasses import asdict

    data = asdict(org)
    for key in ("id", "created_at", "updated_at"):
        data.pop(key)
    for key in ("contacts", "credentials", "past_contracts"):
        for item in data[key]:
            item.pop("id")
        data[key] = sorted(data[key], key=repr)
    return data


def test_export_round_trips_losslessly(demo_ws, empty_ws, tmp_path):
    first = export_partners(demo_ws, tmp_path / "first.xlsx")
    result = import_partners(empty_ws, first)
    assert result.ok, [str(p) for p in result.problems]
    count = store.count(demo_ws.db)
    assert count >= 12 and len(result.created) == count
    second = export_partners(empty_ws, tmp_path / "second.xlsx")

    one, two = sheet_values(first), sheet_values(second)
    assert list(one) == list(two)
    assert list(one)[:2] == ["Instructions", "Lists"]
    for title in one:
        assert one[title] == two[title], title
    assert len(one["Organisations"]) == count + 1
    assert len(one["Contacts"]) > 1 and len(one["Insurances"]) > 1

    originals = [comparable(o) for o in store.load_all(demo_ws.db)]
    copies = [comparable(o) for o in store.load_all(empty_ws.db)]
    assert len(originals) == len(copies)
    for original, copy in zip(originals, copies, strict=True):
        for key in original:
            assert copy[key] == original[key], (original["name"], key)

    # And importing the export back into the workspace it came from changes nothing.
    before = dump(demo_ws)
    back = import_partners(demo_ws, first)
    assert back.ok and back.created == [] and back.updated == []
    assert dump(demo_ws) == before


def test_every_field_round_trips_through_excel(empty_ws, tmp_path):
    """One partner with every field set (ITL region, Scottish company, custom accreditation,
    text that looks like a number) survives export and import exactly."""
    from test_partners_store import full_org

    org = full_org(is_ours=True, staff=0, notes="007 is not a number here")
    org.credentials.append(
        Credential(kind="accreditation", type="Investors in Volunteers", reference="IiV-7")
    )
    org.contacts.append(Contact(name="Lee O'Neill", phone="+44 28 9000 0000"))
    store.save(empty_ws, org)
    path = export_partners(empty_ws, tmp_path / "one.xlsx")
    with Workspace.create(tmp_path / "copy.consortium") as copy:
        result = import_partners(copy, path)
        assert result.ok, [str(p) for p in result.problems]
        [back] = store.load_all(copy.db)
    [original] = store.load_all(empty_ws.db)
    mine, theirs = comparable(original), comparable(back)
    for key in mine:
        assert theirs[key] == mine[key], key


def test_template_has_every_sheet_dropdowns_and_instructions(tmp_path):
    path = write_template(tmp_path / "template.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Instructions"
    for sheet in SHEETS:
        ws = wb[sheet.title]
        headers = [c.value for c in ws[1]]
        assert headers == [c.header + (" *" if c.required else "") for c in sheet.columns]
        assert ws.max_row == 1  # no data rows
    validations = {str(dv.sqref): dv for dv in wb["Organisations"].data_validations.dataValidation}
    letter = get_column_letter([c.key for c in SHEETS[0].columns].index("legal_form") + 1)
    [legal_form] = [dv for span, dv in validations.items() if span.startswith(f"{letter}2:")]
    assert legal_form.type == "list" and legal_form.formula1.lstrip("=").startswith("Lists!$A$2")
    # A strict list refuses other values; Excel only does so when the error message is on.
    assert legal_form.showErrorMessage and legal_form.errorStyle in (None, "stop")
    assert legal_form.showInputMessage and legal_form.prompt
    accreditations = [
        dv for dv in wb["Accreditations"].data_validations.dataValidation if dv.type == "list"
    ]
    assert [dv.errorStyle for dv in accreditations] == ["information"]  # custom names allowed
    assert wb["Lists"].sheet_state == "hidden"
    assert wb["Councils"].max_row > 300
    assert wb["CPV codes"].max_row > 9000
    text = " ".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)
    assert "nothing is imported" in text and "23/11/2026" in text
    # The empty template imports cleanly, with nothing to do.
    with Workspace.create(tmp_path / "t.consortium") as ws:
        result = import_partners(ws, path)
        assert result.ok and result.created == []


def test_export_never_writes_a_live_formula_and_keeps_text_exact(empty_ws, tmp_path):
    evil = '=HYPERLINK("http://evil.example","Click")'
    store.save(
        empty_ws,
        Organisation(
            name=evil,
            notes="- check insurance\n- ask about Matrix",
            contacts=[Contact(name="@Ann", phone="+44 161 496 0000", role="-")],
        ),
    )
    path = export_partners(empty_ws, tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(path)
    # Text a spreadsheet would run carries an apostrophe (consortium.sheets, the one rule) ...
    assert wb["Organisations"]["A2"].value == "'" + evil
    assert wb["Organisations"]["A2"].data_type == "s"  # text, not a formula
    for row in wb["Contacts"].iter_rows(min_row=2, values_only=True):
        assert not any(isinstance(v, str) and v[:1] in "=+-@\t\r" for v in row), row
    with zipfile.ZipFile(path) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet3.xml").decode()
    # ... and every value comes back exactly as it was.
    with Workspace.create(tmp_path / "copy.consortium") as copy:
        assert import_partners(copy, path).ok
        [org] = store.load_all(copy.db)
        assert org.name == evil
        assert org.notes == "- check insurance\n- ask about Matrix"
        assert (org.contacts[0].name, org.contacts[0].phone, org.contacts[0].role) == (
            "@Ann",
            "+44 161 496 0000",
            "-",
        )


# ============================================================================ bad rows and cells
BAD_ROWS = {
    "wrong type": (
        {"Organisations": [{"Name": "New Partner", "Staff": "about twelve"}]},
        ("Organisations", 2, "Staff", "Staff must be a whole number, not 'about twelve'"),
    ),
    "unknown council": (
        {"Organisations": [{"Name": "New Partner", "Areas served": "Manchester; Gotham City"}]},
        ("Organisations", 2, "Areas served", "'Gotham City' is not a UK council or ITL region"),
    ),
    "malformed charity number": (
        {"Organisations": [{"Name": "New Partner", "Charity number": "12AB"}]},
        ("Organisations", 2, "Charity number", "'12AB' is not a charity number"),
    ),
    "missing required field": (
        {
            "Organisations": [{"Name": "New Partner"}],
            "Contacts": [
                {"Organisation": "New Partner", "Name": "Jo Bloggs"},
                {"Organisation": "New Partner", "Email": "someone@example.org"},
            ],
        },
        ("Contacts", 3, "Name", "Name is required"),
    ),
    "missing organisation name": (
        {"Organisations": [{"Name": "New Partner"}, {"Charity number": "1123456"}]},
        ("Organisations", 3, "Name", "Name is required"),
    ),
    "impossible date": (
        {
            "Organisations": [{"Name": "New Partner"}],
            "Insurances": [
                {
                    "Organisation": "New Partner",
                    "Insurance": "Public liability",
                    "Expiry date": "31/02/2027",
                }
            ],
        },
        ("Insurances", 2, "Expiry date", "'31/02/2027' is not a real date"),
    ),
    "CPV code not in the list": (
        {"Organisations": [{"Name": "New Partner", "CPV codes": "85311000; 12345678"}]},
        ("Organisations", 2, "CPV codes", "12345678 is not in the CPV 2008 list"),
    ),
    "unknown organisation on a child sheet": (
        {"Turnover": [{"Organisation": "Nobody We Know", "Year": 2025, "Turnover (£)": 1000}]},
        ("Turnover", 2, "Organisation", "'Nobody We Know' is not on the Organisations sheet"),
    ),
    "the same organisation twice": (
        {"Organisations": [{"Name": "New Partner"}, {"Name": "new partner ltd"}]},
        ("Organisations", 3, "Name", "also on row 2"),
    ),
    "two of ours": (
        {
            "Organisations": [
                {"Name": "New Partner", "Our organisation": "Yes"},
                {"Name": "Other Partner", "Our organisation": "Yes"},
            ]
        },
        ("Organisations", 3, "Our organisation", "Only one organisation can be yours"),
    ),
    "a contract that ends before it starts": (
        {
            "Organisations": [{"Name": "New Partner"}],
            "Past contracts": [
                {
                    "Organisation": "New Partner",
                    "Buyer": "Leeds City Council",
                    "Start year": 2024,
                    "End year": 2021,
                }
            ],
        },
        ("Past contracts", 2, "End year", "ends before it starts"),
    ),
    "bad email": (
        {
            "Organisations": [{"Name": "New Partner"}],
            "Contacts": [{"Organisation": "New Partner", "Name": "Jo", "Email": "jo at home"}],
        },
        ("Contacts", 2, "Email", "'jo at home' is not an email address"),
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_row_gives_a_precise_message_and_changes_nothing(case, demo_ws, tmp_path):
    rows, (sheet, row, column, words) = BAD_ROWS[case]
    path = fill_template(tmp_path / "bad.xlsx", rows)
    original = sha(path)
    before = dump(demo_ws)

    result = import_partners(demo_ws, path)

    assert not result.ok
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    problem = result.problems[0]
    assert (problem.sheet, problem.row, problem.column) == (sheet, row, column)
    assert words in problem.message
    assert str(problem).startswith(f"{sheet}, row {row}, column '{column}': ")
    assert result.summary().startswith("1 problem in bad.xlsx; nothing was imported.")
    assert result.created == [] and result.updated == []
    assert dump(demo_ws) == before
    assert sha(path) == original  # the user's own file is never touched
    assert result.problems_file == str(tmp_path / "bad - problems.xlsx")
    assert Path(result.problems_file).exists()


def test_missing_required_column(demo_ws, tmp_path):
    path = save_book(
        tmp_path / "no-year.xlsx",
        {
            "Organisations": [["Name"], ["New Partner"]],
            "Turnover": [["Organisation", "Turnover (£)"], ["New Partner", 5000]],
        },
    )
    before = dump(demo_ws)
    result = import_partners(demo_ws, path)
    [problem] = result.problems
    assert (problem.sheet, problem.row, problem.column) == ("Turnover", 1, "Year")
    assert "The required column 'Year' is missing" in problem.message
    assert dump(demo_ws) == before


def test_every_problem_is_reported_not_just_the_first(demo_ws, tmp_path):
    path = fill_template(
        tmp_path / "many.xlsx",
        {
            "Organisations": [
                {"Name": "A", "Staff": "lots"},
                {"Name": "B", "Postcode": "nowhere"},
                {"Name": "C", "Charity number": "SC12"},
            ]
        },
    )
    result = import_partners(demo_ws, path)
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "Staff"),
        (3, "Postcode"),
        (4, "Charity number"),
    ]


def test_problems_copy_highlights_the_bad_cell_and_keeps_the_users_data(demo_ws, tmp_path):
    path = messy_workbook(tmp_path / "partners.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Partner list Nov 2026"]["F7"] = "seven-ish"  # Staff, on Riverside Care's row
    wb.save(path)
    original = sheet_values(path)
    before = dump(demo_ws)

    result = import_partners(demo_ws, path)
    [problem] = result.problems
    assert (problem.sheet, problem.row, problem.column) == ("Partner list Nov 2026", 7, "Staff")
    assert dump(demo_ws) == before

    copy_path = Path(result.problems_file)
    assert copy_path == tmp_path / "partners - problems.xlsx"
    copy = openpyxl.load_workbook(copy_path)
    sheet = copy["Partner list Nov 2026"]
    # The Problems column sits on the header row (row 4), right of the user's columns.
    assert sheet.cell(row=4, column=10).value == "Problems"
    message = sheet.cell(row=7, column=10).value
    assert message.startswith("Staff: Staff must be a whole number")
    bad = sheet["F7"]
    assert bad.value == "seven-ish"
    assert bad.fill.fgColor.rgb.endswith("FFC7CE")
    assert not sheet["F5"].fill.fgColor.rgb.endswith("FFC7CE")  # a good cell stays plain
    assert sheet.cell(row=5, column=10).value is None  # good rows get no message
    # Everything the user wrote is still there, unchanged, on every sheet; only the Problems
    # column (column 10 of the bad sheet) is new.
    assert copy.sheetnames == list(original)
    for title, rows in original.items():
        got = list(copy[title].iter_rows(values_only=True))
        assert len(got) == len(rows), title
        for row_number, (mine, theirs) in enumerate(zip(got, rows, strict=True), start=1):
            width = max(len(theirs), 9 if title == sheet.title else 0)
            padded = tuple(theirs) + (None,) * (width - len(theirs))
            assert tuple(mine[:width]) == padded, (title, row_number)
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:I1", "A2:I2"}


# ================================================================================ bad files
def csv_named_xlsx(path: Path) -> Path:
    path.write_text("Name,Charity number\nHope Trust,1123456\n", encoding="utf-8")
    return path


def truncated_xlsx(path: Path) -> Path:
    messy_workbook(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def zip_of_something_else(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return path


def binary_junk(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 8)
    return path


def committed(name: str):
    def make(path: Path) -> Path:
        path.write_bytes((PARTNER_FIXTURES / name).read_bytes())
        return path

    return make


def no_name_column(path: Path) -> Path:
    return save_book(path, {"Sheet1": [["Charity", "Town"], ["Hope", "Leeds"]]})


BAD_FILES = {
    "a CSV named .xlsx": (csv_named_xlsx, "partners.xlsx", "is a CSV or text file"),
    "a truncated zip": (truncated_xlsx, "partners.xlsx", "is damaged"),
    "a 0-byte file": (empty_file, "partners.xlsx", "is empty (0 bytes)"),
    "a zip that is not a workbook": (zip_of_something_else, "partners.xlsx", "cannot be read"),
    "binary junk": (binary_junk, "partners.xlsx", "is not an Excel workbook"),
    "a password-protected workbook": (
        committed("password-protected.xlsx"),
        "partners.xlsx",
        "is password-protected",
    ),
    "an old .xls": (committed("old-excel-97.xls"), "partners.xls", "old-style .xls"),
    "no Name column": (no_name_column, "partners.xlsx", "has no 'Name' column"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_with_a_message_and_changes_nothing(case, demo_ws, tmp_path):
    make, name, words = BAD_FILES[case]
    path = make(tmp_path / name)
    original = sha(path)
    before = dump(demo_ws)
    with pytest.raises(WorkbookError) as err:
        import_partners(demo_ws, path)
    message = str(err.value)
    assert words in message
    assert name in message  # says which file
    assert "Traceback" not in message
    assert dump(demo_ws) == before
    assert sha(path) == original
    assert sorted(p.name for p in tmp_path.iterdir()) == [name, "work"]


def test_missing_file(demo_ws, tmp_path):
    with pytest.raises(WorkbookError, match="does not exist"):
        import_partners(demo_ws, tmp_path / "gone.xlsx")


# ================================================================================ size
def long_sheet(path: Path, rows: int, *, states_its_size: bool) -> Path:
    """An Organisations sheet of ``rows`` partners. openpyxl's streaming writer leaves out the
    sheet's stated size (its dimension), as some tools do; Excel and LibreOffice write it."""
    wb = openpyxl.Workbook(write_only=not states_its_size)
    if states_its_size:
        wb.remove(wb.active)
    ws = wb.create_sheet("Organisations")
    ws.append(["Name", "Postcode"])
    for n in range(rows):
        ws.append([f"Partner {n}", "not a postcode"])
    wb.save(path)
    return path


@pytest.fixture
def fifty_rows_at_most(monkeypatch):
    """The row limit made small, so a sheet over it is quick to write and read."""
    from consortium.partners import excel

    monkeypatch.setattr(excel, "MAX_ROWS", 50)
    monkeypatch.setattr(excel, "MAX_SHEET_ROWS", 1_050)
    parsed = []
    real_parse = excel._parse

    def counting_parse(column, raw):
        parsed.append(raw)
        return real_parse(column, raw)

    monkeypatch.setattr(excel, "_parse", counting_parse)
    return parsed


@pytest.mark.parametrize("states_its_size", [True, False], ids=["stated", "unstated"])
def test_a_sheet_over_the_row_limit_is_refused_before_any_row_is_read_or_copied(
    states_its_size, fifty_rows_at_most, demo_ws, tmp_path
):
    # 300,000 rows took 1.3 GB and nearly three minutes: every row was parsed, then the whole
    # workbook was loaded again to build a problems copy showing one "too many rows" problem.
    path = long_sheet(tmp_path / "everyone.xlsx", 51, states_its_size=states_its_size)
    before = dump(demo_ws)
    with pytest.raises(WorkbookError) as err:
        import_partners(demo_ws, path)
    message = str(err.value)
    assert "everyone.xlsx, sheet 'Organisations', has more than 50 rows" in message
    assert "Split it into smaller workbooks" in message
    assert fifty_rows_at_most == []  # refused on a count, before a single cell was parsed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["everyone.xlsx", "work"]  # no copy
    assert dump(demo_ws) == before


def test_a_sheet_at_the_row_limit_is_read_as_usual(fifty_rows_at_most, demo_ws, tmp_path):
    path = long_sheet(tmp_path / "everyone.xlsx", 50, states_its_size=False)
    result = import_partners(demo_ws, path)
    assert len(result.problems) == 50  # each bad postcode, row by row
    assert result.problems_file


def test_a_big_workbook_gets_its_problems_listed_in_bounded_memory(monkeypatch, demo_ws, tmp_path):
    # A copy with the problem cells marked loads every cell of the user's workbook (150,000
    # rows, each with a bad postcode, took 837 MB); past a size the problems are listed in a
    # workbook written as it goes, the first so many of them, with a count of the rest.
    from consortium.partners import excel

    monkeypatch.setattr(excel, "MAX_MARKED_CELLS", 40)
    monkeypatch.setattr(excel, "MAX_LISTED", 5)
    loaded_whole = []
    real_load = openpyxl.load_workbook

    def load(path, *args, **kwargs):
        if not kwargs.get("read_only"):
            loaded_whole.append(path)
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(excel.openpyxl, "load_workbook", load)
    path = long_sheet(tmp_path / "everyone.xlsx", 30, states_its_size=True)
    before = dump(demo_ws)

    result = import_partners(demo_ws, path)
    assert result.problem_count == 30
    assert [p.row for p in result.problems] == [2, 3, 4, 5, 6]  # only the first are kept
    assert result.summary().startswith("30 problems in everyone.xlsx")
    assert "… and 25 more" in result.summary()
    assert loaded_whole == []  # the user's workbook was never loaded whole to be marked
    assert dump(demo_ws) == before

    listed = sheet_values(Path(result.problems_file))["Problems"]
    assert listed[0] == ("Sheet", "Row", "Column", "Problem")
    assert [row[1] for row in listed[1:6]] == [2, 3, 4, 5, 6]
    assert listed[6][3].startswith("… and 25 more problems. Fix the ones above")
    assert len(listed) == 7


def test_a_small_workbook_still_gets_its_own_cells_marked(monkeypatch, demo_ws, tmp_path):
    path = long_sheet(tmp_path / "everyone.xlsx", 30, states_its_size=True)
    result = import_partners(demo_ws, path)
    copy = sheet_values(Path(result.problems_file))
    assert list(copy) == ["Organisations"]
    assert copy["Organisations"][0][:3] == ("Name", "Postcode", "Problems")
