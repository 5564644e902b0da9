"""The partner workbook's layout: one sheet per record type, its columns and how to read them.

The template, the export and the importer all use these definitions, so they cannot drift apart.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from consortium.records import (
    ACCREDITATION_TYPES,
    CONTRACT_OUTCOMES,
    INSURANCE_TYPES,
    LEGAL_FORMS,
    POLICY_TYPES,
)


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str = "text"  # how the importer reads it; see partners.excel._PARSERS
    required: bool = False
    help: str = ""
    choices: str = ""  # name of a list on the Lists sheet, for a drop-down
    strict: bool = True  # drop-down refuses other values (False: suggestions only)
    aliases: tuple[str, ...] = ()
    width: int = 18


@dataclass(frozen=True)
class Sheet:
    title: str
    kind: str  # organisation, contact, turnover, accreditation, insurance, policy, contract
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    help: str = ""


ORG = Column(
    "Organisation",
    "organisation",
    required=True,
    help="The partner's name, exactly as on the Organisations sheet",
    aliases=(
        "organisation name",
        "partner",
        "partner name",
        "org",
        "charity",
        "name of organisation",
    ),
    width=32,
)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "Organisations",
        "organisation",
        (
            Column(
                "Name",
                "name",
                required=True,
                help="Required",
                aliases=(
                    "organisation",
                    "organisation name",
                    "partner",
                    "partner name",
                    "charity name",
                ),
                width=32,
            ),
            Column(
                "Legal form",
                "legal_form",
                "legal_form",
                choices="legal_forms",
                aliases=("type", "legal status", "structure"),
            ),
            Column(
                "Charity number",
                "charity_number",
                "charity_number",
                help="e.g. 1123456, SC012345, NIC100002",
                aliases=(
                    "charity no",
                    "registered charity number",
                    "charity reg no",
                    "charity registration number",
                ),
            ),
            Column(
                "Company number",
                "company_number",
                "company_number",
                help="Companies House, e.g. 01234567",
                aliases=(
                    "company no",
                    "company registration number",
                    "companies house number",
                    "society number",
                ),
            ),
            Column("Address", "address", aliases=("registered address", "address line"), width=30),
            Column(
                "Postcode", "postcode", "postcode", aliases=("post code", "postal code"), width=11
            ),
            Column(
                "Website",
                "website",
                "website",
                aliases=("web", "web site", "url", "web address"),
                width=24,
            ),
            Column(
                "Services",
                "services",
                help="What you deliver, in your words",
                aliases=(
                    "description",
                    "services description",
                    "what we do",
                    "service description",
                ),
                width=40,
            ),
            Column(
                "CPV codes",
                "cpv_codes",
                "cpv_list",
                help="Separate with ; e.g. 85311000; 85312000",
                aliases=("cpv", "cpv code", "service codes"),
                width=24,
            ),
            Column(
                "Areas served",
                "areas",
                "area_list",
                help="Councils or ITL regions, separated by ; (see the Councils sheet)",
                aliases=(
                    "areas",
                    "area",
                    "councils",
                    "local authorities",
                    "where",
                    "areas covered",
                ),
                width=30,
            ),
            Column(
                "Beneficiary groups",
                "beneficiaries",
                "text_list",
                help="Separated by ;",
                aliases=("beneficiaries", "client groups", "who we help"),
                width=30,
            ),
            Column(
                "Staff",
                "staff",
                "count",
                help="Number of paid staff",
                aliases=("employees", "staff numbers", "number of staff", "paid staff"),
            ),
            Column(
                "Volunteers",
                "volunteers",
                "count",
                aliases=("number of volunteers", "volunteer numbers"),
            ),
            Column(
                "Our organisation",
                "is_ours",
                "yes_no",
                help="Yes for your own organisation (one only)",
                choices="yes_no",
                aliases=("ours", "us", "is ours"),
            ),
            Column("Notes", "notes", width=30),
        ),
        aliases=("organisation", "partners", "partner", "orgs", "organisations list"),
        help="One row per partner organisation. Only Name is required.",
    ),
    Sheet(
        "Contacts",
        "contact",
        (
            ORG,
            Column(
                "Name",
                "name",
                required=True,
                aliases=("contact", "contact name", "person", "full name"),
                width=24,
            ),
            Column("Role", "role", aliases=("job title", "position", "title"), width=22),
            Column("Email", "email", "email", aliases=("email address", "e-mail"), width=28),
            Column(
                "Phone",
                "phone",
                "phone",
                aliases=("telephone", "tel", "phone number", "mobile"),
                width=16,
            ),
        ),
        aliases=("contact", "people"),
        help="People at each partner. This is personal data: keep only what you need.",
    ),
    Sheet(
        "Turnover",
        "turnover",
        (
            ORG,
            Column(
                "Year",
                "year",
                "year",
                required=True,
                help="Financial year ending, e.g. 2025",
                aliases=("financial year", "year ending", "fy"),
            ),
            Column(
                "Turnover (£)",
                "amount",
                "money",
                required=True,
                aliases=("turnover", "income", "annual income", "amount", "annual turnover"),
            ),
        ),
        aliases=("income", "finances", "annual turnover"),
        help="Annual turnover, one row per organisation and year.",
    ),
    Sheet(
        "Accreditations",
        "accreditation",
        (
            ORG,
            Column(
                "Accreditation",
                "type",
                required=True,
                choices="accreditations",
                strict=False,
                help="Pick from the list or type your own",
                aliases=("type", "accreditation type", "standard", "registration"),
                width=24,
            ),
            Column(
                "Reference",
                "reference",
                aliases=("certificate number", "registration number", "ref"),
                width=18,
            ),
            Column(
                "Expiry date",
                "expires",
                "date",
                help="e.g. 23/11/2026",
                aliases=("expiry", "expires", "valid until", "renewal date", "review date"),
            ),
            Column("Notes", "notes", width=30),
        ),
        aliases=("accreditation", "quality marks", "registrations"),
    ),
    Sheet(
        "Insurances",
        "insurance",
        (
            ORG,
            Column(
                "Insurance",
                "type",
                required=True,
                choices="insurances",
                strict=False,
                aliases=("type", "insurance type", "cover type"),
                width=24,
            ),
            Column(
                "Cover (£)",
                "cover",
                "money",
                help="Limit of indemnity, e.g. 5000000",
                aliases=("cover", "amount", "limit", "indemnity", "sum insured"),
            ),
            Column(
                "Policy number", "reference", aliases=("reference", "policy no", "ref"), width=18
            ),
            Column(
                "Expiry date",
                "expires",
                "date",
                aliases=("expiry", "expires", "valid until", "renewal date"),
            ),
            Column("Notes", "notes", width=30),
        ),
        aliases=("insurance",),
    ),
    Sheet(
        "Policies",
        "policy",
        (
            ORG,
            Column(
                "Policy",
                "type",
                required=True,
                choices="policies",
                strict=False,
                aliases=("type", "policy type", "policy name"),
                width=28,
            ),
            Column(
                "Review date",
                "expires",
                "date",
                help="When it is next due for review",
                aliases=("review", "next review", "expiry date", "expires", "review due"),
            ),
            Column("Notes", "notes", width=30),
        ),
        aliases=("policy",),
    ),
    Sheet(
        "Past contracts",
        "contract",
        (
            ORG,
            Column(
                "Buyer",
                "buyer",
                required=True,
                aliases=("commissioner", "client", "funder", "customer"),
                width=26,
            ),
            Column(
                "Contract",
                "title",
                aliases=("title", "contract title", "service", "description"),
                width=30,
            ),
            Column("Value (£)", "value", "money", aliases=("value", "contract value", "amount")),
            Column("Start year", "start_year", "year", aliases=("start", "from", "year started")),
            Column("End year", "end_year", "year", aliases=("end", "to", "year ended")),
            Column(
                "Outcome",
                "outcome",
                choices="outcomes",
                strict=False,
                aliases=("result", "status"),
                width=16,
            ),
        ),
        aliases=("contracts", "track record", "past contract", "contract history"),
    ),
)

LISTS: dict[str, tuple[str, ...]] = {
    "legal_forms": tuple(LEGAL_FORMS.values()),
    "yes_no": ("Yes", "No"),
    "accreditations": ACCREDITATION_TYPES,
    "insurances": INSURANCE_TYPES,
    "policies": POLICY_TYPES,
    "outcomes": CONTRACT_OUTCOMES,
}

CREDENTIAL_SHEETS = {"accreditation", "insurance", "policy"}


def header_key(text: object) -> str:
    """How headers are compared: case, spacing, punctuation and '(£)' don't matter."""
    if isinstance(text, str):
        return _header_key_of_text(text)
    return _header_key(text)


@functools.lru_cache(maxsize=16384)
def _header_key_of_text(text: str) -> str:
    # Cached: the importer compares the same few headers, types and names many times a row.
    return _header_key(text)


def _header_key(text: object) -> str:
    value = str(text or "").lower().replace("£", "").replace("&", " and ")
    value = re.sub(r"[^a-z0-9]+", " ", value)
    return " ".join(value.split())


def match_column(sheet: Sheet, header: object) -> Column | None:
    key = header_key(header)
    if not key:
        return None
    for column in sheet.columns:
        if key == header_key(column.header) or key in {header_key(a) for a in column.aliases}:
            return column
    return None


def match_sheet(title: str) -> Sheet | None:
    key = header_key(title)
    for sheet in SHEETS:
        if key == header_key(sheet.title) or key in {header_key(a) for a in sheet.aliases}:
            return sheet
    return None
