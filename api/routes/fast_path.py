"""A route that takes an ordinary, valid request straight to its endpoint, and leaves every other
request to FastAPI.

For each request FastAPI's handler solves the endpoint's dependency tree, parses the body with
`json`, validates it, and runs telemetry and exit-stack hooks. On the submission route, the one
that runs at volume, that cost about a sixth of a decision's CPU. A `FastPathRoute` is an
ordinary `APIRoute`: same path, same declared endpoint, same OpenAPI operation. Its handler
first asks the route's `resolve` for the arguments FastAPI would have passed; `resolve` answers
only for the plain case (JSON content type, a body that parses and validates) and returns None
for anything else, which then goes to FastAPI's own handler and is answered, and reported,
exactly as before. This is the document loader's pattern (`policy.documents.fast_path`): a fast
path that is only ever right about what it accepts, and the thorough path for everything else.

`tests/api/test_fast_path_route.py` sends the same requests down both paths and compares the answers.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

Resolve = Callable[[Request], Awaitable[dict[str, Any] | None]]
"""A request's endpoint arguments by name, or None to let FastAPI resolve (and judge) it."""


class FastPathRoute(APIRoute):
    """An `APIRoute` whose plain requests skip FastAPI's parameter solving; see the module."""

    resolve: Resolve
    """Set by a subclass (see `fast_path_route`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        general = super().get_route_handler()
        endpoint = self.endpoint
        if not inspect.iscoroutinefunction(endpoint):
            raise TypeError(f"{self.path}: a fast-path endpoint is `async def` (it is awaited directly)")
        route_class = type(self)

        async def handler(request: Request) -> Response:
            arguments = await route_class.resolve(request)
            if arguments is None:
                return await general(request)
            response = await endpoint(**arguments)
            if not isinstance(response, Response):  # FastAPI would serialize it; this path does not
                raise TypeError(f"{self.path}: a fast-path endpoint returns a Response")
            return response

        return handler


def fast_path_route(resolve: Resolve) -> type[FastPathRoute]:
    """A `FastPathRoute` class resolving with `resolve` (for `add_api_route(route_class_override=...)`)."""
    return type("FastPathRoute", (FastPathRoute,), {"resolve": staticmethod(resolve)})
