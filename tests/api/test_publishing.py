"""Policy sets and the charter: publish, read, activate, and refuse what does not load."""

from __future__ import annotations

from typing import Any

import pytest

from engine import compile_policy_set
from tests.api.support import Keys, document, example_charter, example_files, frozen_charter, service_files

PLANS_ONLY = 'package plans\n\npolicy named "Plans have a name" {\n  on comp_plan as p\n  require length(p.id) > 0\n}\n'
BROKEN = {"broken.rev": 'package broken\n\npolicy p "t" {\n  on budget as b\n  require b.totl > 0\n}\n'}


def test_the_example_pack_publishes_with_its_version_and_policies(client: Any, keys: Keys) -> None:
    files = example_files()
    response = client.post("/v1/policy-sets", json={"files": files, "activate": True}, headers=keys.headers("author"))
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"version", "sha256", "policies", "active"}
    assert body["version"] == 1 and body["active"] is True
    expected = compile_policy_set(files)
    assert body["sha256"] == expected.sha256 and body["policies"] == expected.policy_ids


def test_the_example_charter_loads(client: Any, keys: Keys) -> None:
    response = client.put("/v1/charter", json=example_charter(), headers=keys.headers("author"))
    assert response.status_code == 201 and set(response.json()) == {"id", "version"}


def test_a_set_that_does_not_check_is_422_with_located_diagnostics(client: Any, keys: Keys) -> None:
    response = client.post("/v1/policy-sets", json={"files": BROKEN}, headers=keys.headers("author"))
    assert response.status_code == 422
    (diagnostic,) = response.json()["diagnostics"]
    assert diagnostic["code"].startswith("check/") and diagnostic["stage"] == "check"
    assert diagnostic["file"] == "broken.rev" and diagnostic["line"] == 5 and diagnostic["column"] > 1
    assert set(diagnostic) >= {"severity", "message", "help", "end_line", "end_column", "pointer"}
    assert client.get("/v1/policy-sets", headers=keys.headers("author")).json()["items"] == []


def test_a_syntax_error_is_located_too(client: Any, keys: Keys) -> None:
    files = {"bad.rev": "package bad\npolicy {"}
    response = client.post("/v1/policy-sets", json={"files": files}, headers=keys.headers("author"))
    assert response.status_code == 422
    assert response.json()["diagnostics"][0]["stage"] == "syntax"
    assert response.json()["diagnostics"][0]["line"] == 2


@pytest.mark.parametrize("name", ["../escape.rev", "/abs.rev", "a/./b.rev", "notes.txt", "a b.rev", ""])
def test_file_names_must_be_relative_rev_paths(client: Any, keys: Keys, name: str) -> None:
    response = client.post("/v1/policy-sets", json={"files": {name: "package a\n"}}, headers=keys.headers("author"))
    assert response.status_code == 422
    assert response.json()["diagnostics"][0]["pointer"].startswith("/files/")


def test_same_content_is_stored_once(client: Any, keys: Keys) -> None:
    first = client.post("/v1/policy-sets", json={"files": service_files()}, headers=keys.headers("author")).json()
    again = client.post("/v1/policy-sets", json={"files": service_files()}, headers=keys.headers("admin")).json()
    assert again["version"] == first["version"] and again["sha256"] == first["sha256"]
    assert len(client.get("/v1/policy-sets", headers=keys.headers("auditor")).json()["items"]) == 1


def test_list_get_and_activate(client: Any, keys: Keys) -> None:
    author = keys.headers("author")
    files = service_files()
    v1 = client.post("/v1/policy-sets", json={"files": files, "activate": True}, headers=author).json()
    smaller = {"plans.rev": PLANS_ONLY}
    v2 = client.post("/v1/policy-sets", json={"files": smaller}, headers=author).json()
    assert v2["version"] == v1["version"] + 1 and v2["active"] is False
    listing = client.get("/v1/policy-sets", headers=author).json()
    assert [item["version"] for item in listing["items"]] == [v2["version"], v1["version"]]
    assert listing["active_version"] == v1["version"]
    detail = client.get(f"/v1/policy-sets/{v2['version']}", headers=keys.headers("submitter")).json()
    assert detail["files"] == smaller and detail["created_by"] == "author@test.example"
    activated = client.post(f"/v1/policy-sets/{v2['version']}/activate", headers=author)
    assert activated.status_code == 200 and activated.json()["active"] is True
    assert client.get("/v1/policy-sets", headers=author).json()["active_version"] == v2["version"]
    assert client.get(f"/v1/policy-sets/{v1['version']}", headers=author).json()["active"] is False


