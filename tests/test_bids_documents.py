"""Readiness check and the built documents, read back with python-docx and openpyxl."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import docx
import openpyxl
import pytest
from test_bids_helpers import TODAY, make_bid

from consortium.bids import documents, questions, readiness
from consortium.bids.documents import TemplateProblem
from consortium.bids.questions import Question
from consortium.bids.template_maker import JOINT_BID_SECTIONS
from consortium.partners import store as partner_store

NASTY = "<Hope> & {{ evil }} {% if x %}oops{% endif %}"


@pytest.fixture
def bid(demo_ws):
    c, b = make_bid(demo_ws)
    for n, text in enumerate(
        [
            "Describe your service model. (max 50 words)",
            "How will you safeguard survivors?",
            "What social value will you deliver?",
        ],
        start=1,
    ):
        q = Question(
            bid_id=b.id,
            text=text,
            ref=f"Q{n}",
            word_limit=50 if n == 1 else None,
            owner_org_id=c.members[0].org_id,
            status="done",
            answer=f"Answer {n} first paragraph.\n\nAnswer {n} second paragraph.",
        )
        questions.save(demo_ws, q)
    return c, b


def test_readiness_names_where_to_fix(demo_ws, bid):
    c, b = bid
    qs = questions.list_for(demo_ws.db, b.id)
    qs[0].answer = "word " * 60
    questions.save(demo_ws, qs[0])
    qs[1].answer = ""
    questions.save(demo_ws, qs[1])
    report = readiness.check(demo_ws, b.id, today=TODAY)
    assert report.contract_start == dt.date(2027, 6, 7)
    by_code = {}
    for item in report.items:
        by_code.setdefault(item.code, []).append(item)
    assert by_code["over_limit"][0].where == {
        "kind": "question",
        "id": qs[0].id,
        "label": "Q1",
        "field": "answer",
    }
    assert by_code["unanswered"][0].where["label"] == "Q2"
    expired = {(i.where["label"], i.where["field"]) for i in by_code["document_expired"]}
    assert ("Ouse Valley Outreach", "credentials: Public liability") in expired
    assert by_code["document_missing"][0].where["kind"] == "partner"
    assert not report.ready
    d = report.to_dict()
    assert set(d) == {
        "bid",
        "checked_on",
        "contract_start",
        "documents_judged_on",
        "ready",
        "counts",
        "items",
        "submission_incomplete",  # added (keys are only ever added)
    }
    assert {i["code"] for i in d["submission_incomplete"]} >= {"unanswered", "document_expired"}
    assert set(d["items"][0]) == {"code", "severity", "message", "where"}


def test_missing_figures(demo_ws, bid):
    c, b = bid
    org = partner_store.load(demo_ws.db, c.members[1].org_id)
    org.turnover = {}
    partner_store.save(demo_ws, org)
    codes = {
        (i.code, i.where.get("field")) for i in readiness.check(demo_ws, b.id, today=TODAY).items
    }
    assert ("no_turnover", "turnover") in codes


def _texts(path):
    d = docx.Document(str(path))
    return d, [p.text for p in d.paragraphs]


def test_joint_bid_has_every_section_members_answers_and_tables(demo_ws, bid, tmp_path):
    c, b = bid
    result = documents.build(demo_ws, b.id, tmp_path / "out", today=TODAY)
    d, texts = _texts(result.files["joint_bid_working"])
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(JOINT_BID_SECTIONS)
    for m in c.members:
        assert m.name in texts  # capability section heading per member
    answer_paras = [t for t in texts if t.startswith("Answer ")]
    assert answer_paras == [
        f"Answer {n} {w} paragraph." for n in (1, 2, 3) for w in ("first", "second")
    ]
    answer_heads = [p.text for p in d.paragraphs if p.style.name == "Heading 2"]
    assert [t for t in answer_heads if t.startswith("6.") and "Question" in t] == [
        "6.1 Question Q1",
        "6.2 Question Q2",
        "6.3 Question Q3",
    ]
    assert documents.SOCIAL_VALUE_PLACEHOLDER in texts or any(
        "social value" in t.lower() for t in texts
    )
    members_table, declarations, appendix = d.tables
    assert [r.cells[0].text for r in members_table.rows] == ["Member"] + [m.name for m in c.members]
    # The members × lots matrix of two members is too wide for a portrait page and too short
    # for a landscape page of its own: it reads as one block per member.
    assert "Questions led: Q1, Q2, Q3" in texts
    assert all(m.name in texts for m in c.members)
    creds = sum(len(partner_store.load(demo_ws.db, m.org_id).credentials) for m in c.members)
    assert len(appendix.rows) == 1 + creds
    assert any(r.cells[-1].text == "Expired by contract start" for r in appendix.rows)
    assert result.files["cover_note"].read_text().count("[problem]") >= 1
    assert not list((tmp_path / "out").glob("*.part"))


def test_other_documents(demo_ws, bid, tmp_path):
    c, b = bid
    result = documents.build(demo_ws, b.id, tmp_path, today=TODAY)
    _, eoi = _texts(result.files["cre_eoi"])
    assert "Expression of interest under the Community Right to Challenge" in eoi
    assert "3. Financial resources of each member" in eoi
    _, agreement = _texts(result.files["agreement"])
    assert any("back-to-back subcontract" in t for t in agreement)
    wb = openpyxl.load_workbook(result.files["due_diligence"])
    sheet = wb.active
    names = [sheet.cell(row=r, column=1).value for r in range(4, sheet.max_row + 1)]
    assert names == [m.name for m in c.members]
    headers = [cell.value for cell in sheet[3]]
    col = headers.index("Employer's liability (insurance) expires") + 1
    ouse = names.index("Ouse Valley Outreach") + 4
    assert sheet.cell(row=ouse, column=col).value == "missing"
    assert sheet.cell(row=ouse, column=col).fill.fgColor.rgb.endswith("F4B6B6")
    pl = headers.index("Public liability (insurance) expires") + 1
    assert sheet.cell(row=ouse, column=pl).fill.fgColor.rgb.endswith(
        "F4B6B6"
    )  # expires before start


def test_user_text_is_escaped_everywhere(demo_ws, bid, tmp_path):
    c, b = bid
    org = partner_store.load(demo_ws.db, c.members[0].org_id)
    org.name = NASTY
    org.services = "=cmd|' /C calc'!A0"
    org.contacts[0].name = "@SUM(1+1)"
    partner_store.save(demo_ws, org)
    q = questions.list_for(demo_ws.db, b.id)[0]
    q.answer = f"{NASTY}\x01 and ]]> </w:t>"
    questions.save(demo_ws, q)
    result = documents.build(demo_ws, b.id, tmp_path, today=TODAY)
    for key in ("joint_bid", "cre_eoi", "agreement"):
        _, texts = _texts(result.files[key])
        joined = "\n".join(texts)
        assert NASTY in joined, key
    _, texts = _texts(result.files["joint_bid"])
    assert f"{NASTY} and ]]> </w:t>" in texts
    wb = openpyxl.load_workbook(result.files["due_diligence"])
    for row in wb.active.iter_rows(values_only=True):
        for v in row:
            assert not (isinstance(v, str) and v[:1] in "=+-@"), v
    assert NASTY in [c.value for c in wb.active["A"]]


def _break_template(tmp_path, monkeypatch, name, old, new):
    from consortium import home

    folder = home.home_dir() / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    d = docx.Document(str(documents.template_path(name)))
    for p in d.paragraphs:
        if p.text == old:
            p.runs[0].text = new
            for r in p.runs[1:]:
                r.text = ""
            break
    else:
        raise AssertionError(old)
    d.save(folder / name)


def test_broken_template_syntax_names_template_and_paragraph(demo_ws, bid, tmp_path, monkeypatch):
    _, b = bid
    _break_template(
        tmp_path,
        monkeypatch,
        "joint-bid.docx",
        "Lead provider: {{ consortium.lead }}",
        "Lead provider: {{ consortium.lead ",
    )
    with pytest.raises(TemplateProblem) as info:
        documents.build(demo_ws, b.id, tmp_path / "out", today=TODAY)
    message = str(info.value)
    assert "joint-bid.docx" in message and "paragraph" in message
    assert not list((tmp_path / "out").glob("*joint bid*"))


def test_unknown_placeholder_names_template_and_paragraph(demo_ws, bid, tmp_path, monkeypatch):
    _, b = bid
    _break_template(
        tmp_path,
        monkeypatch,
        "cre-eoi.docx",
        "Service: {{ tender.title }}",
        "Service: {{ tender.titel }} and {{ mystery }}",
    )
    with pytest.raises(TemplateProblem) as info:
        documents.build(demo_ws, b.id, tmp_path / "out", today=TODAY)
    message = str(info.value)
    assert "cre-eoi.docx" in message and "titel" in message and "paragraph" in message


def test_progress_and_cancel(demo_ws, bid, tmp_path):
    from consortium.progress import Cancelled

    _, b = bid
    seen = []
    documents.build(
        demo_ws, b.id, tmp_path / "a", today=TODAY, progress=lambda d, t, s: seen.append((d, t))
    )
    assert seen[-1] == (6, 6)
    with pytest.raises(Cancelled):
        documents.build(demo_ws, b.id, tmp_path / "b", today=TODAY, cancelled=lambda: True)


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed here"
)
def test_documents_convert_with_libreoffice(demo_ws, bid, tmp_path):
    _, b = bid
    result = documents.build(demo_ws, b.id, tmp_path / "out", today=TODAY)
    for key in ("joint_bid", "cre_eoi", "agreement", "due_diligence"):
        path = result.files[key]
        done = subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmp_path / "pdf"),
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "pdf" / (path.stem + ".pdf")).stat().st_size > 1000


def test_broken_template_message_reads_well(demo_ws, bid, tmp_path, monkeypatch, capsys):
    _, b = bid
    _break_template(
        tmp_path,
        monkeypatch,
        "joint-bid.docx",
        "Management fee: {{ consortium.fee }}",
        "Management fee: {% if %}",
    )
    with pytest.raises(TemplateProblem) as info:
        documents.build(demo_ws, b.id, tmp_path / "out", today=TODAY)

    assert "Management fee" in str(info.value)


def test_social_value_section_comes_from_socialvalue_when_present(
    demo_ws, bid, tmp_path, monkeypatch
):
    import consortium.socialvalue as sv

    _, b = bid
    monkeypatch.setattr(
        sv,
        "bid_section",
        lambda ws, bid_id: ["We commit 12 local jobs <& {{ x }}>."],
        raising=False,
    )
    result = documents.build(demo_ws, b.id, tmp_path, today=TODAY)
    _, texts = _texts(result.files["joint_bid"])
    assert "We commit 12 local jobs <& {{ x }}>." in texts
    assert documents.SOCIAL_VALUE_PLACEHOLDER not in texts


def test_consortium_without_tender_and_bid_without_questions(demo_ws, tmp_path):
    from consortium.bids import records
    from consortium.matching import consortia

    ids = [r[0] for r in demo_ws.db.execute("SELECT id FROM organisations LIMIT 2")]
    c = consortia.Consortium(
        name="No tender yet",
        model="partnership",
        members=[
            consortia.Member(org_id=ids[0], role="lead provider"),
            consortia.Member(org_id=ids[1]),
        ],
    )
    consortia.save(demo_ws, c)
    b = records.create_for_consortium(demo_ws, c.id)
    report = readiness.check(demo_ws, b.id, today=TODAY)
    assert report.contract_start is None and "no_questions" in {i.code for i in report.items}
    result = documents.build(demo_ws, b.id, tmp_path, today=TODAY)
    _, texts = _texts(result.files["agreement"])
    assert any("partnership agreement" in t for t in texts)
    _, texts = _texts(result.files["joint_bid"])
    assert "1. Executive summary" in texts


def test_over_limit_is_marked_in_the_bid(demo_ws, bid, tmp_path):
    from consortium.bids import narrative

    _, b = bid
    narrative.save(demo_ws, b.id, "understanding", "The council needs survivors kept safe.")
    q = questions.list_for(demo_ws.db, b.id)[0]
    q.answer = "word " * 51
    questions.save(demo_ws, q)
    result = documents.build(demo_ws, b.id, tmp_path, today=TODAY)
    _, texts = _texts(result.files["joint_bid_working"])
    assert any(t.startswith("Word count 51 of 50 (over the limit)") for t in texts)
    _, texts = _texts(result.files["joint_bid_submission"])
    assert not any("Word count" in t for t in texts)


def test_template_without_a_section_builds_with_a_warning(demo_ws, bid, tmp_path, monkeypatch):
    _, b = bid
    _break_template(
        tmp_path, monkeypatch, "joint-bid.docx", "{{ roles_matrix }}", "No matrix here."
    )
    result = documents.build(demo_ws, b.id, tmp_path / "out", today=TODAY)
    assert any("roles_matrix" in w for w in result.warnings)
    assert "[template]" in result.files["cover_note"].read_text()


def test_failed_build_leaves_the_folder_as_it_was(demo_ws, bid, tmp_path, monkeypatch):
    _, b = bid
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    _break_template(
        tmp_path,
        monkeypatch,
        "consortium-agreement.docx",
        "6. Governance and decisions",
        "{% for %}",
    )
    with pytest.raises(TemplateProblem, match="consortium-agreement.docx"):
        documents.build(demo_ws, b.id, out, today=TODAY)
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]


def test_unfilled_prompt_blocks_the_submission_copy_only(demo_ws, bid, tmp_path):
    from consortium.bids import narrative

    _, b = bid
    narrative.save(demo_ws, b.id, "governance", "The board meets [say how often].")
    narrative.save(demo_ws, b.id, "understanding", "The council needs survivors kept safe.")
    report = readiness.check(demo_ws, b.id, today=TODAY)
    prompts = [i for i in report.items if i.code == "template_prompt"]
    assert [i.where["field"] for i in prompts] == ["narrative: governance"]
    assert "[say how often]" in prompts[0].message
    result = documents.build(demo_ws, b.id, tmp_path, today=TODAY)
    assert "joint_bid_submission" not in result.files
    assert result.files["joint_bid"] == result.files["joint_bid_working"]
    assert any("submission copy was not written" in w for w in result.warnings)
    d, texts = _texts(result.files["joint_bid_working"])
    marked = [p for p in d.paragraphs if "[say how often]" in p.text]
    assert marked and marked[0].runs[0].font.highlight_color is not None
    narrative.save(demo_ws, b.id, "governance", "The board meets monthly.")
    result = documents.build(demo_ws, b.id, tmp_path / "again", today=TODAY, copies=["submission"])
    assert set(result.files) >= {"joint_bid_submission", "joint_bid"}
    assert "joint_bid_working" not in result.files
    assert result.files["joint_bid_submission"].name.endswith("-submission.docx")
    _, texts = _texts(result.files["joint_bid_submission"])
    assert "The board meets monthly." in texts
    assert not any("[" in t or "Word count" in t or "No answer yet" in t for t in texts)


def test_a_killed_build_leaves_staging_that_the_next_build_removes(demo_ws, bid, tmp_path):
    import os
    import time

    _, b = bid
    out = tmp_path / "out"
    dead = out / ".building-dead"
    dead.mkdir(parents=True)
    (dead / ".owner").write_text("999999999")
    (dead / "half.docx").write_bytes(b"half")
    old = out / ".building-old"
    old.mkdir()
    stamp = time.time() - 7200
    os.utime(old, (stamp, stamp))
    live = out / ".building-live"
    live.mkdir()
    (live / ".owner").write_text(str(os.getppid()))  # a process that is running
    documents.build(demo_ws, b.id, out, today=TODAY)
    assert not dead.exists() and not old.exists()
    assert live.exists()
    assert sorted(p.name for p in out.glob(".building-*")) == [".building-live"]


def test_an_expression_of_interest_without_commitments_is_flagged_not_sent_quietly(
    demo_ws, bid, tmp_path
):
    """With no commitments its "5. Outcomes" said they "will be set out here", and nothing
    said so."""
    from docx import Document

    from consortium.socialvalue import commitments

    _, b = bid
    assert not commitments.list_for_bid(demo_ws.db, b.id)
    result = documents.build(demo_ws, b.id, tmp_path, today=TODAY)
    assert any("will be set out here" in w for w in result.warnings)
    assert "will be set out here" in result.files["cover_note"].read_text()
    eoi = Document(result.files["cre_eoi"])
    (placeholder,) = [p for p in eoi.paragraphs if p.text == documents.SOCIAL_VALUE_PLACEHOLDER]
    from docx.enum.text import WD_COLOR_INDEX

    assert all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in placeholder.runs)


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_the_buyers_documents_are_made_as_pdf_with_a_numbered_contents_page(demo_ws, tmp_path):
    """The app never made a PDF, and a .docx opened outside Word showed its contents page
    without page numbers."""
    import subprocess

    from consortium.bids import records as bids

    (bid,) = bids.list_all(demo_ws.db)
    result = documents.build(demo_ws, bid.id, tmp_path, today=TODAY, pdf=True)
    assert set(result.files) >= {"pdf_joint_bid_submission", "pdf_cre_eoi"}
    assert result.to_dict()["copies"] == ["submission", "working"]  # the --json keys hold
    text = subprocess.run(
        ["pdftotext", "-layout", str(result.files["pdf_joint_bid_submission"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(r"1\. Executive summary\.{3,}\s*\d", text)
    assert "WORKING COPY" not in text


def test_a_member_with_no_lot_of_its_own_is_said_to_add_capacity_not_lots_none(
    demo_ws, bid, tmp_path
):
    """The MK proposal's Ouse Valley Outreach delivers no lot; the documents told the buyer
    "delivery partner — Lots: none"."""
    c, b = bid
    assert any(not m.lots for m in c.members)
    result = documents.build(demo_ws, b.id, tmp_path, today=TODAY, copies=["working"])
    d, _ = _texts(result.files["joint_bid_working"])
    idle = next(m for m in c.members if not m.lots).name
    members = next(t for t in d.tables if t.rows[0].cells[2].text == "Lots")
    (row,) = [r for r in members.rows if r.cells[0].text == idle]
    assert row.cells[2].text == "none of its own (adds capacity to the whole)"


def test_members_of_a_bid_for_the_whole_contract_deliver_it(demo_ws, tmp_path):
    """Found rendering the demo bid (no lots): every member, the lead too, read "none of its
    own (adds capacity to the whole)"."""
    from consortium.bids import records as bids

    (bid,) = bids.list_all(demo_ws.db)
    result = documents.build(demo_ws, bid.id, tmp_path, today=TODAY, copies=["working"])
    d, _ = _texts(result.files["joint_bid_working"])
    members = next(t for t in d.tables if t.rows[0].cells[2].text == "Lots")
    assert {r.cells[2].text for r in members.rows[1:]} == {"the whole contract"}


def test_cancel_stops_a_pdf_conversion_that_hangs(demo_ws, tmp_path, monkeypatch):
    """LibreOffice could not be stopped mid-way: Cancel waited up to 300 s for a conversion
    that hung. A stand-in soffice that never ends is stopped at Cancel, and nothing is left."""
    import os

    from consortium.bids import records as bids
    from consortium.progress import Cancelled

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pids = tmp_path / "pids"
    fake = bin_dir / "soffice"
    fake.write_text(f"#!/bin/sh\necho $$ >> {pids}\nexec sleep 600\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    asked = []

    def cancelled() -> bool:
        # Cancel pressed once LibreOffice has been asked about a few times (it is running).
        asked.append(1)
        return pids.exists() and len(asked) > 8

    (bid,) = bids.list_all(demo_ws.db)
    out = tmp_path / "out"
    with pytest.raises(Cancelled):
        documents.build(demo_ws, bid.id, out, today=TODAY, pdf=True, cancelled=cancelled)
    (pid,) = pids.read_text().split()
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid), 0)  # ended, not left running in the background
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))
