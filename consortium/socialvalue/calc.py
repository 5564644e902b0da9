"""Social value arithmetic: pure functions over plain records, exact to the penny (Decimal).

For each commitment line (SROI Guide practice, see research/social-value.md §4)::

    gross per year   = quantity × proxy
    net (year 1)     = gross × (1 − deadweight) × (1 − displacement) × (1 − attribution)
    value in year t  = net × (1 − drop-off)^(t − 1)          t = 1 .. years (1 if first year only)
    present value    = Σ value_t × DF(t)
    DF(t)            = Π_{k=1..t} 1 / (1 + r_k)   with the Green Book rate r_k (3.5% to year 30,
                       then 3.0% ...); with ``discount_year1=False`` year t is discounted as t − 1
    SROI ratio       = present value ÷ inputs;  net ratio = (PV − inputs) ÷ inputs

Totals are summed unrounded and rounded once, half up, to the penny.

    >>> line = Line(quantity=Decimal(10), proxy=Decimal(1000), years=3, deadweight=Decimal("0.2"),
    ...             attribution=Decimal("0.25"), dropoff=Decimal("0.1"))
    >>> r = calculate([line], Assumptions(inputs=Decimal(10000)))
    >>> pennies(r.present_value)
    Decimal('15221.50')
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from consortium.formatting import percent

ZERO = Decimal(0)
ONE = Decimal(1)
PENNY = Decimal("0.01")
NO_AREA = "(no area given)"

# Green Book STPR bands (first year, last year or None, rate); consortium.socialvalue.frameworks
# reads the same schedule from the bundled data, and a test checks they agree.
GREEN_BOOK = (
    (0, 30, Decimal("0.035")),
    (31, 75, Decimal("0.03")),
    (76, 125, Decimal("0.025")),
    (126, 200, Decimal("0.02")),
    (201, 300, Decimal("0.015")),
    (301, None, Decimal("0.01")),
)

_CTX = decimal.Context(prec=40, rounding=ROUND_HALF_UP)


def pennies(value: Decimal) -> Decimal:
    """Round half up to the penny."""
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One commitment as the calculation sees it."""

    quantity: Decimal
    proxy: Decimal | None = None  # None or record_only: counted, not monetised
    years: int = 1
    deadweight: Decimal = ZERO
    displacement: Decimal = ZERO
    attribution: Decimal = ZERO
    dropoff: Decimal = ZERO
    counting_rule: str = "per_year"  # or "first_year_only"
    record_only: bool = False
    key: int | str = 0
    member: str = ""
    measure: str = ""  # "framework:code"
    description: str = ""
    unit: str = ""
    theme: str = ""
    areas: tuple[str, ...] = ()

    @property
    def monetised(self) -> bool:
        return not self.record_only and self.proxy is not None

    @property
    def effective_years(self) -> int:
        return 1 if self.counting_rule == "first_year_only" else max(int(self.years), 0)


@dataclass(frozen=True)
class Assumptions:
    inputs: Decimal = ZERO  # the investment (£) the ratio is taken over
    discount_year1: bool = True  # SROI Guide convention; False = Green Book "year 0" style
    schedule: tuple = GREEN_BOOK
    contract_value: Decimal | None = None
    weighting_pct: Decimal | None = None  # the tender's social value evaluation weighting


@dataclass
class LineResult:
    line: Line
    gross_per_year: Decimal
    net_year1: Decimal
    yearly: list[Decimal]
    present_value: Decimal

    @property
    def gross_total(self) -> Decimal:
        return self.gross_per_year * self.line.effective_years

    @property
    def net_total(self) -> Decimal:
        return sum(self.yearly, ZERO)

    @property
    def quantity_total(self) -> Decimal:
        return self.line.quantity * self.line.effective_years


@dataclass
class SensitivityRow:
    """Present value (and ratio) with one assumption moved down, then up, all else as set."""

    assumption: str
    change: str
    pv_down: Decimal
    pv_up: Decimal
    ratio_down: Decimal | None
    ratio_up: Decimal | None