def test_new_decisions_use_the_newly_activated_set(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    v2 = client.post(
        "/v1/policy-sets", json={"files": {"plans.rev": PLANS_ONLY}, "activate": True}, headers=keys.headers("author")
    )
    body = {"document": document("data/budget-soft-only.yaml"), "date": "2026-07-15"}
    decision = client.post("/v1/decisions", json=body, headers=keys.headers("submitter")).json()
    assert decision["policy_set_version"] == v2.json()["version"]
    assert decision["verdict"] == "pass" and decision["results"][0]["findings"] == []


@pytest.mark.parametrize("path", ["/v1/policy-sets/99", "/v1/policy-sets/99/activate"])
def test_unknown_versions_are_404(client: Any, keys: Keys, path: str) -> None:
    method = "POST" if path.endswith("activate") else "GET"
    response = client.request(method, path, headers=keys.headers("author"))
    assert response.status_code == 404 and response.json()["code"] == "policy-set/not-found"


def test_non_numeric_versions_are_422(client: Any, keys: Keys) -> None:
    response = client.get("/v1/policy-sets/latest", headers=keys.headers("author"))
    assert response.status_code == 422
    assert response.json()["diagnostics"][0]["in"] == "path"


def test_charter_put_and_get(client: Any, keys: Keys) -> None:
    assert client.get("/v1/charter", headers=keys.headers("submitter")).status_code == 404
    response = client.put("/v1/charter", json=frozen_charter(), headers=keys.headers("author"))
    assert response.status_code == 201
    assert response.json() == {"id": "charter-fy26-rev", "version": "2026.1"}
    current = client.get("/v1/charter", headers=keys.headers("submitter")).json()
    assert current["id"] == "charter-fy26-rev" and current["version"] == "2026.1"
    assert current["document"]["kind"] == "charter" and current["created_by"] == "author@test.example"
    again = client.put("/v1/charter", json=frozen_charter(), headers=keys.headers("author"))
    assert again.status_code == 201 and again.json() == response.json()


def test_an_invalid_charter_lists_every_problem_with_its_pointer(client: Any, keys: Keys) -> None:
    charter = frozen_charter()
    charter["kpis"][0]["owner"] = 42
    charter["bodies"][0]["quorum"] = "three"
    del charter["kpis"][1]["definition"]
    response = client.put("/v1/charter", json=charter, headers=keys.headers("author"))
    assert response.status_code == 422
    pointers = {d["pointer"] for d in response.json()["diagnostics"]}
    assert {"/kpis/0/owner", "/bodies/0/quorum"} <= pointers
    assert any(p.startswith("/kpis/1") for p in pointers)
    assert all(d["code"].startswith("document/") for d in response.json()["diagnostics"])


def test_a_budget_is_not_a_charter(client: Any, keys: Keys) -> None:
    response = client.put("/v1/charter", json=document("data/budget-soft-only.yaml"), headers=keys.headers("author"))
    assert response.status_code == 422 and response.json()["diagnostics"][0]["pointer"] == "/kind"


def test_a_charter_version_names_one_content(client: Any, keys: Keys) -> None:
    client.put("/v1/charter", json=frozen_charter(), headers=keys.headers("author"))
    changed = frozen_charter()
    changed["bodies"][0]["quorum"] = 4
    conflict = client.put("/v1/charter", json=changed, headers=keys.headers("author"))
    assert conflict.status_code == 409 and "new `version`" in conflict.json()["reason"]
    changed["version"] = "2026.2"
    assert client.put("/v1/charter", json=changed, headers=keys.headers("author")).status_code == 201
    assert client.get("/v1/charter", headers=keys.headers("author")).json()["version"] == "2026.2"
