"""Read routes (public): search, ask, brief, documents, provisions, health — and the web pages.

The JSON routes return the same read models as the CLI (``service.views``, ``Hit.as_dict``,
``Answer.as_dict``, ``Brief.as_dict``); every quote comes from the store of record. The pages
are server-rendered Jinja2 (autoescaped) with a little vanilla JS in ``static/app.js``.
Handlers are plain ``def``: FastAPI runs them in its thread pool, and the context serialises
the model and the embedded index behind its lock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape
from pydantic import BaseModel, ConfigDict, Field

from ingest.errors import NotFound, NqdocError
from ingest.models import DocKind
from service.api import attachment, get_ctx, templates
from service.api.errors import ERROR_RESPONSES, ApiError, ErrorBody
from service.context import ServiceContext
from service.views import (
    KIND_LABELS_VI,
    document_outline,
    document_summary,
    highlight_spans,
    marked_html,
    provision_view,
    query_words,
    resolution_numbers,
)

router = APIRouter(responses=ERROR_RESPONSES)
pages = APIRouter(include_in_schema=False)

Ctx = Annotated[ServiceContext, Depends(get_ctx)]
KindName = DocKind  # pydantic validates the value and documents the enum in the schema
# ISO date, year or year-month; the index turns ``2024`` into the whole year.
# Questions and themes must hold at least one letter or digit.
HAS_WORD = r"[^\W_]"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# YYYY, YYYY-MM or a day that exists in every year (29 February is refused by the schema).
DATE_PATTERN = (
    r"^[1-9]\d{3}(-(0[1-9]|1[0-2]))?$|^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])$"
    r"|^[1-9]\d{3}-(0[13-9]|1[0-2])-(29|30)$|^[1-9]\d{3}-(0[13578]|1[02])-31$"
)


# --- request / response models ------------------------------------------------------------

class Filters(BaseModel):
    """Search filters (all optional; every given field must hold, list values are OR'ed)."""

    model_config = ConfigDict(extra="forbid")
    doc: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        None, max_length=20, description="Document ids or numbers (số hiệu).")
    kind: list[KindName] | None = Field(None, max_length=10, description="Document kinds.")
    resolution: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        None, max_length=20, description="Documents that are or implement these resolutions.")
    issuer: str | None = Field(None, min_length=1, max_length=200, description="Issuing body.")
    date_from: str | None = Field(None, pattern=DATE_PATTERN, description="Issued on/after (YYYY[-MM[-DD]]).")
    date_to: str | None = Field(None, pattern=DATE_PATTERN, description="Issued on/before (YYYY[-MM[-DD]]).")

    def to_search(self) -> Any:
        from index.store import SearchFilters

        return SearchFilters(doc=self.doc or None, kind=[str(k) for k in self.kind] if self.kind else None,
                             resolution=self.resolution or None, issuer=self.issuer,
                             date_from=self.date_from, date_to=self.date_to)


class HitOut(BaseModel):
    doc_id: str
    doc_number: str
    provision_id: str
    heading_path: list[str]
    page: int | None
    text: str
    quote: str
    score: float
    kind: str


class SearchOut(BaseModel):
    query: str
    hits: list[HitOut]


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=2000, pattern=HAS_WORD,
                          description="The question, in Vietnamese.")
    filters: Filters | None = None
    top_k: int = Field(8, ge=1, le=50, description="Provisions to consider.")
    mode: Literal["auto", "extractive", "llm"] = Field("auto", description="How the answer is composed.")


class CitationOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    doc_id: str
    doc_number: str
    provision_id: str
    heading_path: list[str]
    quote: str
    page: int | None


class AnswerOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    answer: str
    citations: list[CitationOut]
    grounded: bool


class BriefIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    theme: str = Field(min_length=1, max_length=500, pattern=HAS_WORD,
                       description="Theme of the brief, e.g. 'chuyển đổi số'.")
    filters: Filters | None = None


class DocumentSummary(BaseModel):
    id: str
    number: str | None
    title: str | None
    issuer: str | None
    date: str | None
    kind: str
    implements: list[str]
    completeness: str | None
    format: str
    source: str
    page_count: int | None


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class OutlineNode(BaseModel):
    id: str
    kind: str
    label: str
    heading: str
    depth: int
    parent_id: str | None
    page_start: int | None
    page_end: int | None
    gap: bool
    n_children: int


class DocumentOutline(BaseModel):
    document: DocumentSummary
    outline: list[OutlineNode]


class ProvisionBrief(BaseModel):
    id: str
    kind: str
    heading: str
    page_start: int | None
    gap: bool


class ProvisionFull(BaseModel):
    id: str
    path: str
    kind: str
    label: str
    heading: str
    text: str
    heading_path: list[str]
    page_start: int | None
    page_end: int | None
    parent_id: str | None
    ordinal: int
    children: list[str]
    fields: dict[str, str] | None
    gap: bool


class ProvisionOut(BaseModel):
    document: DocumentSummary
    provision: ProvisionFull
    ancestors: list[ProvisionBrief]
    children: list[ProvisionBrief]
    previous: ProvisionBrief | None
    next: ProvisionBrief | None


