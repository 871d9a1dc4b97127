"""Write routes (token required): upload a document, delete a document, re-index.

``NQDOC_ADMIN_TOKEN`` (``settings.admin_token``) must be set for any of them to work; without
it they answer 403 ``write_disabled`` and change nothing. Clients send
``Authorization: Bearer <token>``; a missing token is 401, a wrong one 403 (compared in
constant time).

Uploads never trust the client: the file name is reduced to a safe ASCII stem (no folders),
the type is judged by the ingest readers from the content, the size is limited by
``settings.max_file_mb`` before the body is read (Content-Length, checked by
:class:`UploadSizeLimit`) and again while copying. The file is kept under
``home/uploads/`` named by its content hash — the store records it as the document's source.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from ingest.errors import NotFound
from service.api import context_of, get_ctx
from service.api.errors import ERROR_RESPONSES, ApiError, ErrorBody, error_json
from service.context import ServiceContext

_bearer = HTTPBearer(auto_error=False, description="NQDOC_ADMIN_TOKEN")

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorBody, "description": "Token missing"},
    403: {"model": ErrorBody, "description": "Wrong token, or write routes disabled (no NQDOC_ADMIN_TOKEN)"},
}

# Suffixes kept from the client's name: a hint for the text readers (Markdown vs plain
# text); the format itself is always judged from the content.
_KEEP_SUFFIXES = {".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt", ".jsonl", ".json", ".gz"}
_UPLOAD_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the file
_CHUNK = 1024 * 1024
_UPLOAD_PATH = "/api/documents"
# A browser sends a bare file name; folders, "..", or control characters mean a crafted request.
_BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]|^\.\.?$")


def require_admin(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """401 without a token, 403 with a wrong one or when writing is disabled."""
    token: str = context_of(request).settings.admin_token
    if not token:
        raise ApiError(403, "write_disabled",
                       "Write routes are disabled: set NQDOC_ADMIN_TOKEN on the server to enable them.",
                       "Chức năng cập nhật đang tắt: cần đặt NQDOC_ADMIN_TOKEN trên máy chủ.")
    if creds is None or not creds.credentials:
        raise ApiError(401, "token_required", "An admin token is required (Authorization: Bearer <token>).",
                       "Cần mã quản trị (Authorization: Bearer <mã>).",
                       headers={"WWW-Authenticate": "Bearer"})
    if not secrets.compare_digest(creds.credentials.encode("utf-8"), token.encode("utf-8")):
        raise ApiError(403, "bad_token", "The admin token is wrong.", "Mã quản trị không đúng.")


router = APIRouter(responses=WRITE_RESPONSES, dependencies=[Depends(require_admin)])
Ctx = Annotated[ServiceContext, Depends(get_ctx)]

# One writer at a time: ingest + re-index must not interleave.
_write_lock = threading.Lock()


class UploadSizeLimit:
    """Refuse an upload whose declared size is over the limit before reading its body.

    Starlette parses a multipart body completely before a route runs, so the limit must be
    enforced here. An upload without Content-Length (chunked) is refused with 411.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        is_upload = scope["type"] == "http" and scope["method"] == "POST"
        if is_upload and scope["path"].rstrip("/") == _UPLOAD_PATH:
            headers = {k.lower(): v for k, v in scope["headers"]}
            raw = headers.get(b"content-length")
            if raw is None or not raw.isdigit():
                resp: JSONResponse = error_json(411, "length_required",
                                                "Uploads must declare their size (Content-Length).",
                                                "Tệp tải lên phải khai báo kích thước (Content-Length).")
                await resp(scope, receive, send)
                return
            if int(raw) > self.max_bytes + _UPLOAD_OVERHEAD:
                resp = _too_large(int(raw), self.max_bytes)
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _too_large(size: int, limit: int) -> JSONResponse:
    return error_json(413, "file_too_large",
                      f"The upload ({size / 1e6:.1f} MB) is over the limit of {limit / 1e6:.1f} MB "
                      "(NQDOC_MAX_FILE_MB).",
                      f"Tệp tải lên ({size / 1e6:.1f} MB) vượt giới hạn {limit / 1e6:.1f} MB.")


def safe_name(client_name: str | None) -> tuple[str, str]:
    """(stem, suffix) safe to use in a file name: ASCII letters, digits, '-', '_'; no folders."""
    raw = client_name or ""
    # The last component under either convention: "..\\..\\x.pdf" and "../../x.pdf" both give x.pdf.
    base = PureWindowsPath(PurePosixPath(raw).name).name
    suffix = PurePosixPath(base).suffix.lower()
    stem = base[: -len(suffix)] if suffix else base
    ascii_stem = unicodedata.normalize("NFKD", stem.replace("đ", "d").replace("Đ", "D"))
    ascii_stem = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_stem.encode("ascii", "ignore").decode()).strip("-._")
    return (ascii_stem[:60] or "upload"), (suffix if suffix in _KEEP_SUFFIXES else ".bin")


# --- models -------------------------------------------------------------------------------

