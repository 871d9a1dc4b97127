"""Explainer briefs (``nqdoc brief``): the key points of the documents on a theme.

For a communication department: an outline of what the resolutions and programmes say on
one theme ("chuyển đổi số", "y tế cơ sở", …), grouped under the documents' own headings,
each point a **verbatim** quote with its citation (số hiệu, provision id, heading path,
page), targets (*chỉ tiêu*: "đạt 2% GDP", "ít nhất 85%") and deadlines (*thời hạn*:
"Tháng 5/2025", "quý II/2026", "đến năm 2030") highlighted, and a list of sources at the
end. Exported as Markdown and as DOCX (opens in Word / LibreOffice).

The points are chosen with the same retrieval and sentence scoring as :mod:`service.answer`;
nothing is paraphrased or generated.
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from ingest.errors import NqdocError
from ingest.normalize import nfc

if TYPE_CHECKING:
    from index.store import SearchFilters
    from service.answer import Unit
    from service.context import ServiceContext

HighlightKind = Literal["target", "deadline"]

MAX_POINTS = 15
POINT_FLOOR = 0.5  # a provision enters the brief when its best sentence scores >= this * the best one
SENTENCES_PER_POINT = 2

# Document kinds in the order a reader expects them: the resolution first, then what implements it.
_KIND_ORDER = [
    "resolution",
    "gov_resolution",
    "action_programme",
    "plan",
    "directive",
    "report",
    "law",
    "article",
]

# Deadlines (thời hạn) as Vietnamese documents write them.
_DEADLINE = re.compile(
    r"(?:(?:trước|đến|trong|chậm nhất|từ|sau)\s+)?(?:"
    r"ngày\s+\d{1,2}(?:/\d{1,2}/\d{4}|\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?)"
    r"|tháng\s+\d{1,2}(?:/\d{4}|\s+năm\s+\d{4})"
    r"|quý\s+(?:I{1,3}|IV|\d)(?:/\d{4}|\s+năm\s+\d{4})?"
    r"|giai đoạn\s+\d{4}\s*[-–]\s*\d{4}"
    r"|năm\s+(?:19|20)\d{2}"
    r"|hằng năm|hàng năm|thường xuyên"
    r")",
    re.IGNORECASE,
)
# Targets (chỉ tiêu): a percentage, or a figure after a target word.
_TARGET = re.compile(
    r"(?:(?:trên|dưới|ít nhất|tối thiểu|tối đa|khoảng|đạt|top|nhóm)\s+(?:mức\s+)?)?"
    r"\d+(?:[.,]\d+)?\s*(?:%|phần trăm)"
    r"|(?:ít nhất|tối thiểu|tối đa|top|nhóm|đạt|trên|dưới)\s+(?:mức\s+)?\d+(?:[.,]\d+)?"
    r"(?:\s+(?:lần|người|bác sĩ|ngày|năm|tuổi|triệu|tỷ|tỉ|nghìn|GW|USD|nước|cơ sở|trường|đại học|tổ chức))?",
    re.IGNORECASE,
)


class EmptyTheme(NqdocError):
    code = "empty_theme"
    http_status = 422


@dataclass(slots=True)
class Highlight:
    start: int
    end: int
    kind: HighlightKind
    text: str


@dataclass(slots=True)
class BriefPoint:
    """One key point: a verbatim quote and its citation."""

    doc_id: str
    doc_number: str
    provision_id: str
    heading_path: list[str]
    page: int | None
    quote: str
    highlights: list[Highlight]
    score: float
    ordinal: int

    @property
    def targets(self) -> list[str]:
        return [h.text for h in self.highlights if h.kind == "target"]

    @property
    def deadlines(self) -> list[str]:
        return [h.text for h in self.highlights if h.kind == "deadline"]

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        d["targets"], d["deadlines"] = self.targets, self.deadlines
        return d


@dataclass(slots=True)
class BriefSection:
    """Points under one heading of one document."""

    doc_id: str
    doc_number: str
    heading: str
    points: list[BriefPoint]

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "doc_number": self.doc_number,
            "heading": self.heading,
            "points": [p.as_dict() for p in self.points],
        }


@dataclass(slots=True)
class Source:
    doc_id: str
    number: str | None
    title: str | None
    issuer: str | None
    date: str | None
    kind: str

    def label(self) -> str:
        bits = [self.number or self.doc_id]
        if self.title:
            bits.append(self.title)
        tail = ", ".join(x for x in (self.issuer, _vn_date(self.date)) if x)
        return " — ".join(bits) + (f" ({tail})" if tail else "")


@dataclass(slots=True)
class Brief:
    theme: str
    sections: list[BriefSection]
    sources: list[Source]
    filters: dict[str, Any] | None = None
    note: str = ""
    created: str = field(default_factory=lambda: date.today().isoformat())

    @property
    def n_points(self) -> int:
        return sum(len(s.points) for s in self.sections)

    def as_dict(self) -> dict[str, Any]:
        return {
            "theme": self.theme,
            "created": self.created,
            "filters": self.filters,
            "note": self.note,
            "n_points": self.n_points,
            "sections": [s.as_dict() for s in self.sections],
            "sources": [asdict(s) for s in self.sources],
        }


def _vn_date(iso: str | None) -> str:
    if not iso or not re.match(r"^\d{4}-\d{2}-\d{2}$", iso):
        return iso or ""
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def find_highlights(text: str) -> list[Highlight]:
    """Deadlines and targets in ``text`` (non-overlapping, in text order)."""
    spans: list[Highlight] = []

    def free(a: int, b: int) -> bool:
        return all(b <= h.start or a >= h.end for h in spans)

    for kind, rx in (("deadline", _DEADLINE), ("target", _TARGET)):
        for m in rx.finditer(text):
            a, b = m.start(), m.end()
            while b > a and text[b - 1].isspace():
                b -= 1
            if b > a and free(a, b):
                spans.append(Highlight(a, b, kind, text[a:b]))  # type: ignore[arg-type]
    return sorted(spans, key=lambda h: h.start)


def _section_heading(heading_path: list[str]) -> str:
    """The first two levels above the provision: a document's own grouping."""
    above = [h for h in heading_path[:-1] if h][:2]
    return " › ".join(above) if above else "Nội dung chung"


