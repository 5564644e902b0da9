"""UK identifiers, dates and money as people type them, and the record rules."""

from __future__ import annotations

import datetime as dt

import pytest

from consortium import validation
from consortium.formatting import money, parse_date, parse_money, possessive, uk_date
from consortium.partners.rules import area_label, check_organisation
from consortium.records import Contact, Credential, Organisation, PastContract, normalise_name


# ------------------------------------------------------------------------- charity numbers
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1123456", "1123456"),
        (1123456, "1123456"),
        (1123456.0, "1123456"),  # Excel stores numbers as floats
        ("212345", "212345"),
        ("1123456-1", "1123456-1"),
        ("sc012345", "SC012345"),
        ("SC 012345", "SC012345"),
        ("NIC100002", "NIC100002"),
        ("nic 100002", "NIC100002"),
    ],
)
def test_charity_numbers_accepted(raw, expected):
    assert validation.charity_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("12AB", "6 to 8 digits"),
        ("12345", "6 to 8 digits"),
        ("123456789", "6 to 8 digits"),
        ("SC12345", "SC0 and five digits"),
        ("SC0123456", "SC0 and five digits"),
        ("NI100002", "NIC and six digits"),
        ("NIC10002", "NIC and six digits"),
    ],
)
def test_charity_numbers_refused_with_a_hint(raw, words):
    with pytest.raises(ValueError) as err:
        validation.charity_number(raw)
    assert f"'{raw}' is not a charity number" in str(err.value)
    assert words in str(err.value)


# ------------------------------------------------------------------------- company numbers
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01234567", "01234567"),
        (1234567, "01234567"),  # Excel dropped the leading zero
        (1234567.0, "01234567"),
        ("sc123456", "SC123456"),
        ("SC 12345", "SC012345"),
        ("CE001234", "CE001234"),
        ("RS007712", "RS007712"),
        ("IP12345R", "IP12345R"),
    ],
)
def test_company_numbers(raw, expected):
    assert validation.company_number(raw) == expected


@pytest.mark.parametrize("raw", ["123456789", "XX123456", "ABC", "SC1234567"])
def test_company_numbers_refused(raw):
    with pytest.raises(ValueError, match="not a company number.*8 characters"):
        validation.company_number(raw)


# --------------------------------------------------------------------- postcodes and so on
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" M1 1AE ", "M1 1AE"),
        ("b33 8th", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("EC1A 1BB", "EC1A 1BB"),
    ],
)
def test_postcodes(raw, expected):
    assert validation.postcode(raw) == expected


@pytest.mark.parametrize("raw", ["SW1A", "12345", "QQ1 1AA", "SW1A 1AAA", "M1 1CE"])
def test_postcodes_refused(raw):
    with pytest.raises(ValueError, match="not a UK postcode; write it like SW1A 1AA"):
        validation.postcode(raw)


def test_email():
    assert validation.email(" ann@hope.org.uk ") == "ann@hope.org.uk"
    for bad in ("ann", "ann@hope", "ann @hope.org", "a@b@c.org"):
        with pytest.raises(ValueError, match="not an email address"):
            validation.email(bad)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("020 7946 0000", "020 7946 0000"),
        ("+44 20 7946 0000", "+44 20 7946 0000"),
        (2079460000, "02079460000"),  # Excel ate the leading zero
        (7700900123.0, "07700900123"),
    ],
)
def test_phone(raw, expected):
    assert validation.phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "call reception", "020 7946 00000 00"])
def test_phone_refused(raw):
    with pytest.raises(ValueError, match="not a UK phone number"):
        validation.phone(raw)


def test_website():
    assert validation.website("www.hope.org.uk") == "https://www.hope.org.uk"
    assert validation.website("http://hope.org.uk/about") == "http://hope.org.uk/about"
    for bad in ("hope", "not a site.org", "https://"):
        with pytest.raises(ValueError, match="not a web address"):
            validation.website(bad)


@pytest.mark.parametrize(("raw", "expected"), [(12, 12), (12.0, 12), ("1,200", 1200), ("0", 0)])
def test_whole_number(raw, expected):
    assert validation.whole_number(raw, "Staff") == expected


@pytest.mark.parametrize("raw", ["about twelve", "-3", 2.5, True])
def test_whole_number_refused(raw):
    with pytest.raises(ValueError, match="Staff must be a whole number"):
        validation.whole_number(raw, "Staff")


# ---------------------------------------------------------------------------------- dates
NOV_23 = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    "raw",
    [
        "23/11/2026",
        "23/11/26",
        "23-11-2026",
        "23.11.2026",
        "2026-11-23",
        "23 Nov 2026",
        "23 nov 2026",
        "23 November 2026",
        "23rd November 2026",
        "Nov 23 2026",
        "November 23, 2026",
        " 23/11/2026 ",
        dt.datetime(2026, 11, 23, 14, 30),
        NOV_23,
        46349,  # Excel serial day number
        46349.0,
    ],
)
def test_parse_date(raw):
    assert parse_date(raw) == NOV_23


def test_parse_date_is_day_first():
    assert parse_date("03/04/2026") == dt.date(2026, 4, 3)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("31/02/2026", "not a real date"),
        ("soon", "not a date; write it like 23/11/2026"),
        ("", "empty"),
        ("23 Smarch 2026", "not a date"),
    ],
)
def test_parse_date_refused(raw, words):
    with pytest.raises(ValueError, match=words):
        parse_date(raw)


