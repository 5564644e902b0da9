"""The social value statement .docx, read back with python-docx."""

import docx
import pytest
from conftest import TODAY

from consortium.formatting import money
from consortium.socialvalue import commitments, statement
from consortium.socialvalue.demo import add_demo_social_value

NASTY = "Tom & Jerry <b>bold</b> {{ bid_name }} {% if true %}x{% endif %}"


def text_of(path):
    d = docx.Document(path)
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


@pytest.fixture
def bid(demo_ws):
    bid_id = add_demo_social_value(demo_ws, TODAY)
    s = commitments.load_settings(demo_ws.db, bid_id)
    s.need = NASTY
    commitments.save_settings(demo_ws, bid_id, s)
    c = commitments.list_for_bid(demo_ws.db, bid_id)[0]
    c.activity = "Jobs & training <for> residents"
    commitments.add(demo_ws, c)
    return bid_id


def test_statement_has_every_section_and_figure(demo_ws, bid, tmp_path):
    out = statement.build_statement(demo_ws.db, bid, tmp_path / "s.docx", today=TODAY)
    text = text_of(out)
    for section in statement.SECTIONS:
        assert section in text
    r = commitments.calculate_bid(demo_ws.db, bid)
    assert money(r.present_value, pence=True) in text
    assert money(r.gross, pence=True) in text
    assert f"£{r.sroi_ratio:.2f}\u00a0:\u00a0£1" in text
    for line in r.lines:
        if line.line.monetised:
            assert money(line.present_value, pence=True) in text
    for v in r.by_member.values():
        assert money(v, pence=True) in text
    assert "PPN 06/20 MAC 2.1" in text and "23 Nov 2026" in text
    assert "Years 1 to 3 (2027/28 to 2029/30)" in text
    assert "10.0%" in text  # weighting, shown apart from value ÷ contract value
    assert "Record only" in text


def test_user_text_appears_literally(demo_ws, bid, tmp_path):
    text = text_of(statement.build_statement(demo_ws.db, bid, tmp_path / "s.docx", today=TODAY))
    assert NASTY in text
    assert "Jobs & training <for> residents" in text


def test_broken_template_names_the_template(demo_ws, bid, tmp_path):
    broken = tmp_path / "broken.docx"
    d = docx.Document()
    d.add_paragraph("{% for x in %}")
    d.save(broken)
    with pytest.raises(statement.StatementError, match="broken.docx"):
        statement.build_statement(
            demo_ws.db, bid, tmp_path / "s.docx", today=TODAY, template=broken
        )
    assert not (tmp_path / "s.docx").exists()
    not_docx = tmp_path / "junk.docx"
    not_docx.write_text("not a zip")
    with pytest.raises(statement.StatementError, match="junk.docx"):
        statement.build_statement(
            demo_ws.db, bid, tmp_path / "s.docx", today=TODAY, template=not_docx
        )


def test_build_for_workspace(demo_ws, bid, tmp_path):
    out = statement.build(demo_ws, bid, tmp_path / "w.docx", today=TODAY)
    assert statement.SECTIONS[7] in text_of(out)
