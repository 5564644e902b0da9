"""Social value commitments in a bid, and the bid's social value settings.

c = Commitment(bid_id=1, org_id=3, framework_id="HMT", measure_code="WELLBY",
               quantity=Decimal("12"), years=3, areas=["E06000023"])
add(ws, c)
lines, assumptions = calc_inputs(ws.db, 1)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from sqlite_utils import Database

from consortium.bids import records as bids
from consortium.changes import SOCIAL_VALUE
from consortium.errors import ConsortiumError
from consortium.socialvalue import calc, frameworks
from consortium.text import listed
from consortium.workspace import Workspace, writes

ADJUSTMENTS = ("deadweight", "displacement", "attribution", "dropoff")


class CommitmentError(ConsortiumError):
    pass


@dataclass
class Commitment:
    bid_id: int
    org_id: int
    framework_id: str
    measure_code: str
    quantity: Decimal  # per year
    years: int = 1
    start_year: int | None = None  # first contract year (calendar), for the timed plan
    areas: list[str] = field(default_factory=list)  # council GSS codes
    beneficiaries: str = ""
    evidence: str = ""
    activity: str = ""  # what will be done, in the member's words
    deadweight: Decimal = Decimal(0)
    displacement: Decimal = Decimal(0)
    attribution: Decimal = Decimal(0)
    dropoff: Decimal = Decimal(0)
    position: int = 0
    id: int | None = None


@dataclass
class Settings:
    """Per-bid choices the calculation and the statement need."""

    inputs: Decimal = Decimal(0)
    discount_year1: bool = True
    weighting_pct: Decimal | None = None
    contract_value: Decimal | None = None  # None: the tender's value
    need: str = ""
    method: str = ""
    governance: str = ""
    reporting: str = "Quarterly to the buyer; annually to the sponsoring housing association."
    additionality: str = ""
    contact: str = ""


def _dec(value, what: str) -> Decimal:
    try:
        d = Decimal(str(value).strip().replace(",", "").replace("£", ""))
    except (InvalidOperation, ValueError) as exc:
        raise CommitmentError(f"{what} must be a number, not '{value}'.") from exc
    if not d.is_finite():
        raise CommitmentError(f"{what} must be a number, not '{value}'.")
    return d


def check(db: Database, c: Commitment) -> dict[str, str]:
    """Problems by field name (empty when the commitment can be saved)."""
    problems: dict[str, str] = {}
    try:
        frameworks.measure(db, c.framework_id, c.measure_code)
    except frameworks.FrameworkError as exc:
        problems["measure_code"] = str(exc)
    if c.quantity < 0:
        problems["quantity"] = "The quantity cannot be negative."
    if c.years < 1:
        problems["years"] = "A commitment lasts at least 1 year."
    for name in ADJUSTMENTS:
        v = getattr(c, name)
        if not Decimal(0) <= v <= Decimal(1):
            problems[name] = (
                f"{name.capitalize()} is a share between 0 and 1 (0% to 100%), not {v}."
            )
    if not db.execute("SELECT 1 FROM organisations WHERE id = ?", [c.org_id]).fetchone():
        problems["org_id"] = f"There is no partner with id {c.org_id}."
    return problems


def _row(c: Commitment) -> dict:
    row = asdict(c)
    row.pop("id")
    row["areas"] = json.dumps(c.areas)
    for k in ("quantity", *ADJUSTMENTS):
        row[k] = str(row[k])
    return row


@writes
def add(ws: Workspace, c: Commitment) -> int:
    bids.load(ws.db, c.bid_id)
    problems = check(ws.db, c)
    if problems:
        raise CommitmentError("Cannot save the commitment: " + "; ".join(problems.values()))
    with ws.atomic(SOCIAL_VALUE):
        if c.id is not None:
            ws.db["sv_commitments"].update(c.id, _row(c))
            ws.audit("update", "sv_commitment", c.id, f"Saved commitment {c.measure_code}")
        else:
            c.id = ws.db["sv_commitments"].insert(_row(c)).last_pk
            ws.audit("create", "sv_commitment", c.id, f"Added commitment {c.measure_code}")
    return c.id


@writes
def delete(ws: Workspace, commitment_id: int) -> Commitment | None:
    """Remove a commitment; returns it as it was (None if it was not there), so it can be
    put back with :func:`restore`."""
    with ws.atomic(SOCIAL_VALUE):
        rows = list(ws.db.query("SELECT * FROM sv_commitments WHERE id = ?", [commitment_id]))
        ws.db.execute("DELETE FROM sv_commitments WHERE id = ?", [commitment_id])
        ws.audit("delete", "sv_commitment", commitment_id, "Removed commitment")
    return _from_row(rows[0]) if rows else None


@writes
def restore(ws: Workspace, c: Commitment) -> int:
    """Put back a removed commitment with its id and place (the undo of :func:`delete`)."""
    with ws.atomic(SOCIAL_VALUE):
        row = _row(c)
        if c.id is not None:
            row["id"] = c.id
        c.id = ws.db["sv_commitments"].insert(row).last_pk
        ws.audit("create", "sv_commitment", c.id, f"Put back commitment {c.measure_code}")
    return c.id


def default_areas(db: Database, bid_id: int, org_id: int) -> list[str]:
    """The councils (or regions) a new commitment is delivered in, until the user says
    otherwise: the tender's places. A tender that names councils gives those; one that names
    regions gives the member's councils inside them, else the regions themselves; a tender
    with no place (or the whole UK) gives the member's own councils."""
    from consortium import places
    from consortium.tenders.store import get_tender

    bid = bids.load(db, bid_id)
    tender = get_tender(db, bid.ocid) if bid.ocid else None
    own = [  # council codes (GSS), not the regions a partner may also list
        r[0]
        for r in db.execute("SELECT code FROM org_areas WHERE org_id = ? ORDER BY rowid", [org_id])
        if r[0].startswith(("E0", "W0", "S1", "N0"))
    ]
    if tender is None:
        return own[:3]
    if tender.councils:
        return list(tender.councils)
    regions = [p for p in tender.places if p not in ("TL", "UK")]
    if not regions:
        return own[:3]
    inside = [a for a in own if any(places.overlaps(r, a) for r in regions)]
    return inside or regions


