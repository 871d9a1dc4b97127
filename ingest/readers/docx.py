"""DOCX reader (python-docx): paragraphs and tables in body order, list numbering rebuilt.

Word keeps automatic list numbers (``1.``, ``a)``) out of the paragraph text, in
``numbering.xml``; we recompute them and put them back in front of the text, so a document
typed with Word's numbering gives the same text — and the same provision ids — as one where
the numbers were typed by hand.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import CorruptDocument
from ingest.models import Block, RawDoc
from ingest.normalize import nfc

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


@dataclass
class _Numbering:
    abstract: dict[str, dict[int, _Level]] = field(default_factory=dict)
    # numId -> (abstractId, overrides)
    nums: dict[str, tuple[str, dict[int, int]]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    def label(self, num_id: str, ilvl: int) -> str:
        if num_id not in self.nums or num_id == "0":
            return ""
        abs_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abs_id, {})
        counts = self.counters.setdefault(num_id, {})
        lvl = levels.get(ilvl, _Level())
        start = overrides.get(ilvl, lvl.start)
        counts[ilvl] = counts.get(ilvl, start - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        if lvl.fmt == "bullet":
            return "-"
        if lvl.fmt == "none":
            return ""
        text = lvl.text
        for k in range(ilvl + 1):
            klvl = levels.get(k, _Level())
            value = counts.get(k, overrides.get(k, klvl.start))
            text = text.replace(f"%{k + 1}", _format(value, klvl.fmt))
        return text


def _roman(n: int) -> str:
    vals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def _format(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        s = ""
        while n > 0:
            n, r = divmod(n - 1, 26)
            s = chr(97 + r) + s
        return s.upper() if fmt == "upperLetter" else s
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    return str(n)


def _numbering(document: Any) -> _Numbering:
    num = _Numbering()
    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return num
    for a in root.findall(f"{_W}abstractNum"):
        levels: dict[int, _Level] = {}
        for lvl in a.findall(f"{_W}lvl"):
            ilvl = int(lvl.get(f"{_W}ilvl", "0"))
            fmt = lvl.find(f"{_W}numFmt")
            txt = lvl.find(f"{_W}lvlText")
            start = lvl.find(f"{_W}start")
            levels[ilvl] = _Level(
                fmt=fmt.get(f"{_W}val", "decimal") if fmt is not None else "decimal",
                text=txt.get(f"{_W}val", "") if txt is not None else "",
                start=int(start.get(f"{_W}val", "1")) if start is not None else 1,
            )
        num.abstract[a.get(f"{_W}abstractNumId", "")] = levels
    for n in root.findall(f"{_W}num"):
        abs_el = n.find(f"{_W}abstractNumId")
        overrides = {}
        for ov in n.findall(f"{_W}lvlOverride"):
            so = ov.find(f"{_W}startOverride")
            if so is not None:
                overrides[int(ov.get(f"{_W}ilvl", "0"))] = int(so.get(f"{_W}val", "1"))
        num.nums[n.get(f"{_W}numId", "")] = (abs_el.get(f"{_W}val", "") if abs_el is not None else "",
                                             overrides)
    return num


def _num_pr(p: Any, styles: dict[str, Any]) -> tuple[str, int] | None:
    ppr = p.find(f"{_W}pPr")
    npr = ppr.find(f"{_W}numPr") if ppr is not None else None
    if npr is None and ppr is not None:
        st = ppr.find(f"{_W}pStyle")
        style = styles.get(st.get(f"{_W}val")) if st is not None else None
        spr = style.find(f"{_W}pPr") if style is not None else None
        npr = spr.find(f"{_W}numPr") if spr is not None else None
    if npr is None:
        return None
    nid = npr.find(f"{_W}numId")
    ilvl = npr.find(f"{_W}ilvl")
    if nid is None:
        return None
    return nid.get(f"{_W}val", "0"), int(ilvl.get(f"{_W}val", "0")) if ilvl is not None else 0


def _para_text(p: Any) -> str:
    parts = []
    for node in p.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _is_heading(p: Any, styles: dict[str, Any]) -> bool:
    ppr = p.find(f"{_W}pPr")
    st = ppr.find(f"{_W}pStyle") if ppr is not None else None
    name = (st.get(f"{_W}val") or "") if st is not None else ""
    if name.lower().startswith(("heading", "title")):
        return True
    runs = [r for r in p.findall(f"{_W}r") if "".join(t.text or "" for t in r.findall(f"{_W}t")).strip()]
    return bool(runs) and all(r.find(f"{_W}rPr/{_W}b") is not None for r in runs)


def read_docx(path: Path, data: bytes) -> RawDoc:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as err:  # python-docx raises several kinds for damaged packages
        raise CorruptDocument(f"{path}: the DOCX file is damaged ({type(err).__name__})",
                              message_vi=f"{path}: tệp DOCX bị hỏng") from None
    styles = {s.get(f"{_W}styleId"): s for s in document.styles.element.findall(f"{_W}style")}
    numbering = _numbering(document)
    blocks: list[Block] = []
    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            text = _para_text(child)
            if not text:
                continue
            npr = _num_pr(child, styles)
            if npr is not None:
                label = numbering.label(*npr)
                if label:
                    text = f"{label} {text}"
            blocks.append(Block("para", nfc(text), heading=_is_heading(child, styles)))
        elif child.tag == f"{_W}tbl":
            rows = []
            for tr in child.findall(f"{_W}tr"):
                cells = [" ".join(_para_text(p) for p in tc.findall(f".//{_W}p")).strip()
                         for tc in tr.findall(f"{_W}tc")]
                if any(cells):
                    rows.append(tuple(nfc(c) for c in cells))
            if rows:
                width = max(len(r) for r in rows)
                rows = [r + ("",) * (width - len(r)) for r in rows]
                blocks.append(Block("table", "\n".join(" | ".join(r) for r in rows), rows=tuple(rows)))
    return RawDoc(str(path), "docx", tuple(blocks), {})
