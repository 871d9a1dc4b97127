"""Readers: one small interface, one implementation per format.

:func:`read_file` judges the format by the file's *content* (magic bytes, then sniffing),
never by its extension alone, runs the matching reader and returns one or more
:class:`~ingest.models.RawDoc` (collections such as JSONL or an ALQAC ``law.json`` hold
many documents). Every failure is an :class:`~ingest.errors.IngestError` naming the file.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from pathlib import Path

from ingest.errors import EmptyFile, FileTooLarge, UnsupportedFormat
from ingest.models import RawDoc
from ingest.readers.checks import check_text, legacy_encoding, raise_legacy
from ingest.settings import Settings

_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
    b"MZ": "a Windows program",
    b"\x7fELF": "a Linux program",
    b"\xd0\xcf\x11\xe0": "a legacy Office file (.doc/.xls); save it as .docx or PDF",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}


def _unsupported(path: Path, what: str) -> UnsupportedFormat:
    return UnsupportedFormat(
        f"{path}: unsupported file type ({what}); nqdoc reads PDF, DOCX, HTML, Markdown, text and JSONL",
        message_vi=f"{path}: định dạng không hỗ trợ ({what}); "
                   "nqdoc đọc PDF, DOCX, HTML, Markdown, văn bản, JSONL",
    )


def _sniff_text(path: Path, text: str) -> str:
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    low = head[:1024].lower()
    if low.startswith(("<!doctype html", "<html")) or re.search(r"<(html|body|head)[\s>]", low):
        return "html"
    if head.startswith("[") and '"articles"' in head:
        return "law-json"
    if head.startswith("{"):
        return "jsonl"
    if path.suffix.lower() in (".md", ".markdown") or head.startswith("---\n") or re.search(
            r"^(#{1,6} |\|.*\|\s*$)", head, re.MULTILINE):
        return "markdown"
    return "text"


def detect_format(path: Path, head: bytes) -> str:
    """pdf, docx, html, markdown, text, jsonl or law-json — judged by content."""
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise _unsupported(path, what)
    if head.startswith(b"PK\x03\x04"):
        return "zip"  # decided by the reader after looking inside
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if b"\x00" in head[:2048] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _unsupported(path, "binary data")
    return "text-like"


def _decode(path: Path, data: bytes) -> str:
    from charset_normalizer import from_bytes

    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: an 8-bit file. TCVN3/VNI text must be caught here, before a charset guess
    # (e.g. cp1258) turns it into plausible-looking but wrong Vietnamese.
    legacy = legacy_encoding(data[:20000].decode("latin-1"))
    if legacy:
        raise_legacy(path, legacy)
    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise _unsupported(path, "binary data or an unknown text encoding")
    return data.decode(best.encoding, errors="replace")


def read_file(path: Path, settings: Settings) -> list[RawDoc]:
    """Read one file into RawDocs; raises an IngestError subclass on bad input."""
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile(f"{path}: the file is empty (0 bytes)", message_vi=f"{path}: tệp rỗng (0 byte)")
    if size > settings.max_file_bytes:
        raise FileTooLarge(
            f"{path}: {size / 1e6:.1f} MB is over the limit of {settings.max_file_mb:g} MB "
            "(NQDOC_MAX_FILE_MB)",
            message_vi=f"{path}: {size / 1e6:.1f} MB vượt giới hạn {settings.max_file_mb:g} MB")
    data = path.read_bytes()
    kind = detect_format(path, data[:4096])
    if kind == "pdf":
        from ingest.readers.pdf import read_pdf

        return [read_pdf(path, data, settings)]
    if kind == "zip":
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            raise _unsupported(path, "a damaged ZIP/Office file") from None
        if "word/document.xml" not in names:
            what = "an Excel workbook" if "xl/workbook.xml" in names else "a ZIP archive"
            raise _unsupported(path, what)
        from ingest.readers.docx import read_docx

        raws = [read_docx(path, data)]
    elif kind == "gzip":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            raise _unsupported(path, "a damaged gzip file") from None
        text = _decode(path, data)
        raws = _read_text_like(path, text, settings)
    else:
        raws = _read_text_like(path, _decode(path, data), settings)
    for raw in raws[:50]:  # a sample suffices for collections
        check_text(path, raw)
    return raws


def _read_text_like(path: Path, text: str, settings: Settings) -> list[RawDoc]:
    fmt = _sniff_text(path, text)
    if fmt == "html":
        from ingest.readers.html import read_html

        return [read_html(path, text)]
    if fmt in ("jsonl", "law-json"):
        from ingest.readers.jsonl import read_jsonl, read_law_json

        return read_law_json(path, text) if fmt == "law-json" else read_jsonl(path, text)
    from ingest.readers.markdown import read_markdown, read_text

    data = text.encode("utf-8")
    return [read_markdown(path, data) if fmt == "markdown" else read_text(path, data)]
