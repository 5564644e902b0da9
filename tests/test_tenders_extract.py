"""Every Tender field read from at least one real notice (Find a Tender and Contracts Finder)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from consortium.tenders import store
from consortium.tenders.extract import clean_text, extract
from consortium.tenders.importer import import_paths
from consortium.tenders.merge import compile_single
from consortium.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "ocds"
FTS_PAGE = FIX / "fts-release-package-2026-08-12-page-001.json"
FTS_SELECTED = FIX / "fts-selected-civil-society-releases.json"
CF_PAGE = FIX / "cf-search-2025-01-20_2025-01-23-page-001.json"
AUG_12 = dt.datetime(2026, 8, 12, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    w = Workspace.create(tmp_path_factory.mktemp("x") / "x.consortium")
    import_paths(w, [FTS_PAGE, FTS_SELECTED, CF_PAGE])
    yield w
    w.close()


def get(ws, ocid):
    tender = store.get_tender(ws.db, ocid)
    assert tender is not None, ocid
    return tender


def raw(path: Path, release_id: str) -> dict:
    return next(r for r in json.loads(path.read_text())["releases"] if r["id"] == release_id)


def test_fts_tender_with_lots_milton_keynes(ws):
    t = get(ws, "ocds-h6vhtk-05a7b0")  # 076142-2026 Domestic Abuse Support Services
    assert t.source == "fts"
    assert t.notice_id == "076142-2026"
    assert t.notice_url == "https://www.find-tender.service.gov.uk/Notice/076142-2026"
    assert t.notice_type == "UK4"
    assert t.title == "Domestic Abuse Support Services"
    assert t.description.startswith("Milton Keynes City Council are currently out to tender")
    assert "provision of Domestic" in t.description  # the double space is gone
    assert t.reference == "2025-135"
    assert t.buyer_name == "Milton Keynes City Council"
    assert t.buyer_ids == ["GB-PPON-PLDZ-6131-PWZH"]
    assert (t.value, t.value_gross, t.currency) == (6615000.0, 6615000.0, "GBP")
    assert t.cpv == ["85000000", "85300000", "85310000", "85312000"]
    assert t.cpv_labels["85312000"] == "Social work services without accommodation"
    assert t.places == ["TLJ12"] and not t.places_from_buyer
    assert (t.sme, t.vcse, t.reserved_vcse) == (True, True, False)
    assert (t.procedure, t.procedure_details) == ("open", "Open procedure")
    assert t.special_regime == ["lightTouch"] and t.light_touch
    assert t.deadline == "2026-09-08T11:00:00Z"  # 12:00 BST
    assert t.enquiry_deadline == "2026-08-25T22:59:00Z"
    assert t.published == "2026-08-11T10:37:39Z"
    assert t.portal_url == "https://in-tendhost.co.uk/milton-keynes/aspx/Home"
    assert {d.kind for d in t.documents} == {
        "biddingDocuments",
        "conflictOfInterest",
        "tenderNotice",
    }
    assert t.status_on(AUG_12) == "open"
    assert t.status_on(dt.date(2026, 9, 9)) == "closed"
    assert len(t.lots) == 7
    lot = t.lots[0]
    assert lot.id == "1" and lot.title == "Lot 1: Integrated Domestic Abuse Support Service"
    assert lot.description.startswith("The service will operate as a central ‘front door’")
    assert (lot.value, lot.value_gross) == (3290000.0, 3290000.0)
    assert lot.cpv == t.cpv and lot.places == ["TLJ12"]
    assert (lot.sme, lot.vcse) == (True, True)
    assert [(c.name, c.type, c.weight) for c in lot.criteria] == [
        ("Price", "price", 40.0),
        ("Quality", "quality", 60.0),
    ]
    assert (lot.contract_start, lot.contract_end, lot.contract_max_end) == (
        "2027-03-01T00:00:00Z",
        "2032-02-29T23:59:59Z",
        "2034-02-28T23:59:59Z",
    )
    assert lot.renewal == "2 years optional extension"
    assert lot.status_on(AUG_12, t.open_deadline) == "open"
    assert t.defects == []


def test_reserved_for_vcse_with_council_location(ws):
    t = get(ws, "ocds-h6vhtk-06e0a3")  # 075929-2026 NELFT VCS Core Community Service (Havering)
    assert t.reserved_vcse
    assert t.councils == ["E09000016"]
    assert "TLI52" in store.place_codes(t)
    assert [c.name for c in t.lots[0].criteria] == [
        "Technical Questionnaire",
        "Commercial Questionnaire",
        "Social Value",
    ]


def test_expression_of_interest_deadline(ws):
    release = raw(FTS_PAGE, "076933-2026")
    t = get(ws, release["ocid"])
    assert t.eoi_deadline is not None
    assert t.eoi_deadline.startswith(release["tender"]["expressionOfInterestDeadline"][:4])


def test_statuses_from_real_notices(ws):
    assert get(ws, "ocds-h6vhtk-060502").status_on(AUG_12) == "cancelled"  # UK12
    assert get(ws, "ocds-h6vhtk-06e30c").status_on(AUG_12) == "coming soon"  # planning
    # UK3 then UK4 on one ocid: the latest (tender) wins.
    conv = get(ws, "ocds-h6vhtk-069311")
    assert conv.releases == ["069280-2026", "069310-2026"]
    assert conv.phase == "tender"
    # Find a Tender marks the lot of an awarded contract "cancelled"; the active award wins.
    awarded = get(ws, "ocds-h6vhtk-06e314")
    assert awarded.status_on(AUG_12) == "awarded"
    assert [lot.status_on(AUG_12, None) for lot in awarded.lots] == ["awarded"]


def test_lot_cancelled_on_its_own_and_all_lots_cancelled():
    release = raw(FTS_SELECTED, "076142-2026")
    release["tender"]["lots"][1]["status"] = "cancelled"
    t = extract(compile_single(release), [(release["id"], None, release["tag"])])
    statuses = [lot.status_on(AUG_12, t.open_deadline) for lot in t.lots]
    assert statuses[:3] == ["open", "cancelled", "open"]
    assert t.status_on(AUG_12) == "open"
    for lot in release["tender"]["lots"]:
        lot["status"] = "cancelled"
    t = extract(compile_single(release), [(release["id"], None, release["tag"])])
    assert t.status_on(AUG_12) == "cancelled"


def test_amendments_from_a_tender_update(ws):
    t = get(ws, "ocds-h6vhtk-04bcc9")
    assert t.amendments and t.amendments[0].changes
    assert all("old" in c and "new" in c for c in t.amendments[0].changes)


def test_contracts_finder_notice(ws):
    t = get(ws, "ocds-b5fd17-e3b5f385-5989-4cf1-8849-01c247fc9c30")  # award with mojibake
    assert t.source == "cf"
    assert t.notice_url == (
        "https://www.contractsfinder.service.gov.uk/Notice/2a1e3359-87a0-4fdd-ac61-20d5e6520a13"
    )
    assert t.notice_type == "award"
    assert "â€" not in t.description and "framework. The initial" in t.description
    assert (t.value_min, t.value_max) == (93007.0, 372032.0)
    assert t.cpv == ["63712400"] and t.cpv_labels["63712400"] == "Parking services"
    assert (t.sme, t.vcse) == (True, False)
    assert t.places == ["TLC", "TLD", "TLE", "TLF", "TLG", "TLH", "TLI", "TLJ", "TLK"]  # England
    assert t.status_on(AUG_12) == "awarded"
    amended = get(ws, "ocds-b5fd17-abff81c6-f0cd-47d6-a8ad-ca9478fac6be")
    assert amended.notice_type == "tenderAmendment"
    assert amended.places == ["TLI"]  # "London"


def test_whole_uk_and_buyer_fallback():
    release = raw(FTS_PAGE, "076979-2026")
    assert (
        extract(compile_single(release), [(release["id"], None, release["tag"])]).places[0] == "TL"
    )
    legacy = raw(FTS_PAGE, "076902-2026")  # no items: the buyer's NUTS3 region is used
    t = extract(compile_single(legacy), [(legacy["id"], None, legacy["tag"])])
    assert t.places == ["TLI41"] and t.places_from_buyer
    assert t.status_on(AUG_12) == "closed"  # a correction without status is not "open"


def test_defects_are_listed(ws):
    rows = dict(ws.conn.execute("SELECT ocid, defects FROM tenders").fetchall())
    kinds = {d.split(":")[0] for v in rows.values() for d in json.loads(v)}
    assert {"no_value", "no_place", "odd_number"} <= kinds


def test_clean_text():
    assert clean_text("Caf\u00c3\u00a9 &amp; bar\u00e2\u20ac\u2122s") == "Café & bar’s"
    assert clean_text("  a\r\n\r\n\r\n\r\nb \t c&#039;d  ") == "a\n\nb c'd"
    assert clean_text("<p>One</p><p>Two<br/>Three</p>") == "One\n\nTwo\nThree"
    assert clean_text("£5 – 10 “quoted”") == "£5 – 10 “quoted”"  # real Unicode is left alone
    assert clean_text(None) == ""


def test_import_extraction_stores_the_same_columns_as_full_extraction():
    from consortium.tenders.store import TENDER_COLUMNS, tender_values

    for path in (FTS_PAGE, FTS_SELECTED, CF_PAGE):
        for release in json.loads(path.read_text())["releases"]:
            compiled = compile_single(release)
            history = [(release["id"], None, release["tag"])]
            light = extract(compiled, history, full=False)
            full = extract(compiled, history)
            assert tender_values(light, "h", 1, "a", "b") == tender_values(full, "h", 1, "a", "b")
            assert store.cpv_codes(light) == store.cpv_codes(full)
            assert store.place_codes(light) == store.place_codes(full)
            assert len(TENDER_COLUMNS) == len(tender_values(full, "h", 1, "a", "b"))


def test_quick_check_for_untidy_text_agrees_with_the_full_pattern():
    import random
    import re

    from consortium.tenders.extract import _needs_work

    # What clean_text must act on: entities, tags, mojibake lead bytes, odd spaces, line ends.
    full = re.compile("[&<\u00c2-\u00f4\t\f\v\r\u00a0\u202f]|  | \n|\n |\n\n\n")
    alphabet = ["a", " ", "\n", "&", "<", "\t", "\r", "\f", "\v", "é", "\u00a0", "\u202f", "’", "Ã"]
    rng = random.Random(3)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        assert _needs_work(text) == bool(full.search(text)), repr(text)


def test_the_law_a_tender_is_run_under_is_read_from_its_notice(ws):
    # The Milton Keynes notice began under the Procurement Act 2023 (UKPGA 2023/54).
    mk = get(ws, "ocds-h6vhtk-05a7b0")
    assert (mk.legal_basis, mk.regime) == ("UKPGA 2023/54", "Procurement Act 2023")
    celex = {"id": "32014L0024", "scheme": "CELEX"}
    release = {"ocid": "ocds-x-1", "id": "1", "date": "2024-01-02T00:00:00Z", "tag": ["tender"]}
    older = extract(compile_single({**release, "tender": {"id": "1", "legalBasis": celex}}))
    assert older.regime == "Public Contracts Regulations 2015"
    # A notice that does not say, or says it in an odd shape, has no regime (never a failure).
    for odd in (None, "2023/54", {"id": {"x": 1}}, {"scheme": "UKPGA"}, {"id": "1999/1"}):
        t = extract(compile_single({**release, "tender": {"id": "1", "legalBasis": odd}}))
        assert t.regime is None, odd


def test_the_tender_pane_and_the_command_line_say_which_law_it_is_run_under(ws):
    from consortium.tenders.cli import format_tender
    from ui.tender_detail import tender_html

    mk = get(ws, "ocds-h6vhtk-05a7b0")
    assert "Run under" in tender_html(mk, dt.date(2026, 8, 12))
    assert "Procurement Act 2023" in tender_html(mk, dt.date(2026, 8, 12))
    assert "Run under: Procurement Act 2023" in format_tender(mk)
