"""Which reader a file needs, judged by its content (magic bytes, then sniffing), never by
its extension: a PDF renamed ``.txt`` is read as a PDF, a PNG renamed ``.pdf`` is refused."""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile
from pathlib import Path

from ingest.errors import CorruptDocument, UnsupportedFormat
from ingest.readers.checks import sniff_encoding

FORMATS = ("pdf", "docx", "html", "markdown", "text", "jsonl", "law-json")
HEAD_BYTES = 16384

_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|h[1-6]|table|article|section)\b",
                         re.IGNORECASE | re.DOTALL)
_HTML_ANY = re.compile(rb"<html[\s>]|<body[\s>]|<!doctype\s+html", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?:[A-Za-z_][\w-]*:.*\r?\n|\s*-.*\r?\n|\s*\r?\n)+?---[ \t]*\r?$", re.MULTILINE)
_MD_SIGNALS = (
    re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE),  # ATX heading
    re.compile(r"^ {0,3}\|?[ \t]*:?-{3,}:?[ \t]*\|", re.MULTILINE),  # pipe-table separator row
    re.compile(r"\*\*[^*\n]+\*\*"),  # bold
    re.compile(r"\\[-.*_#()\[\]`|+!>]"),  # backslash escape
    re.compile(r"\]\([^)\s]+\)"),  # link
    re.compile(r"^ {0,3}[*+][ \t]+\S", re.MULTILINE),  # * or + bullet (a typed "-" is plain text too)
)
_LAW_JSON = re.compile(r'"articles"\s*:\s*\[')


def _unsupported(path: Path, what: str, vi: str) -> UnsupportedFormat:
    return UnsupportedFormat(
        f"{path}: {what} — not a format nqdoc reads (PDF, DOCX, HTML, Markdown, text, JSONL, ALQAC law JSON)",
        message_vi=f"{path}: {vi} — định dạng không được hỗ trợ (PDF, DOCX, HTML, Markdown, văn bản, JSONL)",
    )


def _zip_format(path: Path, head: bytes) -> str:
    """docx for a Word package; every other zip (xlsx, odt, plain archives) is refused."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        if b"word/" in head:
            raise CorruptDocument(f"{path}: the Word file is damaged or truncated ({err})",
                                  message_vi=f"{path}: tệp Word bị hỏng hoặc không đầy đủ") from err
        raise _unsupported(path, "a damaged zip archive", "tệp nén zip bị hỏng") from err
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        raise _unsupported(path, "an Excel workbook (xlsx)", "bảng tính Excel (xlsx)")
    if any(n.startswith("ppt/") for n in names):
        raise _unsupported(path, "a PowerPoint file (pptx)", "tệp PowerPoint (pptx)")
    if "mimetype" in names or "content.xml" in names:
        raise _unsupported(path, "an OpenDocument file; save it as DOCX or PDF", "tệp OpenDocument; hãy lưu thành DOCX hoặc PDF")
    raise _unsupported(path, "a zip archive; unpack it and ingest the files inside",
                       "tệp nén zip; hãy giải nén rồi nạp các tệp bên trong")


def _binary_kind(head: bytes) -> str | None:
    """A human name for well-known binary formats we refuse."""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "a legacy Word/Excel file (.doc/.xls); save it as DOCX or PDF"
    if head.startswith(b"{\\rtf"):
        return "an RTF file; save it as DOCX or PDF"
    try:
        import filetype

        kind = filetype.guess(head)
    except Exception:
        kind = None
    if kind is not None and kind.extension not in ("pdf", "zip", "gz", "docx"):
        return f"{kind.mime} content"
    return None


def _sniff_json(text: str) -> str | None:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    if _LAW_JSON.search(stripped[:HEAD_BYTES]):
        return "law-json"
    first = stripped.split("\n", 1)[0].strip()
    if first.startswith("{"):
        try:
            if isinstance(json.loads(first), dict):
                return "jsonl"
        except json.JSONDecodeError:
            if len(first) >= HEAD_BYTES // 2:  # a record longer than the head we looked at
                return "jsonl"
    return "json"


def _sniff_text(text: str) -> str:
    """markdown, html or text for decoded text."""
    head = text[:HEAD_BYTES]
    if _FRONT_MATTER.match(head):
        return "markdown"
    hits = sum(1 for rx in _MD_SIGNALS if rx.search(head))
    return "markdown" if hits >= 1 else "text"


def detect_format(path: Path, head: bytes) -> str:
    """The reader format of a file from its first bytes (``path`` opens zip/gzip to look inside).

    Returns one of "pdf", "docx", "html", "markdown", "text", "jsonl", "law-json";
    raises UnsupportedFormat for anything else (archives, images, executables, xlsx …).
    """
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_format(path, head)
    if head.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(path) as gz:
                inner = gz.read(HEAD_BYTES)
        except (OSError, EOFError) as err:
            raise CorruptDocument(f"{path}: the gzip file is damaged or truncated ({err})",
                                  message_vi=f"{path}: tệp nén gzip bị hỏng") from err
        enc = sniff_encoding(inner)
        fmt = _sniff_json(inner.decode(enc or "utf-8", errors="replace")) if enc else None
        if fmt in ("jsonl", "law-json"):
            return fmt
        raise _unsupported(path, "a gzip file that is not JSON Lines", "tệp nén gzip không phải JSON Lines")
    kind = _binary_kind(head)
    if kind is not None:
        raise _unsupported(path, kind, "tệp nhị phân")
    enc = sniff_encoding(head)
    if enc is None:
        # Not UTF-8: an 8-bit text (Windows-1258, TCVN3 …) or binary. Control bytes other
        # than whitespace do not occur in text.
        controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
        if controls > max(2, len(head) // 100):
            raise _unsupported(path, "binary content", "nội dung nhị phân")
        enc = "latin-1"
    elif enc.startswith("utf-8") and "\x00" in head.decode("utf-8", errors="ignore"):
        raise _unsupported(path, "binary content", "nội dung nhị phân")
    text = head.decode(enc, errors="replace").lstrip("\ufeff")
    if _HTML_START.match(text.encode("utf-8")) or _HTML_ANY.search(text[:2048].encode("utf-8")):
        return "html"
    fmt = _sniff_json(text)
    if fmt == "json":
        raise _unsupported(path, "JSON that is neither JSON Lines records nor an ALQAC law list",
                           "JSON không phải JSON Lines hay danh sách luật ALQAC")
    if fmt is not None:
        return fmt
    return _sniff_text(text)
