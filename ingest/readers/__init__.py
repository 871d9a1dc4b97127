"""Readers: one small interface, one implementation per format (interim: Markdown and text)."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import EmptyFile, FileTooLarge, UnsupportedFormat
from ingest.models import RawDoc
from ingest.settings import Settings


def detect_format(path: Path, head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0") or b"\x00" in head[:512]:
        raise UnsupportedFormat(f"{path}: not a document nqdoc can read (binary content)",
                                message_vi=f"{path}: định dạng không hỗ trợ")
    if path.suffix.lower() in (".md", ".markdown"):
        return "markdown"
    return "text"


def read_file(path: Path, settings: Settings) -> list[RawDoc]:
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile(f"{path}: the file is empty (0 bytes)", message_vi=f"{path}: tệp rỗng")
    if size > settings.max_file_bytes:
        raise FileTooLarge(f"{path}: over the size limit", message_vi=f"{path}: vượt giới hạn dung lượng")
    data = path.read_bytes()
    fmt = detect_format(path, data[:4096])
    if fmt == "markdown":
        from ingest.readers.markdown import read_markdown

        return [read_markdown(path, data)]
    if fmt == "text":
        from ingest.readers.markdown import read_text

        return [read_text(path, data)]
    raise UnsupportedFormat(f"{path}: {fmt} is not supported yet", message_vi=f"{path}: chưa hỗ trợ {fmt}")
