"""Every built document read as a buyer reads it: rendered to PDF by LibreOffice, read back with
pdftotext, on the demo bid and on a stress bid (an 80-character member name, £1,234,567,890.12,
12 members, 60 questions).

Checked: each member name, money figure and date the document holds appears unbroken in the PDF
as many times as the document holds it (so a table cell that broke "Refug-e" or "£10,000,0-00"
fails); no page is blank; the submission copy carries no working text; the contents list has
the right page numbers; the title page has the buyer's own reference; the due-diligence workbook
is set to print one page wide and at most one page tall per 20 members, with its header row
repeated.

LibreOffice is slow to start, so every document is converted once, in one batch, per session.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from conftest import TODAY, copy_workspace

from consortium import pdf
from consortium.bids import documents, narrative
from consortium.bids import questions as bid_questions
from consortium.bids import records as bids
from consortium.bids.template_maker import JOINT_BID_SECTIONS
from consortium.formatting import money, uk_date
from consortium.matching import consortia
from consortium.partners import store as partner_store
from consortium.records import Contact, Credential, Organisation, PastContract
from consortium.socialvalue import commitments, report, statement, workbook
from consortium.socialvalue.demo import DEMO_BID_NAME, DEMO_FRAMEWORK
from consortium.workspace import Workspace

pytestmark = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext")),
    reason="needs LibreOffice (soffice) and poppler-utils (pdftotext); .ci/run installs both",
)

OCID = "ocds-h6vhtk-05a7b0"  # Milton Keynes domestic abuse support: reference 2025-135
LONG_NAME = "The Greater Milton Keynes and North Buckinghamshire Survivors Refuge Partnership"
BIG = Decimal("1234567890.12")
MONEY = re.compile(r"£\d{1,3}(?:,\d{3})*(?:\.\d\d)?")
DATE = re.compile(r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b")
WORKING_WORDS = (
    "Word count",
    "No answer yet",
    "WORKING COPY",
    "Expired by contract start",
    "Renew soon",
    "In date",
    "status: ",
    "not started",
    "in review",
)


def _stress_bid(ws: Workspace) -> int:
    assert len(LONG_NAME) == 80
    ids = []
    for n in range(12):
        name = LONG_NAME if n == 0 else f"Stress Member {n + 1:02d} Community Interest Company"
        org = Organisation(
            name=name,
            charity_number=f"11{n:05d}",
            company_number=f"0{n:07d}",
            address=f"{n + 1} Long Street, Milton Keynes",
            postcode="MK9 3EP",
            services="Refuge, outreach and advocacy for survivors of domestic abuse.",
            turnover={2025: int(BIG) if n == 0 else 250_000 + n},
            staff=12,
            contacts=[Contact(name=f"Contact {n + 1}", role="Chief Executive")],
            credentials=[
                Credential("insurance", "Public liability", dt.date(2028, 3, 31), "PL-1", int(BIG)),
                Credential("insurance", "Employer's liability", dt.date(2028, 3, 31), "EL-1"),
                Credential("policy", "Safeguarding", dt.date(2028, 1, 15)),
                Credential("policy", "Data protection", dt.date(2028, 1, 15)),
            ],
            past_contracts=[
                PastContract("Bedford Borough Council", "Refuge support", int(BIG), 2021, 2025)
            ],
        )
        ids.append(partner_store.save(ws, org))
    c = consortia.Consortium(
        name="Stress test consortium",
        ocid=OCID,
        fee_percent=5,
        members=[
            consortia.Member(
                org_id=i, role="lead provider" if n == 0 else "delivery partner", lots=["1", "2"]
            )
            for n, i in enumerate(ids)
        ],
    )
    consortia.save(ws, c)
    bid = bids.create_for_consortium(ws, c.id, "Stress bid")
    for n in range(60):
        bid_questions.save(
            ws,
            bid_questions.Question(
                bid_id=bid.id,
                ref=f"S{n + 1}",
                text=f"Question {n + 1}: describe part {n + 1} of the service.",
                word_limit=500,
                owner_org_id=ids[n % 12],
                status="done",
                position=n,
                answer=f"Our answer to question {n + 1}, delivered by {LONG_NAME}. " * 3,
            ),
        )
    for key in narrative.FIELDS:
        narrative.save(ws, bid.id, key, f"The consortium's {key} for the stress bid.")
    commitments.add(
        ws,
        commitments.Commitment(
            bid_id=bid.id,
            org_id=ids[0],
            framework_id=DEMO_FRAMEWORK,
            measure_code="DL4",
            quantity=BIG,
            years=1,
            start_year=TODAY.year + 1,
            areas=[],
            beneficiaries="Local suppliers",
            evidence="Invoices",
            activity="",
            deadweight=Decimal(0),
            displacement=Decimal(0),
            attribution=Decimal(0),
            dropoff=Decimal(0),
            position=0,
        ),
    )
    commitments.save_settings(
        ws,
        bid.id,
        commitments.Settings(
            need="Local need.",
            method="Our method.",
            governance="Our governance.",
            additionality="Only this contract.",
            contact="The lead",
        ),
    )
    return bid.id


def _build_all(ws: Workspace, bid_id: int, folder: Path) -> dict[str, Path]:
    built = documents.build(ws, bid_id, folder, today=TODAY)
    assert "joint_bid_submission" in built.files, built.warnings
    files = {k: v for k, v in built.files.items() if k not in ("joint_bid", "cover_note")}
    files["statement"] = statement.build(ws, bid_id, folder / "statement.docx", today=TODAY)
    result = commitments.calculate_bid(ws.db, bid_id)
    files["calculator"] = workbook.build(result, folder / "calculator.xlsx", title="Bid")
    ha = folder / "ha"
    ha.mkdir()
    files["ha_report"], files["ha_workbook"] = report.write_report(
        ws.db, TODAY.year + 1, ha, today=TODAY
    )
    return files


@pytest.fixture(scope="module")
def rendered(demo_template, tmp_path_factory):
    """{case: {kind: (source file, [page texts, -layout], raw text)}} for the demo and stress bids."""
    root = tmp_path_factory.mktemp("layout")
    ws = Workspace.open(copy_workspace(demo_template, root / "ws.consortium"))
    try:
        demo = next(b.id for b in bids.list_all(ws.db) if b.name == DEMO_BID_NAME)
        cases = {"demo": _build_all(ws, demo, root / "demo")}
        stress = _stress_bid(ws)
        cases["stress"] = _build_all(ws, stress, root / "stress")
        members = {
            "demo": _member_names(ws, demo),
            "stress": _member_names(ws, stress),
        }
    finally:
        ws.close()
    sources = [p for files in cases.values() for p in files.values()]
    # The two reports share names across cases: convert each case into its own folder.
    pdfs = {}
    for case, files in cases.items():
        pdfs.update(pdf.to_pdf(list(files.values()), root / "pdf" / case))
    assert len(pdfs) == len(sources)
    out = {}
    for case, files in cases.items():
        out[case] = {}
        for kind, src in files.items():
            layout = _pdftotext(pdfs[src], "-layout")
            out[case][kind] = (src, layout.split("\f")[:-1], _pdftotext(pdfs[src], "-raw"))
    out["members"] = members
    return out


def _member_names(ws, bid_id) -> list[str]:
    c = consortia.load(ws.db, bids.load(ws.db, bid_id).consortium_id)
    return [m.name for m in c.members]


def _pdftotext(path: Path, mode: str) -> str:
    done = subprocess.run(
        ["pdftotext", mode, str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


_FURNITURE = re.compile(
    r"^\f?(?:Page \d+ of \d+|.*\.xlsx, page \d+ of \d+|Joint bid: .*|Social value statement: .*"
    r"|Expression of interest: .*|Consortium agreement outline: .*|Social impact report \d+)$",
    re.M,
)


def _flat(text: str) -> str:
    """The text as one line, page headers and footers taken out (text that runs on to the next
    page is read across the page break, as a reader does)."""
    return re.sub(r"\s+", " ", _FURNITURE.sub("", text))


def _document_texts(path: Path) -> list[str]:
    """Every piece of text a document holds, as a reader would see it (cells as shown)."""
    if path.suffix == ".docx":
        d = docx.Document(str(path))
        texts = [p.text for p in d.paragraphs]
        for t in d.tables:
            for row in t.rows:
                for cell in row.cells:
                    texts.extend(p.text for p in cell.paragraphs)
        return texts
    texts = []
    wb = openpyxl.load_workbook(path)
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                v = c.value
                if v is None or (isinstance(v, str) and v.startswith("=")):
                    continue
                if isinstance(v, (dt.date, dt.datetime)):
                    texts.append(uk_date(v if isinstance(v, dt.date) else v.date()))
                elif isinstance(v, (int, float)) and "£" in (c.number_format or ""):
                    texts.append(money(v, pence=".00" in c.number_format))
                else:
                    texts.append(str(v))
    return texts


CASES = [
    (case, kind)
    for case in ("demo", "stress")
    for kind in (
        "joint_bid_submission",
        "joint_bid_working",
        "cre_eoi",
        "agreement",
        "due_diligence",
        "statement",
        "calculator",
        "ha_report",
        "ha_workbook",
    )
]


@pytest.mark.parametrize(("case", "kind"), CASES)
def test_names_money_and_dates_unbroken_and_no_blank_page(rendered, case, kind):
    src, pages, raw = rendered[case][kind]
    assert pages, f"{kind} rendered no pages"
    texts = _document_texts(src)
    flat = _flat(raw)
    expected = []
    for name in rendered["members"][case]:
        held = sum(t.count(name) for t in texts)
        if held:
            expected.append((name, held))
    for pattern in (MONEY, DATE):
        for found in {m for t in texts for m in pattern.findall(t)}:
            held = sum(len(re.findall(re.escape(found) + r"(?!,?\d)", t)) for t in texts)
            expected.append((found, held))
    if kind != "ha_report" and kind != "ha_workbook":
        assert expected, f"{kind} holds no names, money or dates to check"
    for text, held in expected:
        # A cell that broke the text mid-word shows it fewer times (or not at all).
        shown = len(re.findall(re.escape(text) + r"(?!,?\d)", flat))
        assert shown >= held, f"{case} {kind}: '{text}' is in the document {held}×, shown {shown}×"
    # Money in the PDF is always a whole figure: nothing like "£10,000,0" cut at a cell edge.
    for token in re.findall(r"£\d[\d,.]*", flat):
        assert MONEY.fullmatch(token.rstrip(".,")), f"{case} {kind}: broken figure {token}"
    for n, page in enumerate(pages, start=1):
        body = [
            line
            for line in page.splitlines()
            if line.strip()
            and not re.search(r"Page \d+ of \d+|page \d+ of \d+", line)
            and not line.strip().startswith(("Joint bid:", "Social value statement:"))
        ]
        assert body, f"{case} {kind}: page {n} of {len(pages)} is blank"


@pytest.mark.parametrize("case", ["demo", "stress"])
def test_submission_copy_has_no_working_text(rendered, case):
    _, pages, raw = rendered[case]["joint_bid_submission"]
    text = "\n".join(pages)
    for word in WORKING_WORDS:
        assert word not in text, f"{case}: the submission copy shows '{word}'"
    assert not narrative.prompts_in(text) and "[" not in text
    _, working, _ = rendered[case]["joint_bid_working"]
    working_text = "\n".join(working)
    assert "Word count" in working_text and "WORKING COPY" in working_text


@pytest.mark.parametrize("case", ["demo", "stress"])
def test_title_page_and_contents_with_right_page_numbers(rendered, case):
    for kind in ("joint_bid_submission", "joint_bid_working"):
        _, pages, _ = rendered[case][kind]
        title = pages[0]
        assert "Buyer's reference: 2025-135" in title
        assert OCID not in "\n".join(pages)  # the OCDS id is not the buyer's reference
        assert "Milton Keynes City Council" in title
        assert "Domestic Abuse Support Services" in _flat(title)
        assert uk_date(TODAY) in title and "Lots bid for" in title
        # The contents run from page 2 until the page where section 1 starts.
        first = next(
            n
            for n, page in enumerate(pages)
            if n > 0 and JOINT_BID_SECTIONS[0] in [x.strip() for x in page.splitlines()]
        )
        contents = "\n".join(pages[1:first])
        assert "Contents" in pages[1]
        for section in JOINT_BID_SECTIONS:
            m = re.search(re.escape(section) + r"\s*\.{3,}\s*(\d+)", contents)
            assert m, f"{case} {kind}: '{section}' has no page number in the contents"
            page = int(m[1])
            starts = [line.strip() for line in pages[page - 1].splitlines()]
            assert section in starts, f"{case} {kind}: '{section}' is not on page {page}"
        footer = [line for line in pages[2].splitlines() if "Page 3 of" in line]
        assert footer and footer[0].strip() == f"Page 3 of {len(pages)}"
    _, pages, _ = rendered[case]["statement"]
    assert re.search(r"1\. Understanding of need\s*\.{3,}\s*\d+", pages[1])


@pytest.mark.parametrize("case", ["demo", "stress"])
def test_due_diligence_prints_one_page_wide_with_its_header_repeated(rendered, case):
    src, pages, _ = rendered[case]["due_diligence"]
    members = len(rendered["members"][case])
    sheet = openpyxl.load_workbook(src).active
    ps = sheet.page_setup
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert ps.fitToWidth == 1 and ps.fitToHeight == math.ceil(members / 20)
    assert ps.orientation == "landscape"
    assert sheet.print_title_rows == "$3:$3" and sheet.freeze_panes == "B4"
    # Each printed page names the document and its sheet in the header; the judged sheet is
    # the one limited.
    heads = [p.strip().splitlines()[0].split() for p in pages]
    assert all(h[:2] == ["Due", "diligence:"] for h in heads)
    judged = [p for p, h in zip(pages, heads, strict=True) if h[-2:] == ["Due", "diligence"]]
    assert 1 <= len(judged) <= math.ceil(members / 20)
    assert "Due diligence:" in judged[0]
    people = openpyxl.load_workbook(src)["Members"]
    assert people.print_title_rows == "$1:$1" and people.page_setup.fitToWidth == 1


def test_documents_carry_title_and_organisation_not_a_person(rendered):
    src, _, _ = rendered["demo"]["joint_bid_submission"]
    props = docx.Document(str(src)).core_properties
    assert props.title == "Joint bid: Domestic Abuse Support Services"
    assert props.author == "Riverside Community Action" == props.last_modified_by
    assert "/" not in (props.comments or "") and "python-docx" not in (props.author or "")


@pytest.mark.parametrize("case", ["demo", "stress"])
def test_statement_has_no_prompts_or_internal_codes(rendered, case):
    _, pages, _ = rendered[case]["statement"]
    text = "\n".join(pages)
    assert "DEMO-LOCAL" not in text and not narrative.prompts_in(text)
    assert "to the penny" in text  # it says how figures are rounded
    assert "Buyer's reference: 2025-135" in pages[0]
