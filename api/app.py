"""The FastAPI application: settings → database (migrated) → routes, error handlers, body limit.

`create_app()` is the factory both `rev serve` (uvicorn `--factory`) and the tests use; there is
no module-level app, so importing this module never touches a database.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import install_error_handlers, refusal
from api.heap import frozen_heap
from api.routes import ROUTERS, TAGS
from api.settings import Settings
from api.state import ServiceState
from api.storage import migrate
from api.storage.db import Database

DESCRIPTION = """Revgate checks comp plans, budgets and review templates against `.rev` policies
and the governance charter, and keeps an append-only, hash-chained log of every decision.

Authenticate with `Authorization: Bearer <key>` (create keys with `rev keys create`)."""


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413, before any of it is parsed.

    A declared Content-Length over the limit is refused at once; a chunked body is read up to
    the limit and refused as soon as it passes it, so a client cannot stream gigabytes at us.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
        await self.app(scope, _replay([{"type": "http.request", "body": bytes(body)}], receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = refusal(413, "request/too-large", f"the request body is over the limit of {self.max_bytes:,} bytes")
        await response(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that hands out the buffered messages first, then the client's own."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the service; migrates the database on startup unless settings say not to."""
    settings = settings or Settings.from_env()
    database = database or Database(settings)
    if settings.migrate_on_startup:
        migrate.upgrade(database)
    state = ServiceState(settings, database)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Request threads evaluate (CPU) while the group committer waits on the database; each
        # wait gives up the GIL, and getting it back from a busy thread takes up to the switch
        # interval (5 ms by default), which delays every request in the batch. Shorter is not
        # free: every forced switch costs, and 0.5 ms took 10-25% more CPU per decision than
        # 2 ms with 8 submissions in flight (in-process, docs/operating.md). 2 ms keeps the
        # committer's waits short; the process is a server, so the setting is ours to make.
        previous = sys.getswitchinterval()
        sys.setswitchinterval(settings.switch_interval_ms / 1000)
        try:
            await run_in_threadpool(state.warm)  # uvicorn takes requests only after this
            with frozen_heap() if settings.freeze_heap else contextlib.nullcontext():  # see api.heap
                yield
        finally:
            state.close()
            sys.setswitchinterval(previous)

    # FastAPIOffline: the same FastAPI app, with /docs and /redoc served from files shipped in
    # the package rather than a CDN, so the documentation page works on a machine offline.
    app = FastAPIOffline(
        title="Revgate",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url="/redoc",
        openapi_tags=TAGS,
    )
    app.state.service = state
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        """A person who opens the service's address lands on its API documentation."""
        return RedirectResponse("/docs")

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    _add_security_scheme(app)
    return app


def _add_security_scheme(app: FastAPI) -> None:
    """Publish the bearer scheme in /openapi.json so /docs offers an "Authorize" button."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            components = schema.setdefault("components", {})
            components.setdefault("securitySchemes", {})["bearer"] = {"type": "http", "scheme": "bearer"}
            schema["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
