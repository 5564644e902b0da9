"""Social value arithmetic, to the penny."""

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from consortium.socialvalue import calc, frameworks
from consortium.socialvalue.calc import Assumptions, Line, calculate, pennies

REF = Path("/work/shared/data/social_value_reference.json")


def fixture():
    data = json.loads(REF.read_text()) if REF.exists() else None
    f = data["sroi_method"]["test_fixture"] if data else {
        "quantity": 10, "proxy": 1000, "deadweight": 0.2, "attribution": 0.25,
        "displacement": 0.0, "dropoff": 0.1, "duration": 3, "inputs": 10000,
        "expected": {"yearly_values": [6000, 5400, 4860], "present_value": 15221.5,
                     "sroi_ratio": 1.522, "present_value_if_year1_undiscounted": 15754.25},
    }  # fmt: skip
    line = Line(
        quantity=D(str(f["quantity"])),
        proxy=D(str(f["proxy"])),
        years=f["duration"],
        deadweight=D(str(f["deadweight"])),
        displacement=D(str(f["displacement"])),
        attribution=D(str(f["attribution"])),
        dropoff=D(str(f["dropoff"])),
    )
    return line, D(str(f["inputs"])), f["expected"]


def test_worked_example_year1_discounted():
    line, inputs, exp = fixture()
    r = calculate([line], Assumptions(inputs=inputs))
    assert [pennies(v) for v in r.lines[0].yearly] == [
        pennies(D(str(v))) for v in exp["yearly_values"]
    ]
    assert pennies(r.present_value) == D("15221.50")
    assert pennies(r.present_value) == pennies(D(str(exp["present_value"])))
    assert round(r.sroi_ratio, 3) == D(str(exp["sroi_ratio"]))
    assert pennies(r.npv) == D("5221.50")
    assert round(r.net_sroi_ratio, 2) == D("0.52")


def test_worked_example_year1_undiscounted():
    line, inputs, exp = fixture()
    r = calculate([line], Assumptions(inputs=inputs, discount_year1=False))
    assert pennies(r.present_value) == D("15754.25")
    assert pennies(r.present_value) == pennies(D(str(exp["present_value_if_year1_undiscounted"])))


def one(**kw):
    base = dict(quantity=D(10), proxy=D(100), years=1)
    return calculate(
        [Line(**(base | kw))], Assumptions(discount_year1=False), with_sensitivity=False
    )


def test_gross_is_quantity_times_proxy():
    r = one()
    assert r.gross == D(1000) and r.present_value == D(1000)


@pytest.mark.parametrize("name", ["deadweight", "displacement", "attribution"])
def test_each_adjustment_alone(name):
    r = one(**{name: D("0.3")})
    assert r.gross == D(1000)
    assert pennies(r.present_value) == D("700.00")


def test_adjustments_multiply():
    r = one(deadweight=D("0.5"), displacement=D("0.5"), attribution=D("0.5"))
    assert pennies(r.present_value) == D("125.00")


def test_dropoff_from_year_two_only():
    r = one(years=3, dropoff=D("0.5"))
    assert r.lines[0].yearly == [D(1000), D(500), D(250)]
    assert pennies(r.present_value) == pennies(
        D(1000) + D(500) / D("1.035") + D(250) / D("1.035") ** 2
    )


def test_first_year_only_counting_rule():
    r = one(years=5, counting_rule="first_year_only")
    assert r.lines[0].yearly == [D(1000)]
    assert r.gross == D(1000)


def test_record_only_counted_not_valued():
    r = one(record_only=True, years=2)
    assert r.present_value == 0 and r.lines[0].quantity_total == D(20)


def test_green_book_schedule_after_year_30():
    dfs = calc.discount_factors(32)
    assert pennies(dfs[0] * 10**6) == pennies(D(10**6) / D("1.035"))
    assert pennies(dfs[30] * 10**6) == pennies(D(10**6) / D("1.035") ** 30 / D("1.03"))
    assert pennies(dfs[31] * 10**6) == pennies(D(10**6) / D("1.035") ** 30 / D("1.03") ** 2)


def test_schedule_matches_bundled_data():
    assert tuple(frameworks.discount_schedule()) == calc.GREEN_BOOK


def test_totals_per_theme_member_council_and_ratios():
    lines = [
        Line(quantity=D(1), proxy=D(1035), member="A", theme="T1", areas=("E1", "E2")),
        Line(quantity=D(2), proxy=D("1035"), member="B", theme="T2", areas=("E1",)),
        Line(quantity=D(2), proxy=None, member="B", theme="T2"),
    ]
    r = calculate(lines, Assumptions(inputs=D(1500), contract_value=D(30000), weighting_pct=D(10)))
    assert pennies(r.present_value) == D("3000.00")
    assert r.by_member == {"A": D(1000), "B": D(2000)}
    assert r.by_theme == {"T1": D(1000), "T2": D(2000)}
    assert r.by_council["E1"] == D(2500) and r.by_council["E2"] == D(500)
    assert r.by_council[calc.NO_AREA] == 0
    assert r.sroi_ratio == D(2)
    assert r.value_to_contract == D("0.1")  # monetised value ÷ contract value …
    assert r.assumptions.weighting_pct == D(10)  # … is not the evaluation weighting


def test_sensitivity_each_assumption_both_ways():
    line, inputs, _ = fixture()
    r = calculate([line], Assumptions(inputs=inputs))
    rows = {s.assumption: s for s in r.sensitivity}
    assert list(rows) == ["Deadweight", "Displacement", "Attribution", "Drop-off", "Proxy values",
                          "Discount rate", "Year 1 discounting"]  # fmt: skip
    # deadweight 20% -> 10% and 30%
    dw = rows["Deadweight"]
    assert pennies(dw.pv_down) == pennies(r.present_value * D("0.9") / D("0.8"))
    assert pennies(dw.pv_up) == pennies(r.present_value * D("0.7") / D("0.8"))
    assert pennies(rows["Displacement"].pv_down) == pennies(r.present_value)  # 0% cannot go lower
    assert rows["Drop-off"].pv_down > r.present_value > rows["Drop-off"].pv_up
    assert pennies(rows["Proxy values"].pv_down) == pennies(r.present_value * D("0.8"))
    assert pennies(rows["Proxy values"].pv_up) == pennies(r.present_value * D("1.2"))
    assert rows["Discount rate"].pv_down > r.present_value > rows["Discount rate"].pv_up
    assert pennies(rows["Year 1 discounting"].pv_down) == D("15754.25")
    assert pennies(rows["Year 1 discounting"].pv_up) == D("15221.50")
    assert round(rows["Proxy values"].ratio_up, 4) == round(r.sroi_ratio * D("1.2"), 4)


def test_no_inputs_gives_no_ratio():
    r = one()
    assert r.sroi_ratio is None and r.value_to_contract is None
