"""Write the shipped Word templates in templates/ (run once; users then edit them in Word).

    python -m consortium.bids.template_maker templates/

The templates use docxtpl's Jinja tags: ``{{ name }}`` for a value, ``{%p for … %}`` /
``{%p endfor %}`` paragraphs for repeated paragraphs and ``{%tr for … %}`` rows for repeated
table rows. A paragraph holding just ``{{ roles_matrix }}`` is replaced by the members × lots table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import docx
from docx.enum.text import WD_BREAK
from docx.shared import Pt

JOINT_BID_SECTIONS = (
    "1. Executive summary",
    "2. Understanding of the need",
    "3. Consortium structure",
    "4. Roles and responsibilities",
    "5. Capability and track record",
    "6. Responses to the buyer's questions",
    "7. Social value",
    "8. Declarations",
    "Appendix A: Accreditations, insurances and policies",
)
ANSWERS_SECTION = 6  # answers are numbered 6.1, 6.2 …
CONTENTS_MARKER = "\u27e6contents\u27e7"  # consortium.docx_layout turns it into a TOC field


def _doc() -> docx.Document:
    d = docx.Document()
    style = d.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    return d


def _table(d, headers: list[str], loop: str, cells: list[str]):
    t = d.add_table(rows=4, cols=len(headers))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, headers, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    t.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    for cell, text in zip(t.rows[2].cells, cells, strict=True):
        cell.text = text
    t.rows[3].cells[0].text = "{%tr endfor %}"
    return t


def _loop(d, head: str, body: list[tuple[str, str | None]]):
    d.add_paragraph("{%p " + head + " %}")
    for text, style in body:
        d.add_paragraph(text, style=style)
    d.add_paragraph("{%p endfor %}")


def joint_bid(path: Path) -> None:
    """The joint bid. One template makes both copies: ``working`` is true in the team's working
    copy (word counts, owners, statuses, gaps) and false in the submission copy the buyer reads."""
    d = _doc()
    d.add_paragraph("{{ tender.title }}", style="Title")
    d.add_paragraph("A joint bid to {{ tender.buyer }}", style="Subtitle")
    d.add_paragraph("Buyer's reference: {{ tender.reference }}")
    d.add_paragraph("{%p if tender.notice %}")
    d.add_paragraph("Notice: {{ tender.notice }}")
    d.add_paragraph("{%p endif %}")
    d.add_paragraph("Lots bid for:")
    _loop(d, "for lot in bid.lot_lines", [("{{ lot }}", "List Bullet")])
    d.add_paragraph("Submitted by {{ consortium.name }}, led by {{ consortium.lead }}.")
    d.add_paragraph("Members:")
    _loop(d, "for m in members", [("{{ m.name }}", "List Bullet")])
    d.add_paragraph("Deadline for submission: {{ tender.deadline }}")
    d.add_paragraph("Date: {{ generated }}")
    d.add_paragraph("{%p if working %}")
    d.add_paragraph(
        "WORKING COPY for the consortium, not for submission: it shows word counts, owners, "
        "statuses and gaps. Send the submission copy to the buyer."
    )
    d.add_paragraph("{%p endif %}")
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.add_paragraph("Contents").runs[0].bold = True
    d.add_paragraph(CONTENTS_MARKER)
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.add_heading(JOINT_BID_SECTIONS[0], 1)
    _loop(d, "for para in narrative.executive_summary", [("{{ para }}", None)])
    d.add_heading(JOINT_BID_SECTIONS[1], 1)
    _loop(d, "for para in narrative.understanding", [("{{ para }}", None)])
    d.add_heading(JOINT_BID_SECTIONS[2], 1)
    d.add_paragraph("Delivery model: {{ consortium.model }}")
    d.add_paragraph("Lead provider: {{ consortium.lead }}")
    d.add_paragraph("Management fee: {{ consortium.fee }}")
    d.add_paragraph("Governance:")
    _loop(d, "for para in narrative.governance", [("{{ para }}", None)])
    _table(
        d,
        ["Member", "Role", "Lots", "Charity number", "Company number"],
        "m in members",
        [
            "{{ m.name }}",
            "{{ m.role }}",
            "{{ m.lots_text }}",
            "{{ m.charity_number }}",
            "{{ m.company_number }}",
        ],
    )
    d.add_heading(JOINT_BID_SECTIONS[3], 1)
    d.add_paragraph("Who delivers each lot, and who leads each of the buyer's questions.")
    d.add_paragraph("{{ roles_matrix }}")
    d.add_heading(JOINT_BID_SECTIONS[4], 1)
    _loop(
        d,
        "for m in members",
        [
            ("{{ m.name }}", "Heading 2"),
            ("{{ m.services }}", None),
            ("{{ m.figures }}", None),
            ("{%p for pc in m.track_record %}", None),
            ("{{ pc }}", "List Bullet"),
            ("{%p endfor %}", None),
        ],
    )
    d.add_heading(JOINT_BID_SECTIONS[5], 1)
    _loop(
        d,
        "for a in answers",
        [
            ("{{ a.heading }}", "Heading 2"),
            ("{{ a.question }}", "Intense Quote"),
            ("{%p if working %}", None),
            ("{{ a.meta }}", None),
            ("{%p endif %}", None),
            ("{%p for para in a.paragraphs %}", None),
            ("{{ para }}", None),
            ("{%p endfor %}", None),
        ],
    )
    d.add_heading(JOINT_BID_SECTIONS[6], 1)
    _loop(d, "for para in social_value", [("{{ para }}", None)])
    d.add_heading(JOINT_BID_SECTIONS[7], 1)
    d.add_paragraph(
        "Each member of {{ consortium.name }} confirms that the information in this bid about it "
        "is true, that it is not subject to any mandatory or discretionary exclusion ground, and "
        "that it will sign the consortium agreement before the contract starts."
    )
    _table(
        d,
        ["Member", "Name", "Position", "Signature", "Date"],
        "m in members",
        ["{{ m.name }}", "{{ m.contact }}", "{{ m.contact_role }}", "", ""],
    )
    d.add_heading(JOINT_BID_SECTIONS[8], 1)
    d.add_paragraph("{%p if working %}")
    d.add_paragraph("Status is judged on the contract start date, {{ tender.contract_start }}.")
    _table(
        d,
        ["Member", "Kind", "Document", "Reference", "Cover", "Expires", "Status"],
        "c in credentials",
        [
            "{{ c.member }}",
            "{{ c.kind }}",
            "{{ c.type }}",
            "{{ c.reference }}",
            "{{ c.cover }}",
            "{{ c.expires }}",
            "{{ c.status }}",
        ],
    )
    d.add_paragraph("{%p else %}")
    d.add_paragraph("Each member's insurances, accreditations and policies, with their dates.")
    _table(
        d,
        ["Member", "Kind", "Document", "Reference", "Cover", "Expires or review due"],
        "c in credentials",
        [
            "{{ c.member }}",
            "{{ c.kind }}",
            "{{ c.type }}",
            "{{ c.reference }}",
            "{{ c.cover }}",
            "{{ c.expires }}",
        ],
    )
    d.add_paragraph("{%p endif %}")
    d.save(path)


def cre_eoi(path: Path) -> None:
    d = _doc()
    d.add_paragraph("Expression of interest under the Community Right to Challenge", style="Title")
    d.add_paragraph(
        "Localism Act 2011, section 81; the Community Right to Challenge (Expressions "
        "of Interest and Excluded Services) (England) Regulations 2012"
    )
    d.add_paragraph("To: {{ tender.buyer }}")
    d.add_paragraph("From: {{ consortium.name }}, a consortium led by {{ consortium.lead }}")
    d.add_paragraph("Date: {{ generated }}")
    d.add_heading("1. Who is expressing an interest", 1)
    d.add_paragraph(
        "{{ consortium.name }} is a consortium of {{ members|length }} relevant bodies "
        "(voluntary and community bodies and charities). Delivery model: "
        "{{ consortium.model }}."
    )
    _table(
        d,
        ["Member", "Legal form", "Charity number", "Company number", "Address", "Role"],
        "m in members",
        [
            "{{ m.name }}",
            "{{ m.legal_form }}",
            "{{ m.charity_number }}",
            "{{ m.company_number }}",
            "{{ m.address }}",
            "{{ m.role }}",
        ],
    )
    d.add_heading("2. The relevant service and area", 1)
    d.add_paragraph("Service: {{ tender.title }}")
    d.add_paragraph("Area: {{ tender.area }}")
    d.add_paragraph("{{ tender.description }}")
    d.add_heading("3. Financial resources of each member", 1)
    _table(
        d,
        ["Member", "Latest turnover", "Year", "Staff", "Volunteers"],
        "m in members",
        [
            "{{ m.name }}",
            "{{ m.turnover }}",
            "{{ m.turnover_year }}",
            "{{ m.staff }}",
            "{{ m.volunteers }}",
        ],
    )
    d.add_heading("4. Capability to provide the service", 1)
    _loop(
        d,
        "for m in members",
        [
            ("{{ m.name }}", "Heading 2"),
            ("{{ m.services }}", None),
            ("{%p for pc in m.track_record %}", None),
            ("{{ pc }}", "List Bullet"),
            ("{%p endfor %}", None),
            ("{%p for c in m.credential_lines %}", None),
            ("{{ c }}", "List Bullet"),
            ("{%p endfor %}", None),
        ],
    )
    d.add_heading("5. Outcomes", 1)
    d.add_paragraph(
        "How the consortium's provision will promote or improve the social, economic "
        "or environmental well-being of the area, and meet the needs of the service's "
        "users:"
    )
    _loop(d, "for para in social_value", [("{{ para }}", None)])
    d.add_heading("6. Engaging affected employees", 1)
    d.add_paragraph(
        "Not applicable: the consortium is not made up of employees of the authority. "
        "Members will work with the authority on any transfer of staff (TUPE)."
    )
    d.add_heading("Contact", 1)
    d.add_paragraph("{{ consortium.contact }}")
    d.save(path)


def consortium_agreement(path: Path) -> None:
    d = _doc()
    d.add_paragraph("Consortium agreement: outline for discussion", style="Title")
    d.add_paragraph("{{ consortium.name }}: {{ consortium.model }}")
    d.add_paragraph(
        "Draft prepared on {{ generated }} for the bid to {{ tender.buyer }} "
        "({{ tender.title }}). This outline is not legal advice; take advice before "
        "signing."
    )
    d.add_heading("1. Parties", 1)
    _table(
        d,
        ["Party", "Role", "Charity number", "Company number", "Address"],
        "m in members",
        [
            "{{ m.name }}",
            "{{ m.role }}",
            "{{ m.charity_number }}",
            "{{ m.company_number }}",
            "{{ m.address }}",
        ],
    )
    d.add_heading("2. Purpose", 1)
    d.add_paragraph(
        "The parties will bid jointly for, and if successful deliver, {{ tender.title }} "
        "(lots: {{ bid.lots_text }})."
    )
    d.add_heading("3. Structure for this model", 1)
    _loop(d, "for para in model_terms", [("{{ para }}", None)])
    d.add_heading("4. Roles and lots", 1)
    _loop(
        d,
        "for m in members",
        [("{{ m.name }}: {{ m.role }}; lots {{ m.lots_text }}", "List Bullet")],
    )
    d.add_heading("5. Money", 1)
    d.add_paragraph(
        "Management fee retained by the lead: {{ consortium.fee }}. Payments to members "
        "within 30 days of the lead receiving payment from the buyer."
    )
    d.add_heading("6. Governance and decisions", 1)
    d.add_paragraph("{{ consortium.governance }}")
    d.add_heading("7. Standards, data and safeguarding", 1)
    d.add_paragraph(
        "Each party keeps its insurances, safeguarding and data-protection policies in "
        "date for the life of the contract and shares evidence on request. The parties "
        "sign a data-sharing agreement before delivery starts."
    )
    d.add_heading("8. Disputes, leaving and ending", 1)
    d.add_paragraph(
        "Disputes go first to the consortium board, then to mediation. A party may leave "
        "on six months' notice; the others decide how its work is reallocated."
    )
    d.add_heading("9. Signatures", 1)
    _table(
        d,
        ["Party", "Name", "Signature", "Date"],
        "m in members",
        ["{{ m.name }}", "{{ m.contact }}", "", ""],
    )
    d.save(path)


def write_all(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    joint_bid(folder / "joint-bid.docx")
    cre_eoi(folder / "cre-eoi.docx")
    consortium_agreement(folder / "consortium-agreement.docx")


if __name__ == "__main__":
    write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "templates"))
