"""Document metadata: số hiệu, issuer, date, kind, title (trích yếu), implemented resolutions.

Detected from the header zone of the text (the lines before the body starts), then
overridden by what the file itself declares (YAML front matter, a JSONL record's id) and
finally by ``corpus/manifest.yaml`` entries (see :func:`load_manifest`).
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from ingest.models import Block, DocKind, DocMeta, RawDoc
from ingest.normalize import fold

# A document number: digits, a type code and an issuer code, joined by - and /:
# 57-NQ/TW, 03/NQ-CP, 3260-KH/ĐĐQH15, 402-CV/VPĐU, 26/CT-TTg, 91/2015/QH13.
_CODE = r"[A-ZĐ][A-ZĐa-zđ0-9]{0,11}"
NUMBER_RE = re.compile(rf"\b(\d{{1,5}})\s*([-/])\s*((?:\d{{4}}/)?{_CODE}(?:\s*[-/]\s*{_CODE}){{1,2}})")
SO_NUMBER_RE = re.compile(
    rf"\bSố\s*:?\s*(\d{{1,5}}\s*[-/]\s*(?:\d{{4}}/)?{_CODE}(?:\s*[-/]\s*{_CODE}){{1,2}})"
)
DATE_VI_RE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
DATE_NUM_RE = re.compile(r"ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)
PARTY_RES_RE = re.compile(r"\b\d{1,4}-(?:NQ|KL|CT)/TW\b")
GOV_RES_RE = re.compile(r"\b\d{1,4}/NQ-CP\b")

# Issuers, most specific first; matched in the folded header text.
_ISSUERS = [
    ("cua bo chinh tri", "Bộ Chính trị"),
    ("bo chinh tri", "Bộ Chính trị"),
    ("ban bi thu", "Ban Bí thư"),
    ("dang doan quoc hoi", "Đảng đoàn Quốc hội"),
    ("thu tuong chinh phu", "Thủ tướng Chính phủ"),
    ("chinh phu", "Chính phủ"),
    ("ban chap hanh trung uong", "Ban Chấp hành Trung ương"),
    ("quoc hoi", "Quốc hội"),
]

_KIND_WORDS = {
    "NGHỊ QUYẾT": DocKind.RESOLUTION,
    "KẾT LUẬN": DocKind.RESOLUTION,
    "KẾ HOẠCH": DocKind.PLAN,
    "CHỈ THỊ": DocKind.DIRECTIVE,
    "BÁO CÁO": DocKind.REPORT,
    "DỰ THẢO BÁO CÁO": DocKind.REPORT,
    "CHƯƠNG TRÌNH HÀNH ĐỘNG": DocKind.ACTION_PROGRAMME,
    "LUẬT": DocKind.LAW,
    "BỘ LUẬT": DocKind.LAW,
}

HEADER_BLOCKS = 14


def canonical_number(raw: str) -> str:
    """``57 - NQ / TW`` → ``57-NQ/TW``; keeps leading zeros and case as written."""
    return re.sub(r"\s+", "", raw)


def find_numbers(text: str) -> list[str]:
    return [canonical_number("".join(m.groups())) for m in NUMBER_RE.finditer(text)]


def kind_from_number(number: str) -> DocKind | None:
    n = number.upper()
    if re.search(r"-(NQ|KL)/TW$", n) or n.endswith("/TW") and "-NQ" in n:
        return DocKind.RESOLUTION
    if "/NQ-CP" in n:
        return DocKind.GOV_RESOLUTION
    if "/CT-" in n or re.search(r"-CT/", n):
        return DocKind.DIRECTIVE
    if "-KH/" in n or "/KH-" in n:
        return DocKind.PLAN
    if "-BC/" in n or "/BC-" in n or "-CV/" in n or "/CV-" in n:
        return DocKind.REPORT
    if re.search(r"/QH\d+$", n) or "VBHN" in n:
        return DocKind.LAW
    return None


def _parse_date(text: str) -> str | None:
    for rx in (DATE_VI_RE, DATE_NUM_RE):
        m = rx.search(text)
        if m:
            d, mo, y = (int(g) for g in m.groups())
            try:
                return date(y, mo, d).isoformat()
            except ValueError:
                continue
    return None


def _header_blocks(raw: RawDoc) -> list[Block]:
    return [b for b in raw.blocks[:HEADER_BLOCKS] if b.kind == "para" or b.rows]


def _header_text(raw: RawDoc) -> str:
    return "\n".join(b.text for b in _header_blocks(raw))


_ISSUER_BY_CODE = [
    (re.compile(r"/NQ-CP$|/NĐ-CP$"), "Chính phủ"),
    (re.compile(r"/(?:CT|QĐ)-TTg$"), "Thủ tướng Chính phủ"),
    (re.compile(r"/ĐĐQH\d*$"), "Đảng đoàn Quốc hội"),
    (re.compile(r"-KL/TW$"), "Bộ Chính trị"),
    (re.compile(r"/VPĐU$"), "Văn phòng Đảng ủy"),
]


def _detect_issuer(raw: RawDoc, number: str | None, title: str | None) -> str | None:
    """The issuing body: from the number's issuer code, the title ("của Bộ Chính trị"), the header."""
    for rx, name in _ISSUER_BY_CODE:
        if number and rx.search(number):
            return name
    header = fold(_header_text(raw))
    if re.search(r"hoi nghi lan thu \w+ ban chap hanh trung uong", header):
        return "Ban Chấp hành Trung ương"
    folded_title = fold(title or "")
    for key, name in _ISSUERS:
        if key.startswith("cua ") and key in folded_title:
            return name
    # Before the document's kind word (NGHỊ QUYẾT, KẾ HOẠCH…) stands the issuer's name.
    before: list[str] = []
    for b in raw.blocks[:HEADER_BLOCKS]:
        if b.text.strip().rstrip(":").upper() in _KIND_WORDS:
            break
        before.append(b.text)
    folded = fold("\n".join(before))
    for key, name in _ISSUERS:
        if key in folded:
            return name
    return None


