"""The small vocabulary every stage speaks.

A file is *read* into a :class:`RawDoc` (blocks of text and tables with page numbers),
*structured* into a :class:`Document` holding a tree of :class:`Provision` (điều khoản —
a part, item, point, article, clause or table row of the text), and *segmented* into
:class:`Segment` (the unit that gets embedded; never crosses a provision boundary).

Vietnamese terms used across the code base:

* **số hiệu** — a document's number, e.g. ``57-NQ/TW`` (Politburo resolution 57),
  ``03/NQ-CP`` (Government resolution 3), ``3260-KH/ĐĐQH15`` (a plan of the National
  Assembly's Party delegation).
* **trích yếu** — the one-line summary that serves as a document's title.
* **cơ quan ban hành** — the issuing body (``issuer``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class DocKind(StrEnum):
    """What kind of document this is; decides which structure grammar applies."""

    RESOLUTION = "resolution"  # Party resolution / conclusion (Nghị quyết, Kết luận của BCT/BCH TW)
    GOV_RESOLUTION = "gov_resolution"  # Government resolution (Nghị quyết …/NQ-CP), usually with a programme
    ACTION_PROGRAMME = "action_programme"  # Chương trình hành động (standalone or attached)
    PLAN = "plan"  # Kế hoạch
    REPORT = "report"  # Báo cáo, Công văn reporting results
    DIRECTIVE = "directive"  # Chỉ thị
    LAW = "law"  # Luật, Bộ luật, Nghị định, Thông tư — Phần/Chương/Mục/Điều/Khoản/Điểm
    ARTICLE = "article"  # news item or Q&A article


BlockKind = Literal["para", "table"]


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph or one table as a reader found it.

    ``text`` is the original text (NFC) — what we quote. For a table it is the rows
    joined with `` | `` and newlines; ``rows`` keeps the cells (header row first).
    ``page`` is 1-based where the format has pages (PDF), else ``None``.
    ``heading`` is the reader's hint that the block was marked up as a heading or bold
    line (Markdown ``#``/``**``, DOCX heading style); structure detection does not rely
    on it, so that the same text in another format gives the same tree.
    """

    kind: BlockKind
    text: str
    page: int | None = None
    rows: tuple[tuple[str, ...], ...] | None = None
    heading: bool = False
    page_end: int | None = None  # a table continuing across pages ends here


@dataclass(frozen=True, slots=True)
class RawDoc:
    """What a reader returns: blocks in reading order plus metadata hints.

    ``meta`` holds what the format itself declares (YAML front matter, HTML <title>,
    a JSONL record's id/title); :mod:`ingest.metadata` merges it with what it detects
    in the text and with ``corpus/manifest.*``.
    """

    source: str
    format: str  # pdf, pdf-ocr, docx, html, markdown, text, jsonl, law-json
    blocks: tuple[Block, ...]
    meta: dict[str, str] = field(default_factory=dict)
    page_count: int | None = None


@dataclass(slots=True)
class DocMeta:
    """Document metadata (detected, then overridden by front matter / manifest)."""

    number: str | None = None  # số hiệu, canonical form e.g. "57-NQ/TW"
    title: str | None = None  # trích yếu
    issuer: str | None = None  # cơ quan ban hành
    date: str | None = None  # ISO yyyy-mm-dd
    kind: DocKind = DocKind.ARTICLE
    implements: list[str] = field(default_factory=list)  # numbers of resolutions implemented/reported on
    completeness: str | None = None  # free text from front matter for partial documents


@dataclass(slots=True)
class Provision:
    """A node of the provision tree.

    ``id`` is ``<doc id>:<path>``, e.g. ``57-NQ/TW:III.2.a`` or ``03/NQ-CP:PL2.17``;
    derived only from the structure, so re-ingesting gives the same ids.
    ``text`` is the provision's own text (its heading line and body, not its
    children's). ``fields`` holds the cells of a table row keyed by column header.
    ``gap`` marks a ``[Không có trong nguồn: …]`` line: a known hole in a partial
    source, shown as a gap and never used as content.
    """

    id: str
    path: str
    kind: str  # part, section, item, subitem, point, dash, para, article, clause, chapter, appendix, row, ...
    label: str  # as written: "III", "2", "a", "Điều 5", "17"
    heading: str  # short heading line shown in outlines and heading paths
    text: str
    heading_path: list[str]
    page_start: int | None = None
    page_end: int | None = None
    parent_id: str | None = None
    ordinal: int = 0  # position in document order
    children: list[str] = field(default_factory=list)
    fields: dict[str, str] | None = None
    gap: bool = False


@dataclass(slots=True)
class Document:
    """A structured document: metadata plus its provisions in document order."""

    id: str  # the số hiệu when known, else a stable id derived from the content hash
    meta: DocMeta
    source: str
    format: str
    content_hash: str  # sha256 of the file bytes this document came from
    provisions: list[Provision]
    page_count: int | None = None

    def provision(self, pid: str) -> Provision:
        for p in self.provisions:
            if p.id == pid:
                return p
        raise KeyError(pid)

    @property
    def roots(self) -> list[Provision]:
        return [p for p in self.provisions if p.parent_id is None]


@dataclass(frozen=True, slots=True)
class Segment:
    """The unit that is embedded and searched.

    ``text`` is the exact source text (a run of whole sentences of one provision) for
    quoting; ``embed_text`` prefixes it with a short context header (document number +
    heading path); ``words`` is the underthesea word segmentation of ``text``,
    normalised for sparse indexing (lower case, canonical tone marks, ``_`` joining
    the syllables of a word).
    """

    id: str  # "<provision id>#<n>"
    doc_id: str
    provision_id: str
    ordinal: int
    text: str
    embed_text: str
    words: str
    page: int | None
    n_tokens: int