def test_uk_date():
    assert uk_date(dt.date(2026, 11, 3)) == "3 Nov 2026"
    assert uk_date(None) == ""


# ---------------------------------------------------------------------------------- money
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1250000, 1250000),
        (1250000.0, 1250000),
        ("£1,250,000", 1250000),
        ("1.25m", 1250000),
        ("250k", 250000),
        ("£1,250.49", 1250),
        ("GBP 5000", 5000),
    ],
)
def test_parse_money(raw, expected):
    assert parse_money(raw) == expected


@pytest.mark.parametrize("raw", ["lots", "-5", -5, True])
def test_parse_money_refused(raw):
    with pytest.raises(ValueError):
        parse_money(raw)


def test_money():
    assert money(1250000) == "£1,250,000"
    assert money(-20) == "-£20"
    assert money(1250000.5, pence=True) == "£1,250,000.50"
    assert money(None) == ""


def test_money_rounds_halves_up_and_takes_decimals():
    from decimal import Decimal

    # One formatter for documents, workbooks and the window: halves go up (not to even), and
    # the statement's £45,792.76 is the window's £45,792.76.
    assert money(2.5) == "£3" and money(0.5) == "£1" and money(-2.5) == "-£3"
    assert money(Decimal("45792.755"), pence=True) == "£45,792.76"
    assert money(Decimal("45792.76"), pence=True) == "£45,792.76"
    assert money(1234567890.12, pence=True) == "£1,234,567,890.12"
    assert money(0.125, pence=True) == "£0.13"


# ----------------------------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The Hope Trust Ltd", "hope trust"),
        ("The Hope Trust Ltd.", "hope trust limited"),
        ("Hope & Care CIC", "Hope and Care"),
        ("  HOPE   TRUST ", "Hope Trust"),
    ],
)
def test_normalise_name_matches_the_same_organisation(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_normalise_name_keeps_different_organisations_apart():
    assert normalise_name("Hope Trust") != normalise_name("Hope Foundation")
    assert normalise_name("The Ltd") == "the ltd"  # all noise words: keep them


# ----------------------------------------------------------------------------- the record
def test_a_full_valid_record_has_no_problems():
    org = Organisation(
        name="Hope Trust",
        legal_form="cio",
        charity_number="1123456",
        company_number="01234567",
        postcode="M1 1AE",
        website="https://hope.example.org",
        cpv_codes=["85311000"],
        areas=["E08000003", "TLD"],
        turnover={2025: 100_000},
        staff=3,
        contacts=[Contact(name="Ann", email="ann@hope.example.org")],
        credentials=[Credential(kind="insurance", type="Public liability", cover=5_000_000)],
        past_contracts=[PastContract(buyer="Manchester City Council", start_year=2020)],
    )
    assert check_organisation(org) == {}


def test_record_problems_are_named_by_field():
    org = Organisation(
        name=" ",
        legal_form="trust fund",
        charity_number="12AB",
        postcode="nowhere",
        cpv_codes=["99999999"],
        areas=["E99999999"],
        turnover={1850: 5},
        staff=-1,
        contacts=[Contact(name="", email="nope")],
        credentials=[Credential(kind="badge", type="", cover=-1)],
        past_contracts=[PastContract(buyer="", start_year=2024, end_year=2020)],
    )
    problems = check_organisation(org)
    assert set(problems) == {
        "name",
        "legal_form",
        "charity_number",
        "postcode",
        "cpv_codes",
        "areas",
        "turnover",
        "staff",
        "contacts[1].name",
        "contacts[1].email",
        "credentials[1].kind",
        "credentials[1].type",
        "credentials[1].cover",
        "past_contracts[1].buyer",
        "past_contracts[1].end_year",
    }
    assert "99999999" in problems["cpv_codes"]
    assert "E99999999" in problems["areas"]


def test_area_labels():
    assert area_label("E08000003") == "Manchester"
    assert area_label("TLD") is not None
    assert area_label("E99999999") is None


def test_readiness_flags():
    org = Organisation(
        name="X",
        credentials=[
            Credential(kind="insurance", type="Public liability", expires=NOV_23),
            Credential(kind="insurance", type="Employer's liability", expires=dt.date(2026, 1, 1)),
            Credential(kind="policy", type="Safeguarding", expires=dt.date(2026, 12, 1)),
            Credential(kind="accreditation", type="ISO 9001"),
        ],
    )
    assert org.readiness(NOV_23) == {
        "accreditation": "ok",
        "insurance": "expired",
        "policy": "soon",
    }
    assert Organisation(name="Y").readiness(NOV_23)["policy"] == "missing"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Milton Keynes Women's Refuge", "Milton Keynes Women's Refuge's"),
        ("Riverside Homes", "Riverside Homes'"),  # never "Homes's"
        ("CANALSIDE HOMES", "CANALSIDE HOMES'"),
        ("Barnardo's", "Barnardo's"),
        ("Barnardo\u2019s", "Barnardo\u2019s"),
        ("Age UK ", "Age UK's"),
        ("", ""),
    ],
)
def test_possessive(name, expected):
    assert possessive(name) == expected
