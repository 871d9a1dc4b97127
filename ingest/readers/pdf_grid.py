"""Borderless tables in PDFs without the layout model: column starts, table extent, MuPDF grid.

Word processors (LibreOffice, Word, pandoc's DOCX) print a borderless table as text in
columns with one rule under the header row, repeated on every page the table spans. The
layout model (``find_tables(use_layout=True)``, ~0.2-0.8 s a page) only contributes the
table's box: ``find_tables`` then runs MuPDF's grid finder inside that box. Here the box is
found from the text itself, and the model is asked only when these rules are not sure:

* Columns: the rows on either side of the rule start a text run (words less than
  ``RUN_GAP`` apart) at each column's left edge.
* Extent: from the rule, text lines are taken up and down while no word crosses a column's
  left edge and none starts left of the first column; the first line that does (a
  paragraph, a heading wider than a column) ends the table, as does the page body's edge.
* Not sure (None, so the caller asks the model): the table is not set off from the line
  that ends it by more space than separates any two of its own lines (a short heading
  that fits in the first column would be taken as a row), or MuPDF's grid has another
  column count than the rule's rows, or a row that lacks a column.
* No table (an empty list, no model): neither the line just above the rule nor the one
  just below it has two text runs — a rule between sections, not under a header row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RUN_GAP = 8.0  # pt: words closer than this are one text run (a space is ~3 pt, cell padding ~11 pt)
SAME_LINE = 2.0  # pt: words whose vertical centres are this close are on one text line
EDGE = 1.0  # pt: tolerance on a column's left edge
Word = tuple[Any, ...]  # PyMuPDF word tuple: x0, y0, x1, y1, text, block, line, word
Box = tuple[float, float, float, float]


@dataclass
class Line:
    """Words on one text line of the page, left to right (across table columns)."""

    y0: float
    y1: float
    words: list[Word]


def text_lines(words: list[Word]) -> list[Line]:
    """Group words into lines by vertical centre, top to bottom."""
    lines: list[Line] = []
    centre = 0.0
    for w in sorted(words, key=lambda w: (w[1] + w[3]) / 2):
        c = (w[1] + w[3]) / 2
        if lines and c - centre <= SAME_LINE:
            line = lines[-1]
            line.words.append(w)
            line.y0, line.y1 = min(line.y0, w[1]), max(line.y1, w[3])
        else:
            lines.append(Line(w[1], w[3], [w]))
        centre = c
    for line in lines:
        line.words.sort(key=lambda w: w[0])
    return lines


def run_starts(line: Line) -> list[float]:
    """Left x of each text run of the line (words less than ``RUN_GAP`` apart form a run)."""
    starts = [line.words[0][0]]
    for a, b in zip(line.words, line.words[1:], strict=False):
        if b[0] - a[2] >= RUN_GAP:
            starts.append(b[0])
    return starts


def column_lefts(lines: list[Line]) -> list[float]:
    """Column left edges: the distinct run starts of ``lines`` (starts within 2 pt are one)."""
    lefts: list[float] = []
    for x in sorted(x for line in lines for x in run_starts(line)):
        if not lefts or x - lefts[-1] > 2 * EDGE:
            lefts.append(x)
    return lefts


def fits(line: Line, lefts: list[float]) -> bool:
    """No word of the line starts left of the first column or crosses a column's left edge."""
    return all(w[0] >= lefts[0] - 2 * EDGE and not any(w[0] < x - EDGE < w[2] for x in lefts[1:])
               for w in line.words)


def words_box(words: list[Word]) -> Box:
    """The smallest box around the words."""
    return (min(w[0] for w in words), min(w[1] for w in words),
            max(w[2] for w in words), max(w[3] for w in words))