def _from_row(r: dict) -> Commitment:
    return Commitment(
        id=r["id"],
        bid_id=r["bid_id"],
        org_id=r["org_id"],
        framework_id=r["framework_id"],
        measure_code=r["measure_code"],
        quantity=Decimal(r["quantity"]),
        years=r["years"],
        start_year=r["start_year"],
        areas=json.loads(r["areas"]),
        beneficiaries=r["beneficiaries"],
        evidence=r["evidence"],
        activity=r["activity"],
        position=r["position"],
        **{k: Decimal(r[k]) for k in ADJUSTMENTS},
    )


def list_for_bid(db: Database, bid_id: int) -> list[Commitment]:
    return [
        _from_row(r)
        for r in db.query(
            "SELECT * FROM sv_commitments WHERE bid_id = ? ORDER BY position, id", [bid_id]
        )
    ]


def load_settings(db: Database, bid_id: int) -> Settings:
    row = db.execute("SELECT data FROM sv_bid_settings WHERE bid_id = ?", [bid_id]).fetchone()
    data = json.loads(row[0]) if row else {}
    s = Settings()
    for k, v in data.items():
        if not hasattr(s, k):
            continue
        if k in ("inputs", "weighting_pct", "contract_value") and v is not None:
            v = Decimal(v)
        setattr(s, k, v)
    return s


@writes
def save_settings(ws: Workspace, bid_id: int, s: Settings) -> None:
    bids.load(ws.db, bid_id)
    data = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(s).items()}
    with ws.atomic(SOCIAL_VALUE):
        ws.db["sv_bid_settings"].upsert({"bid_id": bid_id, "data": json.dumps(data)}, pk="bid_id")
        ws.audit("update", "bid", bid_id, "Saved social value settings")


def tender_value(db: Database, ocid: str | None) -> Decimal | None:
    if not ocid:
        return None
    row = db.execute("SELECT value FROM tenders WHERE ocid = ?", [ocid]).fetchone()
    return None if not row or row[0] is None else Decimal(str(row[0]))


def member_names(db: Database, org_ids) -> dict[int, str]:
    ids = sorted(set(org_ids))
    if not ids:
        return {}
    q = ",".join("?" * len(ids))
    return {
        r[0]: r[1] for r in db.execute(f"SELECT id, name FROM organisations WHERE id IN ({q})", ids)
    }


def calc_inputs(db: Database, bid_id: int) -> tuple[list[calc.Line], calc.Assumptions]:
    """The pure calculation's inputs for a saved bid."""
    bid = bids.load(db, bid_id)
    settings = load_settings(db, bid_id)
    commitments = list_for_bid(db, bid_id)
    measures = frameworks.measures_by_key(db)
    names = member_names(db, [c.org_id for c in commitments])
    lines = []
    for c in commitments:
        m = measures.get((c.framework_id, c.measure_code))
        if m is None:
            raise CommitmentError(
                f"Commitment {c.id} uses measure {c.framework_id}:{c.measure_code}, which is no "
                "longer loaded. Load its value file again with 'consortium sv load'."
            )
        lines.append(
            calc.Line(
                key=c.id,
                member=names.get(c.org_id, f"partner {c.org_id}"),
                measure=f"{c.framework_id}:{c.measure_code}",
                description=m.description,
                unit=m.unit,
                theme=m.theme,
                quantity=c.quantity,
                proxy=m.proxy_value,
                record_only=m.record_only,
                counting_rule=m.counting_rule,
                years=c.years,
                areas=tuple(c.areas),
                **{k: getattr(c, k) for k in ADJUSTMENTS},
            )
        )
    contract = settings.contract_value
    if contract is None:
        contract = tender_value(db, bid.ocid)
    return lines, calc.Assumptions(
        inputs=settings.inputs,
        discount_year1=settings.discount_year1,
        contract_value=contract,
        weighting_pct=settings.weighting_pct,
    )


def calculate_bid(db: Database, bid_id: int, *, with_sensitivity: bool = True) -> calc.Result:
    lines, assumptions = calc_inputs(db, bid_id)
    return calc.calculate(lines, assumptions, with_sensitivity=with_sensitivity)


def areas_from_text(text: str) -> list[str]:
    """Council (or region) codes from names typed with commas: "Milton Keynes, Bedford".
    Raises CommitmentError naming any place that is not known."""
    from consortium import places

    codes, unknown = [], []
    for part in (x.strip() for x in text.split(",")):
        if not part:
            continue
        council = places.find_council(part)
        region = next(
            (r for r in places.regions() if r.name.lower() == part.lower() or r.code == part),
            None,
        )
        code = council.gss if council else (region.code if region else None)
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise CommitmentError(
            f"{listed(repr(u) for u in unknown)}: not a UK council or region; check the "
            "spelling (for example 'Milton Keynes')."
        )
    return codes
