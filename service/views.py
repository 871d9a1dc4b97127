"""Read models shared by the CLI and the API: a document's outline, a provision in context."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from markupsafe import Markup, escape

from ingest.models import Document, Provision
from ingest.store import Store


def document_summary(doc: Document) -> dict[str, Any]:
    m = doc.meta
    return {
        "id": doc.id,
        "number": m.number,
        "title": m.title,
        "issuer": m.issuer,
        "date": m.date,
        "kind": str(m.kind),
        "implements": m.implements,
        "completeness": m.completeness,
        "format": doc.format,
        "source": doc.source,
        "page_count": doc.page_count,
    }


def document_outline(doc: Document) -> dict[str, Any]:
    """The provision tree as a flat list in document order with depths."""
    depth: dict[str | None, int] = {None: -1}
    nodes = []
    for p in doc.provisions:
        d = depth.get(p.parent_id, -1) + 1
        depth[p.id] = d
        nodes.append({
            "id": p.id,
            "kind": p.kind,
            "label": p.label,
            "heading": p.heading,
            "depth": d,
            "parent_id": p.parent_id,
            "page_start": p.page_start,
            "page_end": p.page_end,
            "gap": p.gap,
            "n_children": len(p.children),
        })
    return {"document": document_summary(doc), "outline": nodes}


def _brief(p: Provision) -> dict[str, Any]:
    return {"id": p.id, "kind": p.kind, "heading": p.heading, "page_start": p.page_start, "gap": p.gap}


def provision_view(store: Store, pid: str) -> dict[str, Any] | None:
    """One provision with its document, ancestors, children and neighbours."""
    prov = store.get_provision(pid)
    if prov is None:
        return None
    # Provision paths never contain ':', document ids may.
    doc = store.get_document(pid.rsplit(":", 1)[0], with_provisions=True)
    if doc is None:
        return None
    by_id = {p.id: p for p in doc.provisions}
    ancestors = []
    cur = prov.parent_id
    while cur:
        ancestors.append(_brief(by_id[cur]))
        cur = by_id[cur].parent_id
    siblings = [p for p in doc.provisions if p.parent_id == prov.parent_id]
    idx = next(i for i, p in enumerate(siblings) if p.id == prov.id)
    return {
        "document": document_summary(doc),
        "provision": asdict(prov),
        "ancestors": list(reversed(ancestors)),
        "children": [_brief(by_id[c]) for c in prov.children if c in by_id],
        "previous": _brief(siblings[idx - 1]) if idx > 0 else None,
        "next": _brief(siblings[idx + 1]) if idx + 1 < len(siblings) else None,
    }


# Vietnamese names of document kinds (ingest.models.DocKind), shown in filters and badges.
KIND_LABELS_VI: dict[str, str] = {
    "resolution": "Nghị quyết / Kết luận của Đảng",
    "gov_resolution": "Nghị quyết của Chính phủ",
    "action_programme": "Chương trình hành động",
    "plan": "Kế hoạch",
    "report": "Báo cáo / Công văn",
    "directive": "Chỉ thị",
    "law": "Luật / Nghị định / Thông tư",
    "article": "Bài viết / tin tức",
}


def resolution_numbers(store: Store) -> list[str]:
    """Numbers of the resolutions a user can filter by: stored resolutions and those implemented."""
    nums: set[str] = set()
    for d in store.documents():
        if str(d.meta.kind) == "resolution" and d.meta.number:
            nums.add(d.meta.number)
        nums.update(d.meta.implements)
    return sorted(nums, key=lambda n: (n.split("-")[0].zfill(6), n))


def highlight_spans(text: str, words: set[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, matched) runs: a word matches when its folded form is in ``words``.

    ``words`` must be folded already (``ingest.normalize.fold``); matching ignores diacritics
    so that a query typed without them still highlights the quote.
    """
    import re

    from ingest.normalize import fold

    return _cut(text, [m.span() for m in re.finditer(r"\w+", text) if fold(m.group(0)).lower() in words])


