"""Frameworks, award-criteria codes and measures with proxy values, each value with its provenance.

Bundled (Crown copyright, OGL v3.0, ``consortium/data/socialvalue/frameworks.json``): the Social
Value Model of PPN 06/20 and PPN 002 (themes, outcomes, missions, award-criteria codes, each marked
verified or not), the Green Book discount schedule and the WELLBY value. User-loaded frameworks
(an HA's licensed values, a council's local measures) live in the workspace (see ``valuefile``).

    >>> measure(db, "HMT", "WELLBY").proxy_value
    Decimal('13000')
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlite_utils import Database

from consortium.errors import ConsortiumError

DATA = Path(__file__).resolve().parent.parent / "data" / "socialvalue" / "frameworks.json"

UNITS = (
    "FTE",
    "hours",
    "people",
    "£",
    "tCO2e",
    "weeks",
    "WELLBY",
    "organisations",
    "sessions",
    "hours x attendees",
    "%",
    "number",
)
UNIT_ALIASES = {"gbp": "£", "pounds": "£", "fte": "FTE", "tco2e": "tCO2e", "wellbys": "WELLBY"}
COUNTING_RULES = ("per_year", "first_year_only")
BUNDLED_ID = "HMT"


class FrameworkError(ConsortiumError):
    pass


@dataclass(frozen=True)
class Criterion:
    """An award-criteria code a commitment can be mapped to (e.g. PPN 06/20 MAC 2.1)."""

    framework: str
    code: str
    title: str
    theme: str
    verified: bool


@dataclass
class Measure:
    framework_id: str
    code: str
    description: str
    unit: str
    theme: str = ""
    criteria: list[str] = field(default_factory=list)
    record_only: bool = False
    counting_rule: str = "per_year"
    proxy_value: Decimal | None = None
    price_year: int | None = None
    source: str = ""
    licence_holder: str = ""

    @property
    def monetised(self) -> bool:
        return not self.record_only and self.proxy_value is not None


def display_name(measure: Measure | None, code: str) -> str:
    """What a reader sees for a measure: its plain name, never the framework's internal id
    ("DEMO-LOCAL DL1: …" means nothing to a buyer). The code alone when the measure is gone.
    Every document and screen that names a measure uses this."""
    return measure.description if measure is not None and measure.description else code


@dataclass
class Framework:
    id: str
    name: str
    version: str = ""
    licence: str = ""
    licence_holder: str = ""
    source: str = ""
    bundled: bool = False
    file: str = ""
    loaded_at: str = ""


def normalise_unit(text: str) -> str | None:
    """The canonical unit for ``text`` ('GBP' -> '£'), or None if it is not a known unit."""
    t = (text or "").strip()
    if t in UNITS:
        return t
    return UNIT_ALIASES.get(t.lower()) or next((u for u in UNITS if u.lower() == t.lower()), None)


@functools.cache
def reference() -> dict:
    """The bundled OGL reference facts (read-only)."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def discount_schedule() -> list[tuple[int, int | None, Decimal]]:
    """Green Book STPR bands: (first year, last year or None, rate)."""
    return [
        (b["years_from"], b["years_to"], Decimal(str(b["rate"])))
        for b in reference()["green_book_discounting"]["schedule"]
    ]


def criteria() -> list[Criterion]:
    """Award-criteria codes of PPN 06/20 and PPN 002 as far as the bundled data verifies them."""
    ref = reference()
    out: list[Criterion] = []
    for theme in ref["ppn_06_20"]["themes"]:
        for o in theme["policy_outcomes"]:
            for mac in o["mac"]:
                out.append(
                    Criterion(
                        "PPN 06/20",
                        f"MAC {mac}",
                        o["name"],
                        f"Theme {theme['theme']}: {theme['name']}",
                        bool(o["mac_verified"]),
                    )
                )
    for o in ref["ppn_002"]["outcomes_partial"]:
        for mac in o["mac"]:
            out.append(
                Criterion(
                    "PPN 002",
                    f"MAC {mac['code']}",
                    mac["name"],
                    f"Outcome {o['outcome']}",
                    False,  # secondary source only
                )
            )
    for m in ref["ppn_002"]["missions"]:
        out.append(Criterion("PPN 002", m["id"], m["name"], "Mission", True))
    return out


def bundled_frameworks() -> list[Framework]:
    w = reference()["wellby"]
    return [
        Framework(
            id=BUNDLED_ID,
            name="HM Treasury Green Book supplementary guidance (wellbeing)",
            version=str(w["price_year"]),
            licence=w["licence"],
            licence_holder="Crown copyright",
            source=w["source"],
            bundled=True,
        )
    ]


def bundled_measures() -> list[Measure]:
    w = reference()["wellby"]
    return [
        Measure(
            framework_id=BUNDLED_ID,
            code="WELLBY",
            description="One-point change in life satisfaction (0 to 10) for one person for one year",
            unit="WELLBY",
            theme="Wellbeing",
            criteria=["PPN 06/20 MAC 7.1"],
            counting_rule="per_year",
            proxy_value=Decimal(str(w["value_gbp"])),
            price_year=int(w["price_year"]),
            source=w["source"],
            licence_holder="Crown copyright (OGL v3.0)",
        )
    ]


def _measure_from_row(r: dict) -> Measure:
    return Measure(
        framework_id=r["framework_id"],
        code=r["code"],
        description=r["description"],
        unit=r["unit"],
        theme=r["theme"],
        criteria=json.loads(r["criteria"]),
        record_only=bool(r["record_only"]),
        counting_rule=r["counting_rule"],
        proxy_value=None if r["proxy_value"] is None else Decimal(r["proxy_value"]),
        price_year=r["price_year"],
        source=r["source"],
        licence_holder=r["licence_holder"],
    )


def list_frameworks(db: Database) -> list[Framework]:
    """Bundled frameworks first, then those loaded into this workspace."""
    out = bundled_frameworks()
    for r in db.query("SELECT * FROM sv_frameworks ORDER BY id"):
        out.append(Framework(**{k: r[k] for k in r}, bundled=False))
    return out


def list_measures(db: Database, framework_id: str | None = None) -> list[Measure]:
    out = [m for m in bundled_measures() if framework_id in (None, m.framework_id)]
    sql = "SELECT * FROM sv_measures"
    params: list = []
    if framework_id is not None:
        sql += " WHERE framework_id = ?"
        params.append(framework_id)
    out += [_measure_from_row(r) for r in db.query(sql + " ORDER BY framework_id, code", params)]
    return out


def measure(db: Database, framework_id: str, code: str) -> Measure:
    for m in bundled_measures():
        if (m.framework_id, m.code) == (framework_id, code):
            return m
    rows = list(
        db.query(
            "SELECT * FROM sv_measures WHERE framework_id = ? AND code = ?", [framework_id, code]
        )
    )
    if not rows:
        raise FrameworkError(
            f"There is no measure {code} in framework {framework_id}. "
            "See 'consortium sv frameworks', or load a value file with 'consortium sv load'."
        )
    return _measure_from_row(rows[0])


def measures_by_key(db: Database) -> dict[tuple[str, str], Measure]:
    return {(m.framework_id, m.code): m for m in list_measures(db)}
