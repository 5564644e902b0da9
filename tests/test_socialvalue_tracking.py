"""Delivery tracking, committed vs delivered, and the HA annual report."""

from decimal import Decimal as D

import docx
import openpyxl
import pytest
from conftest import TODAY, dump

from consortium.socialvalue import commitments, report, tracking
from consortium.socialvalue.demo import add_demo_social_value


@pytest.fixture
def bid(demo_ws):
    return add_demo_social_value(demo_ws, TODAY)


def test_record_copies_evidence_and_sums(demo_ws, bid, tmp_path):
    c = commitments.list_for_bid(demo_ws.db, bid)[0]  # DL1: 4 FTE a year for 3 years
    f = tmp_path / "payroll & postcodes.csv"
    f.write_text("x")
    d = tracking.record(demo_ws, c.id, "2027-Q1", D("1.5"), spend=D(900), people=2, evidence=[f])
    assert d.evidence == [f"socialvalue/{c.id}/payroll & postcodes.csv"]
    assert (demo_ws.attachments / d.evidence[0]).read_text() == "x"
    tracking.record(demo_ws, c.id, "2027-Q2", D("1"), evidence=[f])
    tracking.record(demo_ws, c.id, "2028", D("3"))
    ds = tracking.deliveries(demo_ws.db, c.id)
    assert ds[1].evidence[0].endswith("payroll & postcodes-1.csv")
    rows = tracking.committed_vs_delivered(demo_ws.db, bid, 2027)
    r = rows[0]
    assert (r.committed, r.delivered, r.spend, r.people) == (D(12), D("2.5"), D(900), 2)
    # DL1 proxy £9,500, deadweight 20%, attribution 10%
    assert r.value_delivered == D("2.5") * 9500 * D("0.8") * D("0.9")
    assert tracking.committed_vs_delivered(demo_ws.db, bid)[0].delivered == D("5.5")


def test_bad_delivery_changes_nothing(demo_ws, bid, tmp_path):
    c = commitments.list_for_bid(demo_ws.db, bid)[0]
    before = dump(demo_ws)
    with pytest.raises(tracking.TrackingError, match="period"):
        tracking.record(demo_ws, c.id, "Spring 2027", D(1))
    with pytest.raises(tracking.TrackingError, match="not found"):
        tracking.record(demo_ws, c.id, "2027", D(1), evidence=[tmp_path / "nope.pdf"])
    with pytest.raises(tracking.TrackingError, match="negative"):
        tracking.record(demo_ws, c.id, "2027", D(-1))
    assert dump(demo_ws) == before


def test_annual_report(demo_ws, bid, tmp_path):
    cs = commitments.list_for_bid(demo_ws.db, bid)
    tracking.record(demo_ws, cs[0].id, "2027-Q1", D(2), spend=D(5000), people=2)
    tracking.record(demo_ws, cs[2].id, "2027", D(400), spend=D(1000), people=30)
    tracking.record(demo_ws, cs[2].id, "2026", D(400), spend=D(1000), people=30)  # other year
    paths = report.write_report(demo_ws.db, 2027, tmp_path / "out", today=TODAY)
    assert [p.name for p in paths] == ["social-impact-2027.docx", "social-impact-2027.xlsx"]
    text = "\n".join(p.text for p in docx.Document(paths[0]).paragraphs)
    text += "\n".join(
        c.text for t in docx.Document(paths[0]).tables for r in t.rows for c in r.cells
    )
    # DL1: 2 × 9500 × 0.8 × 0.9 = 13,680; DL3: 400 × 15 × 0.9 × 0.75 = 4,050
    assert "£17,730.00" in text and "£6,000.00" in text and "32" in text
    assert "23 Nov 2026" in text
    wb = openpyxl.load_workbook(paths[1])
    assert wb["Summary"]["D3"].value == "=SUM(D2:D2)"


def test_annual_report_names_measures_as_the_statement_does(demo_ws, bid, tmp_path):
    from consortium.socialvalue import frameworks

    cs = commitments.list_for_bid(demo_ws.db, bid)
    tracking.record(demo_ws, cs[0].id, "2027-Q1", D(2), spend=D(5000), people=2)
    paths = report.write_report(demo_ws.db, 2027, tmp_path / "out", today=TODAY)
    measure = frameworks.measures_by_key(demo_ws.db)[(cs[0].framework_id, cs[0].measure_code)]
    sheet = openpyxl.load_workbook(paths[1])["Delivery"]
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert measure.description in names
    assert not any("DEMO-LOCAL" in str(n) for n in names), names
    cells = [c.text for t in docx.Document(paths[0]).tables for r in t.rows for c in r.cells]
    assert measure.description in cells
    assert not any("DEMO-LOCAL" in c for c in cells)
