"""A dropped file's kind is read from its name and, for a workbook, a peek at its sheets."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from consortium import filekinds
from consortium.filekinds import PACK, PARTNERS, QUESTIONNAIRE, REVIEW, TENDERS, kinds_of, route
from consortium.partners.excel import export_partners, write_template

FIXTURES = Path(__file__).parent / "fixtures"
ALL_XLSX = (PARTNERS, TENDERS, QUESTIONNAIRE)


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("ocds/fts-release-package-2026-08-12-page-001.json", (TENDERS,)),
        ("ocds/cf-csv-small.csv", (TENDERS,)),
        ("ocds/cf-xlsx-small.xlsx", (TENDERS,)),  # Contracts Finder's columns
        ("bids/questionnaire.xlsx", (QUESTIONNAIRE,)),  # a Question column on its second sheet
        ("bids/questionnaire.docx", (QUESTIONNAIRE,)),
        ("bids/renamed.xlsx", ALL_XLSX),  # not a workbook inside: the user says what it is
        ("bids/questions.pdf", ()),
        ("partners/old-excel-97.xls", ()),
    ],
)
def test_fixture_kinds(name, kinds):
    assert kinds_of(FIXTURES / name) == kinds


def test_partner_workbooks_are_partners(tmp_path, demo_ws):
    assert kinds_of(write_template(tmp_path / "template.xlsx")) == (PARTNERS,)
    exported = export_partners(demo_ws, tmp_path / "partners.xlsx")
    assert kinds_of(Path(exported)) == (PARTNERS,)


def test_a_plain_list_of_charities_is_partners(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Name", "Charity number", "Postcode"])
    book.active.append(["Hope Trust", "1123456", "MK9 1AA"])
    book.save(tmp_path / "list.xlsx")
    assert kinds_of(tmp_path / "list.xlsx") == (PARTNERS,)


def test_an_unknown_workbook_could_be_any_of_three(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Budget", 2027])
    book.save(tmp_path / "budget.xlsx")
    assert kinds_of(tmp_path / "budget.xlsx") == ALL_XLSX


def test_packs_and_reviews_by_name(tmp_path):
    assert kinds_of(tmp_path / "bid.cbpack") == (PACK,)
    assert kinds_of(tmp_path / "bid.CBREVIEW") == (REVIEW,)
    assert set(filekinds.LABELS) == set(filekinds.KINDS)


def test_route_uses_the_area_only_when_the_file_leaves_a_choice():
    # One possible kind goes where it belongs, whichever area it is dropped on.
    assert route((QUESTIONNAIRE,), (PARTNERS,)) == QUESTIONNAIRE
    # A workbook of unknown kind takes the kind the area accepts…
    assert route(ALL_XLSX, (TENDERS,)) == TENDERS
    assert route(ALL_XLSX, (QUESTIONNAIRE, REVIEW)) == QUESTIONNAIRE
    # …and where the area takes none of them (or the Start page), the user is asked.
    assert route(ALL_XLSX, ()) is None
    assert route(ALL_XLSX, (PACK, REVIEW)) is None
