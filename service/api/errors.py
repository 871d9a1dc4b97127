"""Every API error is one JSON shape with a stable code and a Vietnamese + English message.

``{"error": {"code": "not_found", "message": "...", "message_vi": "...", "status": 404}}`` —
for :class:`~ingest.errors.NqdocError` (its ``code`` and ``http_status``), HTTP errors raised
by routes or by routing itself (404/405), request validation errors (422, with the offending
fields) and, last, any unexpected exception (500, logged server-side; the client never sees
a stack trace).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.errors import NqdocError

log = logging.getLogger("nqdoc.api")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable error code.")
    message: str = Field(description="English message.")
    message_vi: str = Field(description="Vietnamese message shown to users.")
    status: int = Field(description="HTTP status code.")
    fields: list[dict[str, Any]] | None = Field(None, description="Invalid fields (validation errors).")


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(NqdocError):
    """An error raised by a route with an explicit status (not tied to an ingest/index error)."""

    def __init__(self, status: int, code: str, message: str, message_vi: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message, message_vi=message_vi)
        self.http_status = status
        self.code = code
        self.headers = headers


# Messages for HTTP statuses raised by routing (unknown path, wrong method) or by Starlette.
_HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "The request is malformed.", "Yêu cầu không hợp lệ."),
    401: ("unauthorized", "Authentication required.", "Cần xác thực."),
    403: ("forbidden", "Not allowed.", "Không được phép."),
    404: ("not_found", "Not found.", "Không tìm thấy."),
    405: ("method_not_allowed", "Method not allowed.", "Phương thức không được hỗ trợ."),
    413: ("payload_too_large", "The request is too large.", "Yêu cầu quá lớn."),
    415: ("unsupported_media_type", "Unsupported media type.", "Kiểu dữ liệu không được hỗ trợ."),
}

# Documented on every route so that clients (and schema checks) know the error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad request"},
    404: {"model": ErrorBody, "description": "Not found"},
    422: {"model": ErrorBody, "description": "Invalid request"},
    500: {"model": ErrorBody, "description": "Unexpected server error"},
    503: {"model": ErrorBody, "description": "Service (index or model) unavailable"},
}


def error_json(status: int, code: str, message: str, message_vi: str, *,
               fields: list[dict[str, Any]] | None = None,
               headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, message_vi=message_vi, status=status,
                                       fields=fields))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def _respond(request: Request, status: int, code: str, en: str, vi: str,
             headers: Mapping[str, str] | None = None) -> Response:
    """JSON under /api; a Vietnamese HTML page for a browser asking for a web page."""
    templates = getattr(request.app.state, "templates", None)
    if (templates is not None and not request.url.path.startswith("/api")
            and "text/html" in request.headers.get("accept", "")):
        return templates.TemplateResponse(request, "error.html", {"status": status, "code": code,
                                                                  "message": en, "message_vi": vi},
                                          status_code=status, headers=headers)
    return error_json(status, code, en, vi, headers=headers)


async def _nqdoc_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NqdocError)
    headers = getattr(exc, "headers", None)
    return _respond(request, exc.http_status, exc.code, str(exc), exc.message_vi, headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, en, vi = _HTTP_MESSAGES.get(exc.status_code, ("http_error", "HTTP error.", "Lỗi HTTP."))
    if isinstance(exc.detail, str) and exc.detail and exc.detail not in ("Not Found", "Method Not Allowed"):
        en = exc.detail
    return _respond(request, exc.status_code, code, en, vi, exc.headers)


def _clean_fields(errors: Any) -> list[dict[str, Any]]:
    """Validation errors without the rejected input (it may be large or binary)."""
    out = []
    for e in errors:
        out.append({"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")),
                    "type": str(e.get("type", ""))})
    return out


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = _clean_fields(exc.errors())
    where = ", ".join(".".join(f["loc"]) for f in fields[:5])
    return error_json(422, "invalid_request", f"Invalid request: {where}",
                      f"Yêu cầu không hợp lệ: {where}", fields=fields)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_json(500, "internal_error", "Unexpected server error; it has been logged.",
                      "Lỗi hệ thống không mong đợi; lỗi đã được ghi lại.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NqdocError, _nqdoc_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