class HealthOut(BaseModel):
    status: Literal["ok"]
    documents: int
    provisions: int
    segments: int
    index_built: bool
    write_enabled: bool


# --- helpers --------------------------------------------------------------------------------

def _not_found(what: str, key: str) -> NotFound:
    return NotFound(f"{what} not found: {key}",
                    message_vi=f"Không tìm thấy {_WHAT_VI.get(what, what)}: {key}")


_WHAT_VI = {"document": "văn bản", "provision": "điều khoản"}


def _outline(ctx: ServiceContext, key: str) -> dict[str, Any]:
    doc = ctx.store.find_document(key)
    if doc is None:
        raise _not_found("document", key)
    return document_outline(doc)


def _provision(ctx: ServiceContext, pid: str) -> dict[str, Any]:
    view = provision_view(ctx.store, pid)
    if view is None:
        raise _not_found("provision", pid)
    return view


def _search_filters(doc: list[str] | None, kind: Sequence[str] | None, resolution: list[str] | None,
                    issuer: str | None, date_from: str | None, date_to: str | None) -> Filters:
    return Filters(doc=doc or None, kind=kind or None, resolution=resolution or None,  # type: ignore[arg-type]
                   issuer=issuer or None, date_from=date_from or None, date_to=date_to or None)


def _brief_filename(theme: str) -> str:
    ascii_theme = unicodedata.normalize("NFKD", theme.replace("đ", "d").replace("Đ", "D"))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_theme.encode("ascii", "ignore").decode()).strip("-").lower()
    return f"ban-tin-{slug[:60] or 'chu-de'}.docx"


# --- JSON routes ----------------------------------------------------------------------------

@router.get("/api/health", response_model=HealthOut, summary="Service health and store counts")
def health(ctx: Ctx) -> dict[str, Any]:
    from index.sync import state_path

    counts = ctx.store.counts()
    return {
        "status": "ok",
        "documents": counts["documents"],
        "provisions": counts["provisions"],
        "segments": counts["segments"],
        "index_built": state_path(ctx.settings).is_file(),
        "write_enabled": bool(ctx.settings.admin_token),
    }


@router.get("/api/search", response_model=SearchOut, summary="Hybrid search; results are cited provisions")
async def search(
    ctx: Ctx,
    q: Annotated[str, Query(min_length=1, max_length=1000,
                            description="The query (with or without diacritics).")],
    doc: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]] | None,
                   Query(max_length=20, description="Document id or số hiệu; repeatable.")] = None,
    kind: Annotated[list[KindName] | None,
                    Query(max_length=10, description="Document kind; repeatable.")] = None,
    resolution: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]] | None,
                          Query(max_length=20, description="Is or implements this resolution.")] = None,
    issuer: Annotated[str | None, Query(max_length=200)] = None,
    date_from: Annotated[str | None, Query(pattern=DATE_PATTERN)] = None,
    date_to: Annotated[str | None, Query(pattern=DATE_PATTERN)] = None,
    top_k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    filters = _search_filters(doc, kind, resolution, issuer, date_from, date_to)
    hits = await ctx.search_async(q, filters.to_search(), top_k)
    return {"query": q, "hits": [h.as_dict() for h in hits]}


@router.post("/api/ask", response_model=AnswerOut,
             responses={409: {"model": ErrorBody, "description": "mode 'llm' without a model configured"}},
             summary="Answer a question with quoted, cited provisions")
def ask_route(ctx: Ctx, body: AskIn) -> dict[str, Any]:
    from service.answer import ask

    if body.mode == "llm" and not ctx.settings.llm_base_url:
        raise ApiError(409, "llm_not_configured",
                       "mode 'llm' needs a language model endpoint (NQDOC_LLM_BASE_URL); use 'extractive'.",
                       "Máy chủ chưa cấu hình mô hình ngôn ngữ (NQDOC_LLM_BASE_URL); "
                       "hãy dùng chế độ trích dẫn.")
    filters = body.filters.to_search() if body.filters else None
    answer = ask(ctx, body.question, filters=filters, top_k=body.top_k, mode=body.mode)
    result: dict[str, Any] = answer.as_dict()
    return result


@router.post("/api/brief", summary="Key points of the documents on a theme, quoted and cited")
def brief_route(ctx: Ctx, body: BriefIn) -> dict[str, Any]:
    from service.brief import build_brief

    brief = build_brief(ctx, body.theme, filters=body.filters.to_search() if body.filters else None)
    result: dict[str, Any] = brief.as_dict()
    return result


