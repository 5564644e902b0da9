"""A partner record as plain JSON (for work packs and replies) and back, and the record as a
flat set of comparable parts for the diff.

    data = record_to_dict(org)          # everything the lead holds on the member
    org = record_from_dict(data)        # validated shape; raises WorkError naming the field
    parts = record_parts(data)          # {"field:postcode": "MK9 3HQ", "credential:insurance:Public liability": {...}}
"""

from __future__ import annotations

import datetime as dt
import re

from consortium.errors import ConsortiumError
from consortium.formatting import iso_date, money, uk_date
from consortium.partners.rules import check_organisation
from consortium.records import (
    LEGAL_FORMS,
    Contact,
    Credential,
    Organisation,
    PastContract,
)


class WorkError(ConsortiumError):
    """Work for or from a member cannot be made or taken in; the message says why."""


SCALARS = (
    "legal_form",
    "charity_number",
    "company_number",
    "address",
    "postcode",
    "website",
    "services",
    "staff",
    "volunteers",
)
LABELS = {
    "legal_form": "Legal form",
    "charity_number": "Charity number",
    "company_number": "Company number",
    "address": "Address",
    "postcode": "Postcode",
    "website": "Website",
    "services": "Services",
    "staff": "Staff",
    "volunteers": "Volunteers",
}


