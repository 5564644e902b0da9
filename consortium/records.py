"""Domain records for the partner registry. Plain data classes: no SQL, no Qt."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

LEGAL_FORMS: dict[str, str] = {
    "charity": "Charity (trust or association)",
    "cio": "Charitable incorporated organisation (CIO)",
    "cic": "Community interest company (CIC)",
    "clg": "Company limited by guarantee",
    "cbs": "Community benefit society",
    "unincorporated": "Unincorporated association",
    "housing_association": "Housing association",
    "other": "Other",
}

ACCREDITATION_TYPES = (
    "CQC registration",
    "Ofsted registration",
    "Matrix Standard",
    "ISO 9001",
    "Cyber Essentials",
    "Cyber Essentials Plus",
    "Trusted Charity",
)
INSURANCE_TYPES = (
    "Public liability",
    "Employer's liability",
    "Professional indemnity",
)
POLICY_TYPES = (
    "Safeguarding",
    "Data protection",
    "Equality, diversity and inclusion",
    "Health and safety",
)
CREDENTIAL_KINDS = ("accreditation", "insurance", "policy")
CONTRACT_OUTCOMES = ("Delivered", "Ongoing", "Extended", "Ended early", "Not won")

BENEFICIARY_GROUPS = (
    "Children and young people",
    "Older people",
    "Disabled people",
    "People with mental health needs",
    "People with learning disabilities",
    "Carers",
    "Homeless people",
    "Refugees and asylum seekers",
    "Ex-offenders",
    "People in recovery from addiction",
    "Survivors of domestic abuse",
    "Unemployed people",
    "Families",
    "Veterans",
    "Ethnic minority communities",
    "LGBTQ+ people",
    "Women and girls",
    "Social housing tenants",
)

# An item "expires soon" within this many days (amber); past its date it is expired (red).
SOON_DAYS = 60


@dataclass
class Contact:
    """A person at a partner. Personal data: exportable and erasable one person at a time."""

    name: str
    role: str = ""
    email: str = ""
    phone: str = ""
    id: int | None = None


@dataclass
class Credential:
    """An accreditation, insurance or policy, each with an expiry or review date."""

    kind: str  # one of CREDENTIAL_KINDS
    type: str  # e.g. "CQC registration", "Public liability", "Safeguarding", or a custom name
    expires: dt.date | None = None
    reference: str = ""
    cover: int | None = None  # insurance cover in whole pounds
    notes: str = ""
    id: int | None = None

    def status(self, on: dt.date) -> str:
        """'expired', 'soon', 'ok' or 'undated' on the given day."""
        if self.expires is None:
            return "undated"
        if self.expires < on:
            return "expired"
        if (self.expires - on).days <= SOON_DAYS:
            return "soon"
        return "ok"


@dataclass
class PastContract:
    buyer: str
    title: str = ""
    value: int | None = None
    start_year: int | None = None
    end_year: int | None = None
    outcome: str = ""
    id: int | None = None


@dataclass
class Organisation:
    """A partner organisation (or, with ``is_ours``, the user's own)."""

    name: str
    legal_form: str = "charity"
    charity_number: str = ""
    company_number: str = ""
    address: str = ""
    postcode: str = ""
    website: str = ""
    services: str = ""  # free-text description of what they deliver
    cpv_codes: list[str] = field(default_factory=list)  # 8-digit codes
    areas: list[str] = field(default_factory=list)  # council GSS codes and/or ITL codes
    beneficiaries: list[str] = field(default_factory=list)
    turnover: dict[int, int] = field(default_factory=dict)  # financial year -> £
    staff: int | None = None
    volunteers: int | None = None
    contacts: list[Contact] = field(default_factory=list)
    credentials: list[Credential] = field(default_factory=list)
    past_contracts: list[PastContract] = field(default_factory=list)
    notes: str = ""
    is_ours: bool = False
    id: int | None = None
    created_at: str = ""
    updated_at: str = ""

    def latest_turnover(self) -> tuple[int, int] | None:
        """(year, amount) of the most recent year recorded."""
        if not self.turnover:
            return None
        year = max(self.turnover)
        return year, self.turnover[year]

    def readiness(self, on: dt.date) -> dict[str, str]:
        """Worst status per credential kind: 'expired', 'soon', 'ok' or 'missing'."""
        order = {"expired": 0, "soon": 1, "undated": 2, "ok": 3}
        result: dict[str, str] = {}
        for kind in CREDENTIAL_KINDS:
            statuses = [c.status(on) for c in self.credentials if c.kind == kind]
            if not statuses:
                result[kind] = "missing"
            else:
                worst = min(statuses, key=order.__getitem__)
                result[kind] = "ok" if worst == "undated" else worst
        return result


def normalise_name(name: str) -> str:
    """A key that matches the same organisation typed differently.

    "The Hope Trust Ltd." and "hope trust limited" share a key.
    """
    text = name.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    words = text.split()
    noise = {"the", "ltd", "limited", "cio", "cic", "plc", "llp", "inc"}
    kept = [w for w in words if w not in noise]
    return " ".join(kept or words)