def build_brief(
    ctx: ServiceContext, theme: str, *, filters: SearchFilters | None = None, max_points: int = MAX_POINTS
) -> Brief:
    """The key points on ``theme`` (within ``filters``), grouped, quoted and cited."""
    from service.answer import (
        DUPLICATE_JACCARD,
        NO_ANSWER_COVERAGE,
        candidate_units,
        content_words,
        coverage,
        jaccard,
        quote_of,
        score_units,
        syllables,
        term_set,
        term_stats,
    )

    theme = " ".join(nfc(theme or "").split())
    if not re.search(r"\w", theme):
        raise EmptyTheme("the theme is empty", message_vi="chủ đề trống")
    max_points = max(1, min(int(max_points), 50))
    filters_dict = asdict(filters) if filters is not None and not filters.is_empty() else None
    stats = term_stats(ctx)
    hits = ctx.search(theme, filters, min(50, 2 * max_points + 5))
    units = candidate_units(ctx, hits)
    score_units(ctx, theme, units, stats)
    words = content_words(theme)
    best_cov = max(
        (coverage(words, term_set(u.text) | term_set(u.context), stats) for u in units), default=0.0
    )
    if not units or best_cov < NO_ANSWER_COVERAGE:
        return Brief(
            theme,
            [],
            [],
            filters_dict,
            note="Không tìm thấy nội dung về chủ đề này trong các văn bản đã nạp.",
        )

    by_prov: dict[str, list[Unit]] = {}
    for u in units:
        by_prov.setdefault(u.provision.id, []).append(u)
    ranked = sorted(by_prov.values(), key=lambda us: -max(u.score for u in us))
    top = max(u.score for u in units)
    points: list[BriefPoint] = []
    seen: list[set[str]] = []
    for us in ranked:
        if len(points) >= max_points:
            break
        us = sorted(us, key=lambda u: -u.score)
        if us[0].score < POINT_FLOOR * top:
            break
        chosen = sorted(us[:SENTENCES_PER_POINT], key=lambda u: u.pos)
        chosen = [u for u in chosen if u is us[0] or u.score >= 0.85 * us[0].score]
        quote = quote_of(chosen)
        terms = set(syllables(quote))
        if any(jaccard(terms, t) >= DUPLICATE_JACCARD for t in seen):
            continue
        seen.append(terms)
        u = us[0]
        points.append(
            BriefPoint(
                u.doc_id,
                u.doc_number,
                u.provision.id,
                list(u.provision.heading_path),
                u.provision.page_start,
                quote,
                find_highlights(quote),
                u.score,
                u.provision.ordinal,
            )
        )

    sources: dict[str, Source] = {}
    for p in points:
        if p.doc_id not in sources:
            doc = ctx.store.get_document(p.doc_id, with_provisions=False)
            m = doc.meta if doc else None
            sources[p.doc_id] = Source(
                p.doc_id,
                m.number if m else p.doc_number,
                m.title if m else None,
                m.issuer if m else None,
                m.date if m else None,
                str(m.kind) if m else "",
            )

    def doc_key(doc_id: str) -> tuple[int, str, str]:
        s = sources[doc_id]
        kind = _KIND_ORDER.index(s.kind) if s.kind in _KIND_ORDER else len(_KIND_ORDER)
        return kind, s.date or "9999", doc_id

    sections: dict[tuple[str, str], BriefSection] = {}
    for p in sorted(points, key=lambda p: (doc_key(p.doc_id), p.ordinal)):
        key = (p.doc_id, _section_heading(p.heading_path))
        if key not in sections:
            sections[key] = BriefSection(p.doc_id, p.doc_number, key[1], [])
        sections[key].points.append(p)
    ordered_sources = sorted(sources.values(), key=lambda s: doc_key(s.doc_id))
    return Brief(theme, list(sections.values()), ordered_sources, filters_dict)


