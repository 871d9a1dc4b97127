"""The reader seam: one small protocol and the block builders every reader shares.

A reader turns the bytes of one file into one or more :class:`~ingest.models.RawDoc`.
Readers only *transcribe*: blocks in reading order, paragraphs as the source marks them,
tables as cells. They never repair the text (joining paragraphs broken by a page, fixing
numbering) — :mod:`ingest.structure` does that, the same way for every format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from ingest.models import Block, RawDoc
from ingest.normalize import nfc
from ingest.settings import Settings

# Characters that are whitespace to a reader but not to str.split(): no-break and
# zero-width spaces, soft hyphen (invisible when not at a line end), BOM.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


class Reader(Protocol):
    """Reads one file of one format.

    ``data`` is the whole file (the size limit is checked before it is read);
    ``path`` is used for messages and for ``RawDoc.source``.
    """

    def read(self, path: Path, data: bytes, settings: Settings) -> list[RawDoc]: ...


def clean(text: str) -> str:
    """NFC, invisible characters removed, all whitespace runs collapsed to one space."""
    return " ".join(_INVISIBLE.sub("", nfc(text)).split())


def para(text: str, page: int | None = None, *, heading: bool = False) -> Block | None:
    """A paragraph block, or None when the text is blank."""
    t = clean(text)
    if not t:
        return None
    return Block("para", t, page=page, heading=heading)


def table_text(rows: Sequence[Sequence[str]]) -> str:
    """The quoting form of a table: cells joined by `` | ``, rows by newlines."""
    return "\n".join(" | ".join(r) for r in rows)


def table(rows: Iterable[Sequence[str]], page: int | None = None, page_end: int | None = None) -> Block | None:
    """A table block from rows of cell texts (header row first); None if it has no text.

    Cells are cleaned (NFC, whitespace collapsed); rows are padded to the widest row so
    that every row has the same number of columns; rows without any text are dropped.
    """
    cleaned = [tuple(clean(c) for c in r) for r in rows]
    cleaned = [r for r in cleaned if any(r)]
    if not cleaned:
        return None
    width = max(len(r) for r in cleaned)
    padded = tuple(r + ("",) * (width - len(r)) for r in cleaned)
    end = page_end if page_end is not None and page_end != page else None
    return Block("table", table_text(padded), page=page, rows=padded, page_end=end)


def keep(blocks: Iterable[Block | None]) -> tuple[Block, ...]:
    """Drop the Nones that the builders return for blank input."""
    return tuple(b for b in blocks if b is not None)


def full_text(blocks: Iterable[Block], limit: int = 200_000) -> str:
    """The text of the first blocks, up to ``limit`` characters (for language checks)."""
    out: list[str] = []
    n = 0
    for b in blocks:
        out.append(b.text)
        n += len(b.text) + 1
        if n >= limit:
            break
    return "\n".join(out)
