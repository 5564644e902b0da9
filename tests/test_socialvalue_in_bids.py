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
