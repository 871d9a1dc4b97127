"""PDF reader (PyMuPDF): text layer in reading order, tables, OCR for scanned pages.

* Paragraphs are PyMuPDF text blocks (lines joined with spaces), in reading order.
* Running headers/footers — lines in the top or bottom band that repeat (digits ignored)
  on at least half the pages — and page numbers are removed.
* Tables: ruled tables come from ``find_tables`` (line strategy, fast), run only when the
  drawings can give it a vertical edge. Pages with a rule but no ruled table (Word/pandoc
  tables without borders) take the borderless path, unless no text line near the rule has
  a column gap (a rule between sections). A page that only continues the borderless table
  the previous page ended with is that table: MuPDF's grid finder — the one
  ``find_tables(use_layout=True)`` runs on the layout model's table box — is run on the
  page's text box and kept when it has the previous table's columns in every row. Other
  borderless tables are found from the rule under their header row (``pdf_grid``: column
  starts from the rows beside the rule, the table's extent from the lines that fit those
  columns), and the same grid finder is run on that box. PyMuPDF's layout model
  (~0.2-0.8 s a page) is asked only when those rules are not sure. Cell text is
  rebuilt from the page's words (the table extractor garbles Vietnamese diacritics in
  narrow cells), header rows split over two lines are joined,
  and a table that continues on the next page is merged into one block.
* Image-only pages are OCR'd with Tesseract (``vie``) through PyMuPDF.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.errors import CorruptDocument, EncryptedDocument, OcrUnavailable
from ingest.models import Block, RawDoc
from ingest.normalize import nfc
from ingest.readers.pdf_grid import grid_table, table_box, text_lines, words_box
from ingest.settings import Settings
from ingest.structure import detect_marker

BAND = 0.08  # top/bottom share of the page where running headers and footers live
_PAGE_NO = re.compile(r"^(?:-\s*)?(?:Trang\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?(?:\s*-)?$", re.IGNORECASE)
_ROW_NO = re.compile(r"^(?:\d{1,4}(?:\.\d{1,3})*\.?|[IVXL]+\.?|[A-ZĐ]\.?)$")


@lru_cache(maxsize=1)
def tessdata_dir(lang: str = "vie") -> str | None:
    """The Tesseract data folder holding ``lang``, or None when OCR is unavailable."""
    if shutil.which("tesseract") is None:
        return None
    for cand in sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"), reverse=True) + [
        Path("/usr/share/tessdata"), Path("/usr/local/share/tessdata")]:
        if all((cand / f"{code}.traineddata").is_file() for code in lang.split("+")):
            return str(cand)
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return None if lang not in out else None


def _open(path: Path, data: bytes) -> Any:
    import pymupdf

    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as err:  # pymupdf raises FileDataError / RuntimeError variants
        raise CorruptDocument(f"{path}: the PDF is damaged and cannot be opened ({err})",
                              message_vi=f"{path}: tệp PDF bị hỏng, không mở được") from None
    if doc.needs_pass and not doc.authenticate(""):
        raise EncryptedDocument(f"{path}: the PDF is password-protected; remove the password and try again",
                                message_vi=f"{path}: tệp PDF có mật khẩu; hãy gỡ mật khẩu rồi nạp lại")
    if doc.page_count == 0:
        raise CorruptDocument(f"{path}: the PDF has no pages",
                              message_vi=f"{path}: tệp PDF không có trang nào")
    return doc


def _needs_ocr(page: Any, textpage: Any) -> bool:
    """An image-only page: it has an image and (almost) no text layer."""
    return bool(page.get_images(full=False)) and len(page.get_text("text", textpage=textpage).strip()) < 20


def sort_words(words: list[tuple[Any, ...]], tolerance: float = 3) -> list[tuple[Any, ...]]:
    """PyMuPDF's ``get_text("words", sort=True)`` order, on plain tuples (its own ~4x slower).

    Words are sorted by bottom, then left; a word whose top or bottom is within ``tolerance``
    of the current line's box (the union of its non-empty word boxes) joins the line, and
    each line is sorted left to right.
    """
    if not words:
        return words
    words.sort(key=lambda w: (w[3], w[0]))
    out: list[tuple[Any, ...]] = []
    line = [words[0]]
    x0, y0, x1, y1 = words[0][:4]
    for w in words[1:]:
        if abs(w[1] - y0) <= tolerance or abs(w[3] - y1) <= tolerance:
            line.append(w)
            if w[0] >= w[2] or w[1] >= w[3]:
                continue  # an empty box leaves the line box as it is
            if x0 >= x1 or y0 >= y1:
                x0, y0, x1, y1 = w[:4]
            else:
                x0, y0, x1, y1 = min(x0, w[0]), min(y0, w[1]), max(x1, w[2]), max(y1, w[3])
        else:
            line.sort(key=lambda w: w[0])
            out.extend(line)
            line = [w]
            x0, y0, x1, y1 = w[:4]
    line.sort(key=lambda w: w[0])
    out.extend(line)
    return out


def _line_text(line: dict[str, Any]) -> str:
    return "".join(span["text"] for span in line["spans"])


def _is_bold(block: dict[str, Any]) -> bool:
    spans = [s for ln in block["lines"] for s in ln["spans"] if s["text"].strip()]
    return bool(spans) and all(s["flags"] & 16 or "Bold" in s["font"] for s in spans)


def _inside(bbox: tuple[float, ...], rects: list[tuple[float, ...]]) -> bool:
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    return any(r[0] - 1 <= cx <= r[2] + 1 and r[1] - 1 <= cy <= r[3] + 1 for r in rects)


def _cell_text(cell: tuple[float, ...] | None, words: list[tuple[Any, ...]]) -> str:
    if cell is None:
        return ""
    x0, y0, x1, y1 = cell
    inside = [w for w in words
              if x0 - 1 <= (w[0] + w[2]) / 2 <= x1 + 1 and y0 - 1 <= (w[1] + w[3]) / 2 <= y1 + 1]
    inside.sort(key=lambda w: (w[5], w[6], w[7]))  # block, line, word order
    return join_words([(w[4], (w[5], w[6])) for w in inside])


def _broken_number(prev: str, nxt: str) -> bool:
    from ingest.metadata import NUMBER_RE

    return (any(c.isdigit() for c in prev) and "/" in prev and NUMBER_RE.fullmatch(prev) is None
            and nxt[:1].isupper()
            and re.match(r"^[A-ZĐ]{1,5}(?:[-/][A-ZĐa-z0-9]+)*[.,;)]*$", nxt) is not None)


def join_words(words: list[tuple[str, tuple[int, int]]]) -> str:
    """Join words, undoing line wraps: ``57-`` + ``NQ/TW`` and a lone ``.`` attach without a space."""
    out = ""
    prev_line = None
    for text, line in words:
        if not out:
            out = text
        elif line != prev_line and (out.endswith(("-", "/")) and out[-2:-1].isalnum()):
            out += text
        elif line != prev_line and _broken_number(out.rsplit(" ", 1)[-1], text):
            out += text  # "80/2020/N" + "Đ-CP": a document number wrapped mid-code
        elif text in {".", ",", ";", ":", ")", "…"}:
            out += text
        else:
            out += " " + text
        prev_line = line
    return out


def _merge_header(rows: list[list[str]]) -> list[list[str]]:
    """Join header rows that a table extractor split line by line (no row number yet)."""
    first_data = next((i for i, r in enumerate(rows) if r and _ROW_NO.match(r[0].strip())), None)
    if not first_data or first_data > 4:
        return rows
    header = [" ".join(filter(None, (rows[i][c].strip() for i in range(first_data))))
              for c in range(len(rows[0]))]
    return [header, *rows[first_data:]]


def _columns_near(words: list[tuple[Any, ...]], y: float, reach: float = 40, gap: float = 10) -> bool:
    """Whether a text line within ``reach`` pt of the rule at ``y`` has a column gap.

    A borderless table's rule sits between rows of cells, and cells on one line are
    separated by at least their padding (~11 pt), while words of a paragraph, a heading
    or a page number are a space (~4 pt) apart. A rule with no such line near it (a
    horizontal line between sections) heads no table, so the layout model is not asked.
    Bullets and tabbed list items also have wide gaps: they only cost a model call.
    """
    near = sorted((w for w in words if abs((w[1] + w[3]) / 2 - y) <= reach), key=lambda w: (w[1] + w[3]) / 2)
    lines: list[list[tuple[Any, ...]]] = []
    for w in near:
        if lines and abs((lines[-1][-1][1] + lines[-1][-1][3]) / 2 - (w[1] + w[3]) / 2) <= 2:
            lines[-1].append(w)
        else:
            lines.append([w])
    for line in lines:
        line.sort(key=lambda w: w[0])
        if any(b[0] - a[2] >= gap for a, b in zip(line, line[1:], strict=False)):
            return True
    return False


def _body_words(page: Any, words: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Words outside the running header/footer bands."""
    height = page.rect.height
    return [w for w in words if w[1] >= height * BAND and w[3] <= height * (1 - BAND)]


