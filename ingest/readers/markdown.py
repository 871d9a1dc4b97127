"""Markdown and plain text readers (interim)."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.models import Block, RawDoc
from ingest.normalize import nfc

_FM_KEY = re.compile(r"^([A-Za-z_]+):\s*(.*)$")
# A line opening a structural unit starts a new block even without a blank line before it
# (list items, Roman-numbered parts "II." / "II-", "Điều 5", "Chương II", "PHỤ LỤC").
_LIST = re.compile(
    r"^(?:[-*+]\s+|\d{1,3}[.)]\s+|[a-zđ]\)\s+|\(\d{1,3}\)\s+|[IVXL]{1,6}\s*[.\-–]\s*(?=[A-ZÀ-Ỹ])"
    r"|Điều\s+\d+|Chương\s+[IVXL\d]+\b|PHỤ LỤC\b|Phụ lục\s+[IVXL\d]+\b)"
)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        return {}, text
    meta: dict[str, str] = {}
    for line in text[3:end].splitlines():
        m = _FM_KEY.match(line.strip())
        if m:
            value = m.group(2).strip()
            if value.startswith("[") and value.endswith("]"):
                value = value[1:-1]
            meta[m.group(1)] = value.strip().strip('"').strip("'")
    return meta, text[end + 4 :].lstrip("\n")


def _clean(line: str) -> str:
    line = re.sub(r"^#{1,6}\s*", "", line.strip())
    line = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>])", r"\1", line)
    line = re.sub(r"\*\*|__", "", line)
    line = re.sub(r"(?<![\w*])\*(?!\s)([^*]+?)\*(?!\w)", r"\1", line)
    line = re.sub(r"^\*\s+", "- ", line)
    line = re.sub(r"^\+\s+", "+ ", line)
    return " ".join(line.split())


def _table(lines: list[str]) -> Block:
    rows = []
    for line in lines:
        s = line.strip()
        if re.fullmatch(r"\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?", s):
            continue
        cells = [_clean(c) for c in s.strip("|").split("|")]
        rows.append(tuple(cells))
    return Block("table", "\n".join(" | ".join(r) for r in rows), rows=tuple(rows))


def _blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []
    heading = False

    def flush() -> None:
        nonlocal para, heading
        if para:
            t = " ".join(para).strip()
            if t and not re.fullmatch(r"\d{1,3}", t):
                blocks.append(Block("para", t, heading=heading))
        para, heading = [], False

    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        if s.startswith("|"):
            flush()
            tbl = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                tbl.append(lines[i])
                i += 1
            blocks.append(_table(tbl))
            continue
        i += 1
        if not s or re.fullmatch(r"-{3,}|\*{3,}|_{3,}", s):
            flush()
            continue
        is_heading = s.startswith("#") or (s.startswith("**") and s.rstrip().endswith("**"))
        cleaned = _clean(s)
        if not cleaned:
            continue
        if s.startswith("#") or _LIST.match(cleaned) or s.startswith("[Không có trong nguồn"):
            flush()
        para.append(cleaned)
        heading = heading or is_heading
        if s.startswith("#"):
            flush()
    flush()
    return blocks


def read_markdown(path: Path, data: bytes) -> RawDoc:
    text = nfc(data.decode("utf-8-sig", errors="replace"))
    meta, body = _front_matter(text)
    return RawDoc(str(path), "markdown", tuple(_blocks(body)), meta)


def read_text(path: Path, data: bytes) -> RawDoc:
    text = nfc(data.decode("utf-8-sig", errors="replace"))
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if lines and len(re.findall(r"\n\s*\n", text)) < len(lines) / 10:
        # Text with (almost) no blank lines: every line is a paragraph.
        text = "\n\n".join(lines)
    return RawDoc(str(path), "text", tuple(_blocks(text)), {})