def record_to_dict(org: Organisation) -> dict:
    return {
        "partner_id": org.id,
        "name": org.name,
        **{k: getattr(org, k) for k in SCALARS},
        "cpv_codes": list(org.cpv_codes),
        "areas": list(org.areas),
        "beneficiaries": list(org.beneficiaries),
        "turnover": {str(y): a for y, a in sorted(org.turnover.items())},
        "contacts": [
            {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
            for c in org.contacts
        ],
        "credentials": [
            {
                "kind": c.kind,
                "type": c.type,
                "reference": c.reference,
                "cover": c.cover,
                "expires": c.expires.isoformat() if c.expires else None,
                "notes": c.notes,
            }
            for c in org.credentials
        ],
        "past_contracts": [
            {
                "buyer": p.buyer,
                "title": p.title,
                "value": p.value,
                "start_year": p.start_year,
                "end_year": p.end_year,
                "outcome": p.outcome,
            }
            for p in org.past_contracts
        ],
    }


def _text(value, where: str, limit: int = 20_000) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise WorkError(f"{where} should be text.")
    if len(value) > limit:
        raise WorkError(f"{where} is longer than {limit:,} characters.")
    return value


def _int(value, where: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 10**13:
        raise WorkError(f"{where} should be a whole number.")
    return value


def _date(value, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    found = iso_date(value) if isinstance(value, str) else None
    if found is None:
        raise WorkError(f"{where} should be a date (2027-07-01), not {str(value)[:40]!r}.")
    return found


def _list(value, where: str, limit: int = 2_000) -> list:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > limit:
        raise WorkError(f"{where} should be a list.")
    return value


def record_from_dict(data: dict, where: str = "The record") -> Organisation:
    """An Organisation from a record as a work pack or reply carries it; every field's shape
    is checked, and a bad one is named."""
    if not isinstance(data, dict):
        raise WorkError(f"{where} is not a partner record.")
    legal_form = _text(data.get("legal_form"), f"{where}: legal form") or "charity"
    if legal_form not in LEGAL_FORMS:
        raise WorkError(f"{where}: '{legal_form[:40]}' is not a legal form.")
    org = Organisation(
        name=_text(data.get("name"), f"{where}: name").strip(),
        legal_form=legal_form,
        **{
            k: _text(data.get(k), f"{where}: {LABELS[k].lower()}")
            for k in SCALARS
            if k not in ("legal_form", "staff", "volunteers")
        },
        staff=_int(data.get("staff"), f"{where}: staff"),
        volunteers=_int(data.get("volunteers"), f"{where}: volunteers"),
    )
    org.cpv_codes = [
        _text(c, f"{where}: CPV code", 20) for c in _list(data.get("cpv_codes"), "CPV codes")
    ]
    org.areas = [_text(c, f"{where}: area", 20) for c in _list(data.get("areas"), "areas")]
    org.beneficiaries = [
        _text(c, f"{where}: beneficiaries")
        for c in _list(data.get("beneficiaries"), "beneficiaries")
    ]
    turnover = data.get("turnover") or {}
    if not isinstance(turnover, dict):
        raise WorkError(f"{where}: turnover should be amounts by year.")
    for year, amount in turnover.items():
        if not str(year).isdigit() or len(str(year)) != 4:
            raise WorkError(f"{where}: turnover year '{str(year)[:10]}' is not a year.")
        org.turnover[int(year)] = _int(amount, f"{where}: turnover for {year}") or 0
    for c in _list(data.get("contacts"), f"{where}: contacts"):
        if not isinstance(c, dict):
            raise WorkError(f"{where}: a contact is not a person's details.")
        org.contacts.append(
            Contact(
                name=_text(c.get("name"), f"{where}: contact name"),
                role=_text(c.get("role"), f"{where}: contact role"),
                email=_text(c.get("email"), f"{where}: contact email"),
                phone=_text(c.get("phone"), f"{where}: contact phone"),
            )
        )
    for c in _list(data.get("credentials"), f"{where}: documents"):
        if not isinstance(c, dict):
            raise WorkError(f"{where}: a document is not an insurance, policy or accreditation.")
        kind = _text(c.get("kind"), f"{where}: document kind", 40)
        label = f"{where}: {_text(c.get('type'), 'type') or kind}"
        org.credentials.append(
            Credential(
                kind=kind,
                type=_text(c.get("type"), f"{label} type"),
                reference=_text(c.get("reference"), f"{label} reference"),
                cover=_int(c.get("cover"), f"{label} cover"),
                expires=_date(c.get("expires"), f"{label} expiry date"),
                notes=_text(c.get("notes"), f"{label} notes"),
            )
        )
    for p in _list(data.get("past_contracts"), f"{where}: past contracts"):
        if not isinstance(p, dict):
            raise WorkError(f"{where}: a past contract is not a contract.")
        org.past_contracts.append(
            PastContract(
                buyer=_text(p.get("buyer"), f"{where}: past contract buyer"),
                title=_text(p.get("title"), f"{where}: past contract title"),
                value=_int(p.get("value"), f"{where}: past contract value"),
                start_year=_int(p.get("start_year"), f"{where}: past contract start"),
                end_year=_int(p.get("end_year"), f"{where}: past contract end"),
                outcome=_text(p.get("outcome"), f"{where}: past contract outcome"),
            )
        )
    # The one rule for a partner record, as the editor, the spreadsheet import and saving
    # apply it: a name of 100,000 characters or with a line break is refused here, naming
    # the field, before anything is stored (the limits above only guard the reading).
    problems = check_organisation(org)
    if problems:
        field, message = next(iter(problems.items()))
        raise WorkError(f"{where}: {_field_label(field)}: {message}")
    return org


def _field_label(field: str) -> str:
    """'contacts[2].name' -> 'contact 2, name'; 'postcode' -> 'postcode'."""
    m = re.fullmatch(r"(contacts|credentials|past_contracts)\[(\d+)\]\.(\w+)", field)
    if not m:
        return LABELS.get(field, field.replace("_", " ")).lower()
    kind = {"contacts": "contact", "credentials": "document", "past_contracts": "past contract"}
    return f"{kind[m[1]]} {m[2]}, {m[3].replace('_', ' ')}"


# ------------------------------------------------------------------------------- the diff
def _norm(value):
    if isinstance(value, str):
        return value.strip() or None
    return value


def credential_key(c: dict) -> str:
    return f"credential:{c.get('kind')}:{c.get('type')}"


def record_parts(data: dict) -> dict[str, object]:
    """The record as separately acceptable parts: each field, each year's turnover, each
    document (by kind and type) and each contact (by name)."""
    parts: dict[str, object] = {}
    for k in SCALARS:
        parts[f"field:{k}"] = _norm(data.get(k))
    for year, amount in (data.get("turnover") or {}).items():
        parts[f"turnover:{year}"] = amount
    for c in data.get("credentials") or []:
        parts[credential_key(c)] = {
            "reference": _norm(c.get("reference")),
            "cover": c.get("cover"),
            "expires": c.get("expires"),
            "notes": _norm(c.get("notes")),
        }
    for c in data.get("contacts") or []:
        parts[f"contact:{c.get('name')}"] = {
            "role": _norm(c.get("role")),
            "email": _norm(c.get("email")),
            "phone": _norm(c.get("phone")),
        }
    return parts


def part_label(key: str) -> str:
    what, _, rest = key.partition(":")
    if what == "field":
        return LABELS.get(rest, rest)
    if what == "turnover":
        return f"Turnover {rest}"
    if what == "credential":
        kind, _, type_ = rest.partition(":")
        return f"{type_} {kind}" if kind == "insurance" else f"{type_} ({kind})"
    if what == "contact":
        return f"Contact: {rest}"
    return key


def part_text(key: str, value) -> str:
    """A part's value as a person reads it: dates British, money in pounds."""
    if value is None:
        return "(none)"
    what = key.partition(":")[0]
    if what == "turnover":
        return money(value)
    if what == "credential" and isinstance(value, dict):
        bits = []
        expires = iso_date(value.get("expires")) if value.get("expires") else None
        bits.append(f"expires {uk_date(expires)}" if expires else "no expiry date")
        if value.get("cover"):
            bits.append(f"cover {money(value['cover'])}")
        if value.get("reference"):
            bits.append(f"ref {value['reference']}")
        return ", ".join(bits)
    if what == "contact" and isinstance(value, dict):
        return (
            ", ".join(
                str(v) for v in (value.get("role"), value.get("email"), value.get("phone")) if v
            )
            or "(no details)"
        )
    return str(value)


def apply_part(data: dict, key: str, value) -> None:
    """Set one part of a record dict to ``value`` (None removes it)."""
    what, _, rest = key.partition(":")
    if what == "field":
        data[rest] = (
            value if value is not None else ("" if rest not in ("staff", "volunteers") else None)
        )
    elif what == "turnover":
        turnover = dict(data.get("turnover") or {})
        if value is None:
            turnover.pop(rest, None)
        else:
            turnover[rest] = value
        data["turnover"] = turnover
    elif what == "credential":
        kind, _, type_ = rest.partition(":")
        items = [c for c in data.get("credentials") or [] if credential_key(c) != key]
        if value is not None:
            items.append({"kind": kind, "type": type_, **value})
        data["credentials"] = items
    elif what == "contact":
        items = [c for c in data.get("contacts") or [] if f"contact:{c.get('name')}" != key]
        if value is not None:
            items.append({"name": rest, **value})
        data["contacts"] = items


# ------------------------------------------------------------ the member checks its record
EDITABLE_FIELDS = ("charity_number", "company_number", "address", "postcode", "website")


def editable_rows(data: dict) -> list[tuple[str, str, str]]:
    """(key, label, value as text) for each line of the record a member confirms or
    corrects: dates British, money in pounds. :func:`set_text` takes the text back."""
    rows = [(f"field:{k}", LABELS[k], str(data.get(k) or "")) for k in EDITABLE_FIELDS]
    for year, amount in sorted((data.get("turnover") or {}).items()):
        rows.append((f"turnover:{year}", f"Turnover {year}", money(amount)))
    for c in data.get("credentials") or []:
        key = credential_key(c)
        label = part_label(key)
        expires = iso_date(c.get("expires")) if c.get("expires") else None
        rows.append((f"{key}:expires", f"{label}: expires", uk_date(expires) if expires else ""))
        rows.append((f"{key}:reference", f"{label}: reference", str(c.get("reference") or "")))
        if c.get("kind") == "insurance":
            rows.append(
                (f"{key}:cover", f"{label}: cover", money(c["cover"]) if c.get("cover") else "")
            )
    for c in data.get("contacts") or []:
        for part in ("role", "email", "phone"):
            rows.append(
                (
                    f"contact:{c.get('name')}:{part}",
                    f"{c.get('name')}: {part}",
                    str(c.get(part) or ""),
                )
            )
    return rows


def set_text(data: dict, key: str, text: str) -> None:
    """Put one corrected line (as typed) into the record dict; a date or amount that cannot
    be read raises :class:`WorkError` naming the line."""
    from consortium.formatting import parse_date, parse_money

    text = (text or "").strip()
    what, _, rest = key.partition(":")
    try:
        if what == "field":
            data[rest] = text
        elif what == "turnover":
            data.setdefault("turnover", {})[rest] = parse_money(text) if text else 0
        elif what == "credential":
            kind_type, _, part = rest.rpartition(":")
            kind, _, type_ = kind_type.partition(":")
            item = next(
                c
                for c in data.get("credentials") or []
                if (c.get("kind"), c.get("type")) == (kind, type_)
            )
            if part == "expires":
                item["expires"] = parse_date(text).isoformat() if text else None
            elif part == "cover":
                item["cover"] = parse_money(text) if text else None
            else:
                item[part] = text
        elif what == "contact":
            name, _, part = rest.rpartition(":")
            item = next(c for c in data.get("contacts") or [] if c.get("name") == name)
            item[part] = text
    except (ValueError, StopIteration) as exc:
        raise WorkError(f"'{text}' cannot be read: {exc}. Type it again.") from None