def _grid_table(page: Any, words: list[tuple[Any, ...]], cols: int) -> Any | None:
    """The table continuing from the previous page, when the whole page is that table.

    Runs MuPDF's grid finder (what ``find_tables(use_layout=True)`` applies to the layout
    model's table box, with the same text flags) on the box of the page's words outside the
    header/footer bands. None unless the grid has exactly ``cols`` columns and no row lacks
    one: text that crosses a column gap is not part of this table.
    """
    body = _body_words(page, words)
    if not body:
        return None
    return grid_table(page, words_box(body), cols)


def _ruled_tables(page: Any, words: list[tuple[Any, ...]], rules: list[dict[str, Any]]) -> list[Any] | None:
    """Borderless tables found from their header rules (see ``pdf_grid``); None when unsure."""
    lines = text_lines(words)
    body = (page.rect.height * BAND, page.rect.height * (1 - BAND))
    found: list[Any] = []
    for rule in sorted(rules, key=lambda d: d["rect"].y0):
        y = (rule["rect"].y0 + rule["rect"].y1) / 2
        if any(t.bbox[1] <= y <= t.bbox[3] for t in found):
            continue  # a second rule inside a table already found
        box = table_box(lines, y, body)
        if box is None:
            return None
        if box[0] is None:
            continue
        table = grid_table(page, box[0], box[1])
        if table is None:
            return None
        found.append(table)
    return found