# --- exports ------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _cite_label(p: BriefPoint) -> str:
    page = f", trang {p.page}" if p.page else ""
    return f"{p.provision_id}{page}"


def _quote_md(p: BriefPoint) -> str:
    out, pos = [], 0
    for h in p.highlights:
        out.append(_md(p.quote[pos : h.start]))
        out.append(f"**{_md(p.quote[h.start : h.end])}**")
        pos = h.end
    out.append(_md(p.quote[pos:]))
    return "".join(out)


def brief_to_markdown(brief: Brief) -> str:
    """The brief as Markdown: title, sections with quoted points, sources at the end."""
    lines = [f"# Tóm lược chủ đề: {_md(brief.theme)}", ""]
    lines.append(
        f"_Tạo bởi nqdoc ngày {_vn_date(brief.created)}. Mọi trích dẫn là nguyên văn từ văn bản đã nạp; "
        "chỉ tiêu và thời hạn được in đậm._"
    )
    if brief.filters:
        lines.append("")
        lines.append("_Bộ lọc: " + _md("; ".join(f"{k} = {v}" for k, v in brief.filters.items() if v)) + "_")
    lines.append("")
    if not brief.sections:
        lines += [brief.note or "Không có nội dung.", ""]
    current_doc = None
    for sec in brief.sections:
        if sec.doc_id != current_doc:
            current_doc = sec.doc_id
            lines += [f"## {_md(sec.doc_number)}", ""]
        lines += [f"### {_md(sec.heading)}", ""]
        for p in sec.points:
            lines.append(f"- “{_quote_md(p)}” — \\[{_md(_cite_label(p))}\\]")
        lines.append("")
    if brief.sources:
        lines += ["## Nguồn", ""]
        lines += [f"{i}. {_md(s.label())}" for i, s in enumerate(brief.sources, 1)]
        lines.append("")
    return "\n".join(lines)


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    """User-typed text (theme, filters) without the control characters XML cannot hold."""
    if isinstance(value, str):
        return _XML_ILLEGAL.sub("", value)
    if isinstance(value, list):
        return [_xml_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _xml_safe(v) for k, v in value.items()}
    return value


def brief_to_docx(brief: Brief) -> bytes:
    """The brief as a Word document (python-docx), highlights in bold, sources at the end."""
    from dataclasses import replace

    from docx import Document as DocxDocument
    from docx.shared import Pt, RGBColor

    brief = replace(brief, theme=_xml_safe(brief.theme), filters=_xml_safe(brief.filters))

    doc = DocxDocument()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    doc.core_properties.title = f"Tóm lược chủ đề: {brief.theme}"
    doc.core_properties.author = "nqdoc"
    doc.add_heading(f"Tóm lược chủ đề: {brief.theme}", level=0)
    intro = doc.add_paragraph()
    run = intro.add_run(
        f"Tạo bởi nqdoc ngày {_vn_date(brief.created)}. Mọi trích dẫn là nguyên văn từ văn bản "
        "đã nạp; chỉ tiêu và thời hạn được in đậm."
    )
    run.italic = True
    if brief.filters:
        doc.add_paragraph("Bộ lọc: " + "; ".join(f"{k} = {v}" for k, v in brief.filters.items() if v)).runs[
            0
        ].italic = True
    if not brief.sections:
        doc.add_paragraph(brief.note or "Không có nội dung.")
    current_doc = None
    for sec in brief.sections:
        if sec.doc_id != current_doc:
            current_doc = sec.doc_id
            doc.add_heading(sec.doc_number, level=1)
        doc.add_heading(sec.heading, level=2)
        for p in sec.points:
            para = doc.add_paragraph(style="List Bullet")
            para.add_run("“")
            pos = 0
            for h in p.highlights:
                para.add_run(p.quote[pos : h.start])
                para.add_run(p.quote[h.start : h.end]).bold = True
                pos = h.end
            para.add_run(p.quote[pos:] + "” ")
            cite = para.add_run(f"[{_cite_label(p)}]")
            cite.italic = True
            cite.font.size = Pt(11)
            cite.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    if brief.sources:
        doc.add_heading("Nguồn", level=1)
        for s in brief.sources:
            doc.add_paragraph(s.label(), style="List Number")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
