"""Page layout for the Word documents Consortium builds, applied after the template is filled.

    finish(document, title="Joint bid …", author="Riverside Community Action")

does what a bid writer would do by hand before sending a document to a buyer:

- every table gets column widths from its content: no column is narrower than its longest word
  or figure (so "Milton Keynes" and "£1,234,567,890.12" never break mid-word); a table too
  wide for a portrait page goes on a landscape page of its own, and one too wide even for that,
  or too short to deserve a page (three rows or fewer), is re-shaped into one block per row
  ("Member: …", "Role: …");
- header rows repeat on every page and rows never split across pages;
- the paragraph that holds only ``CONTENTS_MARKER`` becomes a real table-of-contents field (Word
  refreshes it on open: ``updateFields``; :mod:`consortium.pdf` refreshes it when converting),
  pre-filled with the headings so it is never empty;
- a paragraph that only breaks the page becomes "page break before" on the next one, so a
  page filled exactly never leaves a blank page after it;
- headers carry the document title and footers "Page X of Y" (real PAGE / NUMPAGES fields),
  except on the title page;
- the core properties say the title and the organisation, never a person's name or a path.

Widths are estimated from Arial's character widths (the templates' font, and Liberation Sans
where LibreOffice renders it) with a safety margin, so the estimate errs wide.
"""

from __future__ import annotations

import copy
import datetime as dt
import re

from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Pt

CONTENTS_MARKER = "\u27e6contents\u27e7"
_PAD = Pt(12)  # left + right cell margins (0.08" each), and a little air
_SAFETY = 1.12
# Arial advance widths in 1/1000 em for the characters that differ much from the average.
_NARROW = set("iljtf.,;:'!|I()[] ")
_WIDE = set("mwMW@%")
_CAPS = set("ABCDEFGHJKLNOPQRSTUVXYZ&£#")
SHORT_TABLE = 3  # body rows; a table this short never gets a landscape page
HANDWRITTEN_DATE = "30 Sep 2027"  # the widest date as people write them (23 Nov 2026)


def text_width(text: str, size_pt: float = 11, bold: bool = False) -> int:
    """The printed width of ``text`` in EMU, estimated (errs wide)."""
    units = 0
    for ch in text:
        if ch in _NARROW:
            units += 300
        elif ch in _WIDE:
            units += 860
        elif ch in _CAPS:
            units += 700
        elif ch.isdigit():
            units += 560
        else:
            units += 570
    if bold:
        units *= 1.07
    return int(Pt(size_pt) * units / 1000 * _SAFETY)


def _words(text: str) -> list[str]:
    # Only real spaces break a line; a no-break space ("£2.24 : £1") keeps its figure whole.
    return [w for w in re.split(r"[ \t\n]+", text) if w]


# ------------------------------------------------------------------------------ tables
def _usable(section) -> int:
    return section.page_width - section.left_margin - section.right_margin


def _measure(table, size: float) -> tuple[list[int], list[int]]:
    """(minimum, preferred) width of each column: longest word, longest paragraph."""
    cols = len(table.columns)
    least, want = [0] * cols, [0] * cols
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells[:cols]):
            bold = r == 0
            for p in cell.paragraphs:
                words = _words(p.text)
                if not words:
                    continue
                # A short value (a date, "Lot 3", a reference) reads best on one line.
                whole = len(p.text.strip()) <= 12
                unit = [p.text.strip()] if whole else words
                least[c] = max(least[c], max(text_width(w, size, bold) for w in unit))
                want[c] = max(want[c], text_width(p.text, size, bold))
    # A column left empty to be filled in by hand (the Date of a signature block) was as
    # narrow as its heading, and a date written in it ran to three lines: it gets room for one.
    if len(table.rows) > 1:
        for c in range(cols):
            head = (
                table.rows[0].cells[c].text.strip().lower() if c < len(table.rows[0].cells) else ""
            )
            blank = all(
                not row.cells[c].text.strip() for row in table.rows[1:] if c < len(row.cells)
            )
            if blank and "date" in head.split():
                # Handwriting is larger than the 10-point type around it.
                least[c] = want[c] = max(least[c], text_width(HANDWRITTEN_DATE, size * 1.4))
    least = [w + _PAD for w in least]
    want = [max(w + _PAD, m) for w, m in zip(want, least, strict=True)]
    return least, want