@dataclass
class Result:
    assumptions: Assumptions
    lines: list[LineResult]
    gross: Decimal
    net_undiscounted: Decimal
    present_value: Decimal
    by_theme: dict[str, Decimal] = field(default_factory=dict)
    by_member: dict[str, Decimal] = field(default_factory=dict)
    by_council: dict[str, Decimal] = field(default_factory=dict)
    sensitivity: list[SensitivityRow] = field(default_factory=list)

    @property
    def inputs(self) -> Decimal:
        return self.assumptions.inputs

    @property
    def npv(self) -> Decimal:
        return self.present_value - self.inputs

    @property
    def sroi_ratio(self) -> Decimal | None:
        return _ratio(self.present_value, self.inputs)

    @property
    def net_sroi_ratio(self) -> Decimal | None:
        return _ratio(self.npv, self.inputs)

    @property
    def value_to_contract(self) -> Decimal | None:
        """Monetised present value ÷ contract value: NOT the evaluation weighting."""
        cv = self.assumptions.contract_value
        return _ratio(self.present_value, cv) if cv else None


def _ratio(a: Decimal, b: Decimal | None) -> Decimal | None:
    if not b:
        return None
    return _CTX.divide(a, b)


def rate_for_year(year: int, schedule: Sequence = GREEN_BOOK) -> Decimal:
    for first, last, rate in schedule:
        if year >= first and (last is None or year <= last):
            return rate
    raise ValueError(f"no discount rate for year {year}")


def discount_factors(
    n: int, *, discount_year1: bool = True, schedule: Sequence = GREEN_BOOK, shift: Decimal = ZERO
) -> list[Decimal]:
    """DF(t) for t = 1..n. ``shift`` adds to every rate (sensitivity)."""
    out: list[Decimal] = []
    df = ONE
    periods = n if discount_year1 else max(n - 1, 0)
    steps = [ONE]
    for k in range(1, periods + 1):
        df = _CTX.divide(df, ONE + rate_for_year(k, schedule) + shift)
        steps.append(df)
    out = steps[1:] if discount_year1 else steps
    return out[:n]


def _line(line: Line, dfs: Sequence[Decimal]) -> LineResult:
    if not line.monetised:
        n = line.effective_years
        return LineResult(line, ZERO, ZERO, [ZERO] * n, ZERO)
    gross = _CTX.multiply(line.quantity, line.proxy)
    net = gross * (ONE - line.deadweight) * (ONE - line.displacement) * (ONE - line.attribution)
    keep = ONE - line.dropoff
    yearly = []
    value = net
    pv = ZERO
    for t in range(line.effective_years):
        if t:
            value = _CTX.multiply(value, keep)
        yearly.append(value)
        pv = _CTX.add(pv, _CTX.multiply(value, dfs[t]))
    return LineResult(line, gross, net, yearly, pv)


def _present_value(
    lines: Iterable[Line],
    dfs: Sequence[Decimal],
    *,
    moved: str = "",
    delta: Decimal = ZERO,
    proxy_factor: Decimal = ONE,
) -> Decimal:
    """Σ PV over lines, fast: net × Σ_t keep^(t−1)·DF(t), the sum cached per (drop-off, years).

    ``moved`` names one adjustment to move by ``delta`` (kept within 0 to 1) on every line.
    """
    cache: dict[tuple[Decimal, int], Decimal] = {}
    total = ZERO
    with decimal.localcontext(_CTX):
        for x in lines:
            if not x.monetised:
                continue
            dw, ds, at, drop = x.deadweight, x.displacement, x.attribution, x.dropoff
            if moved == "deadweight":
                dw = _clip(dw + delta)
            elif moved == "displacement":
                ds = _clip(ds + delta)
            elif moved == "attribution":
                at = _clip(at + delta)
            elif moved == "dropoff":
                drop = _clip(drop + delta)
            key = (drop, x.effective_years)
            s = cache.get(key)
            if s is None:
                keep = ONE - drop
                s, w = ZERO, ONE
                for t in range(x.effective_years):
                    if t:
                        w *= keep
                    s += w * dfs[t]
                cache[key] = s
            total += x.quantity * x.proxy * proxy_factor * (ONE - dw) * (ONE - ds) * (ONE - at) * s
    return total


