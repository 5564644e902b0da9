"""A tender as HTML for the detail pane: deadlines counting down, lots, criteria, places, links.
Every text from the notice is escaped."""

from __future__ import annotations

import datetime as dt
from html import escape

from consortium import cpv, places
from consortium.formatting import iso_date, money, uk_date
from consortium.tenders.records import DEFECT_KINDS, Tender
from ui import colours
from ui.tenders_model import deadline_text


def _money_range(tender: Tender) -> str:
    parts = []
    if tender.value is not None:
        parts.append(f"{money(tender.value)} excluding VAT")
    if tender.value_gross is not None:
        parts.append(f"{money(tender.value_gross)} including VAT")
    if tender.value_min is not None and tender.value_max is not None:
        parts.append(f"between {money(tender.value_min)} and {money(tender.value_max)}")
    elif tender.value_max is not None and tender.value is None:
        parts.append(f"up to {money(tender.value_max)}")
    return "; ".join(parts) or "not given"


def _link(url: str | None, text: str) -> str:
    if not url:
        return escape(text)
    return f"<a href='{escape(url, quote=True)}'>{escape(text)}</a>"


def tender_html(tender: Tender, today: dt.date, changed: bool = False) -> str:
    status = tender.status_on(today)
    out = [f"<h2>{escape(tender.title or '(untitled)')}</h2>"]
    if changed:
        out.append(
            "<p style='background:#fff3cd;color:#212529;padding:4px'><b>Changed since you last looked.</b></p>"
        )
    out.append(
        f"<p><b>{escape(tender.buyer_name or 'Buyer not named')}</b> · {escape(status)}"
        f" · {escape(tender.notice_type or '')} · {_link(tender.notice_url, 'notice on ' + ('Find a Tender' if tender.source == 'fts' else 'Contracts Finder'))}</p>"
    )
    rows = []
    for label, value in (
        ("Tender deadline", tender.deadline),
        ("Expression of interest by", tender.eoi_deadline),
        ("Questions by", tender.enquiry_deadline),
    ):
        if value:
            rows.append((label, deadline_text(value, today)))
    rows.append(("Value", _money_range(tender)))
    if tender.contract_start or tender.contract_end:
        rows.append(
            (
                "Contract",
                f"{uk_date(iso_date(tender.contract_start)) or '?'} to {uk_date(iso_date(tender.contract_end)) or '?'}",
            )
        )
    procedure = tender.procedure_details or tender.procedure or ""
    if tender.light_touch:
        procedure += " · light-touch regime"
    if procedure:
        rows.append(("Procedure", procedure))
    if tender.regime:
        rows.append(("Run under", tender.regime))
    suits = []
    if tender.reserved_vcse:
        suits.append("reserved for VCSEs")
    if tender.vcse:
        suits.append("suitable for VCSEs")
    if tender.sme:
        suits.append("suitable for SMEs")
    rows.append(("Suitability", ", ".join(suits) or "not stated"))
    where = ", ".join(f"{places.area_name(p)} ({p})" for p in tender.places) or escape(
        tender.place_text or "not stated"
    )
    rows.append(("Where", where))
    if tender.who_may_bid():
        rows.append(("Who may bid", f"organisations in {tender.who_may_bid()}"))
    if tender.planning_note(today):
        rows.append(("Planning notice", tender.planning_note(today)))
    rows.append(
        (
            "Services",
            "<br>".join(f"{c} {escape(cpv.label(c))}" for c in tender.cpv) or "no CPV code",
        )
    )
    if tender.reference:
        rows.append(("Buyer's reference", tender.reference))
    out.append("<table cellspacing='0' cellpadding='3'>")
    for label, value in rows:
        safe = value if label in ("Services", "Where") else escape(str(value))
        out.append(f"<tr><td valign='top'><b>{escape(label)}</b></td><td>{safe}</td></tr>")
    out.append("</table>")
    if tender.description:
        out.append(
            f"<h3>Description</h3><p>{escape(tender.description).replace(chr(10), '<br>')}</p>"
        )
    if tender.lots:
        out.append(f"<h3>{len(tender.lots)} lot{'s' if len(tender.lots) != 1 else ''}</h3>")
        for lot in tender.lots:
            out.append(
                f"<p><b>Lot {escape(lot.id)}: {escape(lot.title or '')}</b> · {escape(lot.status_on(today, tender.open_deadline))}"
            )
            if lot.value:
                out.append(f" · {money(lot.value)}")
            out.append("</p>")
            if lot.description:
                out.append(
                    f"<p style='margin-left:12px'>{escape(lot.description[:600])}{'…' if len(lot.description) > 600 else ''}</p>"
                )
            details = []
            if lot.places and lot.places != tender.places:
                details.append("Where: " + ", ".join(places.area_name(p) for p in lot.places))
            if lot.cpv and lot.cpv != tender.cpv:
                details.append("Services: " + ", ".join(f"{c} {cpv.label(c)}" for c in lot.cpv))
            if lot.contract_start or lot.contract_end:
                details.append(
                    f"Contract: {uk_date(iso_date(lot.contract_start)) or '?'} to {uk_date(iso_date(lot.contract_end)) or '?'}"
                )
            if lot.criteria:
                crit = ", ".join(
                    f"{c.name}{f' {c.weight:g}%' if c.weight is not None else ''}"
                    for c in lot.criteria
                )
                details.append(f"Award criteria: {crit}")
            if details:
                out.append("<ul>" + "".join(f"<li>{escape(d)}</li>" for d in details) + "</ul>")
    if tender.documents:
        out.append("<h3>Documents and links</h3><ul>")
        for doc in tender.documents[:30]:
            out.append(f"<li>{_link(doc.url, doc.title or doc.kind or doc.url or 'document')}</li>")
        out.append("</ul>")
    if tender.portal_url:
        out.append(
            f"<p>Bid through the buyer's portal: {_link(tender.portal_url, tender.portal_url)}</p>"
        )
    if tender.amendments:
        out.append("<h3>Changes to the notice</h3><ul>")
        for a in tender.amendments[:20]:
            out.append(f"<li>{escape(a.description or 'Amended')}</li>")
        out.append("</ul>")
    if tender.defects:
        out.append("<h3>Gaps in the published data</h3><ul>")
        for d in tender.defects:
            kind, _, detail = d.partition(":")
            out.append(
                f"<li>{escape(DEFECT_KINDS.get(kind, kind))}{': ' + escape(detail) if detail else ''}</li>"
            )
        out.append("</ul>")
    out.append(
        f"<p style='color:{colours.colour('muted').name()}'>{escape(tender.ocid)} · Contains public sector information licensed under the Open Government Licence v3.0.</p>"
    )
    return "".join(out)
