"""Collections: JSONL articles (``{id, title, text}`` per line) and ALQAC ``law.json``."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ingest.errors import CorruptDocument
from ingest.models import Block, DocKind, RawDoc
from ingest.normalize import nfc


def _paras(text: str) -> list[Block]:
    return [Block("para", nfc(" ".join(line.split()))) for line in text.splitlines() if line.strip()]


def read_jsonl(path: Path, text: str) -> list[RawDoc]:
    """One RawDoc per record; the title leads the text (it is searched too)."""
    docs: list[RawDoc] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as err:
            raise CorruptDocument(f"{path}: line {lineno} is not valid JSON ({err.msg})",
                                  message_vi=f"{path}: dòng {lineno} không phải JSON hợp lệ") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            raise CorruptDocument(f"{path}: line {lineno} has no 'text' field",
                                  message_vi=f"{path}: dòng {lineno} thiếu trường 'text'")
        title = str(rec.get("title") or "").strip()
        blocks = ([Block("para", nfc(title), heading=True)] if title else []) + _paras(rec["text"])
        meta = {"id": str(rec.get("id", lineno)), "kind": str(DocKind.ARTICLE)}
        if title:
            meta["title"] = nfc(title)
        docs.append(RawDoc(str(path), "jsonl", tuple(blocks), meta))
    return docs


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
