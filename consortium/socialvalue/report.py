"""The housing association's annual social impact report (.docx + .xlsx) across the consortia
it sponsors: investment made, social value generated, people reached, organisations supported.

    paths = write_report(ws.db, 2027, "reports/", sponsor_id=None)

Social value generated is delivered quantity × proxy value, net of deadweight, displacement and
attribution, in the year (actuals are not discounted or projected).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlite_utils import Database

from consortium import sheets
from consortium.files import atomic_save
from consortium.formatting import money, percent, plural, uk_date
from consortium.socialvalue import tracking
from consortium.text import printable


@dataclass
class BidYear:
    bid_id: int
    bid_name: str
    consortium: str
    investment: Decimal
    value: Decimal
    people: int
    organisations: list[str] = field(default_factory=list)
    rows: list[tracking.Progress] = field(default_factory=list)


def gather(db: Database, year: int, sponsor_id: int | None = None) -> list[BidYear]:
    """Bids with social value commitments (those whose consortium includes ``sponsor_id`` if given)."""
    sql = """SELECT DISTINCT b.id, b.name, c.name FROM bids b JOIN consortia c ON c.id = b.consortium_id
             JOIN sv_commitments s ON s.bid_id = b.id"""
    params: list = []
    if sponsor_id is not None:
        sql += " JOIN consortium_members m ON m.consortium_id = c.id AND m.org_id = ?"
        params.append(sponsor_id)
    out = []
    for bid_id, bid_name, cname in db.execute(sql + " ORDER BY b.name, b.id", params).fetchall():
        rows = tracking.committed_vs_delivered(db, bid_id, year)
        out.append(
            BidYear(
                bid_id=bid_id,
                bid_name=bid_name,
                consortium=cname,
                investment=sum((r.spend for r in rows), Decimal(0)),
                value=sum((r.value_delivered for r in rows), Decimal(0)),
                people=sum(r.people for r in rows),
                organisations=sorted({r.member for r in rows if r.delivered > 0}),
                rows=rows,
            )
        )
    return out


def write_report(
    db: Database, year: int, out_dir: str | Path, *, sponsor_id: int | None = None,
    today: dt.date | None = None,
) -> list[Path]:  # fmt: skip
    import docx
    from openpyxl import Workbook
    from openpyxl.styles import Font

    today = today or dt.date.today()
    data = gather(db, year, sponsor_id)
    out_dir = Path(out_dir)
    inv = sum((b.investment for b in data), Decimal(0))
    value = sum((b.value for b in data), Decimal(0))
    people = sum(b.people for b in data)
    orgs = sorted({o for b in data for o in b.organisations})
    from consortium import assets

    transfers = assets.transferred_in(db, year)

    d = docx.Document()
    d.add_heading(f"Social impact report {year}", 0)
    d.add_paragraph(f"Prepared {uk_date(today)}. Covers {len(data)} consortium bids.")
    t = d.add_table(rows=0, cols=2)
    t.style = "Table Grid"
    for k, v in (
        ("Investment made", money(inv, pence=True)),
        ("Social value generated", money(value, pence=True)),
        ("Social value per £1 invested", f"£{value / inv:.2f}" if inv else "not known"),
        ("People reached", f"{people:,}"),
        ("Local organisations supported", f"{len(orgs):,}"),
        (
            "Community ownership enabled",
            f"{plural(len(transfers), 'asset')} passed to community organisations",
        ),
    ):
        cells = t.add_row().cells
        cells[0].text, cells[1].text = k, v
    d.add_paragraph(
        "Social value generated is the delivered quantity × proxy value, net of deadweight, "
        "displacement and attribution, for activity in the year."
    )
    for a in transfers:
        d.add_paragraph(
            f"{printable(a.name)} passed to {printable(a.transferred_to)} on {uk_date(a.transferred_on)} (from the locality asset register).",
            style="List Bullet",
        )
    for b in data:
        d.add_heading(f"{printable(b.bid_name)} ({printable(b.consortium)})", 1)
        d.add_paragraph(
            f"Investment {money(b.investment, pence=True)}; social value {money(b.value, pence=True)}; "
            f"{b.people:,} people reached; organisations: {printable(', '.join(b.organisations)) or 'none yet'}."
        )
        tbl = d.add_table(rows=1, cols=5)
        tbl.style = "Table Grid"
        for c, h in zip(tbl.rows[0].cells, ("Member", "Measure", "Committed", "Delivered", "Value"),
                        strict=True):  # fmt: skip
            c.text = h
        for r in b.rows:
            cells = tbl.add_row().cells
            cells[0].text = printable(r.member)
            cells[1].text = printable(r.measure)
            cells[2].text = f"{r.committed:,f} {printable(r.unit)}"
            pct = f" ({percent(r.percent)})" if r.percent is not None else ""
            cells[3].text = f"{r.delivered:,f} {printable(r.unit)}{pct}"
            cells[4].text = money(r.value_delivered, pence=True)

    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.append(["Bid", "Consortium", "Investment (£)", "Social value (£)", "People reached",
               "Organisations supported"])  # fmt: skip
    for b in data:
        sheets.append(ws, [b.bid_name, b.consortium, float(b.investment), float(b.value),
                           b.people, len(b.organisations)])  # fmt: skip
    last = ws.max_row
    ws.append(
        ["Total", "", f"=SUM(C2:C{last})", f"=SUM(D2:D{last})", f"=SUM(E2:E{last})", len(orgs)]
    )
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2, min_col=3, max_col=4):
        for c in row:
            c.number_format = '"£"#,##0.00'
    det = wb.create_sheet("Delivery")
    det.append(["Bid", "Member", "Measure", "Unit", "Committed", "Delivered", "Spend (£)",
                "People", "Value (£)"])  # fmt: skip
    for b in data:
        for r in b.rows:
            sheets.append(det, [b.bid_name, r.member, r.measure, r.unit, float(r.committed),
                                float(r.delivered), float(r.spend), r.people,
                                float(r.value_delivered)])  # fmt: skip
    from consortium import docx_layout, xlsx_layout

    xlsx_layout.fit_columns(ws, header_row=1)
    xlsx_layout.print_setup(ws, title=f"Social impact report {year}", header_rows=(1, 1))
    xlsx_layout.fit_columns(det, header_row=1)
    xlsx_layout.print_setup(det, title=f"Social impact report {year}: delivery", header_rows=(1, 1))
    sponsor = (
        db.execute("SELECT name FROM organisations WHERE id = ?", [sponsor_id]).fetchone()
        if sponsor_id is not None
        else None
    )
    docx_layout.finish(
        d, title=f"Social impact report {year}", author=sponsor[0] if sponsor else "", levels=0
    )
    docx_path = out_dir / f"social-impact-{year}.docx"
    xlsx_path = out_dir / f"social-impact-{year}.xlsx"
    atomic_save(d.save, docx_path)
    atomic_save(wb.save, xlsx_path)
    return [docx_path, xlsx_path]
