"""The calculator workbook: every figure a live Excel formula over the Inputs sheet.

An HA officer can change a quantity, proxy or adjustment in Excel and see the totals move; the
formulas give the same figures as ``calc.calculate`` (a test recalculates with LibreOffice).

    build(result, "bid-social-value.xlsx", title="Demo bid")

Sheets: Inputs (assumptions, discount schedule, one row per commitment), Discount (factor per
period), Calculation (one row per commitment, a column per year), Summary (totals by theme,
member and council, ratios, charts).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from consortium import sheets, xlsx_layout
from consortium.files import atomic_save
from consortium.socialvalue import calc

MONEY = '"£"#,##0.00'
PCT = "0.0%"
FIRST_LINE = 13  # first commitment row on Inputs
VALUE = "E"  # the column of the assumptions' values on Inputs (rows 2 to 5)
SCHEDULE = ("G", "H", "I")  # from year, to year, rate of the discount schedule on Inputs
LINE_HEADERS = (
    "Ref",
    "Member",
    "Measure",
    "Description",
    "Theme",
    "Unit",
    "Quantity per year",
    "Proxy value (£)",
    "Counting rule",
    "Years",
    "Deadweight",
    "Displacement",
    "Attribution",
    "Drop-off",
    "Councils (GSS codes)",
    "Council names",
)


def _set(sheet, row: int, col: int, value):
    """Write a value; text is always text (a name starting with '=' is not a formula)."""
    return sheets.put(sheet, row, col, value)


def _bold(row) -> None:
    for c in row:
        c.font = Font(bold=True)


def _calculation_shown(result: calc.Result, n_years: int) -> dict[int, list[str]]:
    """What each column of the Calculation sheet's formulas shows, for its width: the names
    and codes it repeats from Inputs, and for the money columns the largest figure a line can
    reach (its gross total: every net, yearly and present value is at most that)."""
    lines = [r.line for r in result.lines]
    most = [f"£{float(r.gross_total):,.2f}" for r in result.lines]
    shown: dict[int, list[str]] = {
        1: [str(x.key) for x in lines],
        2: [x.member for x in lines],
        3: [x.theme or "(no theme)" for x in lines],
        5: [str(x.years) for x in lines],
        10 + n_years: ["; ".join(x.areas) if x.areas else calc.NO_AREA for x in lines],
    }
    for col in (4, 6, 7, *range(8, 8 + n_years), 8 + n_years, 9 + n_years, 11 + n_years):
        shown[col] = most
    return shown


def build(result: calc.Result, out: str | Path, *, title: str = "", area_names=None) -> Path:
    """Write the workbook for ``result`` to ``out`` (temporary file, then rename).

    ``area_names`` gives a council's name from its code (default: the bundled geography), so
    every council code has its name beside it."""
    out = Path(out)
    if area_names is None:
        from consortium.places import area_name as area_names
    a = result.assumptions
    lines = [r.line for r in result.lines]
    n_years = max((x.effective_years for x in lines), default=1) or 1
    n_lines = len(lines)
    wb = Workbook()

    # Inputs ---------------------------------------------------------------------------------
    # The assumptions sit above the commitments table, each label across A:D with its value in
    # E, and the discount schedule in G:I: with the labels in column A, the table's narrow Ref
    # column was as wide as the longest label and the sheet printed at 40%.
    ins = wb.active
    ins.title = "Inputs"
    _set(ins, 1, 1, f"Social value calculator: {title}".rstrip(": "))
    ins["A1"].font = Font(bold=True, size=14)
    rows = [
        ("Inputs: investment the ratio is taken over (£)", float(a.inputs), MONEY),
        (
            "Discount year 1? (1 = yes, SROI Guide; 0 = no, Green Book year 0)",
            int(a.discount_year1),
            "0",
        ),
        (
            "Contract value (£)",
            None if a.contract_value is None else float(a.contract_value),
            MONEY,
        ),
        (
            "Social value evaluation weighting (% of the score)",
            None if a.weighting_pct is None else float(a.weighting_pct) / 100,
            PCT,
        ),
    ]
    for i, (label, value, fmt) in enumerate(rows, start=2):
        ins.cell(i, 1, label)
        ins.merge_cells(start_row=i, start_column=1, end_row=i, end_column=4)
        c = ins[f"{VALUE}{i}"]
        c.value = value
        c.number_format = fmt
    s_from, s_to, s_rate = SCHEDULE
    ins[f"{s_from}1"] = "Green Book discount schedule"
    ins[f"{s_from}1"].font = Font(bold=True)
    ins[f"{s_from}2"], ins[f"{s_to}2"], ins[f"{s_rate}2"] = "From year", "To year", "Rate"
    _bold((ins[f"{s_from}2"], ins[f"{s_to}2"], ins[f"{s_rate}2"]))
    for i, (first, lastyr, rate) in enumerate(a.schedule, start=3):
        ins[f"{s_from}{i}"] = first
        ins[f"{s_to}{i}"] = lastyr if lastyr is not None else ""
        ins[f"{s_rate}{i}"] = float(rate)
        ins[f"{s_rate}{i}"].number_format = "0.0%"
    sched_last = 2 + len(a.schedule)
    hdr = FIRST_LINE - 1
    ins.cell(hdr - 1, 1, "Commitments (change any figure; every result is a formula)")
    ins.cell(hdr - 1, 1).font = Font(bold=True)
    for j, h in enumerate(LINE_HEADERS, start=1):
        ins.cell(hdr, j, h).font = Font(bold=True)
    for i, x in enumerate(lines):
        r = FIRST_LINE + i
        proxy = float(x.proxy) if x.monetised else 0
        values = [
            str(x.key),
            x.member,
            x.measure,
            x.description,
            x.theme or "(no theme)",
            x.unit,
            float(x.quantity),
            proxy,
            x.counting_rule,
            int(x.years),
            float(x.deadweight),
            float(x.displacement),
            float(x.attribution),
            float(x.dropoff),
            "; ".join(x.areas) if x.areas else calc.NO_AREA,
            "; ".join(area_names(code) for code in x.areas) if x.areas else "",
        ]
        for j, v in enumerate(values, start=1):
            c = _set(ins, r, j, v)
            if j == 8:
                c.number_format = MONEY
            elif 11 <= j <= 14:
                c.number_format = PCT
    xlsx_layout.fit_columns(ins, header_row=hdr, skip_rows=(1, hdr - 1))
    xlsx_layout.print_setup(
        ins,
        title=f"Social value calculator: {title}".rstrip(": "),
        header_rows=(hdr, hdr),
        freeze=f"C{FIRST_LINE}",
    )

    # Discount ---------------------------------------------------------------------------------
    dis = wb.create_sheet("Discount")
    dis.append(["Period", "Rate", "Discount factor"])
    _bold(dis[1])
    for k in range(0, n_years + 1):
        r = k + 2
        dis.cell(r, 1, k)
        if k == 0:
            dis.cell(r, 2, "=0")
            dis.cell(r, 3, "=1")
        else:
            dis.cell(
                r,
                2,
                f"=LOOKUP(A{r},Inputs!${s_from}$3:${s_from}${sched_last},"
                f"Inputs!${s_rate}$3:${s_rate}${sched_last})",
            )
            dis.cell(r, 3, f"=C{r - 1}/(1+B{r})")
        dis.cell(r, 2).number_format = "0.0%"
        dis.cell(r, 3).number_format = "0.000000"
    df_range = f"Discount!$C$2:$C${n_years + 2}"
    xlsx_layout.fit_columns(dis, header_row=1)
    xlsx_layout.print_setup(
        dis, title=f"Discount factors: {title}".rstrip(": "), header_rows=(1, 1)
    )

    # Calculation --------------------------------------------------------------------------------
    cal = wb.create_sheet("Calculation")
    fixed = [
        "Ref",
        "Member",
        "Theme",
        "Gross per year (£)",
        "Years counted",
        "Gross total (£)",
        "Net year 1 (£)",
    ]
    year_cols = [get_column_letter(8 + t) for t in range(n_years)]
    tail = ["Net total (£)", "Present value (£)", "Councils", "Value per council (£)"]
    cal.append(fixed + [f"Year {t + 1}" for t in range(n_years)] + tail)
    cal.append(
        ["Discount factor"]
        + [None] * 6
        + [f"=INDEX({df_range},{t + 1}+Inputs!${VALUE}$3)" for t in range(n_years)]
    )
    _bold(cal[1])
    _bold(cal[2])
    # The label runs across the empty cells beside it, so the Ref column stays narrow.
    cal.merge_cells(start_row=2, start_column=1, end_row=2, end_column=7)
    for t in range(n_years):
        cal.cell(2, 8 + t).number_format = "0.000000"
    c_net, c_pv, c_areas, c_share = (get_column_letter(8 + n_years + i) for i in range(4))
    y0, y1 = year_cols[0], year_cols[-1]
    for i in range(n_lines):
        r = 3 + i
        s = FIRST_LINE + i
        row = [
            f"=Inputs!A{s}",
            f"=Inputs!B{s}",
            f"=Inputs!E{s}",
            f"=Inputs!G{s}*Inputs!H{s}",
            f'=IF(Inputs!I{s}="first_year_only",1,Inputs!J{s})',
            f"=D{r}*E{r}",
            f"=D{r}*(1-Inputs!K{s})*(1-Inputs!L{s})*(1-Inputs!M{s})",
        ]
        row += [f"=IF({t + 1}<=$E{r},$G{r}*(1-Inputs!$N{s})^{t},0)" for t in range(n_years)]
        row += [
            f"=SUM({y0}{r}:{y1}{r})",
            f"=SUMPRODUCT({y0}{r}:{y1}{r},${y0}$2:${y1}$2)",
            f"=Inputs!O{s}",
            f'={c_pv}{r}/(LEN(Inputs!O{s})-LEN(SUBSTITUTE(Inputs!O{s},";",""))+1)',
        ]
        cal.append(row)
        for col in ["D", "F", "G", *year_cols, c_net, c_pv, c_share]:
            cal[f"{col}{r}"].number_format = MONEY
    cal_last = 2 + max(n_lines, 1)
    xlsx_layout.fit_columns(cal, header_row=1, results=_calculation_shown(result, n_years))
    xlsx_layout.print_setup(
        cal,
        title=f"Social value calculation: {title}".rstrip(": "),
        header_rows=(1, 2),
        freeze="D3",
    )

    # Summary --------------------------------------------------------------------------------------
    sm = wb.create_sheet("Summary", 0)
    _set(sm, 1, 1, f"Social value summary: {title}".rstrip(": "))
    sm["A1"].font = Font(bold=True, size=14)
    pv_rng = f"Calculation!${c_pv}$3:${c_pv}${cal_last}"
    totals = [
        (
            "Gross value, before adjustments and discounting (£)",
            f"=SUM(Calculation!$F$3:$F${cal_last})",
            MONEY,
        ),
        ("Net value, undiscounted (£)", f"=SUM(Calculation!${c_net}$3:${c_net}${cal_last})", MONEY),
        ("Present value (£)", f"=SUM({pv_rng})", MONEY),
        ("Inputs (£)", f"=Inputs!{VALUE}2", MONEY),
        ("Net present value (£)", "=B5-B6", MONEY),
        ("SROI ratio (£ of social value per £1 of inputs)", '=IF(B6>0,B5/B6,"")', "0.00"),
        ("Net SROI ratio", '=IF(B6>0,B7/B6,"")', "0.00"),
        (
            "Monetised value ÷ contract value (not the evaluation weighting)",
            f'=IF(N(Inputs!{VALUE}4)>0,B5/Inputs!{VALUE}4,"")',
            PCT,
        ),
        (
            "Social value evaluation weighting of the tender (a separate figure)",
            f'=IF(Inputs!{VALUE}5="","",Inputs!{VALUE}5)',
            PCT,
        ),
    ]
    for i, (label, formula, fmt) in enumerate(totals, start=3):
        sm.cell(i, 1, label)
        sm.cell(i, 2, formula).number_format = fmt
    sm.column_dimensions["A"].width = 64
    sm.column_dimensions["B"].width = 18
    sm.column_dimensions["C"].width = 30

    def table(start: int, heading: str, keys: list[str], formula) -> tuple[int, int]:
        sm.cell(start, 1, heading).font = Font(bold=True)
        sm.cell(start, 2, "Present value (£)").font = Font(bold=True)
        for i, k in enumerate(keys, start=start + 1):
            _set(sm, i, 1, k)
            sm.cell(i, 2, formula(i)).number_format = MONEY
        return start + 1, start + len(keys)

    themes = sorted(result.by_theme)
    members = list(result.by_member)
    councils = sorted(result.by_council)
    row0 = 14
    th = table(row0, "By theme", themes,
               lambda i: f"=SUMPRODUCT((Calculation!$C$3:$C${cal_last}=A{i})*{pv_rng})")  # fmt: skip
    row0 = th[1] + 2
    mb = table(row0, "By member", members,
               lambda i: f"=SUMPRODUCT((Calculation!$B$3:$B${cal_last}=A{i})*{pv_rng})")  # fmt: skip
    row0 = mb[1] + 2
    share = f"Calculation!${c_share}$3:${c_share}${cal_last}"
    areas = f"Calculation!${c_areas}$3:${c_areas}${cal_last}"
    cn = table(row0, "By council (value split evenly across a commitment's councils)", councils,
               lambda i: f"=SUMPRODUCT(ISNUMBER(SEARCH(A{i},{areas}))*{share})")  # fmt: skip
    if area_names:
        sm.cell(cn[0] - 1, 3, "Council").font = Font(bold=True)
        for i, code in enumerate(councils, start=cn[0]):
            _set(sm, i, 3, area_names(code) if code != calc.NO_AREA else "")
    sm.cell(
        row0 + len(councils) + 2,
        1,
        "Proxy values: see each commitment's source and price year in the app's statement.",
    )

    # Charts on a sheet of their own, each sized to print whole on one portrait page with the
    # other: a chart beside the tables was cut across pages.
    charts = wb.create_sheet("Charts", 1)
    _set(charts, 1, 1, f"Charts: {title}".rstrip(": "))
    charts["A1"].font = Font(bold=True, size=14)
    for (first, lastrow), name, anchor in (
        (th, "Value by theme", "A3"),
        (mb, "Value by member", "A25"),
    ):
        if lastrow < first:
            continue
        ch = BarChart()
        ch.type = "bar"
        ch.title = name
        ch.y_axis.title = "Present value (£)"
        ch.add_data(
            Reference(sm, min_col=2, min_row=first - 1, max_row=lastrow), titles_from_data=True
        )
        ch.set_categories(Reference(sm, min_col=1, min_row=first, max_row=lastrow))
        ch.legend = None
        ch.height, ch.width = 10, 17
        charts.add_chart(ch, anchor)
    xlsx_layout.print_setup(
        charts,
        title=f"Charts: {title}".rstrip(": "),
        landscape=False,
        pages_tall=1,
        area="A1:J45",
    )
    # Lines of label and value, and small tables under headings: no borders.
    xlsx_layout.print_setup(
        sm,
        title=f"Social value summary: {title}".rstrip(": "),
        header_rows=(1, 1),
        landscape=False,
        freeze="A3",
        table="",
    )
    atomic_save(wb.save, out)
    return out
