"""The whole role × endpoint matrix (data/access.yaml), and the ways a key can be missing or bad."""

from __future__ import annotations

from typing import Any

import pytest

from api.storage import repository
from tests.api.support import ROLES, Keys, document, frozen_charter, load_yaml, service_files

MATRIX = load_yaml("access.yaml")
CELLS = [(row, role) for row in MATRIX["endpoints"] for role in ROLES]


def _bodies() -> dict[str, Any]:
    return {
        "policy_set": {"files": service_files(), "activate": False},
        "charter": frozen_charter(),
        "decision": {"document": document("data/budget-soft-only.yaml"), "date": "2026-07-15"},
        "override": {
            "policy": "service.justified",
            "path": "/shifts/0",
            "justification": "events drive the shared pipeline KPI",
            "expires": "2099-12-31",
        },
    }


@pytest.fixture
def decision_id(client: Any, keys: Keys, published: dict[str, Any]) -> str:
    body = {"document": document("data/budget-soft-only.yaml"), "date": "2026-07-15"}
    response = client.post("/v1/decisions", json=body, headers=keys.headers("submitter"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _call(client: Any, row: dict[str, Any], headers: dict[str, str], decision: str, version: int) -> Any:
    path = row["path"].format(decision=decision, version=version)
    body = _bodies()[row["body"]] if "body" in row else None
    return client.request(row["method"], path, json=body, headers=headers)


@pytest.mark.parametrize(("row", "role"), CELLS, ids=[f"{r['method']} {r['path']} as {role}" for r, role in CELLS])
def test_role_matrix(
    client: Any, keys: Keys, published: dict[str, Any], decision_id: str, row: dict[str, Any], role: str
) -> None:
    response = _call(client, row, keys.headers(role), decision_id, published["version"])
    assert response.status_code < 500, response.text
    if role in row["allow"]:
        assert response.status_code != 401
        assert response.json().get("code") != "auth/forbidden", response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "auth/forbidden"
        assert f"`{role}`" in response.json()["reason"]


@pytest.mark.parametrize("row", MATRIX["endpoints"], ids=lambda r: f"{r['method']} {r['path']}")
@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "auth/missing-key"),
        ("Bearer rvg_not-a-real-key", "auth/unknown-key"),
        ("Basic dXNlcjpwYXNz", "auth/bad-scheme"),
        ("Bearer", "auth/bad-scheme"),
    ],
)
def test_every_endpoint_needs_a_valid_key(
    client: Any, published: dict[str, Any], row: dict[str, Any], authorization: str | None, code: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = _call(client, row, headers, "dec_x", published["version"])
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working_at_once(client: Any, keys: Keys) -> None:
    headers = keys.headers("auditor")
    assert client.get("/v1/audit/verify", headers=headers).status_code == 200
    with keys.database.writing() as session:
        repository.revoke_key(session, keys.tokens["auditor"])
    response = client.get("/v1/audit/verify", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "auth/revoked-key"


@pytest.mark.parametrize("row", MATRIX["public"], ids=lambda r: r["path"])
def test_public_endpoints_need_no_key(client: Any, row: dict[str, Any]) -> None:
    assert client.request(row["method"], row["path"]).status_code == 200


def test_submitters_read_only_their_own_decisions(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    other = keys.add("submitter", "other@test.example")
    body = {"document": document("data/budget-soft-only.yaml"), "date": "2026-07-15"}
    mine = client.post("/v1/decisions", json=body, headers=keys.headers("submitter")).json()["id"]
    theirs = client.post("/v1/decisions", json=body, headers=other).json()["id"]
    listed = client.get("/v1/decisions", headers=keys.headers("submitter")).json()["items"]
    assert [item["id"] for item in listed] == [mine]
    refused = client.get(f"/v1/decisions/{theirs}", headers=keys.headers("submitter"))
    assert refused.status_code == 403 and "only the decisions it submitted" in refused.json()["reason"]
    everything = client.get("/v1/decisions", headers=keys.headers("auditor")).json()["items"]
    assert {item["id"] for item in everything} == {mine, theirs}


def test_openapi_publishes_every_endpoint_and_the_bearer_scheme(client: Any) -> None:
    schema = client.get("/openapi.json").json()
    published = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    expected = {(row["method"], row["path"].replace("{decision}", "{decision_id}")) for row in MATRIX["endpoints"]}
    assert expected | {("GET", "/healthz")} <= published
    assert schema["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_healthz_reports_the_database(client: Any, database: Any) -> None:
    body = client.get("/healthz").json()
    assert body == {"status": "ok", "database": database.dialect, "migration": "0002"}