def _vertical_ruling(drawings: list[dict[str, Any]], min_length: float = 3, snap: float = 3) -> bool:
    """Whether the drawings can give ``find_tables`` a vertical edge of its minimum length.

    Curves and quads count, and so do boxes and vertical-ish lines at least ``min_length``
    high. Shorter vertical pieces (the ends of a thin filled bar drawn as a horizontal rule,
    a box's sides) count only when those within ``snap`` of one x together span
    ``min_length``: ``find_tables`` snaps and joins pieces before it drops short edges.
    """
    pieces: list[tuple[float, float, float]] = []  # x, top, bottom
    for d in drawings:
        for it in d["items"]:
            if it[0] == "re":
                r = it[1]
                if r.height >= min_length:
                    return True
                pieces += [(r.x0, r.y0, r.y1), (r.x1, r.y0, r.y1)]
            elif it[0] == "l":
                p, q = it[1], it[2]
                if abs(p.x - q.x) < abs(p.y - q.y):
                    if abs(p.y - q.y) >= min_length:
                        return True
                    pieces.append(((p.x + q.x) / 2, min(p.y, q.y), max(p.y, q.y)))
            else:
                return True
    pieces.sort()
    last_x, top, bottom = float("-inf"), 0.0, 0.0
    for x, y0, y1 in pieces:
        if x - last_x > snap:
            top, bottom = y0, y1
        else:
            top, bottom = min(top, y0), max(bottom, y1)
        last_x = x
        if bottom - top >= min_length:
            return True
    return False


