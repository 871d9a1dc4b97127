"""/api/provisions/{id}/links, /api/links, /api/coverage, the /links graph and /coverage pages,
and PUT /api/links/review (a person's verdict on a link; admin token, like every write route).

Links are read from the tables :mod:`index.links` keeps up to date (``nqdoc links`` or after
ingest); a request never recomputes them. Every text shown beside a link is read from the
store of record.

Route order: ``/api/provisions/{id:path}`` (core router) also matches ``…/links``; this
router must be included before it (or use ``/api/links?id=…``, which always works).
"""

from __future__ import annotations

import weakref
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from index.links.db import LinkStore
from index.links.model import LINK_LABELS_VI
from ingest.models import DocMeta
from service.api import attachment, get_ctx, templates
from service.api.admin import WRITE_RESPONSES, require_admin
from service.api.errors import ERROR_RESPONSES, ApiError
from service.context import ServiceContext

router = APIRouter(responses=ERROR_RESPONSES)
Ctx = Annotated[ServiceContext, Depends(get_ctx)]
LinkTypeName = Literal["implements", "cites", "continues", "supersedes", "related", "reports_on"]
_STORES: weakref.WeakKeyDictionary[ServiceContext, LinkStore] = weakref.WeakKeyDictionary()


def _links(ctx: ServiceContext) -> LinkStore:
    if ctx not in _STORES:
        _STORES[ctx] = LinkStore(ctx.store)
    return _STORES[ctx]


def _view(ctx: ServiceContext, key: str, types: list[str] | None) -> dict[str, Any]:
    from service.cli_links import links_view

    return links_view(ctx.store, _links(ctx), key, types)


@router.get("/api/provisions/{provision_id:path}/links", summary="Typed links of one provision")
def provision_links(
    ctx: Ctx, provision_id: str, type: Annotated[list[LinkTypeName] | None, Query()] = None
) -> dict[str, Any]:  # noqa: A002
    return _view(ctx, provision_id, list(type) if type else None)


@router.get("/api/links", summary="Typed links of a provision or of a whole document (id or số hiệu)")
def links(
    ctx: Ctx,
    id: Annotated[str, Query(min_length=1, max_length=300)],  # noqa: A002
    type: Annotated[list[LinkTypeName] | None, Query()] = None,
) -> dict[str, Any]:  # noqa: A002
    return _view(ctx, id, list(type) if type else None)


class ReviewBody(BaseModel):
    """A verdict on one stored link; ``verdict`` null withdraws the one recorded."""

    model_config = ConfigDict(extra="forbid")
    type: LinkTypeName
    source: str = Field(min_length=1, max_length=1000)  # tracker row ids carry the row's code
    target: str = Field(min_length=1, max_length=1000)
    verdict: Literal["right", "wrong"] | None
    note: str = Field("", max_length=1000)
    reviewer: str = Field("", max_length=100)


@router.put(
    "/api/links/review",
    summary="Mark a link right or wrong (or withdraw the verdict); token required",
    dependencies=[Depends(require_admin)],
    responses=WRITE_RESPONSES,
)
def review_link(ctx: Ctx, body: ReviewBody) -> dict[str, Any]:
    """A wrong ``implements`` link stops counting in coverage; ``nqdoc link-reviews --out`` exports
    every verdict as gold pairs for ``nqdoc eval links --gold``."""
    from service.cli_links import record_review

    got = record_review(
        _links(ctx), body.type, body.source, body.target, body.verdict, body.note, body.reviewer.strip()
    )
    return {"review": got.as_dict() if got is not None else None}


@router.get("/api/links/graph", summary="Document-level link graph around one document")
def graph(ctx: Ctx, doc: Annotated[str, Query(min_length=1, max_length=300)]) -> dict[str, Any]:
    return link_graph(ctx, doc)


def link_graph(ctx: ServiceContext, doc: str) -> dict[str, Any]:
    """Documents linked to ``doc`` (either way) and the number of links by type between them."""
    from ingest.errors import NotFound

    d = ctx.store.find_document(doc)
    if d is None:
        raise NotFound(f"document not found: {doc}", message_vi=f"không tìm thấy văn bản: {doc}")
    ls = _links(ctx)
    edges: dict[tuple[str, str, str], int] = {}
    for lk in ls.links_between_docs(source_doc=d.id) + ls.links_between_docs(target_doc=d.id):
        if lk.source_doc == lk.target_doc:
            continue
        k = (lk.source_doc, lk.target_doc, lk.type)
        edges[k] = edges.get(k, 0) + 1
    ids = {d.id} | {k[0] for k in edges} | {k[1] for k in edges}
    metas = {m.id: m for m in ctx.store.documents()}
    nodes = [
        {
            "id": i,
            "title": (metas[i].meta.title if i in metas else None) or i,
            "label": _node_label(i, metas[i].meta if i in metas else None),
            "kind": str(metas[i].meta.kind)
            if i in metas
            else ("external" if i.startswith("ext:") else "tracker"),
            "center": i == d.id,
        }
        for i in sorted(ids)
    ]
    return {
        "center": d.id,
        "nodes": nodes,
        "edges": [
            {"source": s, "target": t, "type": ty, "label_vi": LINK_LABELS_VI.get(ty, ty), "count": n}
            for (s, t, ty), n in sorted(edges.items())
        ],
        "types_vi": {t: LINK_LABELS_VI.get(t, t) for t in sorted({ty for _, _, ty in edges})},
    }


def _node_label(doc_id: str, meta: DocMeta | None) -> str:
    """What a graph node shows: the số hiệu; a document without one (news) by its title's start."""
    title = meta.title if meta is not None else None
    if not title or (meta is not None and meta.number) or not doc_id.startswith("doc-"):
        return doc_id.removeprefix("ext:")
    return title if len(title) <= 32 else title[:31].rstrip() + "…"


