"""Delivery after award: actuals per commitment per period, with evidence files, and
committed vs delivered.

    record(ws, commitment_id, "2027-Q1", Decimal("1.5"), evidence=["payroll.pdf"], spend=Decimal(900))
    for row in committed_vs_delivered(ws.db, bid_id): ...

Evidence files are copied into the workspace's attachments folder
(``socialvalue/<commitment id>/``), so the workspace stays self-contained.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlite_utils import Database

from consortium.changes import SOCIAL_VALUE
from consortium.errors import ConsortiumError
from consortium.socialvalue import commitments, frameworks
from consortium.text import listed
from consortium.workspace import Workspace, writes

PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|0[1-9]|1[0-2]))?$")


class TrackingError(ConsortiumError):
    pass


@dataclass
class Delivery:
    commitment_id: int
    period: str  # "2027", "2027-Q1" or "2027-04"
    quantity: Decimal
    spend: Decimal = Decimal(0)  # investment made in the period (£)
    people: int = 0  # people reached in the period
    evidence: list[str] = field(default_factory=list)  # paths inside the attachments folder
    notes: str = ""
    id: int | None = None
    recorded_at: str = ""

    @property
    def year(self) -> int:
        return int(self.period[:4])


@writes
def record(
    ws: Workspace,
    commitment_id: int,
    period: str,
    quantity: Decimal,
    *,
    spend: Decimal = Decimal(0),
    people: int = 0,
    evidence: list[str | Path] = (),
    notes: str = "",
) -> Delivery:
    """Record what was delivered; copies each evidence file into the attachments folder."""
    period = period.strip()
    if not PERIOD.match(period):
        raise TrackingError(
            f"The period '{period}' is not one the app knows: use a year (2027), a quarter "
            "(2027-Q1) or a month (2027-04)."
        )
    row = ws.db.execute("SELECT id FROM sv_commitments WHERE id = ?", [commitment_id]).fetchone()
    if row is None:
        raise TrackingError(f"There is no social value commitment with id {commitment_id}.")
    if quantity < 0 or spend < 0 or people < 0:
        raise TrackingError("Delivered quantity, spend and people reached cannot be negative.")
    files = [Path(p) for p in evidence]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise TrackingError("These evidence files were not found: " + listed(missing))
    folder = Path("socialvalue") / str(commitment_id)
    stored = []
    copied: list[Path] = []
    try:
        for f in files:
            (ws.attachments / folder).mkdir(parents=True, exist_ok=True)
            target = folder / f.name
            n = 1
            while (ws.attachments / target).exists():
                target = folder / f"{f.stem}-{n}{f.suffix}"
                n += 1
            shutil.copy2(f, ws.attachments / target)
            copied.append(ws.attachments / target)
            stored.append(target.as_posix())
        d = Delivery(
            commitment_id=commitment_id,
            period=period,
            quantity=quantity,
            spend=spend,
            people=people,
            evidence=stored,
            notes=notes,
            recorded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        with ws.atomic(SOCIAL_VALUE):
            d.id = (
                ws.db["sv_delivery"]
                .insert(
                    {
                        "commitment_id": commitment_id,
                        "period": period,
                        "quantity": str(quantity),
                        "spend": str(spend),
                        "people": people,
                        "evidence": json.dumps(stored),
                        "notes": notes,
                        "recorded_at": d.recorded_at,
                    }
                )
                .last_pk
            )
            ws.audit("create", "sv_delivery", d.id, f"Recorded delivery for {period}")
    except BaseException:
        for p in copied:  # the database was not changed: take the copies away again
            p.unlink(missing_ok=True)
        raise
    return d


def deliveries(db: Database, commitment_id: int) -> list[Delivery]:
    return [
        Delivery(
            id=r["id"],
            commitment_id=r["commitment_id"],
            period=r["period"],
            quantity=Decimal(r["quantity"]),
            spend=Decimal(r["spend"]),
            people=r["people"],
            evidence=json.loads(r["evidence"]),
            notes=r["notes"],
            recorded_at=r["recorded_at"],
        )
        for r in db.query(
            "SELECT * FROM sv_delivery WHERE commitment_id = ? ORDER BY period, id", [commitment_id]
        )
    ]


@dataclass
class Progress:
    commitment: commitments.Commitment
    member: str
    measure: str
    unit: str
    committed: Decimal  # quantity over the years counted
    delivered: Decimal
    spend: Decimal
    people: int
    value_delivered: Decimal  # delivered quantity × proxy, net of adjustments, undiscounted

    @property
    def percent(self) -> Decimal | None:
        return None if not self.committed else self.delivered * 100 / self.committed


def delivered_value(m: frameworks.Measure, c: commitments.Commitment, quantity: Decimal) -> Decimal:
    if not m.monetised:
        return Decimal(0)
    return (
        quantity * m.proxy_value * (1 - c.deadweight) * (1 - c.displacement) * (1 - c.attribution)
    )


def committed_vs_delivered(db: Database, bid_id: int, year: int | None = None) -> list[Progress]:
    """One row per commitment; ``year`` limits delivery to periods in that calendar year."""
    measures = frameworks.measures_by_key(db)
    cs = commitments.list_for_bid(db, bid_id)
    names = commitments.member_names(db, [c.org_id for c in cs])
    out = []
    for c in cs:
        m = measures.get((c.framework_id, c.measure_code))
        ds = [d for d in deliveries(db, c.id) if year is None or d.year == year]
        delivered = sum((d.quantity for d in ds), Decimal(0))
        years = 1 if m and m.counting_rule == "first_year_only" else c.years
        out.append(
            Progress(
                commitment=c,
                member=names.get(c.org_id, ""),
                measure=frameworks.display_name(m, c.measure_code),
                unit=m.unit if m else "",
                committed=c.quantity * years,
                delivered=delivered,
                spend=sum((d.spend for d in ds), Decimal(0)),
                people=sum(d.people for d in ds),
                value_delivered=delivered_value(m, c, delivered) if m else Decimal(0),
            )
        )
    return out
