"""Explicit references in a provision's text (*căn cứ*, *trích dẫn*) — a pure parser.

Finds what a reader would recognise as a pointer to another text:

* a document by its number (*số hiệu*), with the word naming its type and, when written, its
  date: ``Nghị quyết số 45-NQ/TW ngày 24 tháng 11 năm 2023``, ``Kết luận số 69-KL/TW``,
  ``Nghị quyết 71-NQ/TW năm 2025``, ``Nghị quyết số 193/2025/QH15``;
* a place inside a document: ``điểm a khoản 2 Điều 3``, ``khoản 2 Điều 3``, ``Điều 5``,
  ``mục 2 Phần II`` — attached to the document reference that follows it, if any
  (``khoản 2 Điều 3 của Nghị quyết số 03/NQ-CP``), else meant for the citing document itself;
* the Government's action programme for a resolution: ``Chương trình hành động của Chính phủ``
  (``… thực hiện Nghị quyết số 57-NQ/TW`` when the resolution is named).

Nothing here knows about the store: resolving a reference to an ingested document or
provision is done by :mod:`index.links`. Offsets are into the text given, so a caller can
quote the exact words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.metadata import NUMBER_RE, canonical_number

RefKind = Literal["document", "place", "programme"]

# The word before a number that says what kind of text it is.
_DOC_TYPES = (
    "Nghị quyết",
    "Kết luận",
    "Chỉ thị",
    "Quyết định",
    "Kế hoạch",
    "Công văn",
    "Văn bản",
    "Thông báo",
    "Nghị định",
    "Thông tư",
    "Luật",
    "Quy định",
    "Hướng dẫn",
    "Chương trình",
    "Tờ trình",
    "Báo cáo",
)
_TYPE_RE = "|".join(re.escape(t) for t in _DOC_TYPES)
_DATE_VI = r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})"
_DATE_NUM = r"ngày\s+(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})"
# "Nghị quyết số 57-NQ/TW", "Nghị quyết 71-NQ/TW", "văn bản số 15000-CV/VPTW" — type word optional.
# Laws, Assembly resolutions and decrees carry a year and a code: 193/2025/QH15, 91/2015/QH13, and
# with the type's code before the issuer's: 193/2025/NQ-QH15, 88/2025/NĐ-CP, 15/2023/TT-BGDĐT.
_LAW_NUMBER = r"\b\d{1,4}/\d{4}/[A-ZĐ]{2,}\d{0,2}(?:-[A-ZĐ]{2,}\d{0,2})?\b"
_DOC_RE = re.compile(
    rf"(?:(?P<type>{_TYPE_RE})\s+(?:số\s*:?\s*)?)?(?P<num>{_LAW_NUMBER}|{NUMBER_RE.pattern})"
    rf"(?:\s*,?\s*(?:{_DATE_VI}|{_DATE_NUM}|năm\s+(?P<year>\d{{4}})))?",
    re.IGNORECASE,
)
# điểm a khoản 2 Điều 3 / khoản 2 Điều 3 / Điều 3 / khoản 2 (alone) / mục 2 Phần II
_PLACE_RE = re.compile(
    r"(?:điểm\s+(?P<point>[a-zđ])\)?\s*,?\s+)?"
    r"(?:khoản\s+(?P<clause>\d{1,3})\s*,?\s+)?"
    r"Điều\s+(?P<article>\d{1,3})\b"
    r"|(?:tiểu\s+)?mục\s+(?P<item>\d{1,2})\s*,?\s+(?:của\s+)?Phần\s+(?P<part>[IVX]{1,5})\b",
)
_PROGRAMME_RE = re.compile(r"Chương\s+trình\s+hành\s+động\s+của\s+Chính\s+phủ", re.IGNORECASE)
# A place followed by "của/tại <document>" within this many characters belongs to it.
_ATTACH_GAP = re.compile(r"^\s*(?:của|tại|theo|thuộc|trong)?\s*$", re.IGNORECASE)
# A programme reference followed by "thực hiện <resolution>" names the resolution.
_ELSEWHERE = re.compile(r"^\s*(?:của|tại|thuộc)\s+(?!này\b)\w", re.IGNORECASE)
_FOR_GAP = re.compile(r"^\s*(?:của\s+Chính\s+phủ\s+)?(?:thực\s+hiện|triển\s+khai)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reference:
    """One explicit reference as written in a text.

    ``number`` is the canonical số hiệu of the document referred to (for ``place`` and
    ``programme`` references: of the document they are attached to, else ``None`` —
    meaning the citing document itself, or for a programme, the one implementing the
    citing document's resolution).
    """

    kind: RefKind
    text: str  # the words as written (what a person checks)
    start: int
    end: int
    number: str | None = None
    doc_type: str | None = None  # "Nghị quyết", "Kết luận", … as written
    date: str | None = None  # ISO yyyy-mm-dd, or yyyy when only the year is written
    elsewhere: bool = False  # a place "của <an unnumbered text>": not the citing document
    article: str | None = None  # Điều
    clause: str | None = None  # khoản
    point: str | None = None  # điểm
    part: str | None = None  # Phần (Roman numeral)
    item: str | None = None  # mục


def find_references(text: str) -> list[Reference]:
    """Every explicit reference in ``text``, in order of appearance (pure function)."""
    found = [_doc_ref(m) for m in _DOC_RE.finditer(text)]
    docs = [d for d in found if d is not None]
    out: list[Reference] = list(docs)
    for m in _PLACE_RE.finditer(text):
        owner = _following_doc(text, m.end(), docs, _ATTACH_GAP)
        end = owner.end if owner else m.end()
        out.append(
            Reference(
                kind="place",
                text=text[m.start() : end],
                start=m.start(),
                end=end,
                number=owner.number if owner else None,
                doc_type=owner.doc_type if owner else None,
                date=owner.date if owner else None,
                elsewhere=owner is None and bool(_ELSEWHERE.match(text[m.end() : m.end() + 20])),
                article=m.group("article"),
                clause=m.group("clause"),
                point=m.group("point"),
                part=m.group("part"),
                item=m.group("item"),
            )
        )
    for m in _PROGRAMME_RE.finditer(text):
        owner = _following_doc(text, m.end(), docs, _FOR_GAP)
        end = owner.end if owner else m.end()
        out.append(
            Reference(
                kind="programme",
                text=text[m.start() : end],
                start=m.start(),
                end=end,
                number=owner.number if owner else None,
                date=owner.date if owner else None,
            )
        )
    out.sort(key=lambda r: (r.start, r.kind != "document"))
    return out


def _doc_ref(m: re.Match[str]) -> Reference | None:
    number = canonical_number(m.group("num"))
    if not _plausible_number(number):
        return None
    date: str | None = None
    g = m.groups()
    # groups after the number: VI date (d, m, y), numeric date (d, m, y), year
    tail = [x for x in g[-7:]]
    if tail[0]:
        date = f"{int(tail[2]):04d}-{int(tail[1]):02d}-{int(tail[0]):02d}"
    elif tail[3]:
        date = f"{int(tail[5]):04d}-{int(tail[4]):02d}-{int(tail[3]):02d}"
    elif m.group("year"):
        date = m.group("year")
    doc_type = m.group("type")
    return Reference(
        kind="document",
        text=m.group(0),
        start=m.start(),
        end=m.end(),
        number=number,
        doc_type=doc_type[0].upper() + doc_type[1:].lower() if doc_type else None,
        date=date,
    )


def _plausible_number(number: str) -> bool:
    # A number needs a type code with letters after the digits ("57-NQ/TW"), not "2021-2030".
    return bool(re.search(r"[A-ZĐa-zđ]{2,}", number.split("-", 1)[-1].split("/", 1)[-1] + number))


def _following_doc(text: str, pos: int, docs: list[Reference], gap: re.Pattern[str]) -> Reference | None:
    for d in docs:
        if d.start >= pos and gap.match(text[pos : d.start]):
            return d
        if d.start > pos + 40:
            break
    return None


# -- number keys ---------------------------------------------------------------------

_SHORT_RE = re.compile(r"^(NQ|KL|CT)\s*[-_ ]?\s*(\d{1,4})$", re.IGNORECASE)


def number_key(number: str) -> str:
    """A key under which two spellings of one số hiệu compare equal (case, spaces, Đ/D)."""
    return re.sub(r"\s+", "", number).upper().replace("Đ", "D")


def party_number_from_short(code: str) -> str | None:
    """``NQ70`` (as trackers write it) → ``70-NQ/TW``; ``None`` if not that shape."""
    m = _SHORT_RE.match(code.strip())
    return f"{int(m.group(2))}-{m.group(1).upper()}/TW" if m else None