class FileOutcomeOut(BaseModel):
    path: str
    status: Literal["added", "unchanged", "replaced", "failed"]
    documents: list[str]
    error: str | None = None
    error_code: str | None = None
    message_vi: str | None = None
    removed: list[str]


class IndexReport(BaseModel):
    model_config = ConfigDict(extra="allow")
    added: int
    removed: int
    segments: int
    seconds: float


class UploadOut(BaseModel):
    outcome: FileOutcomeOut
    index: IndexReport | None
    filename: str = Field(description="Name the upload was stored under (never the client's path).")


class DeleteOut(BaseModel):
    deleted: str
    index: IndexReport | None


class IndexIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rebuild: bool = Field(False, strict=True, description="Drop the index and build it again.")


# --- routes -------------------------------------------------------------------------------

def _reindex(ctx: ServiceContext, *, rebuild: bool = False) -> dict[str, Any]:
    """Sync the index with the store while no search runs; the retriever reopens on next use.

    The embedded index is locked by the handle that opened it, so the context's retriever
    is closed first, and no search can reopen it until the sync is done.
    """
    from index.sync import sync_index

    with ctx.exclusive():
        ctx.reset_retriever()
        return sync_index(ctx.settings, progress=False, rebuild=rebuild, store=ctx.store)


_STATUS_OF_CODE = {"unsupported_format": 415, "file_too_large": 413, "duplicate": 409, "empty_file": 422}


@router.post("/api/documents", response_model=UploadOut, status_code=201,
             responses={200: {"model": UploadOut, "description": "Unchanged (already ingested)"},
                        409: {"model": ErrorBody, "description": "Already ingested from another file"},
                        411: {"model": ErrorBody, "description": "Content-Length missing"},
                        413: {"model": ErrorBody, "description": "Over NQDOC_MAX_FILE_MB"},
                        415: {"model": ErrorBody, "description": "Not a readable document type"}},
             summary="Upload and ingest a document (PDF, DOCX, HTML, Markdown, text, JSONL)")
def upload_document(
    ctx: Ctx,
    file: Annotated[UploadFile, File(description="The document; its type is judged by content.")],
    replace: Annotated[bool, Form(description="Replace a document with the same số hiệu.")] = False,
) -> Any:
    settings = ctx.settings
    limit = settings.max_file_bytes
    uploads = settings.home / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    if file.filename and _BAD_NAME.search(file.filename):
        raise ApiError(400, "bad_filename",
                       "The file name must be a plain name: no folders, '..' or control characters.",
                       "Tên tệp không hợp lệ: không được chứa thư mục, '..' hoặc ký tự điều khiển.")
    stem, suffix = safe_name(file.filename)
    digest = hashlib.sha256()
    size = 0
    tmp = uploads / f".incoming-{secrets.token_hex(8)}"
    try:
        with tmp.open("wb") as out:
            while chunk := file.file.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    return _too_large(size, limit)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ApiError(422, "empty_file", "The uploaded file is empty.", "Tệp tải lên rỗng.")
        final = uploads / f"{digest.hexdigest()[:16]}-{stem}{suffix}"
        existed = final.exists()
        tmp.replace(final)
    finally:
        tmp.unlink(missing_ok=True)

    from ingest.pipeline import ingest_file

    with _write_lock:
        outcome = ingest_file(ctx.store, final, None, settings, replace=replace)
        if outcome.status == "failed":
            if not existed:
                final.unlink(missing_ok=True)
            code = outcome.error_code or "ingest_failed"
            # The outcome names the server-side path; the client only needs its own file name.
            where = str(final)
            raise ApiError(_STATUS_OF_CODE.get(code, 422), code,
                           (outcome.error or "ingest failed").replace(where, final.name),
                           (outcome.message_vi or "nạp thất bại").replace(where, final.name))
        report = _reindex(ctx) if outcome.status != "unchanged" else None
    body = {"outcome": {**outcome.__dict__, "path": final.name}, "index": report, "filename": final.name}
    return JSONResponse(UploadOut.model_validate(body).model_dump(),
                        status_code=200 if outcome.status == "unchanged" else 201)


@router.delete("/api/documents/{doc_id:path}", response_model=DeleteOut,
               summary="Delete a document (and its provisions and index points)")
def delete_document(ctx: Ctx, doc_id: str) -> dict[str, Any]:
    with _write_lock:
        doc = ctx.store.find_document(doc_id)
        if doc is None:
            raise NotFound(f"document not found: {doc_id}", message_vi=f"Không tìm thấy văn bản: {doc_id}")
        ctx.store.delete_document(doc.id)
        src = Path(doc.source)
        uploads = (ctx.settings.home / "uploads").resolve()
        if src.resolve().parent == uploads and ctx.store.source_hash(str(src)) is None:
            src.unlink(missing_ok=True)  # an uploaded file whose last document is gone
        report = _reindex(ctx)
    return {"deleted": doc.id, "index": report}


@router.post("/api/index", response_model=IndexReport,
             summary="Bring the search index in line with the store")
def reindex(ctx: Ctx, body: IndexIn | None = None) -> dict[str, Any]:
    with _write_lock:
        return _reindex(ctx, rebuild=bool(body and body.rebuild))
