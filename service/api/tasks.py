"""/api/tasks, /api/targets (JSON), /api/tasks/export, /api/targets/export (downloads), /tasks (page).

Same filters as ``nqdoc tasks`` / ``nqdoc targets``. Extraction is brought up to date on each
request (a no-op when no document changed); records are read from the store's SQLite file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from ingest.tasks.query import TaskFilter, filter_commitments, parse_date, select_commitments, select_targets
from service.api import attachment, get_ctx, templates
from service.api.errors import ERROR_RESPONSES
from service.context import ServiceContext
from service.exports import FLAG_VI, MEDIA_TYPES, deadline_vi, export_targets, export_tasks, flags_vi

router = APIRouter(responses=ERROR_RESPONSES)
Ctx = Annotated[ServiceContext, Depends(get_ctx)]
Fmt = Literal["json", "csv", "xlsx", "docx"]
Q200 = Query(min_length=1, max_length=200)
# ISO dates only; a well-formed but impossible day (2026-02-30) still gets a 422 with a message.
ISO_DATE = (
    r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"
    r"|^[1-9][0-9]{3}-(0[13-9]|1[0-2])-(29|30)$|^[1-9][0-9]{3}-(0[13578]|1[02])-31$"
)
# Downloads: documented with their real media types so clients (and the schema) know what comes back.
DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file (xlsx by default)",
          "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA_TYPES.values()
                      if m != "application/json"} | {"application/json": {"schema": {"type": "array"}}}},
}


def _filter(
    doc: str | None,
    agency: str | None,
    partner: str | None,
    due_before: str | None,
    overdue_on: str | None,
    flag: str | None,
    source: str | None,
) -> TaskFilter:
    return TaskFilter(
        doc=doc,
        agency=agency,
        partner=partner,
        due_before=parse_date(due_before, "due_before"),
        overdue_on=parse_date(overdue_on, "overdue_on"),
        flag=flag,
        source=source,
    )


class _TaskParams:
    def __init__(
        self,
        doc: Annotated[
            str | None, Query(min_length=1, max_length=200, description="Số hiệu, e.g. 03/NQ-CP.")
        ] = None,
        agency: Annotated[str | None, Query(min_length=1, max_length=200, description="Lead agency.")] = None,
        partner: Annotated[
            str | None, Query(min_length=1, max_length=200, description="Partner agency.")
        ] = None,
        due_before: Annotated[str | None, Query(pattern=ISO_DATE, description="YYYY-MM-DD.")] = None,
        overdue_on: Annotated[str | None, Query(pattern=ISO_DATE, description="YYYY-MM-DD.")] = None,
        flag: Annotated[str | None, Query(max_length=40, description="no_lead, no_deadline, …")] = None,
        source: Annotated[Literal["table", "prose"] | None, Query(description="table or prose.")] = None,
    ) -> None:
        self.f = _filter(
            doc or None,
            agency or None,
            partner or None,
            due_before or None,
            overdue_on or None,
            flag or None,
            source,
        )
        self.doc = doc


def _download(data: bytes, fmt: str, name: str) -> Response:
    fname = f"{name}.{fmt}"
    return Response(
        data,
        media_type=MEDIA_TYPES[fmt],
        headers=attachment(fname),
    )


@router.get("/api/tasks", summary="Nhiệm vụ 5 rõ (commitments)")
def api_tasks(
    ctx: Ctx, p: Annotated[_TaskParams, Depends()], limit: Annotated[int, Query(ge=1, le=5000)] = 1000
) -> dict[str, Any]:
    """Commitments matching the filters, each linked to its source provision.

    With ``agency`` (or ``partner``), each item has ``agency_match`` (``partner_match``):
    ``via`` is ``name`` when the record names that agency, ``successor`` when it matched through
    a succession stated in a stored document (``successions`` gives its provision id and quote)."""
    items = filter_commitments(ctx.store, p.f)
    return {"count": len(items), "items": [s.as_dict() for s in items[:limit]]}


@router.get("/api/tasks/export", summary="Tải danh mục nhiệm vụ (csv, xlsx, docx, json)",
            response_class=Response, responses=DOWNLOAD_RESPONSES)
def api_tasks_export(ctx: Ctx, p: Annotated[_TaskParams, Depends()], format: Fmt = "xlsx") -> Response:
    items = filter_commitments(ctx.store, p.f)
    title = "Danh mục nhiệm vụ" + (f" — {p.doc}" if p.doc else "")
    return _download(export_tasks(items, format, title), format, "nhiem-vu")


@router.get("/api/targets", summary="Chỉ tiêu (targets)")
def api_targets(
    ctx: Ctx,
    doc: Annotated[str | None, Q200] = None,
    agency: Annotated[str | None, Q200] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> dict[str, Any]:
    items = select_targets(ctx.store, doc=doc, agency=agency, year=year)
    return {"count": len(items), "items": [t.as_dict() for t in items]}


@router.get("/api/targets/export", summary="Tải danh mục chỉ tiêu", response_class=Response,
            responses=DOWNLOAD_RESPONSES)
def api_targets_export(
    ctx: Ctx,
    doc: Annotated[str | None, Q200] = None,
    agency: Annotated[str | None, Q200] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    format: Fmt = "xlsx",
) -> Response:
    items = select_targets(ctx.store, doc=doc, agency=agency, year=year)
    return _download(
        export_targets(items, format, "Danh mục chỉ tiêu" + (f" — {doc}" if doc else "")), format, "chi-tieu"
    )


@router.get("/tasks", response_class=HTMLResponse, include_in_schema=False)
def tasks_page(request: Request, ctx: Ctx, p: Annotated[_TaskParams, Depends()]) -> HTMLResponse:
    items = select_commitments(ctx.store, p.f)
    docs = [d for d in ctx.store.documents()]
    query = request.url.query
    rows: list[dict[str, Any]] = [
        {
            "c": c,
            "lead": ", ".join(c.lead) or (c.lead_as_written or ""),
            "partners": ", ".join(c.partners),
            "deadline_norm": deadline_vi(c.deadline),
            "flags": flags_vi(c.flags),
            "flag_keys": c.flags,
        }
        for c in items
    ]
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for r in rows:
        key = f"{r['c'].doc_number or r['c'].doc_id} · {r['c'].group or 'Khác'}"
        if not groups or groups[-1][0] != key:
            groups.append((key, []))
        groups[-1][1].append(r)
    return templates.TemplateResponse(
        request,
        "tasks.html",
        {
            "active": "tasks",
            "groups": groups,
            "count": len(items),
            "docs": docs,
            "params": request.query_params,
            "flags": FLAG_VI,
            "query": query,
        },
    )
