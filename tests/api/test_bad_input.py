"""Bad input never hurts: every malformed request is a located 4xx, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from api.settings import Settings
from tests.api.support import Keys, document, frozen_charter

JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def unsafe_client(app: Any) -> Any:
    """A client that turns server errors into 500 responses instead of raising them."""
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _post(client: Any, keys: Keys, raw: bytes, role: str = "submitter", path: str = "/v1/decisions") -> Any:
    return client.post(path, content=raw, headers=keys.headers(role, **JSON_HEADERS))


PLAN = json.dumps({"document": {**document("data/plan.yaml"), "id": "MARK"}})
CASES = [
    ("not json", b'{"document": ', 422, "request/json-invalid"),
    ("a list", b"[1, 2]", 422, "request/not-an-object"),
    ("no body", b"", 422, "request/empty-body"),
    ("an unknown field", b'{"document": {}, "dry_rum": true}', 422, "request/extra-forbidden"),
    ("a document that is not an object", b'{"document": "budget"}', 422, "request/dict-type"),
    ("nesting beyond the parser", b'{"document": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400, None),
    ("a 5000-digit number", b'{"document": {"id": ' + b"9" * 5000 + b"}}", 400, None),
    ("nesting beyond the document limit", b'{"document": ' + b'{"a":' * 200 + b"1" + b"}" * 200 + b"}", 422, None),
    ("a NUL in the text", PLAN.replace("MARK", "\\u0000plan").encode(), 422, "request/invalid-text"),
    ("a lone surrogate", PLAN.replace("MARK", "\\udc00plan").encode(), 422, "request/invalid-text"),
    ("a surrogate in a key", b'{"document": {"kind": "budget", "\\ud800": 1}}', 422, "request/invalid-text"),
    ("an infinite amount", PLAN.replace('"ote": ', '"ote": 1e999, "x": ', 1).encode(), 422, None),
    ("NaN", b'{"document": {"kind": "budget", "id": NaN}}', 422, None),
    ("an unknown kind", b'{"document": {"kind": "invoice"}}', 422, "document/unknown-kind"),
    (
        "a bad date",
        b'{"document": {"kind": "budget"}, "date": "15/07/2026"}',
        422,
        "request/date-from-datetime-parsing",
    ),
]


@pytest.mark.parametrize(("raw", "status", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_submissions(
    unsafe_client: Any, keys: Keys, published: dict[str, Any], raw: bytes, status: int, code: str | None
) -> None:
    response = _post(unsafe_client, keys, raw)
    assert response.status_code == status, response.text
    body = response.json()
    if status == 422:
        assert body["diagnostics"] and all("pointer" in d and d["code"] for d in body["diagnostics"])
        if code:
            assert code in {d["code"] for d in body["diagnostics"]}
    else:
        assert body["code"] and body["reason"]


def test_request_problems_say_where(unsafe_client: Any, keys: Keys, published: dict[str, Any]) -> None:
    response = _post(unsafe_client, keys, b'{"document": {}, "dry_run": "maybe", "extra": 1}')
    diagnostics = response.json()["diagnostics"]
    assert {(d["in"], d["pointer"]) for d in diagnostics} == {("body", "/dry_run"), ("body", "/extra")}


def test_charters_with_unstorable_text_are_refused(unsafe_client: Any, keys: Keys) -> None:
    raw = json.dumps({**frozen_charter(), "version": "2026\u0000"}).encode()
    response = unsafe_client.put("/v1/charter", content=raw, headers=keys.headers("author", **JSON_HEADERS))
    assert response.status_code == 422 and response.json()["diagnostics"][0]["pointer"] == "/version"
    response = unsafe_client.put("/v1/charter", content=b"[]", headers=keys.headers("author", **JSON_HEADERS))
    assert response.status_code == 422


@pytest.fixture
def small_limit_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, max_body_bytes=10_000)


def test_bodies_over_the_limit_are_413(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    limit = client.app.state.service.settings.max_body_bytes
    big = b'{"document": {"kind": "budget", "id": "' + b"x" * limit + b'"}}'
    response = client.post("/v1/decisions", content=big, headers=keys.headers("submitter", **JSON_HEADERS))
    assert response.status_code == 413 and response.json()["code"] == "request/too-large"

    def chunks() -> Any:
        for _ in range(limit // 10_000 + 2):
            yield b"x" * 10_000

    streamed = client.post("/v1/decisions", content=chunks(), headers=keys.headers("submitter", **JSON_HEADERS))
    assert streamed.status_code == 413


@pytest.mark.parametrize(
    "path",
    [
        "/v1/decisions/%00",
        "/v1/decisions/a%20b",
        "/v1/decisions?kind=%00",
        "/v1/decisions?policy=%00x",
        "/v1/decisions?since=%00",
        "/v1/decisions?cursor=" + "A" * 100,
        "/v1/policy-sets/99999999999999999999999",
        "/v1/policy-sets/-1",
    ],
)
def test_odd_paths_and_queries_are_4xx(unsafe_client: Any, keys: Keys, path: str) -> None:
    response = unsafe_client.get(path, headers=keys.headers("admin"))
    assert 400 <= response.status_code < 500, response.text


def test_unknown_routes_and_methods_are_4xx(client: Any, keys: Keys) -> None:
    missing = client.get("/v1/nothing", headers=keys.headers("admin"))
    assert missing.status_code == 404
    assert missing.json() == {"code": "http/404", "reason": "not found", "detail": "not found"}
    wrong_method = client.delete("/v1/decisions", headers=keys.headers("admin"))
    assert wrong_method.status_code == 405 and wrong_method.json()["reason"] == "method not allowed"
    assert client.patch("/v1/charter", json={}, headers=keys.headers("admin")).status_code == 405


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _leaves(item, (*path, key))] or [path]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _leaves(item, (*path, index))] or [path]
    return [path]


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_documents_never_cause_a_500(
    unsafe_client: Any, keys: Keys, published: dict[str, Any], data: st.DataObject
) -> None:
    source = data.draw(st.sampled_from(["data/plan.yaml", "data/budget-many.yaml", "data/budget-soft-only.yaml"]))
    doc = document(source)
    leaves = _leaves(doc)
    path = data.draw(st.sampled_from(leaves))
    node = doc
    for part in path[:-1]:
        node = node[part]
    if path:
        node[path[-1]] = data.draw(json_values)
    response = unsafe_client.post(
        "/v1/decisions", json={"document": doc, "dry_run": True}, headers=keys.headers("submitter")
    )
    assert response.status_code in (200, 422), response.text


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values)
def test_arbitrary_json_bodies_never_cause_a_500(
    unsafe_client: Any, keys: Keys, published: dict[str, Any], body: Any
) -> None:
    for role, method, path in (
        ("submitter", "POST", "/v1/decisions"),
        ("author", "PUT", "/v1/charter"),
        ("author", "POST", "/v1/policy-sets"),
    ):
        payload = {"document": body} if path == "/v1/decisions" else body
        response = unsafe_client.request(method, path, json=payload, headers=keys.headers(role))
        assert 400 <= response.status_code < 500 or response.status_code in (200, 201), response.text


def test_a_database_outage_is_503_not_500(client: Any, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    def down() -> Any:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(client.app.state.service.database, "connection", down)
    response = client.get("/v1/decisions", headers=keys.headers("auditor"))
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert client.get("/healthz").status_code == 503


def test_a_body_sent_without_the_json_content_type_says_so(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    response = client.post(
        "/v1/decisions",
        content=PLAN.encode(),
        headers=keys.headers("submitter", **{"Content-Type": "application/x-www-form-urlencoded"}),
    )
    assert response.status_code == 422
    (diagnostic,) = response.json()["diagnostics"]
    assert diagnostic["code"] == "request/not-json"
    assert "Content-Type: application/json" in diagnostic["help"]


def test_a_bare_document_is_told_to_wrap_itself(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    bare = json.dumps(document("data/plan.yaml")).encode()
    response = _post(client, keys, bare)
    assert response.status_code == 422
    (diagnostic,) = response.json()["diagnostics"]
    assert diagnostic["code"] == "request/unwrapped-document"
    assert '{"document":' in diagnostic["help"]


def test_the_root_address_leads_to_the_api_documentation(client: Any) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (302, 307) and response.headers["location"] == "/docs"


@pytest.mark.parametrize(("page", "script"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")])
def test_the_api_documentation_works_offline(client: Any, page: str, script: str) -> None:
    """The pages load their scripts from the service itself, not from a CDN (machines may be offline)."""
    html = client.get(page)
    assert html.status_code == 200
    assert "cdn.jsdelivr.net" not in html.text and "http://" not in html.text and "https://" not in html.text
    (src,) = [part.split('"')[1] for part in html.text.split("src=")[1:] if script in part.split('"')[1]]
    asset = client.get(src)
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"] and len(asset.content) > 100_000


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b"", "request/empty-body", "the request has no body"),
        (b"[]", "request/not-an-object", "the body must be a JSON object, found a list"),
        (b'"budget"', "request/not-an-object", "the body must be a JSON object, found text `budget`"),
        (b"null", "request/not-an-object", "the body must be a JSON object, found null"),
        (b"2.5", "request/not-an-object", "the body must be a JSON object, found number `2.5`"),
    ],
)
def test_a_body_that_is_not_an_object_says_what_it_should_be(
    client: Any, keys: Keys, published: dict[str, Any], body: bytes, code: str, message: str
) -> None:
    for url, role in (("/v1/decisions", "submitter"), ("/v1/policy-sets", "author")):
        response = client.post(url, content=body, headers=keys.headers(role, **JSON_HEADERS))
        assert response.status_code == 422, (url, response.text)
        (diagnostic,) = response.json()["diagnostics"]
        assert (diagnostic["code"], diagnostic["message"], diagnostic["pointer"]) == (code, message, "")
        assert "/docs" in diagnostic["help"]
