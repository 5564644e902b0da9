"""Names (a partner's, a contact's, a consortium's, a bid's, a signing key's) are one line of
at most 200 characters, by one rule (``validation.one_line``) wherever they come in: a
100,000-character name, or one with a line break or a control character, was stored and
then broke every list, message and document it was shown in."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import dump

from consortium import validation
from consortium.bids import records as bid_records
from consortium.matching import consortia
from consortium.packs import keys
from consortium.partners import rules, store
from consortium.partners.excel import import_partners
from consortium.records import Contact, Organisation

LONG = " ".join(["Hope Trust"] * 10_000)  # 109,999 characters


def test_one_line_names_the_field_and_the_limit():
    assert validation.one_line("Hope Trust", "The name") == "Hope Trust"
    with pytest.raises(ValueError, match=r"^The name is 109,999 characters long; at most 200 fit"):
        validation.one_line(LONG, "The name")
    with pytest.raises(ValueError, match="must be on one line"):
        validation.one_line("Hope\nTrust", "The name")
    with pytest.raises(ValueError, match=r"control character \(code 11\)"):
        validation.one_line("Hope\x0bTrust", "The name")


def test_a_spreadsheet_of_bad_names_is_refused_row_by_row(demo_ws, tmp_path):
    path = tmp_path / "partners.xlsx"
    wb = openpyxl.Workbook()
    orgs = wb.active
    orgs.title = "Organisations"
    orgs.append(["Name", "Services"])
    orgs.append([LONG[:5_000], "Advice"])
    orgs.append(["Hope Trust\n(North)", "Advice"])
    orgs.append(["Good Neighbours", "x" * 20_001])
    contacts = wb.create_sheet("Contacts")
    contacts.append(["Organisation", "Name", "Role"])
    contacts.append(["Good Neighbours", "Sam\nSmith", "Chair"])
    wb.save(path)
    before = dump(demo_ws)

    result = import_partners(demo_ws, path)
    found = {(p.sheet, p.row, p.column): p.message for p in result.problems}
    assert found == {
        ("Organisations", 2, "Name"): "The name is 5,000 characters long; at most 200 fit. "
        "Shorten it.",
        ("Organisations", 3, "Name"): "The name must be on one line: take out the line break.",
        ("Organisations", 4, "Services"): "Services is 20,001 characters long; at most 20,000 "
        "fit. Shorten it, or keep the full text in a document of its own.",
        ("Contacts", 2, "Name"): "The name must be on one line: take out the line break.",
    }
    assert dump(demo_ws) == before
    assert Path(result.problems_file).exists()


def test_the_editor_and_saving_check_names_by_the_same_rule(demo_ws):
    org = Organisation(name="Hope\x0bTrust", contacts=[Contact(name="S" * 201)])
    problems = rules.check_organisation(org)  # what the editor shows under each field
    assert problems["name"].startswith("The name holds a control character")
    assert problems["contacts[1].name"].startswith("The name is 201 characters long")
    with pytest.raises(store.PartnerError) as err:
        store.save(demo_ws, Organisation(name=LONG))
    message = str(err.value)
    assert message.startswith("'Hope Trust Hope Trus…' (109,999 characters) cannot be saved")
    assert len(message) < 200  # the name it refuses is not repeated in full


def test_consortium_bid_and_signing_key_names_are_one_line(demo_ws, memory_keyring):
    c = consortia.load(demo_ws.db, 1)
    c.name = "North\nConsortium"
    with pytest.raises(consortia.ConsortiumRecordError, match="must be on one line"):
        consortia.save(demo_ws, c)
    with pytest.raises(bid_records.BidError, match="at most 200 fit"):
        bid_records.save(demo_ws, bid_records.Bid(consortium_id=1, name=LONG))
    with pytest.raises(keys.SigningKeyError, match="must be on one line"):
        keys.create_key("Riverside\nCommunity Action")
