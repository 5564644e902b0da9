"""Tables in the Word documents, read back with python-docx: a signature block's Date column
holds a date written by hand on one line, and a short table too wide for a portrait page is
laid out as blocks on the page it belongs to, not given a landscape page of its own."""

from __future__ import annotations

import docx
from conftest import TODAY

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
