"""Take the README's screenshots of each main screen, offscreen, into docs/.

python scripts/screenshots.py            # every screen
python scripts/screenshots.py review     # only the Review area's (review*.png)
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="consortium-shots-"))
    os.environ["CONSORTIUM_HOME"] = str(home)
    from PySide6.QtGui import QFont

    from consortium.demo import create_demo
    from consortium.partners import store
    from consortium.records import Organisation
    from ui.app import make_app
    from ui.mainwindow import MainWindow

    app = make_app()
    app.setFont(QFont("DejaVu Sans", 9))
    ws = create_demo(home / "Demo workspace.consortium", dt.date.today())
    window = MainWindow(ws)
    window.resize(1400, 820)
    window.show()
    app.processEvents()
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    if sys.argv[1:] == ["review"]:
        review_screens(window, ws, docs, dt.date.today(), app)
        print("Wrote", ", ".join(p.name for p in sorted(docs.glob("review*.png"))))
        return
    ours = store.find_existing(ws.db, Organisation(name="Riverside Community Action"))
    window.partners.select(ours)
    app.processEvents()
    window.grab().save(str(docs / "partners.png"))
    southbank = store.find_existing(ws.db, Organisation(name="Southbank Positive Health"))
    window.partners.select(southbank)
    window.partners.editor.tabs.setCurrentIndex(3)
    app.processEvents()
    window.grab().save(str(docs / "partner-editor.png"))
    window.partners.editor.tabs.setCurrentIndex(1)
    app.processEvents()
    window.grab().save(str(docs / "partner-services.png"))
    today = dt.date.today()
    window.sidebar.setCurrentRow(1)
    window.tenders.today = today
    window.tenders.run_search()
    window.tenders.view.selectRow(window.tenders.model.row_of("ocds-h6vhtk-05a7b0"))
    app.processEvents()
    window.grab().save(str(docs / "tenders.png"))
    window.sidebar.setCurrentRow(2)
    window.matches.today = today
    window.matches.select_tender("ocds-h6vhtk-06e058")
    app.processEvents()
    window.grab().save(str(docs / "matches.png"))
    from consortium.matching import proposals

    window.matches.select_tender("ocds-h6vhtk-05a7b0")
    window.matches.show_result(proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=today))
    app.processEvents()
    window.grab().save(str(docs / "proposal.png"))
    socialvalue_screens(window, ws, docs, today, app)
    bids_screens(window, ws, docs, today, app)
    review_screens(window, ws, docs, today, app)
    print("Wrote", ", ".join(p.name for p in sorted(docs.glob("*.png"))))


def render_pages(document: Path, prefix: Path, last: int) -> None:
    """A Word document's first pages as PNG files, rendered by LibreOffice with its contents
    list and fields updated (a message, not a failure, where soffice or pdftoppm is missing)."""
    import shutil
    import subprocess

    from consortium import pdf

    if not (pdf.available() and shutil.which("pdftoppm")):
        print(f"Skipped rendering {Path(document).name}: needs LibreOffice (soffice) and pdftoppm")
        return
    made = pdf.to_pdf([Path(document)], Path(document).parent / "pdf")[Path(document)]
    pages = ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", str(last), str(made), str(prefix)]
    subprocess.run(pages, check=True)
    # pdftoppm pads page numbers to the document's page count (page-01 in a 10-page one).
    for n in range(1, last + 1):
        for padded in Path(prefix).parent.glob(f"{Path(prefix).name}-0*{n}.png"):
            padded.replace(f"{prefix}-{n}.png")


def document_screens(ws, docs, today) -> None:
    """The first pages of the demo bid's submission copy and of its social value statement."""
    from consortium.bids import documents
    from consortium.socialvalue import statement
    from consortium.socialvalue.demo import add_demo_social_value

    bid_id = add_demo_social_value(ws, today)
    folder = Path(ws.path).parent / "documents"
    folder.mkdir(exist_ok=True)
    built = documents.build(ws, bid_id, folder, today=today, copies=["submission"])
    render_pages(built.files["joint_bid_submission"], docs / "joint-bid-page", last=3)
    out = statement.build(ws, bid_id, folder / "Social value statement.docx", today=today)
    render_pages(out, docs / "social-value-statement-page", last=2)


def documents_only() -> None:
    """``python scripts/screenshots.py --documents``: only the document pages (no window)."""
    home = Path(tempfile.mkdtemp(prefix="consortium-shots-"))
    os.environ["CONSORTIUM_HOME"] = str(home)
    from consortium.demo import create_demo

    today = dt.date.today()
    ws = create_demo(home / "Demo workspace.consortium", today)
    document_screens(ws, ROOT / "docs", today)
    print("Wrote the joint bid and social value statement pages in docs/")


def socialvalue_screens(window, ws, docs, today, app) -> None:
    """The Social value area on the demo bid, and the first page of its statement."""

    from consortium.socialvalue.demo import add_demo_social_value

    bid_id = add_demo_social_value(ws, today)
    window.sidebar.setCurrentRow(4)
    window.social_value.reload_bids(bid_id)
    app.processEvents()
    window.grab().save(str(docs / "social-value.png"))
    folder = Path(ws.path).parent / "statement"
    folder.mkdir(exist_ok=True)


