"""The social value statement (.docx) from the user-editable template
``templates/social-value-statement.docx`` (docxtpl/Jinja tags; user text is escaped).

    build_statement(ws.db, bid_id, "statement.docx", today=dt.date.today())

Sections: understanding of need, commitments mapped to codes, method, timed plan, measurement and
reporting, governance, additionality (with the calculation and sensitivity), declarations.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from sqlite_utils import Database

from consortium.errors import ConsortiumError
from consortium.files import atomic_save
from consortium.formatting import money, percent, uk_date
from consortium.socialvalue import calc, commitments, frameworks

TEMPLATE = "social-value-statement.docx"
SECTIONS = (
    "1. Understanding of need",
    "2. Our commitments, mapped to the award criteria",
    "3. Method statement",
    "4. Timed project plan",
    "5. Measurement and reporting",
    "6. Governance and continuous improvement",
    "7. Additionality and how the value was calculated",
    "8. Declarations",
)
# The statement's texts the team writes (Social value area); readiness names any left empty.
WRITTEN_SECTIONS = {
    "need": "Understanding of need",
    "method": "Method statement",
    "governance": "Governance and continuous improvement",
    "additionality": "Additionality",
    "contact": "Contact",
}
ROUNDING_NOTE = (
    "Money is shown in pounds to the penny, as in the Social value area; the calculation keeps "
    "full precision and rounds only what is shown (halves rounded up). Ratios are rounded to "
    "the penny per £1."
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class StatementError(ConsortiumError):
    pass


def _verified_codes() -> dict[str, bool]:
    """'PPN 06/20 MAC 2.1' -> whether the bundled reference verifies that code."""
    return {f"{c.framework} {c.code}": c.verified for c in frameworks.criteria()}


def _mark(code: str, verified: dict[str, bool]) -> str:
    """Codes the reference does not verify carry an asterisk, explained under the table."""
    return code if verified.get(code, True) else f"{code}*"


def _t(value) -> str:
    """Text safe for a Word paragraph (no control characters XML refuses)."""
    return _CONTROL.sub("", "" if value is None else str(value))


def pct(value: Decimal | None) -> str:
    """A share (0.2) as the documents write a percentage (20.0%)."""
    return percent(value, fraction=True)


def qty(value: Decimal) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


_PER = {
    "people": "person",
    "hours": "hour",
    "weeks": "week",
    "sessions": "session",
    "organisations": "organisation",
    "hours x attendees": "hour per attendee",
    "£": "£1",
}


def amount(quantity: Decimal, unit: str) -> str:
    """'4 FTE', '800 hours', '£25,000'."""
    if unit == "£":
        return money(quantity, pence=quantity != quantity.to_integral_value())
    return f"{qty(quantity)} {unit}".strip()


def ratio(value: Decimal | None) -> str:
    # No-break spaces: the ratio is one figure and never wraps between its parts.
    return "" if value is None else f"£{value:.2f}\u00a0:\u00a0£1"


def template_path() -> Path:
    from consortium.bids.documents import template_dirs

    for folder in template_dirs():
        if (folder / TEMPLATE).is_file():
            return folder / TEMPLATE
    raise StatementError(
        f"The template {TEMPLATE} is missing. Reinstall Consortium, or put a copy in "
        f"{template_dirs()[0]}."
    )


def context(
    db: Database, bid_id: int, *, today: dt.date, result: calc.Result | None = None
) -> dict:
    """Everything the template can use, as plain text (figures already formatted)."""
    from consortium.bids import records as bids
    from consortium.places import area_name

    bid = bids.load(db, bid_id)
    settings = commitments.load_settings(db, bid_id)
    cs = commitments.list_for_bid(db, bid_id)
    result = result or commitments.calculate_bid(db, bid_id)
    by_key = {r.line.key: r for r in result.lines}
    measures = frameworks.measures_by_key(db)
    verified = _verified_codes()
    names = commitments.member_names(db, [c.org_id for c in cs])
    tender = db.execute(
        "SELECT title, buyer_name, reference, notice_id FROM tenders WHERE ocid = ?",
        [bid.ocid or ""],
    ).fetchone()

    def areas(codes):
        return ", ".join(_t(area_name(a)) for a in codes) or "Not specified"

    rows, plan = [], []
    proxies: dict[str, dict] = {}
    work: dict[str, list[str]] = {}
    for c in cs:
        m = measures.get((c.framework_id, c.measure_code))
        r = by_key.get(c.id)
        years = 1 if m and m.counting_rule == "first_year_only" else c.years
        proxy = (
            f"{money(m.proxy_value, pence=True)} per {_PER.get(m.unit, m.unit)} ({_t(m.source)}, {m.price_year} prices; "
            f"licence: {_t(m.licence_holder)})"
            if m and m.monetised
            else "Record only: counted, not given a £ value"
        )
        rows.append(
            {
                "member": _t(names.get(c.org_id, "")),
                # The measure's own code, never the framework's internal id (a buyer cannot
                # look up "DEMO-LOCAL"); the award-criteria codes are in their own column.
                "code": _t(c.measure_code),
                "measure": _t(frameworks.display_name(m, c.measure_code)),
                "criteria": _t(
                    ", ".join(_mark(code, verified) for code in m.criteria) if m else ""
                ),
                "quantity": amount(c.quantity, m.unit if m else ""),
                "years": str(years),
                "areas": areas(c.areas),
                "beneficiaries": _t(c.beneficiaries),
                "value": money(r.present_value, pence=True)
                if r and m and m.monetised
                else "Record only",
                "proxy": proxy,
                "activity": _t(c.activity),
                "evidence": _t(c.evidence) or "To be agreed with the buyer",
                "adjustments": (
                    f"deadweight {pct(c.deadweight)}, displacement {pct(c.displacement)}, "
                    f"attribution {pct(c.attribution)}, drop-off {pct(c.dropoff)} a year"
                ),
            }
        )
        start = c.start_year or today.year + 1
        span = f"{start}/{str(start + 1)[-2:]}"
        if years > 1:
            end = start + years - 1
            when = f"Years 1 to {years} ({span} to {end}/{str(end + 1)[-2:]})"
        else:
            when = f"Year 1 ({span})"
        plan.append(
            {
                "sort": (start, years),
                "year": when,
                "member": rows[-1]["member"],
                "what": f"{rows[-1]['quantity']} a year: {rows[-1]['measure']}",
            }
        )
        key = rows[-1]["measure"]
        if key not in proxies:
            proxies[key] = {"code": key, "measure": key, "proxy": proxy}
        work.setdefault(rows[-1]["member"], []).append(rows[-1]["measure"])
        if c.activity:
            work[rows[-1]["member"]][-1] += f" ({_t(c.activity)})"
    plan.sort(key=lambda p: p["sort"])
    a = result.assumptions
    sens = [
        {
            "assumption": s.assumption,
            "change": s.change,
            "down": money(s.pv_down, pence=True),
            "up": money(s.pv_up, pence=True),
            "ratio_down": ratio(s.ratio_down),
            "ratio_up": ratio(s.ratio_up),
        }
        for s in result.sensitivity
    ]
    return {
        "bid_name": _t(bid.name),
        "tender_title": _t(tender[0]) if tender else "",
        "buyer": _t(tender[1]) if tender and tender[1] else "the buyer",
        "ocid": _t(bid.ocid or ""),
        "reference": _t(tender[2] or tender[3] or "") if tender else "",
        "date": uk_date(today),
        "members": sorted({r["member"] for r in rows}),
        # Never a prompt: an empty text prints nothing, and readiness names it first.
        "need": _t(settings.need),
        "method": _t(settings.method),
        "governance": _t(settings.governance),
        "rounding": ROUNDING_NOTE,
        "reporting": _t(settings.reporting),
        "additionality": _t(settings.additionality),
        "contact": _t(settings.contact),
        "commitments": rows,
        "plan": plan,
        "proxies": list(proxies.values()),
        "unverified_codes": any("*" in row["criteria"] for row in rows),
        "member_work": [{"member": k, "work": "; ".join(v)} for k, v in work.items()],
        "totals": {
            "gross": money(result.gross, pence=True),
            "net": money(result.net_undiscounted, pence=True),
            "present_value": money(result.present_value, pence=True),
            "inputs": money(a.inputs, pence=True),
            "npv": money(result.npv, pence=True),
            "sroi_ratio": ratio(result.sroi_ratio) or "not given (no inputs recorded)",
            "value_to_contract": pct(result.value_to_contract) or "not known (no contract value)",
            "contract_value": money(a.contract_value) if a.contract_value else "not known",
            "weighting": percent(a.weighting_pct) if a.weighting_pct is not None else "not stated",
        },
        "discounting": (
            "Values are discounted with the HM Treasury Green Book rate (3.5% a year to year 30, "
            "3.0% from year 31), "
            + (
                "year 1 included (SROI Guide practice)."
                if a.discount_year1
                else "year 1 not discounted (Green Book year 0)."
            )
        ),
        "by_theme": [
            {"name": _t(k), "value": money(v, pence=True)}
            for k, v in sorted(result.by_theme.items())
        ],
        "by_member": [
            {"name": _t(k), "value": money(v, pence=True)} for k, v in result.by_member.items()
        ],
        "by_council": [
            {"name": _t(area_name(k)) if k != calc.NO_AREA else k, "value": money(v, pence=True)}
            for k, v in sorted(result.by_council.items())
        ],
        "sensitivity": sens,
    }


def build_statement(
    db: Database,
    bid_id: int,
    out: str | Path,
    *,
    today: dt.date | None = None,
    template: str | Path | None = None,
    result: calc.Result | None = None,
) -> Path:
    from docxtpl import DocxTemplate

    today = today or dt.date.today()
    tpl_path = Path(template) if template else template_path()
    ctx = context(db, bid_id, today=today, result=result)
    try:
        tpl = DocxTemplate(str(tpl_path))
        tpl.render(ctx, autoescape=True)
    except Exception as exc:  # jinja2 syntax errors, damaged zip/XML, unknown names …
        raise StatementError(
            f"The template {tpl_path} could not be used: {exc}. Fix the tags in it, or delete "
            "your copy to use the one that comes with Consortium."
        ) from exc
    from consortium import docx_layout

    title = f"Social value statement: {ctx['tender_title'] or ctx['bid_name']}"
    author = _lead_name(db, bid_id) or ctx["bid_name"]
    docx_layout.finish(tpl.docx, title=title, author=author, levels=1)
    return atomic_save(tpl.save, Path(out)) or Path(out)


def _lead_name(db: Database, bid_id: int) -> str:
    from consortium.bids import records as bids
    from consortium.matching import consortia

    try:
        c = consortia.load(db, bids.load(db, bid_id).consortium_id)
    except ConsortiumError:
        return ""
    return c.lead.name if c.lead else c.name


def build(ws, bid_id: int, out: str | Path, *, today: dt.date | None = None,
          template: str | Path | None = None) -> Path:  # fmt: skip
    """``build_statement`` for a Workspace (what the window calls)."""
    return build_statement(ws.db, bid_id, out, today=today, template=template)


# ----------------------------------------------------------------------- the bundled template
def write_default_template(path: str | Path) -> Path:
    """(Re)create the bundled template. Run: python -m consortium.socialvalue.statement templates/"""
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    d.styles["Normal"].font.name = "Arial"
    d.add_paragraph("Social value statement", style="Title")
    d.add_paragraph("{{ tender_title or bid_name }}", style="Subtitle")
    d.add_paragraph("For {{ buyer }}")
    d.add_paragraph("{%p if reference %}")
    d.add_paragraph("Buyer's reference: {{ reference }}")
    d.add_paragraph("{%p endif %}")
    d.add_paragraph("Consortium members:")
    d.add_paragraph("{%p for m in members %}")
    d.add_paragraph("{{ m }}", style="List Bullet")
    d.add_paragraph("{%p endfor %}")
    d.add_paragraph("Date: {{ date }}")
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.add_paragraph("Contents").runs[0].bold = True
    d.add_paragraph("\u27e6contents\u27e7")
    d.add_paragraph("{{ rounding }}")
    d.add_heading("Summary", 1)
    summary = [
        ("Present value of the social value committed", "{{ totals.present_value }}"),
        ("Gross value before adjustments and discounting", "{{ totals.gross }}"),
        ("Inputs (investment)", "{{ totals.inputs }}"),
        ("Social return on investment (SROI) ratio", "{{ totals.sroi_ratio }}"),
        ("Social value evaluation weighting of this tender", "{{ totals.weighting }}"),
        (
            "Monetised value ÷ contract value ({{ totals.contract_value }})",
            "{{ totals.value_to_contract }}",
        ),
    ]
    t = d.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for k, v in summary:
        cells = t.add_row().cells
        cells[0].text, cells[1].text = k, v
    d.add_paragraph(
        "The evaluation weighting is the share of the tender score given to social value; the "
        "monetised value ÷ contract value is a different figure and is shown separately."
    )
    d.add_heading(SECTIONS[0], 1)
    d.add_paragraph("{%p if need %}")
    d.add_paragraph("{{ need }}")
    d.add_paragraph("{%p endif %}")
    d.add_heading(SECTIONS[1], 1)

    def loop_table(headers, fields, loop):
        tbl = d.add_table(rows=1, cols=len(headers))
        tbl.style = "Table Grid"
        for c, h in zip(tbl.rows[0].cells, headers, strict=True):
            c.text = h
        tbl.add_row().cells[0].text = "{%tr for x in " + loop + " %}"
        row = tbl.add_row().cells
        for c, f in zip(row, fields, strict=True):
            c.text = "{{ x." + f + " }}"
        tbl.add_row().cells[0].text = "{%tr endfor %}"

    loop_table(
        [
            "Member",
            "Measure",
            "Criteria codes",
            "Quantity a year",
            "Years",
            "Where",
            "Who benefits",
            "Value (£, present value)",
        ],
        [
            "member",
            "measure",
            "criteria",
            "quantity",
            "years",
            "areas",
            "beneficiaries",
            "value",
        ],
        "commitments",
    )
    d.add_paragraph(
        "{% if unverified_codes %}* Award-criteria codes marked * are not yet verified against the "
        "published PPN: check them before submitting.{% endif %}"
    )
    d.add_paragraph("Proxy values and their sources:")
    d.add_paragraph("{%p for x in proxies %}")
    d.add_paragraph("{{ x.measure }}: {{ x.proxy }}", style="List Bullet")
    d.add_paragraph("{%p endfor %}")
    d.add_heading(SECTIONS[2], 1)
    d.add_paragraph("{%p if method %}")
    d.add_paragraph("{{ method }}")
    d.add_paragraph("{%p endif %}")
    d.add_paragraph("{%p for x in member_work %}")
    d.add_paragraph("{{ x.member }}: {{ x.work }}.", style="List Bullet")
    d.add_paragraph("{%p endfor %}")
    d.add_paragraph("Every commitment is over and above the core requirements of the contract.")
    d.add_heading(SECTIONS[3], 1)
    loop_table(["When", "Member", "Commitment"], ["year", "member", "what"], "plan")
    d.add_heading(SECTIONS[4], 1)
    d.add_paragraph("Reporting: {{ reporting }}")
    loop_table(["Measure", "Evidence we will keep"], ["measure", "evidence"], "commitments")
    d.add_paragraph(
        "Each result is counted once only, for this contract and this reporting period."
    )
    d.add_heading(SECTIONS[5], 1)
    d.add_paragraph("{%p if governance %}")
    d.add_paragraph("{{ governance }}")
    d.add_paragraph("{%p endif %}")
    d.add_heading(SECTIONS[6], 1)
    d.add_paragraph("{%p if additionality %}")
    d.add_paragraph("{{ additionality }}")
    d.add_paragraph("{%p endif %}")
    d.add_paragraph(
        "Value = quantity × proxy value, less deadweight, displacement and attribution, with "
        "drop-off from year 2. {{ discounting }} Gross value {{ totals.gross }}; net value "
        "(undiscounted) {{ totals.net }}; present value {{ totals.present_value }}; net present "
        "value {{ totals.npv }}."
    )
    loop_table(["Measure", "Adjustments"], ["measure", "adjustments"], "commitments")
    d.add_paragraph("Value by theme:")
    loop_table(["Theme", "Present value"], ["name", "value"], "by_theme")
    d.add_paragraph("Value by member:")
    loop_table(["Member", "Present value"], ["name", "value"], "by_member")
    d.add_paragraph("Value by council (split evenly where a commitment covers several):")
    loop_table(["Council", "Present value"], ["name", "value"], "by_council")
    d.add_paragraph("Sensitivity: present value with each assumption moved down and up on its own.")
    loop_table(
        ["Assumption", "Change", "Down", "Up", "Ratio down", "Ratio up"],
        ["assumption", "change", "down", "up", "ratio_down", "ratio_up"],
        "sensitivity",
    )
    d.add_heading(SECTIONS[7], 1)
    for line in (
        "☐ The commitments and figures relate only to this contract and to the reporting period stated.",
        "☐ Nothing is claimed that is part of the core service, or that is counted elsewhere.",
        "☐ Every proxy value is used under a licence held by the organisation named beside it.",
        "☐ Evidence for each commitment will be kept and made available to the buyer on request.",
    ):
        d.add_paragraph(line)
    d.add_paragraph("{%p if contact %}")
    d.add_paragraph("Contact: {{ contact }}")
    d.add_paragraph("{%p endif %}")
    path = Path(path)
    if path.is_dir():
        path = path / TEMPLATE
    atomic_save(d.save, path)
    return path


if __name__ == "__main__":
    import sys

    print(write_default_template(sys.argv[1] if len(sys.argv) > 1 else "templates"))
