"""REST API routers; the app factory is :func:`service.app.create_app`.

What every router shares lives here: :func:`get_ctx` (the process's
:class:`~service.context.ServiceContext`, as a FastAPI dependency that tests can override)
and :data:`templates` (Jinja2, autoescaping on; pages extend ``base.html``), and
:func:`attachment` (the download header of every export).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.templating import Jinja2Templates

if TYPE_CHECKING:
    from service.context import ServiceContext

SERVICE_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = SERVICE_DIR / "templates"
STATIC_DIR = SERVICE_DIR / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def context_of(request: Request) -> ServiceContext:
    """The ServiceContext the app's lifespan opened (one per process)."""
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def attachment(name: str) -> dict[str, str]:
    """``Content-Disposition`` for a download named ``name``: the Vietnamese name for browsers that
    read RFC 5987 (``filename*``) and an ASCII one (diacritics folded) for the others — headers
    are latin-1, so a raw Vietnamese name would fail the response."""
    import unicodedata
    from urllib.parse import quote

    plain = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = plain.encode("ascii", "ignore").decode().replace('"', "") or "download"
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


async def get_ctx(request: Request) -> ServiceContext:
    """:func:`context_of` as a dependency; ``async`` only so that FastAPI resolves it on the
    event loop instead of spending a worker thread on an attribute read for every request."""
    return context_of(request)
