"""A paragraph that only breaks the page becomes "page break before" on the next paragraph:
when the text before it filled its page exactly (a stress bid's contents list of 60 questions
under LibreOffice 7.4), the break paragraph opened a page of its own and the buyer got a blank
page."""

from __future__ import annotations

import io

import docx
from docx.enum.text import WD_BREAK

from consortium import docx_layout


def _saved_and_read(document) -> docx.Document:
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    return docx.Document(buffer)


def test_a_break_paragraph_becomes_page_break_before_on_the_next():
    d = docx.Document()
    d.add_paragraph("Contents")
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.add_heading("1. Executive summary", 1)
    d.add_paragraph("Text.")
    d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.add_table(rows=1, cols=1).cell(0, 0).text = "A table after a break keeps its break."
    d.add_paragraph("End.")
    docx_layout.finish(d, title="Joint bid: test", author="Riverside Community Action")
    back = _saved_and_read(d)
    texts = [p.text for p in back.paragraphs]
    assert texts[:3] == ["Contents", "1. Executive summary", "Text."]
    heading = back.paragraphs[1]
    assert heading.paragraph_format.page_break_before is True
    assert heading.style.name == "Heading 1"  # its style kept
    assert back.paragraphs[0].paragraph_format.page_break_before is not True
    # The break before the table is left as it was (a table cannot carry the flag).
    assert len(back.paragraphs) == 5 and back.paragraphs[3].text == ""
    assert 'w:type="page"' in back.paragraphs[3]._p.xml


def test_a_break_beside_anything_else_is_left_as_it_is():
    """A paragraph with a page break and a picture, a field or a word in it is the user's:
    it is kept whole."""
    d = docx.Document()
    d.add_paragraph("Before.")
    run = d.add_paragraph().add_run()
    run.add_break(WD_BREAK.PAGE)
    run.add_tab()  # something besides the break (as a picture or field would be)
    d.add_paragraph("After.")
    assert docx_layout.breaks_on_next_paragraph(d) == 0
    back = _saved_and_read(d)
    assert [p.text for p in back.paragraphs] == ["Before.", "\t", "After."]
    assert back.paragraphs[2].paragraph_format.page_break_before is not True
