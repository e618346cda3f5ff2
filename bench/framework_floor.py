"""The baseline for bench/service_bench.py: uvicorn and FastAPI alone, with a route of the same shape.

`POST /v1/decisions` here takes the same JSON body (a pydantic model with the document as a free
map), authenticates with an async dependency that reads the bearer header, hands its (empty)
work to a thread and back exactly as the service's route does (`api.offload.ThreadWorkers`)
and answers 201 with a fixed JSON body. It decides nothing and stores nothing: what it costs is
what the web stack costs before any of Revgate's work, on this machine, with this client.
Served exactly like the service (uvicorn's defaults, so uvloop and httptools; the same worker
count; no access log), and like the service it freezes what start-up built (`api.heap`), so
the baseline is not charged for garbage collection the service avoids.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from pydantic import BaseModel

from api.heap import frozen_heap
from api.offload import ThreadWorkers

ANSWER = b'{"verdict":"pass"}'


class Submission(BaseModel):
    document: dict[str, Any]
    date: str | None = None
    dry_run: bool = False


async def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "no API key")
    return token


def nothing(body: Submission) -> bytes:
    return ANSWER


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    with frozen_heap():
        yield


def create_app() -> FastAPI:
    app = FastAPI(title="framework floor", lifespan=lifespan)
    workers = ThreadWorkers(8, "floor")

    @app.post("/v1/decisions", status_code=201)
    async def submit(body: Submission, token: Annotated[str, Depends(bearer)]) -> Response:
        return Response(await workers.run(nothing, body), status_code=201, media_type="application/json")

    return app