_UPPER_RUN = re.compile(r"\b[A-ZĐÀ-ỸĂÂÊÔƠƯ]{2,}(?:\s+[A-ZĐÀ-ỸĂÂÊÔƠƯ]{2,})+\b")


def _sentence_case(upper: str) -> str:
    """``CỦA BỘ CHÍNH TRỊ`` → ``của Bộ Chính trị`` (issuer names keep their capitals)."""
    low = upper.lower()
    for _, name in _ISSUERS:
        low = low.replace(name.lower(), name)
    return low


def _detect_title(raw: RawDoc) -> str | None:
    blocks = [b for b in raw.blocks[:HEADER_BLOCKS] if b.kind == "para"]
    for i, b in enumerate(blocks):
        head = b.text.strip().rstrip(":").strip()
        kind_word = next((w for w in _KIND_WORDS if head.upper() == w), None)
        if kind_word is None:
            continue
        parts = [kind_word.capitalize()]
        for nxt in blocks[i + 1 : i + 4]:
            t = nxt.text.strip()
            if len(t) > 400 or re.match(r"^(Số|Căn cứ|Hà Nội)", t):
                break
            if t.isupper() and not re.match(r"^(CỦA|VỀ|HỘI NGHỊ)", t):
                break
            parts.append(_UPPER_RUN.sub(lambda m: _sentence_case(m.group(0)), t))
            # "CỦA BỘ CHÍNH TRỊ" alone goes on to the next line; once the subject ("về …") is read,
            # the title is complete (the preamble that follows is not part of it)
            if not t.isupper() and (not t.startswith(("CỦA", "của")) or re.search(r"(?i)(?:^|\s)về\s", t)):
                break
        title = " ".join(parts)
        return title[0].upper() + title[1:].lower() if title.isupper() else title
    return None


def detect_meta(raw: RawDoc) -> DocMeta:
    """What the text itself says about the document."""
    header = _header_text(raw)
    meta = DocMeta()
    m = SO_NUMBER_RE.search(header)
    if m:
        meta.number = canonical_number(m.group(1))
    else:
        first = raw.blocks[0].text if raw.blocks else ""
        m2 = re.search(r"(?:số|Số)\s+(\d{1,5}\s*[-/]\s*\S+)", first)
        if m2 and NUMBER_RE.match(m2.group(1)):
            meta.number = canonical_number(NUMBER_RE.match(m2.group(1)).group(0))  # type: ignore[union-attr]
    meta.date = _parse_date(header)
    meta.title = _detect_title(raw)
    meta.issuer = _detect_issuer(raw, meta.number, meta.title)
    kind = kind_from_number(meta.number) if meta.number else None
    if kind is None:
        for b in raw.blocks[:HEADER_BLOCKS]:
            t = b.text.strip().rstrip(":").upper()
            if t in _KIND_WORDS:
                kind = _KIND_WORDS[t]
                break
    meta.kind = kind or DocKind.ARTICLE
    if meta.kind == DocKind.RESOLUTION and meta.number and meta.number.upper().endswith("-KL/TW"):
        meta.issuer = meta.issuer or "Bộ Chính trị"
    if meta.title is None:
        meta.title = next((b.text.strip().lstrip("# ") for b in raw.blocks
                           if b.kind == "para" and b.text.strip()),
                          None)
        if meta.title and len(meta.title) > 300:
            meta.title = meta.title[:297] + "…"
    meta.implements = detect_implements(raw, meta)
    return meta