def table_box(lines: list[Line], rule_y: float,
              body: tuple[float, float] = (float("-inf"), float("inf"))) -> tuple[Box | None, int] | None:
    """The box of the borderless table whose header row the rule at ``rule_y`` underlines.

    ``lines`` are all the page's text lines; ``body`` is the span between the running
    header and footer bands: the table grows through body lines that fit its columns, then
    into band lines only when they fit and sit as close as the table's own lines (a table
    running into the bottom margin, not a page number under it).
    Returns ``(box, columns)``; ``(None, 0)`` when the rule heads no table (no line next to
    it has two text runs); None when unsure (the caller asks the layout model).
    """
    below = next((i for i, ln in enumerate(lines) if ln.y0 >= rule_y), len(lines))
    above = below - 1
    if above < 0 or below >= len(lines):
        return None
    near = [lines[above], lines[below]]
    if all(len(run_starts(ln)) < 2 for ln in near):
        return None, 0
    lefts = column_lefts(near)
    if len(lefts) < 2 or not all(fits(ln, lefts) for ln in near):
        return None

    def in_body(ln: Line) -> bool:
        return ln.y0 >= body[0] and ln.y1 <= body[1]

    top, bottom = above, below
    while top > 0 and in_body(lines[top - 1]) and fits(lines[top - 1], lefts):
        top -= 1
    while bottom < len(lines) - 1 and in_body(lines[bottom + 1]) and fits(lines[bottom + 1], lefts):
        bottom += 1
    inner = max(lines[i + 1].y0 - lines[i].y1 for i in range(top, bottom))
    while top > 0 and lines[top].y0 - lines[top - 1].y1 <= inner + EDGE and fits(lines[top - 1], lefts):
        top -= 1
    while (bottom < len(lines) - 1 and lines[bottom + 1].y0 - lines[bottom].y1 <= inner + EDGE
           and fits(lines[bottom + 1], lefts)):
        bottom += 1
    inner = max(lines[i + 1].y0 - lines[i].y1 for i in range(top, bottom))
    if top > 0 and lines[top].y0 - lines[top - 1].y1 <= inner + EDGE:
        return None
    if bottom < len(lines) - 1 and lines[bottom + 1].y0 - lines[bottom].y1 <= inner + EDGE:
        return None
    return words_box([w for ln in lines[top:bottom + 1] for w in ln.words]), len(lefts)


def grid_table(page: Any, rect: tuple[float, ...], cols: int) -> Any | None:
    """MuPDF's grid finder on ``rect`` (as ``find_tables(use_layout=True)`` runs it on the model's box).

    None unless the grid has exactly ``cols`` columns and no row lacks one.
    """
    import pymupdf
    from pymupdf.table import FLAGS, TABLE_DETECTOR_FLAGS, Table

    old_small = bool(pymupdf.TOOLS.set_small_glyph_heights())
    old_quads = bool(pymupdf.TOOLS.unset_quad_corrections())
    pymupdf.TOOLS.set_small_glyph_heights(True)
    pymupdf.TOOLS.unset_quad_corrections(True)
    try:
        word_rects = [tuple(w[:4]) for w in page.get_textpage(flags=FLAGS).extractWORDS()]
        cells = cells_in_box(page.get_textpage(flags=TABLE_DETECTOR_FLAGS), word_rects, tuple(rect))
    finally:
        pymupdf.TOOLS.set_small_glyph_heights(old_small)
        pymupdf.TOOLS.unset_quad_corrections(old_quads)
    if not cells:
        return None
    table = Table(page, cells)
    if table.col_count != cols or any(c is None for row in table.rows for c in row.cells):
        return None
    return table


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return inner[0] >= outer[0] and inner[1] >= outer[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def cells_in_box(textpage: Any, word_rects: list[tuple[float, ...]], rect: tuple[float, ...]) -> list[Box]:
    """``pymupdf.table.make_table_from_bbox`` on plain tuples: the same cells, ~5x faster.

    MuPDF's grid finder (``fz_find_table_within_bounds``) gives column and row positions
    with an uncertainty each; rows are kept at certain positions that cut no word, columns
    at positions no more uncertain than 35% of the rows, and in each row a column position
    that cuts a word of that row is dropped (the cell spans it).
    """
    import pymupdf
    from pymupdf import mupdf

    block: dict[str, Any] = {}
    pymupdf.extra.make_table_dict(textpage.this.m_internal, block, pymupdf.Rect(rect))
    if block.get("type") != mupdf.FZ_STEXT_BLOCK_GRID:
        return []
    bx0, by0, bx1, by1 = (float(v) for v in block["bbox"])
    xpos = sorted(block["xpos"], key=lambda x: x[0])
    ypos = sorted(block["ypos"], key=lambda y: y[0])
    in_box = [r for r in word_rects if _inside(r, (bx0, by0, bx1, by1))]
    nypos: list[float] = []
    for y, unc in ypos:
        if unc > 0 or any(r[1] < y < r[3] for r in in_box):
            continue
        if nypos and y - nypos[-1] < 3:
            nypos[-1] = y
        else:
            nypos.append(y)
    ymaxu = max(0, round((len(nypos) - 2) * 0.35))
    nxpos = [x[0] for x in xpos if x[1] <= ymaxu]
    if not nxpos:
        return []
    if bx1 > nxpos[-1] + 3:
        nxpos.append(bx1)
    cells = []
    for top, bottom in zip(nypos, nypos[1:], strict=False):
        row = (bx0, top, bx1, bottom)
        row_words = [r for r in word_rects if _inside(r, row)]
        cuts = [x for x in nxpos if not any(r[0] < x < r[2] for r in row_words)]
        for left, right in zip(cuts, cuts[1:], strict=False):
            if left < right and top < bottom:
                cells.append((left, top, right, bottom))
    return cells