def _cut(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` as (piece, matched) runs, the ``spans`` matched (an overlap joins the earlier one)."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for a, b in sorted(spans):
        a = max(a, pos)
        if a >= b:
            continue
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def marked_html(pieces: list[tuple[str, bool]]) -> Markup:
    """(piece, matched) runs as HTML: every piece escaped, the matched ones in <mark>."""
    return Markup("").join(Markup("<mark>{}</mark>").format(p) if hit else escape(p) for p, hit in pieces)


def phrase_spans(text: str, phrases: list[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, matched) runs: a piece matches when it reads as one of ``phrases``.

    The phrases are a link's shared key terms (accented, lower case, as
    :func:`index.links.text.phrases` shows them); they match whatever punctuation and case the
    text has between the same syllables ("lãnh đạo, chỉ đạo" ↔ "Lãnh đạo chỉ đạo").
    """
    import re

    from ingest.normalize import index_form

    # Positions must carry over to ``text``: fold word by word, keeping any word whose folded form
    # has another length (a decomposed or Turkish "İ" character) as it is.
    folded = "".join(
        f if len(f := index_form(w)) == len(w) else w for w in re.split(r"(\w+)", text)
    )
    spans: list[tuple[int, int]] = []
    for ph in phrases:
        syls = re.findall(r"[^\W\d_]+", ph)
        if not syls:
            continue
        pat = re.compile(r"(?<!\w)" + r"[^\w]+".join(re.escape(s) for s in syls) + r"(?!\w)")
        spans += [m.span() for m in pat.finditer(folded)]
    return _cut(text, spans)


def phrase_excerpt(text: str, phrases: list[str], width: int = 240) -> list[tuple[str, bool]]:
    """An excerpt of ``text`` as (piece, matched) runs, with a link's shared phrases matched.

    The excerpt is the first ``width`` characters, or, when no phrase is matched there, the
    stretch around the first one (a long provision often names the shared task late). A matched
    piece is kept whole; elsewhere the excerpt is cut between words and marked with "…".
    """
    from ingest.normalize import nfc

    text = " ".join(nfc(text).split())
    spans = phrase_spans(text, phrases)
    first = next((sum(len(p) for p, _ in spans[:k]) for k, (_, hit) in enumerate(spans) if hit), 0)
    lead = min(60, width // 4)  # words shown before the first phrase
    start = 0
    if first + 40 > width:  # begin a few words before the first phrase (mid-word if there is no space)
        space = text.rfind(" ", 0, max(first - lead, 0))
        start = space + 1 if space >= 0 else max(first - lead, 0)
    pieces = [] if start == 0 else [("…", False)]
    pos, stop = 0, start + width
    for piece, hit in spans:  # the pieces that fall in [start, stop)
        a, b = max(pos, start), min(pos + len(piece), stop)
        if a < b:
            if hit:  # a marked phrase is kept whole
                b, stop = pos + len(piece), max(stop, pos + len(piece))
            elif b < pos + len(piece):  # cut at the last space, or mid-word when there is none
                space = text.rfind(" ", a, b + 1)
                b = space if space > a else b
            if b > a:
                pieces.append((piece[a - pos : b - pos], hit))
        pos += len(piece)
    if stop < len(text):
        pieces.append(("…", False))
    return pieces


def query_words(query: str) -> set[str]:
    """Folded, lower-cased words of a query worth highlighting (two letters or more)."""
    import re

    from ingest.normalize import fold

    return {w for w in (fold(x).lower() for x in re.findall(r"\w+", query)) if len(w) >= 2 and w not in _STOP}


# Function words (folded) not worth highlighting: they occur in every sentence.
_STOP = frozenset(
    "va cua cac nhung la co cho trong voi de duoc theo tu den mot nay do thi ma khi ve nao gi sao "
    "bao nhieu ai o tai hay hoac can phai se da dang".split()
)