def _share(least: list[int], want: list[int], space: int) -> list[int]:
    """Widths that fill ``space``: every column gets its minimum, the rest goes to the columns
    in proportion to how much more they would like."""
    total_want = sum(want)
    if total_want <= space:
        extra = space - total_want
        return [w + extra * w // total_want for w in want] if total_want else want
    spare = space - sum(least)
    wish = [w - m for w, m in zip(want, least, strict=True)]
    total_wish = sum(wish) or 1
    return [m + spare * x // total_wish for m, x in zip(least, wish, strict=True)]


def _set_widths(table, widths: list[int]) -> None:
    table.autofit = False
    tbl = table._tbl
    tbl_pr = tbl.tblPr
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(int(sum(widths) / 635)))
    grid = tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=False):
        col.set(qn("w:w"), str(int(width / 635)))  # twentieths of a point
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = Emu(width)


def _row_rules(table) -> None:
    """The first row repeats on every page; no row is split across a page break; the
    paragraph that introduces the table stays on the page where the table starts."""
    prev = table._tbl.getprevious()
    if prev is not None and prev.tag == qn("w:p"):
        from docx.text.paragraph import Paragraph

        Paragraph(prev, table._parent).paragraph_format.keep_with_next = True
    for n, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        if tr_pr.find(qn("w:cantSplit")) is None:
            tr_pr.append(OxmlElement("w:cantSplit"))
        if n == 0 and tr_pr.find(qn("w:tblHeader")) is None:
            tr_pr.append(OxmlElement("w:tblHeader"))
    if len(table.rows) <= 12:
        # A short table (a signature block) stays on one page.
        for row in table.rows[:-1]:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True
    if table.rows:
        for cell in table.rows[0].cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True
                for run in p.runs:
                    run.bold = True


def _font_size(table, size: float) -> None:
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(2)
                for run in p.runs:
                    run.font.size = Pt(size)


def _landscape(document, table) -> None:
    """Put ``table`` on landscape pages of its own (section breaks before and after)."""
    body_sect = document.sections[-1]._sectPr
    before = OxmlElement("w:p")
    before_pr = OxmlElement("w:pPr")
    before_pr.append(copy.deepcopy(body_sect))
    before.append(before_pr)
    after = OxmlElement("w:p")
    after_pr = OxmlElement("w:pPr")
    wide = copy.deepcopy(body_sect)
    after_pr.append(wide)
    after.append(after_pr)
    pg = wide.find(qn("w:pgSz"))
    w, h = pg.get(qn("w:w")), pg.get(qn("w:h"))
    pg.set(qn("w:w"), h)
    pg.set(qn("w:h"), w)
    pg.set(qn("w:orient"), "landscape")
    # The table's heading and its one-line introduction go with it onto the landscape page.
    start, prev = table._tbl, table._tbl.getprevious()
    intro = prev
    if (
        intro is not None
        and intro.tag == qn("w:p")
        and intro.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is None
        and "".join(intro.itertext()).strip()
    ):
        start = intro  # at least the sentence that introduces the table
    for _ in range(3):
        if (
            prev is None
            or prev.tag != qn("w:p")
            or prev.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
        ):
            break
        style = prev.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if style is not None and style.get(qn("w:val"), "").startswith("Heading"):
            start = prev
            break
        prev = prev.getprevious()
    start.addprevious(before)
    rest = list(table._tbl.itersiblings())
    if any(
        el.tag == qn("w:tbl") or "".join(el.itertext()).strip()
        for el in rest
        if el is not body_sect
    ):
        table._tbl.addnext(after)
    else:
        # Nothing follows the table: the document ends landscape (an empty portrait section
        # after it would print a blank page).
        for el in rest:
            if el is not body_sect:
                el.getparent().remove(el)
        pg_body = body_sect.find(qn("w:pgSz"))
        pg_body.set(qn("w:w"), h)
        pg_body.set(qn("w:h"), w)
        pg_body.set(qn("w:orient"), "landscape")


