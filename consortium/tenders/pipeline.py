"""The re-tender pipeline: contracts in our places and services that end soon.

    result = pipeline(ws, months=24, partner=org)     # ending 6 to 24 months from today
    for row in result.rows:
        print(row.end, row.suppliers, row.value, row.buyer, row.notice_url)

A contract awarded years ago is re-tendered near its end: listing those that end in the next
6–24 months, with who holds them now, lets a consortium start forming before the new tender is
published. Rows come from ``tender_contracts`` (filled at import, see
:mod:`consortium.tenders.contracts`); "our places and services" are the partner's areas and CPV
codes, through the same place and CPV rules as the tender search.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from consortium.progress import IsCancelled, check, never_cancelled
from consortium.records import Organisation
from consortium.tenders import search, store
from consortium.tenders.records import as_utc
from consortium.workspace import Workspace

NEAREST_MONTHS = 6  # sooner than this, a re-tender is usually already out
DEFAULT_MONTHS = 24
SORTS = ("end", "value", "buyer", "supplier", "title", "notice")
ENDED = ("terminated", "cancelled")


@dataclass
class PipelineRow:
    ocid: str
    contract_id: str
    notice_id: str | None
    notice_url: str | None
    tender_title: str
    contract_title: str | None
    buyer: str | None
    suppliers: list[str]
    supplier_ids: list[str]
    value: float | None  # ex VAT
    value_gross: float | None
    currency: str | None
    start: str | None  # UTC ISO
    end: str  # UTC ISO
    max_end: str | None
    status: str | None
    lots: list[str]

    @property
    def title(self) -> str:
        return self.contract_title or self.tender_title


@dataclass
class Pipeline:
    window_from: dt.date
    window_to: dt.date
    partner_id: int | None = None
    partner_name: str | None = None
    rows: list[PipelineRow] = field(default_factory=list)

    def to_dict(self) -> dict:
        """What ``consortium tenders pipeline --json`` prints (keys are a public contract)."""
        return {
            "window": {"from": self.window_from.isoformat(), "to": self.window_to.isoformat()},
            "partner": (
                {"id": self.partner_id, "name": self.partner_name}
                if self.partner_id is not None
                else None
            ),
            "count": len(self.rows),
            "rows": [dataclasses.asdict(r) for r in self.rows],
        }


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in range(day.day, 27, -1):  # 31 Jan + 1 month = 28/29 Feb
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))


def _tender_ids(
    ws: Workspace, partner: Organisation | None, cancelled: IsCancelled = never_cancelled
) -> set[int] | None:
    """Row ids of tenders in the partner's places and services (None: no filter)."""
    if partner is None or not (partner.areas or partner.cpv_codes):
        return None
    places = list(partner.areas) or [None]
    keys: set[int] = set()
    for place in places:
        check(cancelled)
        query = search.TenderQuery(place=place, cpv=list(partner.cpv_codes))
        keys.update(search.search_keys(ws, query))
    return keys


def pipeline(
    ws: Workspace,
    *,
    months: int = DEFAULT_MONTHS,
    partner: Organisation | None = None,
    text: str = "",
    sort: str = "end",
    descending: bool = False,
    today: dt.date | None = None,
    cancelled: IsCancelled = never_cancelled,
) -> Pipeline:
    """Contracts ending between 6 months and ``months`` months from ``today`` (from today when
    ``months`` is 6 or less) in ``partner``'s places and services (every contract if None),
    whose text (title, buyer, supplier) holds ``text``; soonest end first by default.

    It reads every contract in the window (26,000 of them at 200,000 tenders, in half a
    second): the window calls it off the GUI thread, and ``cancelled()`` stops it
    (:class:`~consortium.progress.Cancelled`) when a newer search makes it stale."""
    today = today or dt.date.today()
    months = max(1, int(months))
    start = add_months(today, NEAREST_MONTHS) if months > NEAREST_MONTHS else today
    end = add_months(today, months)
    result = Pipeline(start, end)
    if partner is not None:
        result.partner_id, result.partner_name = partner.id, partner.name
    allowed = _tender_ids(ws, partner, cancelled)
    sql = (
        "SELECT t.id, t.ocid, t.notice_id, t.notice_url, t.title, t.buyer_name, c.title, "
        "c.suppliers, c.supplier_ids, c.value, c.value_gross, c.currency, c.start_date, "
        "c.end_date, c.max_end_date, c.status, c.lots, c.contract_id, t.source "
        "FROM tender_contracts c JOIN tenders t ON t.id = c.tender_id "
        "WHERE c.end_date >= ? AND c.end_date < ? "
        f"AND coalesce(c.status, '') NOT IN ({','.join('?' * len(ENDED))})"
    )
    params: list = [as_utc(start), as_utc(end + dt.timedelta(days=1)), *ENDED]
    needle = text.strip().lower()
    for n, r in enumerate(ws.conn.execute(sql, params)):
        if n % 2048 == 0:
            check(cancelled)
        if allowed is not None and r[0] not in allowed:
            continue
        row = PipelineRow(
            ocid=r[1], contract_id=r[17], notice_id=r[2], notice_url=store.notice_url_of(r[18], r[1], r[2], r[3]), tender_title=r[4] or "", buyer=r[5],
            contract_title=r[6], suppliers=[s for s in (r[7] or "").split("; ") if s],
            supplier_ids=(r[8] or "").split(), value=r[9], value_gross=r[10], currency=r[11],
            start=r[12], end=r[13], max_end=r[14], status=r[15],
            lots=[x for x in (r[16] or "").split(",") if x],
        )  # fmt: skip
        if needle and needle not in _haystack(row):
            continue
        result.rows.append(row)
    result.rows = sort_rows(result.rows, sort, descending)
    return result


def sort_rows(rows: list[PipelineRow], sort: str = "end", descending: bool = False):
    """The rows in a :data:`SORTS` order: ``end`` soonest first, ``value`` highest first, text
    columns A to Z; ``descending`` reverses it, except that contracts with no value given come
    last either way."""
    out = sorted(rows, key=_SORT_KEYS[sort] if sort in _SORT_KEYS else _SORT_KEYS["end"])
    if descending:
        out.reverse()
        if sort == "value":
            out = [r for r in out if r.value is not None] + sorted(
                (r for r in out if r.value is None), key=_SORT_KEYS["end"]
            )
    return out


def _haystack(row: PipelineRow) -> str:
    return " ".join(
        [row.tender_title, row.contract_title or "", row.buyer or "", *row.suppliers]
    ).lower()


# Each ends with the contract's own keys, so rows that tie sort the same way every time.
_SORT_KEYS = {
    "end": lambda r: (r.end, r.ocid, r.contract_id),
    "value": lambda r: (r.value is None, -(r.value or 0), r.end, r.ocid, r.contract_id),
    "buyer": lambda r: ((r.buyer or "").lower(), r.end, r.ocid, r.contract_id),
    "supplier": lambda r: ("; ".join(r.suppliers).lower(), r.end, r.ocid, r.contract_id),
    "title": lambda r: (r.title.lower(), r.end, r.ocid, r.contract_id),
    "notice": lambda r: (r.notice_id or r.ocid, r.end, r.ocid, r.contract_id),
}