def _tables(page: Any, words: list[tuple[Any, ...]],
            continues: int | None = None) -> tuple[list[tuple[tuple[float, ...], list[list[str]]]], bool]:
    """Tables on the page, and whether they came from the borderless-table path.

    ``continues`` is the column count of a borderless table that ended the previous page.
    """
    # A table needs ruling: a page without vector lines or boxes has none to find, and
    # find_tables costs ~0.1 s a page even when it finds nothing.
    drawings = page.get_drawings()
    if not drawings:
        return [], False
    # The line strategy needs vertical ruling too: with only horizontal rules (every vertical
    # edge shorter than find_tables' 3 pt minimum) it cannot find a cell, so skip it (~40-100 ms).
    tables = list(page.find_tables(use_layout=False).tables) if _vertical_ruling(drawings) else []
    borderless = False
    if not tables:
        rules = [d for d in drawings if d["rect"].width > page.rect.width * 0.5]
        if rules and len(words) > 30 and any(_columns_near(words, (d["rect"].y0 + d["rect"].y1) / 2)
                                             for d in rules):
            borderless = True
            grid = _grid_table(page, words, continues) if continues else None
            found = [grid] if grid is not None else _ruled_tables(page, words, rules)
            tables = found if found is not None else list(page.find_tables(use_layout=True).tables)
    out = []
    for t in tables:
        rows = []
        for row in t.rows:
            # the row's words first (a cell is looked up among them, not among all the page's words)
            top = min((c[1] for c in row.cells if c), default=0.0) - 1
            bottom = max((c[3] for c in row.cells if c), default=-2.0) + 1
            near = [w for w in words if top <= (w[1] + w[3]) / 2 <= bottom]
            rows.append([_cell_text(tuple(c) if c else None, near) for c in row.cells])
        rows = [r for r in rows if any(c.strip() for c in r)]
        if len(rows) >= 2 and t.col_count >= 2:
            out.append((tuple(t.bbox), _merge_header(rows)))
    return out, borderless


def _norm(text: str) -> str:
    return " ".join(text.split())


