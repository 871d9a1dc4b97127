"""Collections: JSONL articles (``{id, title, text}`` per line) and ALQAC ``law.json``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.errors import CorruptDocument
from ingest.models import Block, DocKind, RawDoc
from ingest.normalize import nfc


def _paras(text: str) -> list[Block]:
    return [Block("para", nfc(" ".join(line.split()))) for line in text.splitlines() if line.strip()]


class BadJsonLine(ValueError):
    """A line of a JSONL file that is not JSON; each caller turns it into its own error."""

    def __init__(self, lineno: int, msg: str) -> None:
        super().__init__(f"line {lineno}: not JSON ({msg})")
        self.lineno, self.msg = lineno, msg


def jsonl_lines(text: str) -> list[str]:
    """The lines of a JSONL text: split at ``\n`` only (``str.splitlines`` would also split inside
    a string holding U+2028, U+0085…, which JSON leaves unescaped), ``\r`` and a BOM dropped."""
    return [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]


def jsonl_records(text: str) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` for each non-blank line; :class:`BadJsonLine` at the first bad one.

    Shared by the corpus reader here, tracker import (``index.links.tracking``) and gold files
    (``eval.links_eval``), which each check the records' fields themselves.
    """
    for lineno, line in enumerate(jsonl_lines(text), start=1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as err:
            raise BadJsonLine(lineno, err.msg) from None


def read_jsonl(path: Path, text: str) -> list[RawDoc]:
    """One RawDoc per record; the title leads the text (it is searched too)."""
    try:
        return [_article(path, lineno, rec) for lineno, rec in jsonl_records(text)]
    except BadJsonLine as err:
        raise CorruptDocument(f"{path}: line {err.lineno} is not valid JSON ({err.msg})",
                              message_vi=f"{path}: dòng {err.lineno} không phải JSON hợp lệ") from None


def _article(path: Path, lineno: int, rec: Any) -> RawDoc:
    if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
        raise CorruptDocument(f"{path}: line {lineno} has no 'text' field",
                              message_vi=f"{path}: dòng {lineno} thiếu trường 'text'")
    title = str(rec.get("title") or "").strip()
    blocks = ([Block("para", nfc(title), heading=True)] if title else []) + _paras(rec["text"])
    meta = {"id": str(rec.get("id", lineno)), "kind": str(DocKind.ARTICLE)}
    if title:
        meta["title"] = nfc(title)
    return RawDoc(str(path), "jsonl", tuple(blocks), meta)


def read_law_json(path: Path, text: str) -> list[RawDoc]:
    """ALQAC format: ``[{id, articles: [{id, text}]}]`` — one law per document, one Điều per article."""
    try:
        laws = json.loads(text)
    except json.JSONDecodeError as err:
        raise CorruptDocument(f"{path}: not valid JSON ({err.msg})",
                              message_vi=f"{path}: JSON không hợp lệ") from None
    docs = []
    for law in laws:
        blocks: list[Block] = []
        for art in law.get("articles", []):
            lines = [nfc(" ".join(ln.split())) for ln in str(art.get("text", "")).splitlines() if ln.strip()]
            aid = str(art.get("id"))
            if not lines:
                lines = [""]
            if not lines[0].startswith(f"Điều {aid}"):
                lines[0] = f"Điều {aid}. {lines[0]}".strip()
            # The benchmark's article is the unit: a later line that reads like another
            # article's heading (source merges) stays inside this one.
            merged: list[str] = [lines[0]]
            for ln in lines[1:]:
                if re.match(r"^(Điều|Chương|Mục|Phần)\s+\S+", ln):
                    merged[-1] = f"{merged[-1]} {ln}"
                else:
                    merged.append(ln)
            lines = merged
            blocks.extend(Block("para", nfc(ln)) for ln in lines)
        law_id = str(law.get("id"))
        docs.append(RawDoc(str(path), "law-json", tuple(blocks),
                           {"number": law_id, "title": law_id, "kind": str(DocKind.LAW)}))
    return docs
