"""The submission route's fast path (api.routes.fast_path) answers exactly as FastAPI's own
handler does: every request here is sent twice, once as served and once with the fast path
turned off, and the two answers must be the same; valid requests must take the fast path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Request

from api.routes import decisions as decision_routes
from api.routes.fast_path import FastPathRoute, fast_path_route
from tests.api.support import Keys, document

PLAN = json.dumps({"document": document("data/plan.yaml"), "date": "2026-07-15", "dry_run": True})
BUDGET = json.dumps({"document": document("data/budget-many.yaml"), "date": "2026-07-15", "dry_run": True})
JSON = {"content-type": "application/json"}

REQUESTS: dict[str, tuple[dict[str, str], bytes, str | None]] = {
    # name: (headers besides the key, body, role whose key is sent)
    "plan": (JSON, PLAN.encode(), "submitter"),
    "budget": (JSON, BUDGET.encode(), "submitter"),
    "no date": (JSON, json.dumps({"document": document("data/plan.yaml"), "dry_run": True}).encode(), "submitter"),
    "invalid document": (JSON, PLAN.replace('"comp_plan"', '"comp_plan2"').encode(), "submitter"),
    "extra field": (JSON, PLAN[:-1].encode() + b',"extra":1}', "submitter"),
    "no document": (JSON, b'{"dry_run": true}', "submitter"),
    "document not an object": (JSON, b'{"document": [1, 2]}', "submitter"),
    "bad date": (JSON, PLAN.replace("2026-07-15", "15/07/2026").encode(), "submitter"),
    "malformed JSON": (JSON, PLAN.encode()[:-5], "submitter"),
    "empty body": (JSON, b"", "submitter"),
    "not an object": (JSON, b"[]", "submitter"),
    "NaN": (JSON, PLAN.replace('"dry_run": true', '"dry_run": true, "x": NaN').encode(), "submitter"),
    "big integer": (JSON, PLAN.replace('"dry_run": true', '"dry_run": 100000000000000000000000').encode(), "submitter"),
    "lone surrogate": (JSON, PLAN.replace("2026-07-15", "\\ud800").encode(), "submitter"),
    "NUL in text": (JSON, PLAN.replace('"comp_plan"', '"comp\\u0000plan"').encode(), "submitter"),
    "byte order mark": (JSON, b"\xef\xbb\xbf" + PLAN.encode(), "submitter"),
    "charset": ({"content-type": "application/json; charset=utf-8"}, PLAN.encode(), "submitter"),
    "problem+json": ({"content-type": "application/problem+json"}, PLAN.encode(), "submitter"),
    "text/plain": ({"content-type": "text/plain"}, PLAN.encode(), "submitter"),
    "no content type": ({}, PLAN.encode(), "submitter"),
    "no key": (JSON, PLAN.encode(), None),
    "role without the right": (JSON, PLAN.encode(), "approver"),
    "no key, malformed body": (JSON, b"{", None),
    "no key, invalid body": (JSON, b'{"dry_run": true}', None),
    "bad idempotency key": ({**JSON, "idempotency-key": "not ok"}, PLAN.replace("true", "false").encode(), "submitter"),
}


@pytest.fixture
def route_class() -> type[FastPathRoute]:
    (route,) = [
        r for r in decision_routes.router.routes if isinstance(r, FastPathRoute) and r.methods == {"POST"}
    ]
    return type(route)


@pytest.fixture
def taken(route_class: type[FastPathRoute], monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Records, per request, whether the fast path took it."""
    resolve = route_class.resolve
    seen: list[bool] = []

    async def watched(request: Request) -> dict[str, Any] | None:
        arguments = await resolve(request)
        seen.append(arguments is not None)
        return arguments

    monkeypatch.setattr(route_class, "resolve", staticmethod(watched))
    yield seen


def _send(client: Any, keys: Keys, name: str) -> tuple[int, Any, dict[str, str]]:
    headers, body, role = REQUESTS[name]
    sent = {**headers, **(keys.headers(role) if role else {})}
    response = client.post("/v1/decisions", content=body, headers=sent)
    try:
        payload: Any = response.json()
    except ValueError:
        payload = response.text
    kept = {k: v for k, v in response.headers.items() if k not in ("content-length", "date")}
    return response.status_code, payload, kept


@pytest.mark.parametrize("name", list(REQUESTS))
def test_the_answer_is_fastapis_answer(
    client: Any,
    keys: Keys,
    published: dict[str, Any],
    route_class: type[FastPathRoute],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    served = _send(client, keys, name)

    async def never(request: Request) -> None:
        return None

    monkeypatch.setattr(route_class, "resolve", staticmethod(never))
    assert _send(client, keys, name) == served


@pytest.mark.parametrize(
    ("name", "fast"),
    [("plan", True), ("budget", True), ("no date", True), ("invalid document", True), ("NUL in text", True)]
    + [(name, False) for name in ("extra field", "malformed JSON", "empty body", "NaN", "big integer", "charset")]
    + [(name, False) for name in ("lone surrogate", "byte order mark", "text/plain", "no content type")],
)
def test_plain_requests_take_the_fast_path_and_others_do_not(
    client: Any, keys: Keys, published: dict[str, Any], taken: list[bool], name: str, fast: bool
) -> None:
    _send(client, keys, name)
    assert taken == [fast]


def test_recorded_decisions_are_the_same_down_both_paths(
    client: Any,
    keys: Keys,
    published: dict[str, Any],
    route_class: type[FastPathRoute],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = json.dumps({"document": document("data/budget-many.yaml"), "date": "2026-07-15"})
    headers = {**JSON, **keys.headers("submitter")}
    fast = client.post("/v1/decisions", content=body, headers=headers)

    async def never(request: Request) -> None:
        return None

    monkeypatch.setattr(route_class, "resolve", staticmethod(never))
    general = client.post("/v1/decisions", content=body, headers=headers)
    assert fast.status_code == general.status_code == 201
    volatile = {"id", "sequence", "created_at", "chain"}
    assert {k: v for k, v in fast.json().items() if k not in volatile} == {
        k: v for k, v in general.json().items() if k not in volatile
    }


def test_a_fast_path_endpoint_must_be_async() -> None:
    def endpoint() -> None:
        return None

    async def resolve(request: Request) -> None:
        return None

    with pytest.raises(TypeError, match="async def"):
        fast_path_route(resolve)("/x", endpoint, methods=["POST"])