def bids_screens(window, ws, docs, today, app) -> None:
    """The Bids area with a questionnaire imported, and the first pages of the built joint bid
    rendered by LibreOffice (skipped, saying so, without soffice and pdftoppm)."""

    from consortium.bids import questions as bid_questions
    from consortium.bids.records import create_for_consortium
    from consortium.matching import proposals

    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=today)
    c = proposals.save_as_consortium(ws, result, 0, "Milton Keynes domestic abuse partnership")
    bid = create_for_consortium(ws, c.id)
    bid_questions.import_questionnaire(
        ws, bid.id, ROOT / "tests" / "fixtures" / "bids" / "questionnaire.xlsx"
    )
    first = bid_questions.list_for(ws.db, bid.id)[0]
    first.answer = (
        "We are two local charities with 25 years between us supporting survivors in Milton Keynes."
    )
    first.status = "drafting"
    bid_questions.save(ws, first)
    window.sidebar.setCurrentRow(3)
    window.bids.reload(bid.id)
    window.bids.questions.today = today
    window.bids.questions.check_readiness()
    app.processEvents()
    window.grab().save(str(docs / "bids.png"))
    document_screens(ws, docs, today)


REVIEW_ANSWERS = {
    "C1.1": "Milton Keynes Women's Refuge leads a single front door for every survivor: one "
    "phone line, one web chat and drop-ins at four GP surgeries. Each referral is risk-assessed "
    "within a working day with DASH, and high-risk cases go to an Idva the same day.\n"
    "Ouse Valley Outreach runs the community outreach in Bletchley, Wolverton and the rural "
    "north, where survivors are least likely to come to us.",
    "C1.2": "Interpreters in 14 languages, a Deaf-led BSL video line, a worker for older women "
    "and a partnership with the LGBT+ Consortium's helpline. We monitor uptake by protected "
    "characteristic every quarter and act on the gaps.",
    "C2.1": "Both members follow the MK Safeguarding Partnership procedures. Every worker is "
    "DBS-checked and trained to level 3; our designated leads attend MARAC fortnightly.",
    "C3.1": "The lead holds the contract and subcontracts outreach under a back-to-back "
    "agreement; a joint board meets monthly and the management fee is 6%.",
    "C4.1": "Twelve local jobs, four paid placements for survivors and £35,000 a year spent "
    "with local suppliers.",
}


def review_screens(window, ws, docs, today, app) -> None:
    """The Review area: a verified pack with its checklist, the answers tab with a comment on
    a question, and a tampered pack refused in red. Taken at 1366×768."""
    import zipfile

    import keyring
    from keyring.backends import fail

    from consortium.bids import questions as bid_questions
    from consortium.bids.records import create_for_consortium
    from consortium.matching import proposals
    from consortium.packs import keys, pack

    keyring.set_keyring(fail.Keyring())
    keys.create_key("Milton Keynes Women's Refuge", passphrase="screenshot passphrase")
    result = proposals.propose_for(ws, "ocds-h6vhtk-05a7b0", today=today)
    c = proposals.save_as_consortium(ws, result, 0, "Milton Keynes domestic abuse partnership")
    bid = create_for_consortium(ws, c.id)
    bid_questions.import_questionnaire(
        ws, bid.id, ROOT / "tests" / "fixtures" / "bids" / "questionnaire.xlsx"
    )
    for q in bid_questions.list_for(ws.db, bid.id):
        if q.ref in REVIEW_ANSWERS:
            q.answer, q.status = REVIEW_ANSWERS[q.ref], "done"
            bid_questions.save(ws, q)
    folder = Path(ws.path).parent
    good = pack.export_pack(  # with the bid's documents, built now
        ws, bid.id, folder / "mk.cbpack", passphrase="screenshot passphrase", today=today
    )
    window.resize(1366, 768)
    window.sidebar.setCurrentRow(5)
    window.review.today = today
    window.review.open_pack(good)
    app.processEvents()
    window.grab().save(str(docs / "review.png"))
    page = window.review
    page.tabs.setCurrentIndex(1)
    first = next(
        i for i in range(page.anchor.count()) if page.anchor.itemText(i).startswith("Q C1.1")
    )
    page.anchor.setCurrentIndex(first)
    page.comment_text.setPlainText("Say how many surgeries and when the drop-ins run.")
    page._add_comment()
    member = page.anchor.findText("Member: Ouse Valley Outreach")
    page.anchor.setCurrentIndex(member)
    page.comment_text.setPlainText("Renew the public liability cover before June 2027.")
    page._add_comment()
    # A third comment being written: the box holds a paragraph.
    page.anchor.setCurrentIndex(
        next(i for i in range(page.anchor.count()) if page.anchor.itemText(i).startswith("Q C1.2"))
    )
    page.comment_text.setPlainText(
        "Good to see the BSL video line.\nSay how survivors who do not speak English first "
        "hear of the service, and who pays for the interpreters after the first year."
    )
    page.decision.setCurrentIndex(page.decision.findData("approve_with_conditions"))
    page.conditions.setText("Safeguarding and data protection policies renewed before the start")
    app.processEvents()
    window.grab().save(str(docs / "review-answers.png"))
    bad = folder / "tampered.cbpack"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "bid.json":
                data = data.replace(b"Twelve local jobs", b"Ninety local jobs")
            zout.writestr(info.filename, data)
    window.review.open_pack(bad)
    app.processEvents()
    window.grab().save(str(docs / "review-tampered.png"))


if __name__ == "__main__":
    documents_only() if "--documents" in sys.argv else main()