def detect_implements(raw: RawDoc, meta: DocMeta) -> list[str]:
    """Resolutions a programme/plan/report implements or reports on (in its title and opening)."""
    if meta.kind == DocKind.RESOLUTION:
        return []
    opening = (meta.title or "") + "\n" + "\n".join(b.text for b in raw.blocks[:25])[:4000]
    found: list[str] = []
    for rx in (PARTY_RES_RE, GOV_RES_RE):
        for num in rx.findall(opening):
            if num != meta.number and num not in found:
                found.append(num)
    # News and explainers name the September 2025 resolutions as "Nghị quyết số 59, 70, 71, 72".
    m = re.search(r"Nghị quyết(?: số)? ((?:\d{2,3}(?:-NQ/TW)?[,;]?\s*(?:và\s+)?){2,})", opening)
    if m:
        for n in re.findall(r"\d{2,3}", m.group(1)):
            num = f"{n}-NQ/TW"
            if num not in found:
                found.append(num)
    return found


# --- overrides ----------------------------------------------------------------------------

_FIELDS = {"number", "title", "issuer", "date", "kind", "implements", "completeness"}


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in re.split(r"[,;]", str(value).strip("[] ")) if v.strip()]


def apply_overrides(meta: DocMeta, overrides: dict[str, Any]) -> DocMeta:
    """Return ``meta`` with the given fields replaced (unknown keys ignored)."""
    out = replace(meta, implements=list(meta.implements))
    for key, value in overrides.items():
        if key not in _FIELDS or value in (None, ""):
            continue
        if key == "kind":
            try:
                out.kind = DocKind(str(value))
            except ValueError:
                continue
        elif key == "implements":
            out.implements = _as_list(value)
        elif key == "date":
            out.date = str(value)[:10]
        else:
            setattr(out, key, str(value).strip())
    return out


def load_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """Read ``manifest.yaml``/``.yml``/``.json`` in ``folder``: file pattern → metadata fields.

    Example (``corpus/manifest.yaml``)::

        nq72-*.pdf:
          number: 72-NQ/TW
          kind: resolution
          issuer: Bộ Chính trị
    """
    import json

    import yaml

    for name in ("manifest.yaml", "manifest.yml", "manifest.json"):
        path = folder / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
            return {str(k): dict(v or {}) for k, v in (data or {}).items()}
    return {}


def manifest_entry(manifest: dict[str, dict[str, Any]], path: Path, root: Path | None) -> dict[str, Any]:
    rel = (path.name if root is None
           else str(path.relative_to(root)) if path.is_relative_to(root) else path.name)
    merged: dict[str, Any] = {}
    for pattern, fields in manifest.items():
        if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(path.name, pattern):
            merged.update(fields)
    return merged


def resolve_meta(raw: RawDoc, manifest_fields: dict[str, Any] | None = None) -> DocMeta:
    """Detected metadata, then the file's own declarations, then the manifest."""
    meta = detect_meta(raw)
    meta = apply_overrides(meta, dict(raw.meta))
    if manifest_fields:
        meta = apply_overrides(meta, manifest_fields)
    if meta.number and meta.kind == DocKind.ARTICLE:
        meta.kind = kind_from_number(meta.number) or meta.kind
    return meta


def document_id(meta: DocMeta, raw: RawDoc, content_hash: str) -> str:
    """The số hiệu when known; else the record id (collections) or a content-hash id."""
    if meta.number:
        return meta.number
    rec = raw.meta.get("id")
    if rec:
        return f"{Path(raw.source).stem.split('.')[0]}-{rec}"
    text_hash = hashlib.sha256("\n".join(b.text for b in raw.blocks).encode()).hexdigest()
    return f"doc-{text_hash[:12] if raw.blocks else content_hash[:12]}"
