"""Quantities and proxy values as people say them: "£4,200 per person", "£15 an hour",
"£0.20 per £1", "800 hours", "£25,000". Money always goes through ``formatting.money``."""

from __future__ import annotations

from decimal import Decimal

from consortium.formatting import money

# What one of each unit is called after "per" (or "an"/"a", where that reads better).
_ONE = {
    "people": "per person",
    "hours": "an hour",
    "weeks": "a week",
    "sessions": "a session",
    "organisations": "per organisation",
    "hours x attendees": "per attendee hour",
    "£": "per £1",
    "tCO2e": "per tonne of CO2e",
    "%": "per percentage point",
    "number": "each",
}


def pounds(value) -> str:
    """£15, £4,200, £0.20: pence shown only when there are any."""
    if value is None:
        return ""
    d = Decimal(str(value))
    return money(d, pence=d != d.to_integral_value())


def rate(value, unit: str) -> str:
    """A proxy value per unit: '£4,200 per person', '£15 an hour', '£0.20 per £1',
    '£9,500 per FTE'."""
    if value is None:
        return ""
    return f"{pounds(value)} {_ONE.get(unit, f'per {unit}')}".strip()


def number(value) -> str:
    """1,500 or 1.5 or 25,000: thousands separated, no trailing zeros."""
    if value is None:
        return ""
    text = f"{Decimal(str(value)):,.2f}".rstrip("0").rstrip(".")
    return text or "0"


def amount(quantity, unit: str) -> str:
    """A quantity in its unit: '£25,000', '800 hours', '4 FTE', '3 people'."""
    if unit == "£":
        return pounds(quantity)
    return f"{number(quantity)} {unit}".strip()
