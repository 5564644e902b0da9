"""Every percentage a document writes has one decimal place, through the one formatter: the
statement wrote a commitment's drop-off as "1%" beside another's "1.5%", while the calculator
workbook showed the same figures as "1.0%" and "1.5%"; the joint bid wrote "5%" fees and the
impact report "33%" delivered."""

from __future__ import annotations

import re
from decimal import Decimal as D

import docx
import pytest
from conftest import TODAY

from consortium.bids import documents
from consortium.bids import records as bids
from consortium.formatting import percent
from consortium.socialvalue import commitments, report, statement
from consortium.socialvalue.demo import DEMO_BID_NAME

PERCENT = re.compile(r"(?<![\d.])\d[\d,]*(?:\.\d+)?%")


def _text(path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("value", "fraction", "shown"),
    [(1, False, "1.0%"), (D("1.5"), False, "1.5%"), (D("0.01"), True, "1.0%"),
     (D("0.125"), True, "12.5%"), (D("0.0125"), True, "1.3%"), (20, False, "20.0%"),
     (0, False, "0.0%"), (None, False, ""), (1250, False, "1,250.0%")],
)  # fmt: skip
def test_percent_has_one_decimal_place(value, fraction, shown):
    assert percent(value, fraction=fraction) == shown


def test_every_percentage_in_the_documents_has_one_decimal_place(demo_ws, tmp_path):
    bid_id = next(b.id for b in bids.list_all(demo_ws.db) if b.name == DEMO_BID_NAME)
    c = commitments.list_for_bid(demo_ws.db, bid_id)[0]
    c.dropoff = D("0.01")  # one point a year: "1%" where the others read "2.5%"
    commitments.add(demo_ws, c)
    built = documents.build(demo_ws, bid_id, tmp_path / "bid", today=TODAY)
    files = [built.files[k] for k in ("joint_bid_submission", "joint_bid_working")]
    files.append(statement.build(demo_ws, bid_id, tmp_path / "s.docx", today=TODAY))
    files.append(report.write_report(demo_ws.db, TODAY.year + 1, tmp_path / "r", today=TODAY)[0])
    seen = {}
    for path in files:
        found = PERCENT.findall(_text(path))
        seen[path.name] = found
        odd = [p for p in found if not re.fullmatch(r"[\d,]+\.\d%", p)]
        assert not odd, f"{path.name}: {odd}"
    statement_text = _text(files[2])
    assert "drop-off 1.0% a year" in statement_text
    assert any(seen.values())