@router.get(
    "/api/brief/docx",
    summary="The brief on a theme as a Word document (DOCX)",
    response_class=Response,
    responses={200: {"content": {DOCX_TYPE: {}}, "description": "DOCX file"}},
)
def brief_docx(
    ctx: Ctx,
    theme: Annotated[str, Query(min_length=1, max_length=500, pattern=HAS_WORD)],
    resolution: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]] | None,
                          Query(max_length=20)] = None,
    kind: Annotated[list[KindName] | None, Query(max_length=10)] = None,
) -> Response:
    from service.brief import brief_to_docx, build_brief

    filters = _search_filters(None, kind, resolution, None, None, None)
    brief = build_brief(ctx, theme, filters=filters.to_search())
    name = _brief_filename(theme)
    return Response(
        brief_to_docx(brief),
        media_type=DOCX_TYPE,
        headers=attachment(name),
    )


@router.get("/api/documents", response_model=DocumentList, summary="Stored documents (metadata)")
def list_documents(
    ctx: Ctx,
    kind: Annotated[list[KindName] | None, Query(max_length=10, description="Only these kinds.")] = None,
) -> dict[str, Any]:
    docs = ctx.store.documents()
    if kind:
        docs = [d for d in docs if str(d.meta.kind) in kind]
    return {"documents": [document_summary(d) for d in docs]}


@router.get("/api/documents/{doc_id:path}", response_model=DocumentOutline,
            summary="A document's outline (provision tree in document order)")
def get_document(ctx: Ctx, doc_id: str) -> dict[str, Any]:
    return _outline(ctx, doc_id)


@router.get("/api/provisions/{provision_id:path}", response_model=ProvisionOut,
            summary="One provision: text, page, ancestors, children and neighbours")
def get_provision(ctx: Ctx, provision_id: str) -> dict[str, Any]:
    return _provision(ctx, provision_id)


# --- web pages ------------------------------------------------------------------------------

def _marked(text: str, q: str) -> Markup:
    """HTML of ``text`` (escaped) with the words of ``q`` in <mark>."""
    words = query_words(q) if q else set()
    if not words:
        return Markup(escape(text))
    return marked_html(highlight_spans(text, words))


def _page_context(ctx: ServiceContext) -> dict[str, Any]:
    return {"kinds": KIND_LABELS_VI, "write_enabled": bool(ctx.settings.admin_token)}


@pages.get("/", response_class=HTMLResponse)
def index_page(request: Request, ctx: Ctx) -> HTMLResponse:
    return templates.TemplateResponse(request, "index.html", {
        **_page_context(ctx), "resolutions": resolution_numbers(ctx.store), "active": "search",
    })


@pages.get("/brief", response_class=HTMLResponse)
def brief_page(
    request: Request,
    ctx: Ctx,
    theme: Annotated[str, Query(max_length=500)] = "",
    resolution: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The brief on a theme, rendered from its Markdown (raw HTML disabled) with a DOCX link."""
    from markdown_it import MarkdownIt

    page: dict[str, Any] = {**_page_context(ctx), "resolutions": resolution_numbers(ctx.store),
                            "active": "brief", "theme": theme, "sel_resolution": resolution, "sel_kind": kind,
                            "brief_html": None, "error": None}
    if theme.strip():
        from service.brief import brief_to_markdown, build_brief

        kinds = [kind] if kind in KIND_LABELS_VI else None
        filters = _search_filters(None, kinds, [resolution] if resolution else None, None, None, None)
        try:
            brief = build_brief(ctx, theme.strip(), filters=filters.to_search())
        except NqdocError as err:
            page["error"] = err.message_vi
        else:
            md = MarkdownIt("commonmark", {"html": False, "linkify": False})
            page["brief_html"] = Markup(md.render(brief_to_markdown(brief)))
            params = [("theme", theme.strip())] + ([("resolution", resolution)] if resolution else []) + (
                [("kind", kind)] if kinds else [])
            page["docx_url"] = "/api/brief/docx?" + urlencode(params)
    return templates.TemplateResponse(request, "brief.html", page)


@pages.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request, ctx: Ctx) -> HTMLResponse:
    docs = [document_summary(d) for d in ctx.store.documents()]
    return templates.TemplateResponse(request, "documents.html", {
        **_page_context(ctx), "documents": docs, "active": "documents",
    })


@pages.get("/documents/{doc_id:path}", response_class=HTMLResponse)
def document_page(request: Request, ctx: Ctx, doc_id: str) -> HTMLResponse:
    outline = _outline(ctx, doc_id)
    return templates.TemplateResponse(request, "document.html", {
        **_page_context(ctx), "doc": outline["document"], "outline": outline["outline"], "current": None,
        "active": "documents",
    })


@pages.get("/provisions/{provision_id:path}", response_class=HTMLResponse)
def provision_page(request: Request, ctx: Ctx, provision_id: str,
                   q: Annotated[str, Query(max_length=1000)] = "") -> HTMLResponse:
    view = _provision(ctx, provision_id)
    outline = _outline(ctx, view["document"]["id"])
    prov = view["provision"]
    return templates.TemplateResponse(request, "provision.html", {
        **_page_context(ctx), "view": view, "prov": prov, "doc": view["document"],
        "outline": outline["outline"], "current": prov["id"], "q": q,
        "text_html": _marked(prov["text"], q),
        "fields_html": {k: _marked(v, q) for k, v in (prov.get("fields") or {}).items()},
        "active": "documents",
    })