def calculate(
    lines: Sequence[Line], assumptions: Assumptions, *, with_sensitivity: bool = True
) -> Result:
    """Values per line, totals per theme, member and council, and the sensitivity table."""
    with decimal.localcontext(_CTX):
        return _calculate(lines, assumptions, with_sensitivity)


def _calculate(lines: Sequence[Line], assumptions: Assumptions, with_sensitivity: bool) -> Result:
    n = max((x.effective_years for x in lines), default=1) or 1
    dfs = discount_factors(
        n, discount_year1=assumptions.discount_year1, schedule=assumptions.schedule
    )
    results = [_line(x, dfs) for x in lines]
    by_theme: dict[str, Decimal] = {}
    by_member: dict[str, Decimal] = {}
    by_council: dict[str, Decimal] = {}
    for r in results:
        pv = r.present_value
        by_theme[r.line.theme or "(no theme)"] = (
            by_theme.get(r.line.theme or "(no theme)", ZERO) + pv
        )
        by_member[r.line.member] = by_member.get(r.line.member, ZERO) + pv
        areas = r.line.areas or (NO_AREA,)
        share = _CTX.divide(pv, Decimal(len(areas)))  # split evenly: never counted twice
        for a in areas:
            by_council[a] = by_council.get(a, ZERO) + share
    result = Result(
        assumptions=assumptions,
        lines=results,
        gross=sum((r.gross_total for r in results), ZERO),
        net_undiscounted=sum((r.net_total for r in results), ZERO),
        present_value=sum((r.present_value for r in results), ZERO),
        by_theme=by_theme,
        by_member=by_member,
        by_council=by_council,
    )
    if with_sensitivity:
        result.sensitivity = sensitivity(lines, assumptions)
    return result


ADJUSTMENT_STEP = Decimal("0.10")  # ± 10 percentage points, kept within 0% to 100%
PROXY_STEP = Decimal("0.20")  # ± 20% on every proxy value
RATE_STEP = Decimal("0.01")  # ± 1 percentage point on every discount rate


def _clip(x: Decimal) -> Decimal:
    return min(max(x, ZERO), ONE)


def sensitivity(lines: Sequence[Line], assumptions: Assumptions) -> list[SensitivityRow]:
    """Present value and ratio with each assumption moved down and up on its own."""
    n = max((x.effective_years for x in lines), default=1) or 1
    kw = {"discount_year1": assumptions.discount_year1, "schedule": assumptions.schedule}
    dfs = discount_factors(n, **kw)
    rows = []

    def row(name: str, change: str, down: Decimal, up: Decimal) -> None:
        rows.append(
            SensitivityRow(
                name,
                change,
                down,
                up,
                _ratio(down, assumptions.inputs),
                _ratio(up, assumptions.inputs),
            )
        )

    for attr, label in (
        ("deadweight", "Deadweight"),
        ("displacement", "Displacement"),
        ("attribution", "Attribution"),
        ("dropoff", "Drop-off"),
    ):
        pvs = [
            _present_value(lines, dfs, moved=attr, delta=sign * ADJUSTMENT_STEP) for sign in (-1, 1)
        ]
        row(label, "± 10 percentage points", pvs[0], pvs[1])
    pvs = [_present_value(lines, dfs, proxy_factor=ONE + s * PROXY_STEP) for s in (-1, 1)]
    row("Proxy values", f"± {percent(PROXY_STEP, fraction=True)}", pvs[0], pvs[1])
    pvs = [_present_value(lines, discount_factors(n, shift=s * RATE_STEP, **kw)) for s in (-1, 1)]
    row("Discount rate", "± 1 percentage point", pvs[0], pvs[1])
    # "down": year 1 not discounted; "up": year 1 discounted.
    pvs = [
        _present_value(
            lines, discount_factors(n, discount_year1=flag, schedule=assumptions.schedule)
        )
        for flag in (False, True)
    ]
    row("Year 1 discounting", "not discounted / discounted", pvs[0], pvs[1])
    return rows


