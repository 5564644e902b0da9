"""Plain records for tenders and import reports (no SQL, no Qt).

t = Tender(ocid="ocds-h6vhtk-05a7b0", source="fts", title="Domestic Abuse Support Services")
t.status_on(date(2026, 8, 20))   # "open", "coming soon", "closed", "cancelled" or "awarded"
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from consortium import places
from consortium.changes import TENDERS, Changes
from consortium.formatting import iso_date, plural, uk_date

OPEN = "open"
COMING_SOON = "coming soon"
CLOSED = "closed"
CANCELLED = "cancelled"
AWARDED = "awarded"
STATUSES = (OPEN, COMING_SOON, CLOSED, CANCELLED, AWARDED)

# The stored "phase" does not depend on the date; the status does (open until the deadline).
PHASE_TENDER = "tender"
PHASE_PLANNING = "planning"
PHASE_CANCELLED = "cancelled"
PHASE_AWARDED = "awarded"
PHASE_CLOSED = "closed"  # no longer (or never known to be) open, whatever the deadline

# GSS codes of the UK and its nations: a reservedParticipationLocation naming one of these limits
# bidders to that country, not to a council
WHOLE_COUNTRY = {
    "K02000001": "the United Kingdom",
    "K03000001": "Great Britain",
    "K04000001": "England and Wales",
    "E92000001": "England",
    "W92000004": "Wales",
    "S92000003": "Scotland",
    "N92000002": "Northern Ireland",
}

DEFECT_KINDS = {
    "no_cpv": "No CPV code",
    "unknown_cpv": "Unknown CPV code",
    "no_deadline": "No deadline",
    "no_place": "No place of delivery",
    "no_value": "No value",
    "negative_value": "A negative value (left out)",
    "type_error": "Inconsistent data between notices (latest notice used)",
    "odd_number": "A number too large to store (kept as text)",
    "republished": "Notice published twice under one id (the later copy kept)",
    "long_number": "A number of hundreds of digits (that value was left out)",
    "too_deep": "Data nested too deep to read (that value was left out)",
    "unreadable": "Part of the notice has a shape Consortium cannot read (that part was left out)",
    "bad_text": "Text with characters that cannot be read (shown as \ufffd)",
}


def as_utc(today: dt.date | dt.datetime | str | None) -> str:
    """``today`` as an ISO UTC timestamp string comparable with stored deadlines."""
    if type(today) is dt.date or type(today) is str:
        return _as_utc_cached(today)  # a list of tenders asks the same for every row
    return _as_utc(today)


@lru_cache(maxsize=256)
def _as_utc_cached(today: dt.date | str) -> str:
    return _as_utc(today)


def _as_utc(today: dt.date | dt.datetime | str | None) -> str:
    if today is None:
        moment = dt.datetime.now(dt.UTC)
    elif isinstance(today, str):
        moment = dt.datetime.fromisoformat(today)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
    elif isinstance(today, dt.datetime):
        moment = today if today.tzinfo else today.replace(tzinfo=dt.UTC)
    else:
        moment = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


PROCUREMENT_ACT = "Procurement Act 2023"
# Find a Tender's tender.legalBasis: the Act (UK Public General Acts) for procurements begun on
# or after 24 Feb 2025; before it, the EU directives the 2015-16 regulations implement (CELEX).
REGIMES = {
    "UKPGA 2023/54": PROCUREMENT_ACT,
    "CELEX 32014L0024": "Public Contracts Regulations 2015",
    "CELEX 32014L0025": "Utilities Contracts Regulations 2016",
    "CELEX 32014L0023": "Concession Contracts Regulations 2016",
    "CELEX 32009L0081": "Defence and Security Public Contracts Regulations 2011",
}


def regime_name(legal_basis: str | None) -> str | None:
    """``legal_basis`` ("UKPGA 2023/54") by name; None when a notice does not say."""
    return REGIMES.get(legal_basis or "") if legal_basis else None


def status_for(
    phase: str,
    deadline: str | None,
    today: dt.date | dt.datetime | str | None,
    expected: str | None = None,
) -> str:
    """Open / closed from the phase and the deadline against ``today``; ``expected``: a
    planning notice's anticipated tender date (the search's SQL says the same, in
    ``tenders.search``)."""
    if phase == PHASE_CANCELLED:
        return CANCELLED
    if phase == PHASE_AWARDED:
        return AWARDED
    if phase == PHASE_PLANNING:
        # A planning notice follows its own dates: once the tender period it announced has
        # ended, or the date the tender was expected by has passed with no tender notice, it
        # is no longer "coming soon" (Tender.planning_note says which, in words).
        now = as_utc(today)
        if (deadline is not None and deadline <= now) or (expected is not None and expected <= now):
            return CLOSED
        return COMING_SOON
    if phase == PHASE_CLOSED:
        return CLOSED
    if deadline is None or deadline > as_utc(today):
        return OPEN
    return CLOSED


def reserved_names(codes) -> str:
    """A reserved participation location for a person: "the United Kingdom", "Devon"."""
    return ", ".join(WHOLE_COUNTRY.get(c) or places.area_name(c) for c in codes)


def _uk(stamp: str) -> str:
    return uk_date(iso_date(stamp))


@dataclass
class Criterion:
    name: str
    type: str | None = None  # price / quality / cost
    weight: float | None = None  # percentage when the notice gives one
    description: str | None = None


@dataclass
class Document:
    title: str | None
    url: str | None
    kind: str | None = None  # documentType: tenderNotice, biddingDocuments …
    notice_type: str | None = None  # UK4 …
    published: str | None = None


@dataclass
class Lot:
    id: str
    title: str | None = None
    description: str | None = None
    phase: str = PHASE_TENDER
    value: float | None = None
    value_gross: float | None = None
    cpv: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    sme: bool | None = None
    vcse: bool | None = None
    criteria: list[Criterion] = field(default_factory=list)
    contract_start: str | None = None
    contract_end: str | None = None
    contract_max_end: str | None = None
    renewal: str | None = None

    def status_on(self, today, deadline: str | None) -> str:
        return status_for(self.phase, deadline, today)


@dataclass
class Amendment:
    id: str | None
    description: str | None
    changes: list[dict] = field(default_factory=list)  # {section, label, old, new, lot}


@dataclass
class Contract:
    """One awarded contract (or an award with no contract notice yet): the re-tender pipeline."""

    id: str  # the OCDS contract id, or "award <id>" for an award without a contract entry
    award_id: str | None = None
    title: str | None = None
    status: str | None = None  # active / pending / terminated …
    suppliers: list[str] = field(default_factory=list)  # names: the incumbents
    supplier_ids: list[str] = field(default_factory=list)  # GB-PPON-…, GB-COH-…
    value: float | None = None  # ex VAT
    value_gross: float | None = None
    currency: str | None = None
    start: str | None = None  # UTC ISO
    end: str | None = None
    max_end: str | None = None  # with every extension taken
    lots: list[str] = field(default_factory=list)
    signed: str | None = None


@dataclass
class Tender:
    ocid: str
    source: str  # "fts", "cf" or "ocds"
    notice_id: str | None = None
    notice_url: str | None = None
    notice_type: str | None = None  # UK1 … UK17, or a Contracts Finder tag/type
    phase: str = PHASE_TENDER
    title: str = ""
    description: str = ""
    reference: str | None = None  # the buyer's own reference (tender.id)
    buyer_name: str | None = None
    buyer_ids: list[str] = field(default_factory=list)  # "GB-PPON-…", "GB-CHC-…"
    currency: str | None = None
    value: float | None = None  # ex VAT (OCDS amount; the maximum for Contracts Finder)
    value_gross: float | None = None  # inc VAT (UK extension amountGross)
    value_min: float | None = None
    value_max: float | None = None
    lots: list[Lot] = field(default_factory=list)
    cpv: list[str] = field(default_factory=list)
    cpv_labels: dict[str, str] = field(default_factory=dict)
    places: list[str] = field(default_factory=list)  # ITL 2021 codes, "TL" = whole UK
    places_from_buyer: bool = False  # no delivery place given: the buyer's region is used
    councils: list[str] = field(default_factory=list)  # reserved location: councils' GSS codes
    # reservedParticipationLocation as given (GSS codes; K02000001 = the UK): who may bid, never
    # where the service is delivered (that is ``places``)
    reserved_location: list[str] = field(default_factory=list)
    place_text: str | None = None
    sme: bool | None = None
    vcse: bool | None = None
    reserved_vcse: bool = False
    procedure: str | None = None  # open / selective / limited / direct
    procedure_details: str | None = None
    special_regime: list[str] = field(default_factory=list)
    light_touch: bool = False
    legal_basis: str | None = None  # the law it is run under, as "scheme id": "UKPGA 2023/54"
    deadline: str | None = None  # tender period end, UTC ISO
    future_notice_date: str | None = None  # a planning notice's anticipated tender date, UTC ISO
    eoi_deadline: str | None = None
    enquiry_deadline: str | None = None
    published: str | None = None  # date of the latest notice, UTC ISO
    contract_start: str | None = None
    contract_end: str | None = None
    documents: list[Document] = field(default_factory=list)
    portal_url: str | None = None
    amendments: list[Amendment] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    releases: list[str] = field(default_factory=list)  # release ids, oldest first
    defects: list[str] = field(default_factory=list)  # DEFECT_KINDS keys, with detail after ":"

    @property
    def regime(self) -> str | None:
        """The law the procurement is run under, by name ("Procurement Act 2023")."""
        return regime_name(self.legal_basis)

    @property
    def open_deadline(self) -> str | None:
        """The deadline that closes the competition (tender, else expression of interest)."""
        return self.deadline or self.eoi_deadline

    def status_on(self, today=None) -> str:
        return status_for(self.phase, self.open_deadline, today, self.future_notice_date)

    def planning_note(self, today=None) -> str | None:
        """For a planning notice, what its own dates say, in a sentence; None for other notices.

        A notice whose anticipated tender date (or announced deadline) has passed says it is
        stale, rather than staying "coming soon" for ever."""
        if self.phase != PHASE_PLANNING:
            return None
        now = as_utc(today)
        expected = self.future_notice_date
        deadline = self.open_deadline
        if deadline is not None and deadline <= now:
            return (
                f"Planning notice out of date: the tender period it announced ended on "
                f"{_uk(deadline)} and no tender notice followed"
            )
        if expected is not None and expected <= now:
            return (
                f"Planning notice out of date: the tender was expected by {_uk(expected)} "
                f"and has not been published"
            )
        if expected is not None:
            return f"Planning notice: the tender is expected by {_uk(expected)}"
        return "Planning notice: no date given for the tender"

    def who_may_bid(self) -> str | None:
        """Where bidders must be, if participation is reserved to a place (else None)."""
        codes = self.reserved_location or self.councils
        return reserved_names(codes) if codes else None

    def planning_stale(self, today=None) -> bool:
        note = self.planning_note(today)
        return bool(note and note.startswith("Planning notice out of date"))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tender:
        data = dict(data)
        lots = []
        for raw in data.pop("lots", []):
            raw = dict(raw)
            raw["criteria"] = [Criterion(**c) for c in raw.get("criteria", [])]
            lots.append(Lot(**raw))
        docs = [Document(**d) for d in data.pop("documents", [])]
        amendments = [Amendment(**a) for a in data.pop("amendments", [])]
        contracts = [Contract(**c) for c in data.pop("contracts", [])]
        known = _field_names(cls)
        tender = cls(**{k: v for k, v in data.items() if k in known})
        tender.lots, tender.documents, tender.amendments = lots, docs, amendments
        tender.contracts = contracts
        return tender


@cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


@dataclass
class Defect:
    ocid: str
    notice_id: str | None
    kind: str
    detail: str = ""

    @property
    def text(self) -> str:
        label = DEFECT_KINDS.get(self.kind, self.kind)
        return f"{label}: {self.detail}" if self.detail else label


MAX_DEFECTS_LISTED = 5000


@dataclass
class ImportReport:
    """What an import did. ``to_dict()`` is what ``--json`` prints."""

    files: list[str] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)  # empty files found in a folder
    releases_read: int = 0
    releases_new: int = 0
    duplicates_skipped: int = 0
    tenders_new: int = 0
    tenders_updated: int = 0
    tenders_unchanged: int = 0
    rows_read: int = 0  # Contracts Finder CSV/XLSX rows
    open_now: int = 0  # of the tenders new or changed in this import, how many are open
    defects: list[Defect] = field(default_factory=list)
    defect_counts: dict[str, int] = field(default_factory=dict)
    defects_not_listed: int = 0
    warnings: list[str] = field(default_factory=list)
    started_at: str | None = None
    seconds: float = 0.0
    # The row ids this import gave its new tenders, first to last + 1 (they are handed out
    # in turn, one writer): so a download can say which tenders *it* brought, not those a
    # hand import brought meanwhile. Not in ``to_dict()``: ids are the workspace's own.
    new_ids: tuple[int, int] = (0, 0)

    def add_defect(self, ocid: str, notice_id: str | None, defect: str) -> None:
        kind, _, detail = defect.partition(":")
        self.defect_counts[kind] = self.defect_counts.get(kind, 0) + 1
        if len(self.defects) < MAX_DEFECTS_LISTED:
            self.defects.append(Defect(ocid, notice_id, kind, detail.strip()))
        else:
            self.defects_not_listed += 1

    def summary(self) -> str:
        return (
            f"{plural(len(self.files), 'file')}, {plural(self.releases_read, 'notice')} read: "
            f"{plural(self.tenders_new, 'new tender')}, {self.tenders_updated:,} updated, "
            f"{self.duplicates_skipped:,} already imported"
        )

    @property
    def changes(self) -> Changes:
        """What the import changed, for the window to refresh: the tenders."""
        return TENDERS

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        del data["new_ids"]
        data["defects"] = [dict(dataclasses.asdict(d), text=d.text) for d in self.defects]
        data["summary"] = self.summary()
        return data
