"""Build a bid's documents from the Word templates in templates/, and the due-diligence workbook.

    result = build(ws, bid_id, "out/", today=dt.date.today(), progress=..., cancelled=...)
    result.files     # joint bid, due-diligence workbook, CRtC expression of interest,
                     # consortium agreement outline, and a cover note when the check found items

Templates are found in the user's data folder (``CONSORTIUM_HOME/templates``) first, then those
shipped with the app. Every value reaches a template as plain text and is XML-escaped
(autoescape), so a name like ``<Hope & {{ Co }}>`` appears literally. A template a user broke
raises :class:`TemplateProblem` naming the template, the paragraph and the fault. Each file is
written to a temporary file beside it and renamed, so a failed build leaves no half-written file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from consortium import docx_layout, home, sheets, xlsx_layout
from consortium.bids import narrative, readiness
from consortium.bids import questions as bid_questions
from consortium.bids.records import load as load_bid
from consortium.bids.template_maker import ANSWERS_SECTION
from consortium.errors import ConsortiumError
from consortium.formatting import iso_date, money, percent, plural, uk_date
from consortium.matching import consortia
from consortium.partners import store as partner_store
from consortium.progress import IsCancelled, Progress, check, never_cancelled, no_progress
from consortium.records import LEGAL_FORMS, Organisation
from consortium.workspace import Workspace

TEMPLATES = {
    "joint_bid": "joint-bid.docx",
    "cre_eoi": "cre-eoi.docx",
    "agreement": "consortium-agreement.docx",
}
MATRIX_MARKER = "\u27e6roles and responsibilities matrix\u27e7"
SOCIAL_VALUE_PLACEHOLDER = (
    "The consortium's social value commitments will be set out here. Add them in the Social "
    "value area, then build the bid again."
)
GOVERNANCE = {
    "lead_provider": "The lead provider holds the contract with the buyer and subcontracts to each "
    "member. A partnership board of one representative per member meets monthly to review "
    "performance, risks and referrals; the lead chairs it and reports to the buyer.",
    "partnership": "The members deliver under a partnership agreement. A board of one "
    "representative per member takes decisions by consensus, with the lead partner as the "
    "buyer's single point of contact.",
    "spv": "The members own a special-purpose vehicle that holds the contract. Its board has a "
    "director from each member; the SPV subcontracts delivery to the members.",
}
MODEL_TERMS = {
    "lead_provider": [
        "The lead provider signs the contract with the buyer and carries the contractual risk.",
        "Each member signs a back-to-back subcontract with the lead on the same terms, "
        "performance measures and data-protection duties as the head contract.",
        "The lead keeps the management fee to cover contract management, monitoring and reporting.",
    ],
    "partnership": [
        "The members sign this partnership agreement; one partner signs the contract for all.",
        "Liability between partners follows each partner's share of the work.",
        "Decisions that change a partner's share or the budget need all partners' agreement.",
    ],
    "spv": [
        "The members form a company limited by guarantee (the SPV) with each member as a member.",
        "The SPV signs the contract and subcontracts delivery to the members.",
        "The SPV's articles set out the board, voting and how members join or leave.",
    ],
}
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class TemplateProblem(ConsortiumError):
    """A template cannot be used as it is (the user edited it into a broken state)."""


def clean(value) -> str:
    """User text as safe plain text for a document: characters XML cannot hold removed."""
    if value is None:
        return ""
    return _XML_BAD.sub("", str(value))


def safe_cell(value):
    """A value for a spreadsheet cell (see :mod:`consortium.sheets`, the one rule; the cell
    is guarded once written)."""
    return sheets.value(value)


def template_dirs() -> list[Path]:
    dirs = [home.home_dir() / "templates"]
    dirs.append(Path(__file__).resolve().parents[2] / "templates")  # source tree / editable
    dirs.append(Path(sys.prefix) / "share" / "consortium" / "templates")  # installed wheel
    return dirs


def template_path(name: str) -> Path:
    for folder in template_dirs():
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise TemplateProblem(
        f"The template {name} is missing. Reinstall Consortium, or put a copy in "
        f"{template_dirs()[0]}."
    )


# ------------------------------------------------------------------------------- context
def _one_line(value) -> str:
    """Text for a single paragraph: line breaks become spaces (Word ignores a bare newline)."""
    return re.sub(r"\s*\n\s*", " ", clean(value)).strip()


def _paragraphs(text: str) -> list[str]:
    return [clean(p.strip()) for p in re.split(r"\n\s*\n|\r?\n", text or "") if p.strip()]


def _social_value(ws: Workspace, bid_id: int) -> list[str]:
    """The social value section from consortium.socialvalue when it offers one:
    ``consortium.socialvalue.bid_section(ws, bid_id) -> list[str]`` (paragraphs)."""
    try:
        import consortium.socialvalue as sv
    except ImportError:
        return [SOCIAL_VALUE_PLACEHOLDER]
    section = getattr(sv, "bid_section", None)
    if section is None:
        return [SOCIAL_VALUE_PLACEHOLDER]
    paragraphs = section(ws, bid_id)
    return [clean(p) for p in paragraphs] or [SOCIAL_VALUE_PLACEHOLDER]


def _member(
    org: Organisation, m: consortia.Member, on: dt.date, owned: list[str], lotted: bool
) -> dict:
    latest = org.latest_turnover()
    contact = org.contacts[0] if org.contacts else None
    figures = []
    if latest:
        figures.append(f"Turnover {money(latest[1])} ({latest[0]})")
    if org.staff is not None:
        figures.append(f"{org.staff:,} staff")
    if org.volunteers is not None:
        figures.append(f"{org.volunteers:,} volunteers")
    track = []
    for pc in org.past_contracts:
        years = (
            f"{pc.start_year}–{pc.end_year}"
            if pc.start_year and pc.end_year
            else str(pc.start_year or "")
        )
        bits = [pc.title or "Contract", f"for {pc.buyer}"]
        if pc.value:
            bits.append(money(pc.value))
        if years:
            bits.append(years)
        if pc.outcome:
            bits.append(pc.outcome.lower())
        track.append(clean(", ".join(bits)))
    return {
        "id": org.id,
        "name": clean(org.name),
        "role": clean(m.role),
        "lots": [clean(x) for x in m.lots],
        # Never "Lots: none" to the buyer. Where other members deliver the lots, one with none
        # of its own brings capacity to the whole (the proposal's "adds capacity"); where no
        # member has lots, the bid is for the whole contract and every member delivers it.
        "lots_text": clean(", ".join(m.lots))
        or ("none of its own (adds capacity to the whole)" if lotted else "the whole contract"),
        "legal_form": LEGAL_FORMS.get(org.legal_form, clean(org.legal_form)),
        "charity_number": clean(org.charity_number) or "none",
        "company_number": clean(org.company_number) or "none",
        "address": clean(", ".join(x for x in (org.address, org.postcode) if x)),
        "services": _one_line(org.services) or "No description of services on record.",
        "figures": "; ".join(figures) or "No figures on record.",
        "turnover": money(latest[1]) if latest else "not given",
        "turnover_year": str(latest[0]) if latest else "",
        "staff": f"{org.staff:,}" if org.staff is not None else "",
        "volunteers": f"{org.volunteers:,}" if org.volunteers is not None else "",
        "track_record": track or ["No past contracts on record."],
        "credential_lines": [
            clean(f"{c.type} ({c.kind}), expires {uk_date(c.expires) or 'no date given'}")
            for c in org.credentials
        ],
        "contact": clean(contact.name) if contact else "",
        "contact_role": clean(contact.role) if contact else "",
        "questions_owned": owned,
    }


COPIES = ("submission", "working")
STATUS_WORDS = {
    "expired": "Expired by contract start",
    "soon": "Renew soon",
    "ok": "In date",
    "undated": "No date",
}


def context(
    ws: Workspace, bid_id: int, today: dt.date | None = None, copy: str = "submission"
) -> dict:
    """Everything the templates can use, as plain (unescaped) text; autoescape escapes it.

    generated; working (true in the team's working copy); copy; bid.{id, name, lots[{id,
    title}], lots_text, lot_lines[]}; tender.{ocid, reference, notice, title, buyer,
    description, deadline, contract_start, value, area}; narrative.{executive_summary[],
    understanding[], governance[]} (paragraphs the user wrote, else the suggested draft); consortium.{name, model, lead, fee,
    governance, contact}; members[{name, role, lots, lots_text, legal_form, charity_number,
    company_number, address, services, figures, turnover, turnover_year, staff, volunteers,
    track_record[], credential_lines[], contact, contact_role, questions_owned[]}];
    executive_summary[]; answers[{number, ref, heading, question, meta, paragraphs[]}];
    credentials[{member, kind, type, reference, cover, expires, status}]; social_value[];
    model_terms[]; roles_matrix (a paragraph holding only it becomes the members × lots table).
    """
    today = today or dt.date.today()
    bid = load_bid(ws.db, bid_id)
    c = consortia.load(ws.db, bid.consortium_id)
    tender = None
    if bid.ocid:
        from consortium.tenders.search import get

        tender = get(ws, bid.ocid)
    start = readiness.contract_start(ws, bid)
    on = start or today
    qs = bid_questions.list_for(ws.db, bid_id)
    owned: dict[int, list[str]] = {}
    from consortium.work.status import answer_authors, author_orgs

    wrote = author_orgs(ws.db, bid_id)
    for n, q in enumerate(qs, start=1):
        if q.owner_org_id is not None:
            owned.setdefault(q.owner_org_id, []).append(clean(q.ref or str(n)))
        # A member that wrote an answer it does not own is in the roles matrix for it too.
        if wrote.get(q.id) not in (None, q.owner_org_id):
            owned.setdefault(wrote[q.id], []).append(clean(q.ref or str(n)))
    orgs = {o.id: o for o in partner_store.load_many(ws.db, [m.org_id for m in c.members])}
    members = [
        _member(orgs[m.org_id], m, on, owned.get(m.org_id, []), any(x.lots for x in c.members))
        for m in c.members
        if m.org_id in orgs
    ]
    lead = c.lead
    lead_name = clean(lead.name) if lead else "no lead chosen"
    lots = []
    if tender:
        titles = {lot.id: lot.title for lot in tender.lots}
        lots = [{"id": clean(x), "title": clean(titles.get(x) or f"Lot {x}")} for x in bid.lots]
    working = copy == "working"
    written_by = answer_authors(ws.db, bid_id)
    answers = []
    for n, q in enumerate(qs, start=1):
        meta = []
        meta.append(
            f"Word count {q.words:,}"
            + (f" of {q.word_limit:,}" if q.word_limit else "")
            + (" (over the limit)" if q.over_limit else "")
        )
        if q.weighting is not None:
            meta.append(f"weighting {percent(q.weighting)}")
        owner = orgs.get(q.owner_org_id)
        meta.append(f"led by {clean(owner.name)}" if owner else "no owner")
        if q.id in written_by:
            meta.append(f"answer by {clean(written_by[q.id])}")
        meta.append(f"status: {q.status}")
        if q.due:
            meta.append(f"due {uk_date(q.due)}")
        number = f"{ANSWERS_SECTION}.{n}"
        answers.append(
            {
                "number": number,
                "ref": clean(q.ref),
                "heading": f"{number} "
                + (f"Question {clean(q.ref)}" if q.ref else f"Question {n}"),
                "question": _one_line(q.text),
                "meta": "; ".join(meta),
                # The buyer never reads working notes: an unanswered question is left blank in
                # the submission copy (readiness names it before building).
                "paragraphs": _paragraphs(q.answer) or (["[No answer yet]"] if working else []),
            }
        )
    credentials = []
    for m in c.members:
        org = orgs.get(m.org_id)
        if not org:
            continue
        for cr in org.credentials:
            status = cr.status(on)
            credentials.append(
                {
                    "member": clean(org.name),
                    "kind": cr.kind.capitalize(),
                    "type": clean(cr.type),
                    "reference": clean(cr.reference),
                    "cover": money(cr.cover) if cr.cover else "",
                    "expires": uk_date(cr.expires) or "no date",
                    "status": STATUS_WORDS[status],
                }
            )
    fee = (
        f"{percent(c.fee_percent)} of the contract value"
        if c.fee_percent is not None
        else "not agreed yet"
    )
    tender_title = clean(tender.title) if tender else clean(bid.name)
    texts = narrative.text_for(ws, bid_id)
    prose = {key: _paragraphs(text) for key, text in texts.items()}
    summary = prose["executive_summary"]
    contact = members[0] if members else {}
    return {
        "generated": uk_date(today),
        "bid": {
            "id": bid.id,
            "name": clean(bid.name),
            "lots": lots,
            "lots_text": ", ".join(f"{x['title']}" for x in lots) or (", ".join(bid.lots) or "all"),
            "lot_lines": [
                x["title"]
                if x["title"].lower().startswith(f"lot {x['id']}".lower())
                else f"Lot {x['id']}: {x['title']}"
                for x in lots
            ]
            or [f"Lot {clean(x)}" for x in bid.lots]
            or ["The whole contract"],
        },
        "working": working,
        "copy": copy,
        "narrative": prose,
        "tender": {
            "ocid": clean(bid.ocid or ""),
            # The buyer's own reference (tender.id in the notice), never the OCDS id, which is
            # a data-publishing key a buyer does not file bids under.
            "reference": clean(tender.reference)
            if tender and tender.reference
            else (clean(tender.notice_id) if tender and tender.notice_id else "not given"),
            "notice": clean(tender.notice_id) if tender and tender.notice_id else "",
            "title": tender_title,
            "buyer": clean(tender.buyer_name) if tender and tender.buyer_name else "the buyer",
            "description": _one_line(tender.description) if tender else "",
            "deadline": uk_date(iso_date(tender.deadline))
            if tender and tender.deadline
            else "not given",
            "contract_start": uk_date(start)
            if start
            else f"not given (judged on {uk_date(today)})",
            "value": money(tender.value) if tender and tender.value else "not given",
            "area": clean(tender.place_text)
            if tender and tender.place_text
            else (clean(tender.buyer_name) if tender and tender.buyer_name else "not given"),
        },
        "consortium": {
            "name": clean(c.name),
            "model": consortia.MODELS.get(c.model, clean(c.model)),
            "lead": lead_name,
            "fee": fee,
            "governance": " ".join(prose["governance"]),
            "contact": (
                f"{contact.get('contact')}, {contact.get('name')}"
                if contact.get("contact")
                else lead_name
            ),
        },
        "members": members,
        "executive_summary": summary,
        "answers": answers,
        "credentials": credentials,
        "social_value": _social_value(ws, bid_id),
        "model_terms": MODEL_TERMS.get(c.model, []),
        "roles_matrix": MATRIX_MARKER,
    }


# ------------------------------------------------------------------------------ rendering
def _xml_lines(xml: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", line).strip()
        for line in re.sub(r"<w:p([ >])", r"\n<w:p\1", xml).splitlines()
    ]


def _locate(template: Path, text: str) -> tuple[int | None, str]:
    """The template paragraph (numbered counting table cells, in order) that holds this text,
    or that it starts with (an unclosed tag runs on into the next paragraphs)."""
    import docx
    from docx.oxml.ns import qn

    if not text:
        return None, ""
    body = docx.Document(str(template)).element.body
    texts = ["".join(t.text or "" for t in p.iter(qn("w:t"))).strip() for p in body.iter(qn("w:p"))]
    for n, ptext in enumerate(texts, start=1):
        if ptext == text:
            return n, ptext
    for n, ptext in enumerate(texts, start=1):
        if ptext and text.startswith(ptext) and ("{" in ptext):
            return n, ptext
    return None, text


def _where(template: Path, text: str) -> str:
    if not text:
        return ""
    n, shown = _locate(template, text)
    return (f" in paragraph {n}" if n else "") + f", the line '{shown[:80]}'"


def _paragraph_line(xml: str, lineno: int | None) -> str:
    """docxtpl puts each paragraph on its own line: the text of the line Jinja names."""
    lines = _xml_lines(xml)
    if lineno and 0 < lineno <= len(lines):
        return lines[lineno - 1]
    return ""


def _find_name(xml: str, name: str) -> str:
    for text in _xml_lines(xml):
        if re.search(r"\b" + re.escape(name) + r"\b", text) and ("{{" in text or "{%" in text):
            return text
    return ""


def render(template_name: str, ctx: dict, dest: Path, *, layout: dict | None = None) -> None:
    """Render one Word template to ``dest`` (via a temp file renamed into place).

    ``layout`` ({title, author, subject, levels}) lays the document out for print afterwards
    (:func:`consortium.docx_layout.finish`); a working copy also has its gaps highlighted."""
    import jinja2
    from docxtpl import DocxTemplate

    path = template_path(template_name)
    try:
        tpl = DocxTemplate(str(path))
        tpl.render_init()
        source = tpl.patch_xml(tpl.get_xml())
    except Exception as exc:
        raise TemplateProblem(
            f"The template {path.name} cannot be opened as a Word document: {exc}"
        ) from None
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    try:
        tpl.render(ctx, jinja_env=env, autoescape=True)
    except jinja2.TemplateSyntaxError as exc:
        where = _where(path, _paragraph_line(source, exc.lineno))
        raise TemplateProblem(
            f"The template {path.name} has a broken placeholder{where}: {exc.message}. "
            "Fix it in Word, or delete your copy to use the original."
        ) from None
    except jinja2.UndefinedError as exc:
        m = re.search(r"'([^']+)' is undefined|has no attribute '([^']+)'", str(exc))
        name = (m[1] or m[2]) if m else ""
        where = _where(path, _find_name(source, name) if name else "")
        raise TemplateProblem(
            f"The template {path.name} uses a placeholder Consortium does not fill{where}: "
            f"{exc.message}. Check its spelling against the original template."
        ) from None
    except jinja2.TemplateError as exc:
        raise TemplateProblem(f"The template {path.name} cannot be filled in: {exc}") from None
    _replace_matrix(tpl.docx, ctx)
    if ctx.get("working"):
        _mark_gaps(tpl.docx)
    if layout is not None:
        docx_layout.finish(tpl.docx, **layout)
    tmp = dest.with_name(dest.name + ".part")
    try:
        tpl.save(str(tmp))
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)


_GAP_WORDS = re.compile(r"over the limit|no owner|status: (?:not started|drafting|in review)")


def _mark_gaps(document) -> None:
    """Working copy only: prompts and '[No answer yet]' highlighted yellow, the word-count line
    small and grey with its gaps in red, expired or soon-to-expire documents coloured."""
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt, RGBColor

    def paragraphs():
        yield from document.paragraphs
        for t in document.tables:
            for row in t.rows:
                for cell in row.cells:
                    yield from cell.paragraphs

    for p in paragraphs():
        text = p.text
        if narrative.prompts_in(text) or text == SOCIAL_VALUE_PLACEHOLDER:
            for run in p.runs:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        elif text.startswith("WORKING COPY"):
            for run in p.runs:
                run.bold = True
                run.font.color.rgb = RGBColor(0x9C, 0x00, 0x06)
        elif text.startswith("Word count "):
            p.paragraph_format.keep_with_next = True  # with the answer it counts
            for run in p.runs:
                run.font.size = Pt(9)
                run.font.color.rgb = (
                    RGBColor(0x9C, 0x00, 0x06)
                    if _GAP_WORDS.search(text)
                    else RGBColor(0x59, 0x59, 0x59)
                )
        elif text in (STATUS_WORDS["expired"], STATUS_WORDS["soon"], STATUS_WORDS["undated"]):
            for run in p.runs:
                run.bold = True
                run.font.color.rgb = RGBColor(0x9C, 0x00, 0x06)


def _replace_matrix(document, ctx: dict) -> None:
    """Swap the marker paragraph for a members × lots table (a dynamic number of columns)."""
    for p in document.paragraphs:
        if p.text.strip() != MATRIX_MARKER:
            continue
        lots = ctx["bid"]["lots"] or [
            {"id": x, "title": f"Lot {x}"}
            for x in sorted({lot for m in ctx["members"] for lot in m["lots"]})
        ]
        headers = ["Member", "Role"] + [f"Lot {lot['id']}" for lot in lots] + ["Questions led"]
        table = document.add_table(rows=1, cols=len(headers))
        with contextlib.suppress(KeyError, ValueError):
            table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            cell.text = text
        for m in ctx["members"]:
            cells = table.add_row().cells
            cells[0].text = m["name"]
            cells[1].text = m["role"]
            for i, lot in enumerate(lots, start=2):
                cells[i].text = "✓" if lot["id"] in m["lots"] else ""
            cells[-1].text = ", ".join(m["questions_owned"]) or "–"
        p._p.addnext(table._tbl)
        p._p.getparent().remove(p._p)
        return


# ------------------------------------------------------------------------------ workbook
def due_diligence_workbook(
    ws: Workspace, bid_id: int, dest: Path, today: dt.date | None = None
) -> None:
    """One row per member: identifiers, turnover, and each insurance, accreditation and policy
    with its date; red where missing or expired by the contract start, amber when it expires
    within 60 days of it."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    today = today or dt.date.today()
    bid = load_bid(ws.db, bid_id)
    c = consortia.load(ws.db, bid.consortium_id)
    on = readiness.contract_start(ws, bid) or today
    orgs = partner_store.load_many(ws.db, [m.org_id for m in c.members])
    roles = {m.org_id: m for m in c.members}
    doc_types: list[tuple[str, str]] = list(readiness.REQUIRED_DOCUMENTS)
    for org in orgs:
        for cr in org.credentials:
            key = (cr.kind, cr.type)
            if not any(k.lower() == cr.type.lower() for _, k in doc_types):
                doc_types.append(key)
    years = sorted({y for o in orgs for y in o.turnover})[-3:]
    red = PatternFill("solid", fgColor="F4B6B6")
    amber = PatternFill("solid", fgColor="FFE08A")
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Due diligence"
    sheets.append(sheet, [f"Due diligence: {bid.name}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(
        [
            f"Dates judged on the contract start, {uk_date(on)}. Red: missing or expired; "
            "amber: expires within 60 days of the start."
        ]
    )
    # Identity details (legal form, address, contact) go on a "Members" sheet of their own, so
    # this sheet, the one an officer prints, carries only what is judged: numbers, turnover and
    # the documents' dates, and stays legible one page wide.
    headers = ["Member", "Role", "Lots", "Charity number", "Company number"]
    base_fixed = len(headers)
    headers += [f"Turnover {y}" for y in years]
    headers += [f"{t} ({k}) expires" for k, t in doc_types]
    sheet.append(headers)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    people = wb.create_sheet("Members")
    people.append(["Member", "Role", "Legal form", "Address", "Contact", "Email"])
    for cell in people[1]:
        cell.font = Font(bold=True)
    for org in orgs:
        m = roles[org.id]
        contact = org.contacts[0] if org.contacts else None
        row = [org.name, m.role, ", ".join(m.lots), org.charity_number, org.company_number]
        row = [safe_cell(v) for v in row]
        people.append(
            [
                safe_cell(v)
                for v in (
                    org.name,
                    m.role,
                    LEGAL_FORMS.get(org.legal_form, org.legal_form),
                    ", ".join(x for x in (org.address, org.postcode) if x),
                    contact.name if contact else "",
                    contact.email if contact else "",
                )
            ]
        )
        row += [org.turnover.get(y) for y in years]
        fills = []
        for _kind, t in doc_types:
            held = [x for x in org.credentials if x.type.strip().lower() == t.lower()]
            if not held:
                row.append("missing")
                fills.append(red)
                continue
            best = max(held, key=lambda x: x.expires or dt.date.max)
            row.append(best.expires)
            status = best.status(on)
            fills.append(
                red if status == "expired" else amber if status in ("soon", "undated") else None
            )
            if best.expires is None:
                row[-1] = "no date"
        sheet.append(row)
        sheets.guard_all(sheet[sheet.max_row])
        r = sheet.max_row
        base = len(headers) - len(doc_types)
        for i, fill in enumerate(fills):
            cell = sheet.cell(row=r, column=base + i + 1)
            if isinstance(cell.value, dt.date):
                cell.number_format = "d mmm yyyy"
            if fill is not None:
                cell.fill = fill
        for i in range(len(years)):
            cell = sheet.cell(row=r, column=base_fixed + 1 + i)
            if cell.value is None:
                cell.value = "missing"
                cell.fill = red
            else:
                cell.number_format = '"£"#,##0'
        for col in (4, 5):
            if not sheet.cell(row=r, column=col).value:
                sheet.cell(row=r, column=col).fill = amber
    xlsx_layout.fit_columns(people, header_row=1, max_width=40)
    xlsx_layout.print_setup(
        people, title=f"Due diligence: {bid.name} (members)", header_rows=(1, 1)
    )
    # Prints one page wide, at most one page tall per 20 members, header row on every page.
    xlsx_layout.fit_columns(sheet, header_row=3, skip_rows=(1, 2), max_width=30)
    xlsx_layout.print_setup(
        sheet,
        title=f"Due diligence: {bid.name}",
        header_rows=(3, 3),
        landscape=True,
        pages_tall=max(1, -(-len(orgs) // 20)),
    )
    sheet.print_title_cols = "A:A"  # the member's name beside every column it is read against
    sheet.freeze_panes = "B4"
    tmp = dest.with_name(dest.name + ".part")
    try:
        wb.save(tmp)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)


# ------------------------------------------------------------------------------- building
@dataclass
class BuildResult:
    bid_id: int
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)
    report: readiness.Report | None = None
    warnings: list[str] = field(default_factory=list)  # e.g. a template no longer uses a section

    def to_dict(self) -> dict:
        return {
            "bid_id": self.bid_id,
            "folder": str(self.folder),
            "files": {k: str(v) for k, v in self.files.items()},
            "ready": self.report.ready if self.report else None,
            "items": len(self.report.items) if self.report else 0,
            "warnings": self.warnings,
            "copies": [
                k.removeprefix("joint_bid_") for k in self.files if k.startswith("joint_bid_")
            ],
        }

    def paths(self) -> list[Path]:
        """Each file written, once ("joint_bid" is another name for one of the copies)."""
        return list(dict.fromkeys(self.files.values()))

    def summary(self) -> str:
        """The build in one short line, for a window's message line:

        'Built 8 documents in Bid documents; 5 readiness problems and 1 warning are listed in
        the cover note.' The folder's whole path and each file are in :meth:`details`."""
        problems = len(self.report.problems) if self.report else 0
        line = f"Built {plural(len(self.paths()), 'document')} in {self.folder.name or self.folder}"
        notes = [plural(problems, "readiness problem")] if problems else []
        if self.warnings:
            notes.append(plural(len(self.warnings), "warning"))
        if notes:
            one = problems + len(self.warnings) == 1
            line += f"; {' and '.join(notes)} {'is' if one else 'are'} listed in the cover note"
        return line + "."

    def details(self) -> str:
        """Where the documents are, each one by name, and every warning in full."""
        lines = [f"In {self.folder}:"] + [f"  {p.name}" for p in self.paths()]
        return "\n".join(lines + [f"⚠ {w}" for w in self.warnings])


# What each template is expected to use; a user's copy without one of these still builds,
# with a warning that the section is gone.
EXPECTED = {
    "joint_bid": (
        "bid",
        "tender",
        "consortium",
        "members",
        "narrative",
        "answers",
        "social_value",
        "credentials",
        "roles_matrix",
    ),
    "cre_eoi": ("tender", "consortium", "members", "social_value"),
    "agreement": ("consortium", "members", "model_terms"),
}


def template_warnings(key: str) -> list[str]:
    """Sections a (user-edited) template no longer fills in."""
    import jinja2
    from docxtpl import DocxTemplate

    path = template_path(TEMPLATES[key])
    try:
        used = DocxTemplate(str(path)).get_undeclared_template_variables(jinja2.Environment())
    except jinja2.TemplateError:
        return []  # render() reports the fault with its paragraph
    return [
        f"The template {path.name} no longer uses '{name}', so that part is left out."
        for name in EXPECTED[key]
        if name not in used
    ]


def _slug(text: str) -> str:
    """A file name part that is safe on Windows, macOS and Linux; spaces kept for people."""
    cleaned = re.sub(r'[<>:"/\\|?*\x00-\x1f{}%]+', " ", text)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .-")
    return cleaned[:60].strip(" .-") or "bid"


def clean_stale_staging(folder: Path) -> list[Path]:
    """Remove the hidden ``.building-*`` folders a killed build left behind (issue 11).

    Each staging folder holds the id of the process building in it; one whose process is gone
    is debris. A folder without the file is removed once it is an hour old (a build never takes
    that long), so a build running in another window is never disturbed."""
    import os
    import time

    removed = []
    for staging in folder.glob(".building-*"):
        if not staging.is_dir():
            continue
        owner = staging / ".owner"
        try:
            pid = int(owner.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            pid = None
        if pid is not None:
            alive = pid == os.getpid() or _process_alive(pid)
            if alive:
                continue
        else:
            try:
                if time.time() - staging.stat().st_mtime < 3600:
                    continue
            except OSError:
                continue
        shutil.rmtree(staging, ignore_errors=True)
        removed.append(staging)
    return removed


def _process_alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def submission_blockers(report: readiness.Report) -> list[readiness.Item]:
    """The readiness items that stop the submission copy being written (unfilled prompts)."""
    return [i for i in report.items if i.code in readiness.BLOCKS_SUBMISSION]


def build(
    ws: Workspace,
    bid_id: int,
    out_dir: str | Path,
    *,
    today: dt.date | None = None,
    copies: tuple[str, ...] | list[str] = COPIES,
    pdf: bool = False,
    progress: Progress = no_progress,
    cancelled: IsCancelled = never_cancelled,
) -> BuildResult:
    """Build every document for the bid into ``out_dir``. Readiness items go in a cover note.

    ``copies`` says which copies of the joint bid to write: the ``submission`` copy the buyer
    reads and/or the team's ``working`` copy (default both). The submission copy is not written
    while a template prompt is left unfilled (readiness lists them); the working copy shows them.

    ``pdf``: also a PDF of each document the buyer reads (the submission copy and the
    expression of interest), made with LibreOffice with its contents page numbered; without
    LibreOffice, or if it fails, the Word files are still written and a warning says why.

    All or nothing: the files are written in a hidden folder inside ``out_dir`` and moved into
    place only when every one is written, so a broken template or Cancel leaves ``out_dir`` as
    it was."""
    import os

    today = today or dt.date.today()
    copies = [c for c in COPIES if c in copies]
    if not copies:
        raise ConsortiumError("Choose the submission copy, the working copy, or both.")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(folder)
    bid = load_bid(ws.db, bid_id)
    slug = _slug(bid.name)
    result = BuildResult(bid_id=bid_id, folder=folder)
    steps = 6
    progress(0, steps, "Checking readiness")
    result.report = readiness.check(ws, bid_id, today=today)
    blockers = submission_blockers(result.report)
    if "submission" in copies and blockers:
        copies = [c for c in copies if c != "submission"] or ["working"]
        result.warnings.append(
            f"The submission copy was not written: {plural(len(blockers), 'text')} still "
            "empty or holding a template's prompt (see the readiness list). The working copy "
            "shows them highlighted."
        )
    contexts = {copy: context(ws, bid_id, today, copy) for copy in copies}
    base = contexts[copies[0]]
    if base["social_value"] == [SOCIAL_VALUE_PLACEHOLDER]:
        # The expression of interest is always built: say its section is a placeholder, as
        # the working copy shows it, rather than let it go to the buyer unnoticed.
        result.warnings.append(
            "The bid has no social value commitments yet, so the Community Right to Challenge "
            "expression of interest says they 'will be set out here': add them in the Social "
            "value area, then build the documents again."
        )
    title = base["tender"]["title"]
    author = base["consortium"]["lead"] if c_lead(base) else base["consortium"]["name"]
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=folder))
    (staging / ".owner").write_text(str(os.getpid()), encoding="ascii")
    try:
        written: dict[str, Path] = {}
        outputs = [
            (
                f"joint_bid_{copy}",
                "joint_bid",
                f"{slug} - joint-bid-{copy}.docx",
                contexts[copy],
                {
                    "title": f"Joint bid: {title}",
                    "subject": f"{base['consortium']['name']}, {copy} copy",
                    "levels": 2,
                },
            )
            for copy in copies
        ]
        outputs += [
            (
                "cre_eoi",
                "cre_eoi",
                f"{slug} - Community Right to Challenge EOI.docx",
                base,
                {"title": f"Expression of interest: {title}", "levels": 0},
            ),
            (
                "agreement",
                "agreement",
                f"{slug} - consortium agreement outline.docx",
                base,
                {
                    "title": f"Consortium agreement outline: {base['consortium']['name']}",
                    "levels": 0,
                },
            ),
        ]
        warned = set()
        for n, (key, template, filename, ctx, layout) in enumerate(outputs, start=1):
            check(cancelled)
            progress(min(n, 3), steps, f"Writing {filename}")
            if template not in warned:
                result.warnings.extend(template_warnings(template))
                warned.add(template)
            render(
                TEMPLATES[template], ctx, staging / filename, layout={**layout, "author": author}
            )
            written[key] = staging / filename
        if pdf:
            check(cancelled)
            progress(3, steps, "Making PDFs of the documents the buyer reads (LibreOffice)")
            written.update(_pdfs(written, staging, result.warnings, cancelled))
        check(cancelled)
        progress(4, steps, "Writing the due-diligence workbook")
        dd = staging / f"{slug} - due diligence.xlsx"
        due_diligence_workbook(ws, bid_id, dd, today)
        written["due_diligence"] = dd
        progress(5, steps, "Writing the cover note")
        note = staging / f"{slug} - cover note.txt"
        note.write_text(_cover_note(result.report, result.warnings), encoding="utf-8")
        written["cover_note"] = note
        check(cancelled)
        for key, path in written.items():
            final = folder / path.name
            path.replace(final)
            result.files[key] = final
        # "joint_bid" (the original key): the submission copy when written, else the working.
        result.files["joint_bid"] = result.files.get(
            "joint_bid_submission", result.files.get("joint_bid_working")
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(steps, steps, "Done")
    return result


# The documents a buyer reads, as PDF too: the rest are the team's and the HA's.
FOR_THE_BUYER = ("joint_bid_submission", "cre_eoi")


def _pdfs(
    written: dict[str, Path], staging: Path, warnings: list[str], cancelled: IsCancelled
) -> dict[str, Path]:
    """``pdf_<key>`` for each document the buyer reads; a warning, never a failure, when
    LibreOffice is missing or fails (the Word files are the bid either way)."""
    from consortium import pdf

    sources = {key: written[key] for key in FOR_THE_BUYER if key in written}
    if not sources:
        return {}
    if not pdf.available():
        warnings.append(
            "No PDF was made: LibreOffice is not installed. Install it (free, from "
            "libreoffice.org) and build again, or save the Word files as PDF from Word."
        )
        return {}
    try:
        made = pdf.to_pdf(list(sources.values()), staging, cancelled=cancelled)
    except pdf.ConversionError as exc:
        warnings.append(f"No PDF was made: {exc} The Word files are complete.")
        return {}
    return {f"pdf_{key}": made[path] for key, path in sources.items() if made.get(path)}


def c_lead(ctx: dict) -> bool:
    return ctx["consortium"]["lead"] != "no lead chosen"


def _cover_note(report: readiness.Report, warnings: list[str] = ()) -> str:
    lines = [report.text(), ""]
    if report.items:
        lines.append("Fix these where named, then build again. The documents were built anyway.")
    for w in warnings:
        lines.append(f"[template] {w}")
    return "\n".join(lines) + "\n"
