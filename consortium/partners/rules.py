"""What makes a partner record valid. Used by the editor (inline), the importer and ``save``."""

from __future__ import annotations

from consortium import cpv, places, validation
from consortium.records import CREDENTIAL_KINDS, LEGAL_FORMS, Organisation
from consortium.text import listed
from consortium.validation import MAX_LINE


def check_organisation(org: Organisation) -> dict[str, str]:
    """Problems as {field: message}; empty when the record can be saved."""
    problems: dict[str, str] = {}

    def field(name: str, check, value, *args) -> None:
        if value in (None, ""):
            return
        try:
            check(value, *args)
        except ValueError as exc:
            problems[name] = str(exc)

    if not org.name.strip():
        problems["name"] = "Every partner needs a name"
    field("name", validation.one_line, org.name, "The name")
    field("address", validation.long_text, org.address, "The address", 1_000)
    field("services", validation.long_text, org.services, "Services")
    field("notes", validation.long_text, org.notes, "Notes")
    for i, who in enumerate(org.beneficiaries, start=1):
        field("beneficiaries", validation.one_line, who, f"Who they serve ({i})", MAX_LINE)
    if org.legal_form not in LEGAL_FORMS:
        problems["legal_form"] = (
            f"'{org.legal_form}' is not a legal form; choose one of: {', '.join(LEGAL_FORMS.values())}"
        )
    field("charity_number", validation.charity_number, org.charity_number)
    field("company_number", validation.company_number, org.company_number)
    field("postcode", validation.postcode, org.postcode)
    field("website", validation.website, org.website)
    for what in ("staff", "volunteers"):
        value = getattr(org, what)
        if value is not None and (
            not isinstance(value, int) or not 0 <= value <= validation.MAX_COUNT
        ):
            problems[what] = (
                f"{what.capitalize()} must be a whole number from 0 to {validation.MAX_COUNT:,}"
            )
    unknown_cpv = [c for c in org.cpv_codes if cpv.lookup(c) is None]
    if unknown_cpv:
        problems["cpv_codes"] = f"Not in the CPV 2008 list: {listed(unknown_cpv)}"
    unknown_areas = [a for a in org.areas if area_label(a) is None]
    if unknown_areas:
        problems["areas"] = f"Not a UK council or ITL region code: {listed(unknown_areas)}"
    bad_years = [y for y, amount in org.turnover.items() if not 1900 <= y <= 2100 or amount < 0]
    if bad_years:
        problems["turnover"] = (
            f"Turnover needs a year like 2025 and an amount of £0 or more ({listed(bad_years)})"
        )
    for i, contact in enumerate(org.contacts, start=1):
        if not contact.name.strip():
            problems[f"contacts[{i}].name"] = "Every contact needs a name"
        field(f"contacts[{i}].name", validation.one_line, contact.name, "The name")
        field(f"contacts[{i}].role", validation.one_line, contact.role, "The role", MAX_LINE)
        field(f"contacts[{i}].phone", validation.one_line, contact.phone, "The phone", MAX_LINE)
        field(f"contacts[{i}].email", validation.email, contact.email)
    for i, cred in enumerate(org.credentials, start=1):
        if cred.kind not in CREDENTIAL_KINDS:
            problems[f"credentials[{i}].kind"] = f"'{cred.kind}' is not one of {CREDENTIAL_KINDS}"
        if not cred.type.strip():
            problems[f"credentials[{i}].type"] = f"Say which {cred.kind} this is"
        for part, what in (("type", f"The {cred.kind}"), ("reference", "The reference")):
            field(
                f"credentials[{i}].{part}", validation.one_line, getattr(cred, part), what, MAX_LINE
            )
        field(f"credentials[{i}].notes", validation.long_text, cred.notes, "Notes")
        if cred.cover is not None and cred.cover < 0:
            problems[f"credentials[{i}].cover"] = "Cover must be £0 or more"
    for i, contract in enumerate(org.past_contracts, start=1):
        if not contract.buyer.strip():
            problems[f"past_contracts[{i}].buyer"] = "Every past contract needs a buyer"
        field(f"past_contracts[{i}].buyer", validation.one_line, contract.buyer, "The buyer")
        for part, what in (("title", "The title"), ("outcome", "The outcome")):
            field(
                f"past_contracts[{i}].{part}",
                validation.one_line,
                getattr(contract, part),
                what,
                MAX_LINE,
            )
        if contract.start_year and contract.end_year and contract.end_year < contract.start_year:
            problems[f"past_contracts[{i}].end_year"] = "The contract ends before it starts"
    return problems


def area_label(code: str) -> str | None:
    """'Camden' for a council GSS code, the region name for an ITL code, None if unknown."""
    council = places.council(code)
    if council is not None:
        return council.name
    region = places.region(code)
    return region.name if region is not None else None
