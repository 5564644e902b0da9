"""Tables in the Word documents, read back with python-docx: a signature block's Date column
holds a date written by hand on one line, and a short table too wide for a portrait page is
laid out as blocks on the page it belongs to, not given a landscape page of its own."""

from __future__ import annotations

import io

import docx
from conftest import TODAY
from docx.enum.section import WD_ORIENT

from consortium import docx_layout
from consortium.bids import documents
from consortium.bids import records as bids
from consortium.socialvalue.demo import DEMO_BID_NAME


def _date_column_width(table) -> int:
    heads = [c.text.strip() for c in table.rows[0].cells]
    return table.rows[1].cells[heads.index("Date")].width


def test_a_signature_date_fits_on_one_line(demo_ws, tmp_path):
    """The Date column was as narrow as its heading: "23 Nov 2026" written in it took three
    lines. It now has room for the widest date, written larger than type."""
    bid_id = next(b.id for b in bids.list_all(demo_ws.db) if b.name == DEMO_BID_NAME)
    built = documents.build(demo_ws, bid_id, tmp_path, today=TODAY)
    room = docx_layout.text_width("23 Nov 2026", 14)
    found = 0
    for kind in ("joint_bid_submission", "agreement"):
        for t in docx.Document(str(built.files[kind])).tables:
            heads = [c.text.strip() for c in t.rows[0].cells]
            if "Signature" in heads and "Date" in heads:
                found += 1
                assert _date_column_width(t) >= room, kind
    assert found == 2


def _saved_and_read(document) -> docx.Document:
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    return docx.Document(buffer)


def _wide_table(d, rows: int) -> None:
    heads = ["Member", "Measure", "Criteria codes", "Quantity a year", "Years", "Where",
             "Who benefits", "Value (£, present value)"]  # fmt: skip
    t = d.add_table(rows=1 + rows, cols=len(heads))
    for cell, h in zip(t.rows[0].cells, heads, strict=True):
        cell.text = h
    for r in range(rows):
        for cell in t.rows[1 + r].cells:
            cell.text = "Northside Young Carers Trust £1,234,567.89 Safeguarding"


def test_a_short_wide_table_stays_on_its_portrait_page():
    """Two commitments in the statement's eight-column table got a landscape page of their
    own, nearly empty; they now read as blocks ("Measure: …") where they are."""
    d = docx.Document()
    d.add_heading("2. Our commitments", 1)
    _wide_table(d, rows=2)
    d.add_paragraph("After the table.")
    docx_layout.finish(d, title="Social value statement: test", author="Riverside")
    back = _saved_and_read(d)
    assert [s.orientation for s in back.sections] == [WD_ORIENT.PORTRAIT]
    assert not back.tables
    texts = [p.text for p in back.paragraphs]
    assert texts.count("Northside Young Carers Trust £1,234,567.89 Safeguarding") == 2
    assert "Measure: Northside Young Carers Trust £1,234,567.89 Safeguarding" in texts


def test_a_long_wide_table_still_gets_a_landscape_page():
    d = docx.Document()
    d.add_heading("2. Our commitments", 1)
    _wide_table(d, rows=8)
    d.add_paragraph("After the table.")
    docx_layout.finish(d, title="Social value statement: test", author="Riverside")
    back = _saved_and_read(d)
    assert WD_ORIENT.LANDSCAPE in [s.orientation for s in back.sections]
    assert len(back.tables) == 1