def _blocks(table) -> None:
    """Re-shape a table too wide for any page into one block per row: a bold first cell, then
    'Header: value' lines, each a paragraph that wraps freely."""
    headers = [c.text.strip() for c in table.rows[0].cells]
    anchor = table._tbl
    parent = anchor.getparent()
    from docx.text.paragraph import Paragraph

    at = anchor
    for row in table.rows[1:]:
        cells = [c.text.strip() for c in row.cells]
        for n, (head, value) in enumerate(zip(headers, cells, strict=False)):
            if not value:
                continue
            p = OxmlElement("w:p")
            at.addnext(p)
            at = p
            para = Paragraph(p, table._parent)
            if n == 0:
                run = para.add_run(value)
                run.bold = True
                para.paragraph_format.keep_with_next = True
                para.paragraph_format.space_before = Pt(6)
            else:
                para.add_run(f"{head}: ").bold = True
                para.add_run(value)
                para.paragraph_format.left_indent = Pt(12)
                para.paragraph_format.space_after = Pt(0)
    parent.remove(anchor)


def fit_tables(document) -> None:
    """Widths from content; landscape or blocks when a table cannot fit a portrait page."""
    section = document.sections[-1]
    portrait = _usable(section)
    landscape = section.page_height - section.top_margin - section.bottom_margin
    for table in list(document.tables):
        if not table.rows or not table.columns:
            continue
        size = 10.0
        least, want = _measure(table, size)
        if sum(least) > portrait:
            size = 9.0
            least, want = _measure(table, size)
        _font_size(table, size)
        if sum(least) <= portrait:
            _set_widths(table, _share(least, want, portrait))
            _row_rules(table)
        elif len(table.rows) - 1 <= SHORT_TABLE:
            # A landscape page of its own for two rows left the buyer a page nearly empty,
            # and the reading turned sideways for it: a short table reads as well in blocks.
            _blocks(table)
        elif sum(least) <= landscape:
            _set_widths(table, _share(least, want, landscape))
            _row_rules(table)
            _landscape(document, table)
        else:
            _blocks(table)


# --------------------------------------------------------------------------- fields
def _run(parent, tag: str, text: str | None = None, **attrs):
    r = OxmlElement("w:r")
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(k), v)
    if text is not None:
        el.text = text
        el.set(qn("xml:space"), "preserve")
    r.append(el)
    parent.append(r)
    return r


def add_field(paragraph, instruction: str, shown: str = "1") -> None:
    """A complex field (PAGE, NUMPAGES, TOC …) with ``shown`` as its last computed result."""
    p = paragraph._p
    _run(p, "w:fldChar", **{"w:fldCharType": "begin"})
    _run(p, "w:instrText", f" {instruction} ")
    _run(p, "w:fldChar", **{"w:fldCharType": "separate"})
    _run(p, "w:t", shown)
    _run(p, "w:fldChar", **{"w:fldCharType": "end"})


def contents(document, levels: int = 2) -> bool:
    """Replace the contents marker with a TOC field pre-filled with the headings."""
    from docx.text.paragraph import Paragraph

    marker = next((p for p in document.paragraphs if p.text.strip() == CONTENTS_MARKER), None)
    if marker is None:
        return False
    heads = []
    for p in document.paragraphs:
        name = p.style.name if p.style is not None else ""
        m = re.fullmatch(r"Heading (\d)", name)
        if m and int(m[1]) <= levels and p.text.strip():
            heads.append((int(m[1]), p.text.strip()))
    for run in list(marker.runs):
        run._r.getparent().remove(run._r)
    first = marker._p
    _run(first, "w:fldChar", **{"w:fldCharType": "begin"})
    _run(first, "w:instrText", f' TOC \\o "1-{levels}" \\h \\z \\u ')
    _run(first, "w:fldChar", **{"w:fldCharType": "separate"})
    last = first
    for n, (level, text) in enumerate(heads or [(1, "Contents")]):
        if n:
            p = OxmlElement("w:p")
            last.addnext(p)
            last = p
        para = Paragraph(last, marker._parent)
        with_style(document, para, f"toc {level}")
        _run(last, "w:t", text)
    _run(last, "w:fldChar", **{"w:fldCharType": "end"})
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)
    return True


def with_style(document, paragraph, name: str) -> None:
    try:
        paragraph.style = document.styles[name]
    except KeyError:
        from docx.enum.style import WD_STYLE_TYPE

        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        paragraph.style = style
        level = int(name[-1]) if name[-1].isdigit() else 1
        style.paragraph_format.left_indent = Pt(14 * (level - 1))
        style.paragraph_format.space_after = Pt(2)


