"""Render the report as a Word document (python-docx): text, figures, tables.

Tables with many columns go on landscape pages of their own, and each
column's width follows its longest entry (words are not broken), so that the
document reads as the HTML does; every table names its CSV file.
"""

from __future__ import annotations

import io
import math
from typing import Any

from docx import Document as new_document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.shared import Inches, Pt

from ._model import Document, FigureBlock, Note, Paragraph, TableBlock
from ._text import cell as format_cell

MAX_ROWS = 200  # longer tables are cut, with a pointer to the CSV
FIGURE_WIDTH = Inches(6.3)
MARGIN = Inches(0.9)
WIDE = 8  # columns from which a table goes on a landscape page


def render_docx(doc: Document) -> bytes:
    """Return the report as DOCX bytes: the sections, figures and tables of the HTML."""
    d = new_document()
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.left_margin = sec.right_margin = MARGIN
    d.styles["Normal"].font.size = Pt(10)
    d.add_heading(doc.title, level=0)
    d.add_paragraph(doc.subtitle)
    for n in doc.notes:
        p = d.add_paragraph()
        p.add_run("Note. ").bold = True
        p.add_run(n.text)
    for s in doc.sections:
        d.add_heading(s.title, level=s.level - 1)
        for b in s.blocks:
            if isinstance(b, Paragraph):
                para = d.add_paragraph()
                if b.lead:
                    para.add_run(b.lead + " ").bold = True
                para.add_run(b.text)
            elif isinstance(b, Note):
                d.add_paragraph(b.text, style="Intense Quote")
            elif isinstance(b, FigureBlock):
                d.add_picture(str(b.png), width=FIGURE_WIDTH)
                d.add_paragraph(b.caption, style="Caption")
            elif isinstance(b, TableBlock):
                wide = len(b.frame.columns) >= WIDE
                if wide:
                    _page(d, landscape=True)
                _table(d, b)
                if wide:
                    _page(d, landscape=False)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _page(d: Any, *, landscape: bool) -> None:
    """Start a new page in portrait or landscape orientation."""
    sec = d.add_section(WD_SECTION.NEW_PAGE)
    short, long = sorted((sec.page_width, sec.page_height))
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = (long, short) if landscape else (short, long)
    sec.left_margin = sec.right_margin = MARGIN


def _widths(rows: list[list[str]], total: int) -> list[int]:
    """Return column widths (EMU): each its longest word, the rest by content.

    Every column first gets room for its longest word at 8 pt (so words are
    not broken); the width left is shared in proportion to the square root of
    each column's longest entry.
    """
    n = len(rows[0])
    longest = [max(len(r[j]) for r in rows) for j in range(n)]
    word = [max(len(w) for r in rows for w in (r[j].split() or [""])) for j in range(n)]
    floor = [Inches(0.2 + 0.08 * min(w, 16)) for w in word]
    if sum(floor) >= total:
        return [int(f * total / sum(floor)) for f in floor]
    weight = [math.sqrt(max(x - w, 0)) for x, w in zip(longest, word, strict=True)]
    spare = total - sum(floor)
    if not sum(weight):
        return [int(f + spare / n) for f in floor]
    return [
        int(f + spare * w / sum(weight)) for f, w in zip(floor, weight, strict=True)
    ]


def _table(d: Any, b: TableBlock) -> None:
    frame = b.frame
    d.add_paragraph(f"{b.caption} (tables/{b.key}.csv)", style="Caption")
    head = [str(c) for c in frame.columns]
    body = [
        [format_cell(v) for v in row]
        for row in frame.head(MAX_ROWS).itertuples(index=False)
    ]
    sec = d.sections[-1]
    widths = _widths([head, *body], sec.page_width - sec.left_margin - sec.right_margin)
    t = d.add_table(rows=1, cols=len(head))
    t.style = "Light Grid Accent 1"
    t.autofit = False
    for column, width in zip(t.columns, widths, strict=True):
        column.width = width  # the grid, which LibreOffice reads
    for _ in body:
        t.add_row()
    for row, values in zip(t.rows, [head, *body], strict=True):
        for cell, value, width in zip(row.cells, values, widths, strict=True):
            cell.text = value
            cell.width = width
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(8)
    if len(frame) > MAX_ROWS:
        d.add_paragraph(f"{len(frame) - MAX_ROWS} more rows in tables/{b.key}.csv.")
