"""Awarded contracts of a process: who holds them, for how much, until when.

    for c in contracts_of(compiled, lots):
        print(c.suppliers, c.value, c.end)

One :class:`~consortium.tenders.records.Contract` per OCDS ``contracts[]`` entry (its
``awardID`` names the award that gives the suppliers), and one for each active award that no
contract entry covers yet (Contracts Finder publishes awards only, with their
``contractPeriod``). Dates come from the contract's ``period``, else the award's
``contractPeriod``, else the awarded lots' or the tender's contract period. Pure: no SQL.
"""

from __future__ import annotations

from typing import Any

from consortium.tenders.merge import utc_iso
from consortium.tenders.records import Contract, Lot

SKIPPED_AWARDS = {"pending", "cancelled", "unsuccessful"}


def _d(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list:
    return value if isinstance(value, list) else []


def _s(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _period(*candidates: Any) -> tuple[str | None, str | None, str | None]:
    for raw in candidates:
        p = _d(raw)
        start, end = utc_iso(_s(p.get("startDate"))), utc_iso(_s(p.get("endDate")))
        if start or end:
            return start, end, utc_iso(_s(p.get("maxExtentDate")))
    return None, None, None


def contracts_of(compiled: dict, lots: list[Lot] = ()) -> list[Contract]:
    """Every contract awarded in the compiled release (see the module docstring)."""
    tender = _d(compiled.get("tender"))
    by_lot = {lot.id: lot for lot in lots}
    awards = {}
    for award in map(_d, _l(compiled.get("awards"))):
        key = _s(award.get("id"))
        if key is not None:
            awards[key] = award
    out: list[Contract] = []
    covered: set[str] = set()
    for raw in map(_d, _l(compiled.get("contracts"))):
        award_id = _s(raw.get("awardID"))
        award = awards.get(award_id or "", {})
        if award_id:
            covered.add(award_id)
        if _s(raw.get("status")) == "cancelled":
            continue
        out.append(_contract(raw, award, tender, by_lot, _s(raw.get("id")), award_id))
    for award_id, award in awards.items():
        if award_id in covered or _s(award.get("status")) in SKIPPED_AWARDS:
            continue
        if not _l(award.get("suppliers")):
            continue
        out.append(_contract({}, award, tender, by_lot, None, award_id))
    return out


def _contract(
    raw: dict, award: dict, tender: dict, by_lot: dict, contract_id, award_id
) -> Contract:
    related = [str(x) for x in _l(award.get("relatedLots")) if _s(x)]
    lot_periods = [
        {"startDate": by_lot[x].contract_start, "endDate": by_lot[x].contract_end,
         "maxExtentDate": by_lot[x].contract_max_end}
        for x in related
        if x in by_lot
    ]  # fmt: skip
    start, end, max_end = _period(
        raw.get("period"), award.get("contractPeriod"), *lot_periods, tender.get("contractPeriod")
    )
    value = _d(raw.get("value")) or _d(award.get("value"))
    suppliers = [_d(s) for s in _l(award.get("suppliers"))]
    title = _s(raw.get("title")) or _s(award.get("title"))
    if not title and related and related[0] in by_lot:
        title = by_lot[related[0]].title
    return Contract(
        id=contract_id or f"award {award_id}",
        award_id=award_id,
        title=title,
        status=_s(raw.get("status")) or _s(award.get("status")),
        suppliers=[n for n in (_s(s.get("name")) for s in suppliers) if n],
        supplier_ids=[i for i in (_s(s.get("id")) for s in suppliers) if i],
        value=_num(value.get("amount")),
        value_gross=_num(value.get("amountGross")),
        currency=_s(value.get("currency")),
        start=start,
        end=end,
        max_end=max_end,
        lots=related,
        signed=utc_iso(_s(raw.get("dateSigned"))) or utc_iso(_s(award.get("date"))),
    )
