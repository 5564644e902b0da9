"""Social value travels into the joint bid and the signed pack."""

from __future__ import annotations

import docx
from conftest import TODAY

from consortium.bids import documents
from consortium.packs.bid_data import bid_data
from consortium.socialvalue import commitments
from consortium.socialvalue.demo import add_demo_social_value


def test_joint_bid_and_pack_carry_the_social_value(demo_ws, tmp_path):
    bid_id = add_demo_social_value(demo_ws, TODAY)
    result = commitments.calculate_bid(demo_ws.db, bid_id)
    built = documents.build(demo_ws, bid_id, tmp_path, today=TODAY)
    text = "\n".join(p.text for p in docx.Document(built.files["joint_bid"]).paragraphs)
    assert f"£{result.present_value:,.2f}" in text
    assert "every £1 invested" in text
    data = bid_data(demo_ws, bid_id)
    assert data["social_value"]["totals"]["present_value_gbp"] == f"{result.present_value:.2f}"


def test_statement_marks_criteria_codes_the_reference_does_not_verify(demo_ws, tmp_path):
    import docx

    from consortium.socialvalue import frameworks, statement

    bid_id = add_demo_social_value(demo_ws, TODAY)
    out = statement.build(demo_ws, bid_id, tmp_path / "s.docx")
    document = docx.Document(out)
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    verified = {f"{c.framework} {c.code}": c.verified for c in frameworks.criteria()}
    shown = [c for c in cells if "MAC" in c]
    assert shown and all(c.endswith("*") for c in shown if not verified.get(c.rstrip("*"), True))
    assert any("not yet verified" in p.text for p in document.paragraphs)