# ------------------------------------------------------------------------- JSON (public contract)
JSON_SCHEMA = "consortium.sv.calc/1"


def _m(x: Decimal | None) -> str | None:
    return None if x is None else str(pennies(x))


def _r(x: Decimal | None, places: int = 4) -> str | None:
    return (
        None if x is None else str(x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    )


def result_to_dict(result: Result, area_name=None) -> dict:
    """The ``consortium sv calc --json`` document. Keys are stable; money (``*_gbp``), ratios and
    rates are decimal strings (exact; money to the penny), or null when not applicable."""
    a = result.assumptions
    name = area_name or (lambda code: code)
    return {
        "schema": JSON_SCHEMA,
        "assumptions": {
            "inputs_gbp": _m(a.inputs),
            "discount_year1": a.discount_year1,
            "discount_schedule": [
                {"from_year": f, "to_year": t, "rate": str(r)} for f, t, r in a.schedule
            ],
            "contract_value_gbp": _m(a.contract_value),
            "weighting_pct": None if a.weighting_pct is None else str(a.weighting_pct),
        },
        "totals": {
            "gross_gbp": _m(result.gross),
            "net_undiscounted_gbp": _m(result.net_undiscounted),
            "present_value_gbp": _m(result.present_value),
            "npv_gbp": _m(result.npv),
            "sroi_ratio": _r(result.sroi_ratio),
            "net_sroi_ratio": _r(result.net_sroi_ratio),
            "value_to_contract_ratio": _r(result.value_to_contract, 6),
        },
        "lines": [
            {
                "commitment_id": r.line.key,
                "member": r.line.member,
                "measure": r.line.measure,
                "description": r.line.description,
                "theme": r.line.theme,
                "unit": r.line.unit,
                "monetised": r.line.monetised,
                "counting_rule": r.line.counting_rule,
                "quantity_per_year": str(r.line.quantity),
                "years_counted": r.line.effective_years,
                "quantity_total": str(r.quantity_total),
                "proxy_gbp": None if r.line.proxy is None else str(r.line.proxy),
                "deadweight": str(r.line.deadweight),
                "displacement": str(r.line.displacement),
                "attribution": str(r.line.attribution),
                "dropoff": str(r.line.dropoff),
                "councils": list(r.line.areas),
                "gross_per_year_gbp": _m(r.gross_per_year),
                "net_year1_gbp": _m(r.net_year1),
                "yearly_values_gbp": [_m(v) for v in r.yearly],
                "present_value_gbp": _m(r.present_value),
            }
            for r in result.lines
        ],
        "by_theme": [
            {"theme": k, "present_value_gbp": _m(v)} for k, v in sorted(result.by_theme.items())
        ],
        "by_member": [
            {"member": k, "present_value_gbp": _m(v)} for k, v in result.by_member.items()
        ],
        "by_council": [
            {
                "council_code": k if k != NO_AREA else None,
                "council_name": name(k) if k != NO_AREA else NO_AREA,
                "present_value_gbp": _m(v),
            }
            for k, v in sorted(result.by_council.items())
        ],  # fmt: skip
        "sensitivity": [
            {
                "assumption": s.assumption,
                "change": s.change,
                "present_value_down_gbp": _m(s.pv_down),
                "present_value_up_gbp": _m(s.pv_up),
                "sroi_ratio_down": _r(s.ratio_down),
                "sroi_ratio_up": _r(s.ratio_up),
            }
            for s in result.sensitivity
        ],
    }