def _strip_repeated_header(rows: tuple[tuple[str, ...], ...],
                           header: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Remove a header repeated at the top of a continued table.

    Extractors often fuse the repeated header with the first line of the continued row;
    what is left after the header text is kept as an unnumbered continuation row.
    """
    lead = 0
    while lead < min(3, len(rows)) and not _ROW_NO.match(rows[lead][0].strip()):
        lead += 1
    if lead == 0:
        return list(rows)
    joined = [_norm(" ".join(rows[i][c] for i in range(lead))) for c in range(len(header))]
    hdr = [_norm(h) for h in header]
    starts = sum(1 for j, h in zip(joined, hdr, strict=True) if h and j.startswith(h))
    if starts < max(2, sum(1 for h in hdr if h) // 2):
        return list(rows)
    rest = tuple(j[len(h):].strip() if h and j.startswith(h) else j for j, h in zip(joined, hdr, strict=True))
    out = [rest] if any(rest) else []
    return out + list(rows[lead:])


def read_pdf(path: Path, data: bytes, settings: Settings) -> RawDoc:
    import pymupdf

    doc = _open(path, data)
    ocr_dir = tessdata_dir(settings.ocr_lang) if settings.ocr else None
    pages: list[list[tuple[float, Block]]] = []
    band_lines: list[set[str]] = []
    any_ocr = False
    scanned = 0
    last_x1: dict[int, float] = {}
    runs_on: set[int] = set()
    continues: int | None = None  # column count of the borderless table ending the previous page
    for pno, page in enumerate(doc, start=1):
        textpage = None
        words_tp = page.get_textpage(flags=pymupdf.TEXTFLAGS_WORDS)  # what get_text("text"/"words") makes
        if _needs_ocr(page, words_tp):
            scanned += 1
            if ocr_dir is None:
                pages.append([])
                band_lines.append(set())
                continues = None
                continue
            textpage = page.get_textpage_ocr(language=settings.ocr_lang, dpi=settings.ocr_dpi, full=True,
                                             tessdata=ocr_dir)
            any_ocr = True
        words = sort_words((textpage or words_tp).extractWORDS())
        tables, borderless = ([], False) if textpage is not None else _tables(page, words, continues)
        rects = [t[0] for t in tables]
        height = page.rect.height
        items: list[tuple[float, Block]] = []
        bands: set[str] = set()
        right_edges: list[float] = []
        info = page.get_text("dict", textpage=textpage, sort=True)
        for block in info["blocks"]:
            if block.get("type") != 0 or _inside(block["bbox"], rects):
                continue
            lines = [_line_text(ln).strip() for ln in block["lines"]]
            text = nfc(" ".join(join_words([(ln, (0, i)) for i, ln in enumerate(lines) if ln]).split()))
            if not text:
                continue
            y0, y1 = block["bbox"][1], block["bbox"][3]
            in_band = y1 < height * BAND or y0 > height * (1 - BAND)
            if in_band:
                if _PAGE_NO.match(text):
                    continue
                bands.add(re.sub(r"\d+", "#", text))
            last_line = block["lines"][-1]["bbox"] if block["lines"] else block["bbox"]
            items.append((y0, Block("para", text, page=pno, heading=_is_bold(block))))
            right_edges.append(last_line[2])
            last_x1[id(items[-1][1])] = last_line[2]
        for bbox, rows in tables:
            cells = tuple(tuple(nfc(c) for c in r) for r in rows)
            items.append((bbox[1], Block("table", "\n".join(" | ".join(r) for r in cells), page=pno,
                                         rows=cells,
                                         page_end=pno)))
        items.sort(key=lambda it: it[0])
        # A borderless table that ends the page may go on, with the same columns, on the next.
        last = items[-1][1] if items else None
        continues = (len(last.rows[0])
                     if borderless and last is not None and last.kind == "table" and last.rows else None)
        body = [b for _, b in items if b.kind == "para" and re.sub(r"\d+", "#", b.text) not in bands]
        if body and right_edges and items[-1][1].kind == "para":
            # The page's last paragraph fills its last line: it goes on on the next page.
            margin = max(right_edges)
            if last_x1.get(id(items[-1][1]), 0) >= margin - 0.1 * (margin - page.rect.x0):
                runs_on.add(id(items[-1][1]))
        pages.append(items)
        band_lines.append(bands)
    if scanned and scanned == doc.page_count and ocr_dir is None:
        why = "OCR is turned off (NQDOC_OCR=0)" if not settings.ocr else \
            f"Tesseract with '{settings.ocr_lang}' data is not installed"
        raise OcrUnavailable(f"{path}: the PDF has only scanned images and {why}",
                             message_vi=f"{path}: PDF chỉ có ảnh quét mà không có OCR tiếng Việt")
    # Running headers/footers: band lines repeated on at least half of the pages (min. 3).
    counts = Counter(line for bands in band_lines for line in bands)
    n = max(1, sum(1 for p in pages if p))
    running = {line for line, c in counts.items() if c >= max(3, n / 2)}
    blocks: list[Block] = []
    prev_src: Block | None = None  # the source block behind blocks[-1] (for the runs-on test)
    for items in pages:
        for _, b in items:
            if b.kind == "para" and re.sub(r"\d+", "#", b.text) in running:
                continue
            prev = blocks[-1] if blocks else None
            if (b.kind == "table" and prev is not None and prev.kind == "table" and prev.rows and b.rows
                    and len(prev.rows[0]) == len(b.rows[0]) and b.page != prev.page):
                merged = prev.rows + tuple(_strip_repeated_header(b.rows, prev.rows[0]))
                blocks[-1] = Block("table", "\n".join(" | ".join(r) for r in merged), page=prev.page,
                                   rows=merged, page_end=b.page)
                continue
            if (b.kind == "para" and prev is not None and prev.kind == "para" and id(prev_src) in runs_on
                    and prev.page != b.page and detect_marker(b.text) is None):
                blocks[-1] = Block("para", f"{prev.text} {b.text}", page=prev.page, heading=prev.heading,
                                   page_end=b.page)
                prev_src = b
                continue
            blocks.append(b)
            prev_src = b
    fmt = "pdf-ocr" if any_ocr else "pdf"
    return RawDoc(str(path), fmt, tuple(blocks), {}, page_count=doc.page_count)