def headers_and_footers(document, title: str) -> None:
    """Title in the header, 'Page X of Y' in the footer, on every section but the title page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for n, section in enumerate(document.sections):
        section.different_first_page_header_footer = n == 0
        header = section.header
        header.is_linked_to_previous = n > 0
        footer = section.footer
        footer.is_linked_to_previous = n > 0
        if n:
            continue
        hp = header.paragraphs[0]
        hp.text = title
        hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for run in hp.runs:
            run.font.size = Pt(8)
        fp = footer.paragraphs[0]
        fp.text = ""
        fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fp.add_run("Page ")
        add_field(fp, "PAGE")
        fp.add_run(" of ")
        add_field(fp, "NUMPAGES")
        for run in fp.runs:
            run.font.size = Pt(8)


def properties(document, *, title: str, author: str, subject: str = "") -> None:
    """Core properties a buyer's system shows: title and organisation; no person, no path."""
    cp = document.core_properties
    cp.title = title[:250]
    cp.author = author[:250]
    cp.last_modified_by = author[:250]
    cp.subject = subject[:250]
    cp.comments = ""
    cp.keywords = ""
    cp.category = ""
    cp.identifier = ""
    cp.revision = 1
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    cp.created = now
    cp.modified = now


def portrait_a4(document) -> None:
    for section in document.sections:
        if section.orientation != WD_ORIENT.LANDSCAPE:
            section.page_width, section.page_height = Emu(7560310), Emu(10692130)


def _only_a_page_break(p) -> bool:
    """True for a paragraph that holds one page break and nothing else (no text, picture,
    field or bookmark a user put there, and it does not end a section)."""
    breaks = 0
    for child in p:
        if child.tag == qn("w:pPr"):
            if child.find(qn("w:sectPr")) is not None:
                return False
        elif child.tag == qn("w:r"):
            for part in child:
                if part.tag == qn("w:br") and part.get(qn("w:type")) == "page":
                    breaks += 1
                elif part.tag != qn("w:rPr"):
                    return False
        else:
            return False
    return breaks == 1


def breaks_on_next_paragraph(document) -> int:
    """Turn each paragraph that holds only a page break into "page break before" on the
    paragraph after it; the number turned.

    A break paragraph is a line of its own: when what comes before it fills its page exactly
    (a contents list of 60 questions did), it opens the next page just to break it, and the
    buyer gets a blank page. The templates, and the documents users make from them, use
    such paragraphs."""
    body = document.element.body
    turned = 0
    for p in list(body.iterchildren(qn("w:p"))):
        if not _only_a_page_break(p):
            continue
        after = p.getnext()
        if after is None or after.tag != qn("w:p"):
            continue  # a table or the section's end: the break stays as it is
        ppr = after.find(qn("w:pPr"))
        if ppr is None:
            ppr = OxmlElement("w:pPr")
            after.insert(0, ppr)
        if ppr.find(qn("w:pageBreakBefore")) is None:
            # schema order: after w:pStyle, w:keepNext, w:keepLines
            before = [ppr.find(qn(t)) for t in ("w:pStyle", "w:keepNext", "w:keepLines")]
            anchor = next((e for e in reversed(before) if e is not None), None)
            flag = OxmlElement("w:pageBreakBefore")
            if anchor is None:
                ppr.insert(0, flag)
            else:
                anchor.addnext(flag)
        body.remove(p)
        turned += 1
    return turned


def finish(document, *, title: str, author: str, subject: str = "", levels: int = 2) -> None:
    """Everything above, in the order that keeps it consistent (sections last-but-one)."""
    portrait_a4(document)
    breaks_on_next_paragraph(document)
    for p in document.paragraphs:
        # A quoted question or a subtitle is never left at the foot of a page without its text.
        if p.style is not None and p.style.name in ("Intense Quote", "Quote", "Subtitle"):
            p.paragraph_format.keep_with_next = True
    contents(document, levels)
    headers_and_footers(document, title)
    fit_tables(document)
    # Sections added for landscape tables inherit the headers; only the first has a title page.
    sects = list(document.element.body.iter(qn("w:sectPr")))
    for n, sect in enumerate(sects):
        title_pg = sect.find(qn("w:titlePg"))
        if n and title_pg is not None:
            sect.remove(title_pg)
    properties(document, title=title, author=author, subject=subject)
