"""Dependencies and OpenAPI fragments shared by the routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from api.state import ServiceState
from api.wire import Diagnostics, Refusal


async def service_state(request: Request) -> ServiceState:
    """The process's `ServiceState`, created by `api.app.create_app` (async: no I/O, no thread hop)."""
    return request.app.state.service


Service = Annotated[ServiceState, Depends(service_state)]


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI descriptions of the refusals a route can answer with."""
    described: dict[int, tuple[str, type]] = {
        401: ("no valid API key", Refusal),
        403: ("the key's role (or the override rules) forbid this", Refusal),
        404: ("no such resource", Refusal),
        409: ("conflicts with the current state", Refusal),
        413: ("request body too large", Refusal),
        422: ("invalid request: every problem, located", Diagnostics),
    }
    return {status: {"description": described[status][0], "model": described[status][1]} for status in statuses}
