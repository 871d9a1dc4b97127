"""The web application: REST API + Vietnamese web page, built by :func:`create_app`.

An app factory with a lifespan (no settings, engines or models created at import time):
the lifespan opens one :class:`~service.context.ServiceContext` for the process (store of
record now; model and index lazily on the first search) and closes it at shutdown. Tests
pass their own context or override :func:`service.api.get_ctx` with ``dependency_overrides``.

    uvicorn --factory service.app:create_app      # or: nqdoc serve
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ingest.settings import Settings
from service.api import STATIC_DIR, templates
from service.context import ServiceContext

API_DESCRIPTION = """\
Tra cứu, trích dẫn và theo dõi thực hiện nghị quyết — search, ask and brief over Vietnamese
Party resolutions and the programmes that implement them. Every quote comes from the store of
record and carries its citation (document, provision id, page).

Errors are JSON: `{"error": {"code", "message", "message_vi", "status"}}`.
Write routes need `Authorization: Bearer <NQDOC_ADMIN_TOKEN>`; without a token set on the
server they answer 403 `write_disabled`.
"""


def create_app(settings: Settings | None = None, *, ctx: ServiceContext | None = None) -> FastAPI:
    """Build the app. ``ctx`` (optional) is used as is and left open at shutdown."""
    settings = settings or (ctx.settings if ctx else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = getattr(app.state, "ctx", None) is None
        if own:
            app.state.ctx = ServiceContext(settings)
        try:
            yield
        finally:
            if own:
                app.state.ctx.close()
                app.state.ctx = None

    app = FastAPI(
        title="nqdoc",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "GPL-3.0-or-later", "identifier": "GPL-3.0-or-later"},
    )
    app.state.settings = settings
    app.state.templates = templates
    # A context given by the caller is there before (and without) the lifespan, e.g. for
    # ASGI clients that do not run lifespan events.
    app.state.ctx = ctx

    from service.api import admin, core, links, tasks
    from service.api.errors import install_error_handlers

    install_error_handlers(app)
    # links first: its /api/provisions/{id}/links must win over core's /api/provisions/{id:path}.
    app.include_router(links.router, tags=["liên kết (links)"])
    app.include_router(core.router, tags=["tra cứu (read)"])
    app.include_router(admin.router, tags=["quản trị (write)"])
    app.include_router(tasks.router, tags=["nhiệm vụ (tasks)"])
    app.include_router(core.pages)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.add_middleware(admin.UploadSizeLimit, max_bytes=settings.max_file_bytes)
    return app
