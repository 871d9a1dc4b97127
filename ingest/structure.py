"""Provision tree: from a RawDoc's blocks to :class:`~ingest.models.Provision` nodes.

Vietnamese official documents number their parts with a small set of markers, nested in
an order that differs between document types:

* Party resolutions (Nghị quyết của Bộ Chính trị): ``I-``/``I.`` parts, ``1.`` items,
  ``a)`` points, ``-``/``+`` dash items; some sources write items as ``(1)`` and targets
  as ``A.``/``B.``;
* Government resolutions: ``Điều 1.`` articles, then the attached *Chương trình hành
  động* (action programme) with its own ``I.``/``1.``/``a)`` structure and appendices
  (``PHỤ LỤC I/II``) whose table rows are tasks or indicators;
* laws: ``Phần``/``Chương``/``Mục``/``Điều``, clauses ``1.`` (khoản), points ``a)`` (điểm);
* plans and reports: ``A.`` sections above ``I-`` parts, ``2.1.`` sub-items, bullets.

Rather than one grammar per type, markers are nested by *first appearance* (a marker type
already open closes what is under it and becomes a sibling; a new type nests under the
current node) constrained by a coarse rank, so ``A.`` may hold ``I-`` (a report) and
``II-`` may hold ``A.`` (a resolution's targets) while a Roman part never nests under an
item. Structure is read from the text only — never from formatting hints — so that the
same document as Markdown, DOCX or PDF gives the same tree and the same ids.

Provision ids are ``<doc id>:<path>`` where the path is built from the labels as written:
``57-NQ/TW:III.2.a``, ``03/NQ-CP:CT.II.1.a`` (the attached programme), ``03/NQ-CP:PL2.17``
(row 17 of appendix II), ``Luật X:D5.2.a`` (Điều 5 khoản 2 điểm a — article numbers are
unique in a law, so chapters are not part of the path). Dash items are ``d1, d2…``,
unmarked paragraphs ``p1, p2…``, gaps in partial sources ``gap1…``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.models import Block, Provision, RawDoc
from ingest.normalize import fold

# --- markers ---------------------------------------------------------------------------

_ROMAN = r"(?:X{0,3})(?:IX|IV|V?I{0,3})"
_UPPER = "A-ZĐÀ-ỸÂĂÊÔƠƯ"

GAP_RE = re.compile(r"^\[Không có trong nguồn:.*\]\s*$")
GAP_ANYWHERE_RE = re.compile(r"\[Không có trong nguồn:[^\]]*\]")
PAGE_DEBRIS_RE = re.compile(r"^(?:\d{1,3}|-\s*\d{1,3}\s*-|Trang\s+\d{1,3})$")
LEADING_PAGE_NO_RE = re.compile(rf"^\d{{1,3}}\s+(?=[{_UPPER}])")
_HEADING_GAP = re.compile(r"tiêu đề|số thứ tự|tiểu mục|\bmục\b(?!\s+tiêu)", re.IGNORECASE)
CLOSING_RE = re.compile(r"^Nơi nhận\s*:?", re.IGNORECASE)


@dataclass(frozen=True)
class Marker:
    type: str  # marker type; also the provision kind
    label: str  # label as it enters the path
    rank: float  # coarse nesting rank (lower = higher in the tree)


def _roman_ok(s: str) -> bool:
    return bool(s) and re.fullmatch(_ROMAN, s) is not None


_KEYWORD_HEADINGS = (
    "QUAN ĐIỂM",
    "MỤC TIÊU",
    "MỤC ĐÍCH",
    "YÊU CẦU",
    "NHIỆM VỤ",
    "GIẢI PHÁP",
    "TỔ CHỨC THỰC HIỆN",
    "TẦM NHÌN",
    "ĐÁNH GIÁ",
    "TÌNH HÌNH",
    "KẾT QUẢ",
    "PHƯƠNG HƯỚNG",
    "KIẾN NGHỊ",
    "ĐỀ XUẤT",
    "TỒN TẠI",
    "HẠN CHẾ",
    "PHÂN CÔNG",
)

_PATTERNS: list[tuple[re.Pattern[str], str, float]] = [
    (re.compile(r"^PHỤ\s+LỤC(?:\s+(?:SỐ\s+)?(?P<label>[IVX]+|\d+))?\b", re.IGNORECASE), "appendix", 0),
    (re.compile(r"^CHƯƠNG TRÌNH HÀNH ĐỘNG\b"), "programme", 0),
    (re.compile(r"^Phần\s+(?:thứ\s+)?(?P<label>[IVX]+|\d+|[a-zà-ỹ]+)\b", re.IGNORECASE), "lawpart", 1),
    (re.compile(rf"^(?P<label>{_ROMAN})\s*[-.–—:]\s*(?=\S)"), "part", 2),
    (re.compile(rf"^(?P<label>[A-ZĐ])\.\s+(?=[{_UPPER}])"), "section", 2),
    (re.compile(r"^(?:Chương|CHƯƠNG)\s+(?P<label>[IVXLC]+|\d+)\b"), "chapter", 3),
    (re.compile(r"^(?:Mục|MỤC)\s+(?P<label>\d+|[IVX]+)\b(?!\s*tiêu)"), "lawsection", 4),
    (re.compile(r"^Điều\s+(?P<label>\d+[a-z]?)\s*[.:]?(?=\s|$)"), "article", 6),
    (re.compile(r"^(?P<label>\d{1,3}\.\d{1,3}(?:\.\d{1,3})?)\.?(?=\s|$)"), "subitem", 8),
    (re.compile(r"^(?P<label>\d{1,3})\.(?=\s|$)"), "item", 7),
    (re.compile(r"^\((?P<label>\d{1,3})\)(?=\s)"), "item", 7),
    (re.compile(r"^(?P<label>[a-zđ])\)(?=\s)"), "point", 9),
    (re.compile(r"^\((?P<label>[ivx]{1,4})\)(?=\s)"), "subpoint", 10),
    (re.compile(r"^[-–—+•*](?=\s|[^\d\s-])"), "dash", 11),
]

CONTAINER_TYPES = {"appendix", "programme", "preamble", "closing"}
PARA_RANK = 12.0
DASH_RANK = 11.0
ITEM_RANK = 7.0
GAP_RANK = 7.5  # closes items (a missing sub-heading), holds the dashes that follow it


def is_all_caps_heading(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and all(c.isupper() for c in letters) and len(text) <= 160


def detect_marker(text: str) -> Marker | None:
    """The structural marker a paragraph starts with, if any."""
    for pattern, mtype, rank in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        label = (m.groupdict().get("label") or "").strip()
        if mtype == "part" and not _roman_ok(label):
            continue
        if mtype == "appendix":
            if not is_all_caps_heading(text.split(":")[0]) and not text[:7].lower().startswith("phụ lục"):
                continue
            if len(text) > 300:
                continue
            return Marker(mtype, "PL" + _arabic(label) if label else "PL", rank)
        if mtype == "programme":
            return Marker(mtype, "CT", rank)
        if mtype == "article":
            return Marker(mtype, "D" + label, rank)
        if mtype == "chapter":
            return Marker(mtype, "C" + label, rank)
        if mtype == "lawsection":
            return Marker(mtype, "M" + label, rank)
        if mtype == "lawpart":
            return Marker(mtype, "P" + label, rank)
        return Marker(mtype, label, rank)
    if is_all_caps_heading(text) and any(k in text for k in _KEYWORD_HEADINGS):
        slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:40]
        return Marker("heading", slug.upper(), 2)
    return None


def _arabic(label: str) -> str:
    if label.isdigit():
        return label
    values = {"I": 1, "V": 5, "X": 10}
    total = 0
    prev = 0
    for ch in reversed(label.upper()):
        v = values[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return str(total)


# --- paragraph repair ------------------------------------------------------------------


def _starts_lower(text: str) -> bool:
    return bool(text) and text[0].isalpha() and text[0].islower()


# Dash items flattened into their lead-in paragraph ("… để: - Tháo gỡ …; - Đơn giản …"),
# as Markdown-to-Word conversion does when a list follows a line without a blank line.
_INLINE_DASHES = re.compile(rf"(?<=[:;.])\s+[-–]\s+(?=[{_UPPER}])")


_NEXT_DASH = re.compile(rf"\s+[-–]\s+(?=[{_UPPER}])")


def _split_inline_dashes(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    for b in blocks:
        parts = _INLINE_DASHES.split(b.text, maxsplit=1) if b.kind == "para" and " - " in b.text else [b.text]
        if len(parts) == 2:
            # After "…: - first item", later items follow as " - Next item" (no punctuation kept).
            parts = [parts[0], *_NEXT_DASH.split(parts[1])]
        if len(parts) == 1:
            out.append(b)
            continue
        out.append(Block("para", parts[0], b.page, None, b.heading, b.page_end))
        out.extend(Block("para", "- " + p, b.page_end or b.page, None, False, b.page_end) for p in parts[1:])
    return out


def repair_blocks(blocks: tuple[Block, ...] | list[Block]) -> list[Block]:
    """Undo what page breaks and conversions did to paragraphs.

    * drop page-number debris (a paragraph that is just ``12`` or ``- 12 -``) and a page
      number glued to the start of a paragraph;
    * join a paragraph that continues the previous one across a page break (it starts in
      lower case and is not itself a marked item);
    * join a marker left alone on its line (``-`` or ``1.``) with the text that follows.
    """
    out: list[Block] = []
    for b in blocks:
        if b.kind != "para":
            out.append(b)
            continue
        text = " ".join(b.text.split())
        if not text or PAGE_DEBRIS_RE.match(text):
            continue
        text = LEADING_PAGE_NO_RE.sub("", text)
        prev = out[-1] if out else None
        if prev is not None and prev.kind == "para" and not GAP_RE.match(prev.text):
            lone_marker = re.fullmatch(r"(?:[-–—+•*]|\d{1,3}\.|[a-zđ]\))", prev.text)
            page_break = (b.page is not None and prev.page is not None
                          and b.page != (prev.page_end or prev.page))
            continues = (_starts_lower(text) or (page_break and text[:1].isdigit()
                                                 and not prev.text.rstrip().endswith(
                                                     (".", ";", ":", "!", "?"))))
            continues = continues and detect_marker(text) is None and not GAP_RE.match(text)
            if lone_marker or (continues and not prev.text.rstrip().endswith((":",))):
                joined = prev.text + " " + text
                out[-1] = Block("para", joined, prev.page, None, prev.heading, b.page or prev.page_end)
                continue
        out.append(Block("para", text, b.page, None, b.heading, b.page_end))
    return _split_inline_dashes(out)


# --- tree building ---------------------------------------------------------------------


@dataclass
class _Node:
    prov: Provision
    mtype: str
    rank: float
    counters: dict[str, int] = field(default_factory=dict)


_LEAD_MARKER = re.compile(
    r"^(?:[IVXLC]+\s*[-.–—:]|\(?[\dA-Za-zđĐ]{1,4}(?:\.\d{1,3})*[.)]|Điều\s+\d+\w?\.?|[-–—+•*])\s+"
)


def _shorten(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _heading_of(text: str, limit: int = 140) -> str:
    """The first sentence (after the item's own marker), shortened for outlines."""
    m = _LEAD_MARKER.match(text)
    start = m.end() if m else 0
    rest = re.split(r"(?<=[.;:])\s", text[start:], maxsplit=1)[0]
    first = text[:start] + rest
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


class _Builder:
    def __init__(self, doc_id: str) -> None:
        self.doc_id = doc_id
        self.provisions: list[Provision] = []
        self.stack: list[_Node] = []
        self.root_counters: dict[str, int] = {}
        self.used_paths: set[str] = set()
        self.seen_structure = False
        # The table being read, so that a table split by a page break continues it.
        self.last_row: Provision | None = None
        self.last_header: list[str] | None = None

    # -- helpers
    def _counters(self) -> dict[str, int]:
        return self.stack[-1].counters if self.stack else self.root_counters

    def _path_for(self, mtype: str, label: str, parent: _Node | None) -> str:
        if mtype in ("appendix", "programme", "preamble", "closing"):
            base = ""
        elif mtype in ("article", "chapter", "lawpart", "lawsection"):
            # Article numbers are unique within a law (or a programme): no chapters in the path.
            base = self._container_path()
        elif mtype == "row":
            # Rows are numbered across the whole table: appendix path + row number.
            base = self._appendix_path()
        else:
            base = parent.prov.path if parent else ""
        path = f"{base}.{label}" if base else label
        if path in self.used_paths:
            n = 2
            while f"{path}~{n}" in self.used_paths:
                n += 1
            path = f"{path}~{n}"
        self.used_paths.add(path)
        return path

    def _container_path(self) -> str:
        for node in reversed(self.stack):
            if node.mtype in ("programme", "appendix"):
                return node.prov.path
        return ""

    def _appendix_path(self) -> str:
        for node in reversed(self.stack):
            if node.mtype in ("appendix", "table"):
                return node.prov.path
        return self._container_path()

    def _new(self, mtype: str, label: str, rank: float, text: str, page: int | None,
             page_end: int | None = None, fields: dict[str, str] | None = None,
             gap: bool = False, heading: str | None = None) -> _Node:
        parent = self.stack[-1] if self.stack else None
        path = self._path_for(mtype, label, parent)
        heading_path = list(parent.prov.heading_path) if parent else []
        head = heading if heading is not None else _heading_of(text)
        prov = Provision(
            id=f"{self.doc_id}:{path}",
            path=path,
            kind=mtype,
            label=label,
            heading=head,
            text=text,
            heading_path=heading_path + [head],
            page_start=page,
            page_end=page_end or page,
            parent_id=parent.prov.id if parent else None,
            ordinal=len(self.provisions),
            fields=fields,
            gap=gap,
        )
        if parent:
            parent.prov.children.append(prov.id)
        self.provisions.append(prov)
        node = _Node(prov, mtype, rank)
        self.stack.append(node)
        return node

    def _extend_pages(self, page: int | None) -> None:
        if page is None:
            return
        for node in self.stack:
            p = node.prov
            if p.page_start is None:
                p.page_start = page
            p.page_end = max(p.page_end or page, page)

    def _next_label(self, prefix: str) -> str:
        counters = self._counters()
        counters[prefix] = counters.get(prefix, 0) + 1
        return f"{prefix}{counters[prefix]}"

    # -- events
    def marker(self, m: Marker, text: str, page: int | None, page_end: int | None = None) -> None:
        if m.type in CONTAINER_TYPES:
            self.stack.clear()
        else:
            self.seen_structure = True
            if self.stack and self.stack[0].mtype in ("preamble", "closing"):
                self.stack.clear()
            # A type already open becomes a sibling; otherwise close deeper-ranked nodes.
            idx = next((i for i, n in enumerate(self.stack) if n.mtype == m.type), None)
            if idx is not None:
                del self.stack[idx:]
            else:
                while (self.stack and self.stack[-1].rank > m.rank
                       and self.stack[-1].mtype not in CONTAINER_TYPES):
                    self.stack.pop()
        label = m.label
        if m.type == "dash":
            label = self._next_label("d")
        self._new(m.type, label, m.rank, text, page, page_end)
        self._extend_pages(page_end or page)

    def paragraph(self, text: str, page: int | None, page_end: int | None = None) -> None:
        if not self.stack:
            if self.seen_structure:
                self._new_para(text, page, page_end)
                return
            self._new("preamble", "preamble", 0, "", page, heading="Phần mở đầu")
        top = self.stack[-1]
        if top.mtype in CONTAINER_TYPES and not top.prov.children and top.mtype != "preamble":
            # Title lines right under an appendix / programme heading belong to it.
            top.prov.text = (top.prov.text + "\n" + text).strip()
            self._extend_pages(page_end or page)
            return
        self._new_para(text, page, page_end)

    def _new_para(self, text: str, page: int | None, page_end: int | None = None) -> None:
        # A dash item is one paragraph: unmarked text after it belongs to the dash's parent.
        while self.stack and self.stack[-1].rank >= DASH_RANK:
            self.stack.pop()
        self._new("para", self._next_label("p"), PARA_RANK, text, page, page_end)
        self._extend_pages(page_end or page)

    def gap(self, text: str, page: int | None) -> None:
        if _HEADING_GAP.search(text):
            # A missing heading ("số thứ tự và tiêu đề tiểu mục …"): it closes open items and
            # holds whatever dashes follow it until the next real item.
            while (self.stack and self.stack[-1].rank >= ITEM_RANK
                   and self.stack[-1].mtype not in CONTAINER_TYPES):
                self.stack.pop()
            self._new("gap", self._next_label("gap"), GAP_RANK, text, page, gap=True, heading=text)
        else:
            # Missing content ("phần đầu nội dung nhiệm vụ 2"): a hole inside the open item,
            # whose text goes on after it.
            while self.stack and self.stack[-1].rank >= DASH_RANK:
                self.stack.pop()
            self._new("gap", self._next_label("gap"), PARA_RANK, text, page, gap=True, heading=text)
            self.stack.pop()
        self._extend_pages(page)

    def closing_block(self, text: str, page: int | None) -> None:
        self.stack.clear()
        self._new("closing", "closing", 0, text, page, heading="Nơi nhận, chữ ký")

    def table(self, block: Block) -> None:
        rows = [list(r) for r in (block.rows or ())]
        if not rows:
            return
        header = [c.strip() for c in rows[0]]
        if self.last_header is not None and self.last_row is not None \
                and len(header) == len(self.last_header) \
                and _tt_column(header) is None:
            # A continuation of the previous table without its header row.
            header, rows = self.last_header, [self.last_header, *rows]
        elif self.last_header is None or header != self.last_header:
            self.last_row = None
        tt_col = _tt_column(header)
        self.last_header = header
        while self.stack and self.stack[-1].mtype == "gap":
            self.stack.pop()  # rows belong to the table's container, not to a gap note above it
        in_appendix = any(n.mtype == "appendix" for n in self.stack)
        if tt_col is None:
            # A table without a numbering column: one provision holding the whole table.
            self._pop_to_container_or_keep()
            self._new("table", self._next_label("T"), PARA_RANK, block.text, block.page, block.page_end,
                      heading=" | ".join(h for h in header if h)[:140])
            self.stack.pop()
            return
        if not in_appendix:
            self._new("table", self._next_label("T"), PARA_RANK - 0.5,
                      "\n".join(" | ".join(r) for r in rows[:1]),
                      block.page, block.page_end, heading=" | ".join(h for h in header if h)[:140])
        base_depth = len(self.stack)
        row_depth = base_depth
        last_row = self.last_row
        for row in rows[1:]:
            cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
            tt = cells[tt_col].strip().rstrip(".").strip("*").strip()
            fields = {(header[i] or f"col{i + 1}"): cells[i] for i in range(len(header)) if i != tt_col}
            text = " | ".join(c for i, c in enumerate(cells[: len(header)]) if i != tt_col and c)
            if not text and not tt:
                continue
            if tt and (_roman_ok(tt) or re.fullmatch(r"[A-ZĐ]", tt)):
                # A group row (I., II. or A, B) heads the numbered rows below it.
                del self.stack[base_depth:]
                last_row = self._new("group", tt, PARA_RANK - 0.4, text, block.page, block.page_end,
                                     fields=fields).prov
                row_depth = len(self.stack)
                continue
            if not tt and last_row is not None:
                # A row cut by a page break continues in an unnumbered row: merge the cells.
                merged = last_row.fields if last_row.fields is not None else {}
                for k, v in fields.items():
                    if v:
                        sep = "" if v[0] in ".,;:)…" else " "
                        merged[k] = f"{merged.get(k, '')}{sep}{v}".strip()
                last_row.fields = merged
                last_row.text = " | ".join(v for v in merged.values() if v)
                last_row.page_end = max(last_row.page_end or 0, block.page_end or block.page or 0) or None
                continue
            del self.stack[row_depth:]
            label = tt if re.fullmatch(r"\d{1,4}(?:\.\d{1,3})*", tt) else self._next_label("r")
            first_cell = next((v for v in fields.values() if v), text)
            last_row = self._new("row", label, PARA_RANK - 0.3, text, block.page, block.page_end,
                                 fields=fields,
                                 gap=bool(GAP_RE.match(text)), heading=_shorten(first_cell)).prov
            self.stack.pop()
        del self.stack[base_depth:]
        while self.stack and self.stack[-1].mtype == "table":
            self.stack.pop()
        self.last_row = last_row

    def _pop_to_container_or_keep(self) -> None:
        while self.stack and self.stack[-1].rank >= PARA_RANK:
            self.stack.pop()


def _tt_column(header: list[str]) -> int | None:
    for i, h in enumerate(header):
        if fold(h).strip(" .") in ("tt", "stt", "so tt", "so thu tu"):
            return i
    return None


def build_provisions(raw: RawDoc, doc_id: str) -> list[Provision]:
    """Build the provision tree of ``raw`` with ids under ``doc_id``."""
    b = _Builder(doc_id)
    for block in repair_blocks(raw.blocks):
        if block.kind == "table":
            b.table(block)
            continue
        b.last_row = b.last_header = None
        text = block.text
        if GAP_RE.match(text):
            b.gap(text, block.page)
            continue
        if CLOSING_RE.match(text):
            b.closing_block(text, block.page)
            continue
        if b.stack and b.stack[0].mtype == "closing":
            m = detect_marker(text)
            if m is None or m.type not in ("appendix", "programme"):
                closing = b.stack[0].prov
                closing.text = closing.text + "\n" + text
                continue
        m = detect_marker(text)
        top = b.stack[-1] if b.stack else None
        if m is not None and m.type == "heading" and top is not None \
                and top.mtype in ("appendix", "programme") \
                and not top.prov.children:
            m = None  # an appendix's own title ("DANH MỤC CÁC NHIỆM VỤ …") is not a section
        if m is None:
            b.paragraph(text, block.page, block.page_end)
        else:
            b.marker(m, text, block.page, block.page_end)
    return b.provisions