@router.get("/api/coverage", summary="Coverage of a resolution by a programme/plan (json or xlsx)")
def coverage(
    ctx: Ctx,
    of: Annotated[str, Query(min_length=1, max_length=300)],
    by: Annotated[str, Query(min_length=1, max_length=300)],
    format: Annotated[Literal["json", "xlsx"], Query()] = "json",
) -> Any:  # noqa: A002
    import tempfile
    from pathlib import Path

    from index.coverage import compute_coverage
    from service.cli_links import coverage_filename, coverage_xlsx

    cov = compute_coverage(ctx.store, _links(ctx), of, by)
    if format == "json":
        return cov.as_dict()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "coverage.xlsx"
        coverage_xlsx(cov, path)
        data = path.read_bytes()
    name = coverage_filename(cov)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=attachment(name),
    )


@router.get("/links", response_class=HTMLResponse, include_in_schema=False)
def links_page(
    request: Request, ctx: Ctx, doc: Annotated[str, Query(max_length=300)] = "57-NQ/TW"
) -> HTMLResponse:
    try:
        g = link_graph(ctx, doc)
    except Exception as e:  # an unknown document: show the page with the message
        if not hasattr(e, "message_vi"):
            raise
        raise ApiError(404, "not_found", str(e), e.message_vi) from e  # type: ignore[attr-defined]
    resolutions = [m.id for m in ctx.store.documents() if str(m.meta.kind) == "resolution"]
    return templates.TemplateResponse(
        request,
        "links.html",
        {
            "graph": g,
            "labels": {n["id"]: n["label"] for n in g["nodes"]},
            "titles": {n["id"]: n["title"] for n in g["nodes"]},
            "doc": g["center"],
            "resolutions": resolutions,
            "active": "links",
            "write_enabled": bool(ctx.settings.admin_token),
            "kinds": {},
        },
    )


def _plans_of(ctx: ServiceContext) -> dict[str, list[str]]:
    """For each resolution, the documents and trackers with implements links to it (most first)."""
    counts: dict[str, dict[str, int]] = {}
    ls = _links(ctx)
    for lk in ls.without_rejected(ls.links_between_docs(types=["implements"])):
        by = counts.setdefault(lk.target_doc, {})
        by[lk.source_doc] = by.get(lk.source_doc, 0) + 1
    return {res: sorted(by, key=lambda d: (-by[d], d)) for res, by in counts.items()}


@router.get("/coverage", response_class=HTMLResponse, include_in_schema=False)
def coverage_page(
    request: Request,
    ctx: Ctx,
    of: Annotated[str, Query(max_length=300)] = "",
    by: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    """Coverage of a resolution by one of its programmes/plans: items with their tasks, gaps,
    tasks without a source, tasks tied only to other parts, weaker targets; xlsx download.
    Without ``of``: the first resolution that has a plan; without ``by``: its most-linked plan."""
    from index.coverage import compute_coverage
    from ingest.errors import NotFound
    from service.cli_links import TASK_PART_MISSING_VI

    plans = _plans_of(ctx)
    if not of and not plans:  # nothing linked yet: say so on the page, not as an error
        return templates.TemplateResponse(
            request, "coverage.html", {"cov": None, "resolutions": [], "plans": [], "active": "coverage"}
        )
    of = of or sorted(plans)[0]
    res = ctx.store.find_document(of)
    of_id = res.id if res is not None else of
    by = by or next(iter(plans.get(of_id, [])), "")
    try:
        if not by:
            raise NotFound(
                f"no plan implements {of}", message_vi=f"chưa có chương trình, kế hoạch nào triển khai {of}"
            )
        cov = compute_coverage(ctx.store, _links(ctx), of, by)
    except NotFound as e:
        raise ApiError(404, "not_found", str(e), e.message_vi) from e
    return templates.TemplateResponse(
        request,
        "coverage.html",
        {
            "cov": cov,
            "summary": cov.summary(),
            "resolutions": sorted(plans | {cov.of: []}),
            "plans": list(dict.fromkeys([*plans.get(cov.of, []), cov.by])),
            "partial_note": TASK_PART_MISSING_VI.format(of=cov.of),
            "active": "coverage",
        },
    )


def _marked_phrases(text: str, phrases: list[str]) -> Markup:
    """HTML of an excerpt of ``text`` (escaped) with a link's shared phrases in <mark>."""
    from service.views import marked_html, phrase_excerpt

    return marked_html(phrase_excerpt(text, phrases))


@router.get("/links/fragment/{provision_id:path}", response_class=HTMLResponse, include_in_schema=False)
def links_fragment(request: Request, ctx: Ctx, provision_id: str) -> HTMLResponse:
    """HTML fragment: the provision's linked provisions grouped by type (for the provision page)."""
    view = _view(ctx, provision_id, None)
    groups: dict[str, list[dict[str, Any]]] = {}
    rejected: dict[str, list[dict[str, Any]]] = {}  # marked wrong by a person: folded away
    for lk in view["links"]:
        phrases = (lk.get("evidence") or {}).get("shared_terms") or []
        lk = {**lk, "other_marked": _marked_phrases(lk.get("other_text") or "", phrases)}
        wrong = (lk.get("review") or {}).get("label") == 0
        (rejected if wrong else groups).setdefault(lk["label_vi"], []).append(lk)
    for label in rejected:
        groups.setdefault(label, [])
    return templates.TemplateResponse(
        request,
        "links_fragment.html",
        {
            "groups": groups,
            "rejected": rejected,
            "view": view,
            "write_enabled": bool(ctx.settings.admin_token),
        },
    )
