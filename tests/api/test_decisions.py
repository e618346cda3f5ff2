"""Submitting documents and reading the decision log."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from api import decisions
from tests.api.support import Keys, document, service_files

ENVELOPE = {"results", "policy_set", "charter", "date"}
RECORD = {"id", "policy_set_version", "charter_version", "submitted_by", "created_at"}


def submit(client: Any, keys: Keys, source: str, role: str = "submitter", **extra: Any) -> Any:
    headers = keys.headers(role, **extra.pop("headers", {}))
    return client.post(
        "/v1/decisions", json={"document": document(source), "date": "2026-07-15", **extra}, headers=headers
    )


def test_a_decision_has_the_check_shape_plus_its_record(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    response = submit(client, keys, "data/budget-many.yaml")
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= ENVELOPE | RECORD
    (result,) = body["results"]
    assert result["verdict"] == "block" and result["kind"] == "budget" and result["id"] == "bud-fy26-q3-many"
    assert {f["policy"] for f in result["findings"]} == {
        "service.no_self_approval",
        "service.justified",
        "service.kpi_owner_agrees",
        "service.small_share",
    }
    assert result["policies"]["service.line_owner_approves"] == "pass"
    finding = next(f for f in result["findings"] if f["policy"] == "service.justified")
    assert set(finding) >= {"title", "outcome", "enforcement", "message", "path", "values", "source", "override_by"}
    assert finding["override_by"] == ["cfo@acme.example"] and finding["path"] == "/shifts/0"
    assert body["policy_set"] == {"sha256": published["sha256"], "policies": published["policies"]}
    assert body["charter"] == {"id": "charter-fy26-rev", "version": "2026.1"} and body["charter_version"] == "2026.1"
    assert body["date"] == "2026-07-15" and body["policy_set_version"] == published["version"]
    assert body["submitted_by"] == "submitter@test.example" and body["verdict"] == "block"
    assert len(body["document_sha256"]) == 64 and body["document"]["id"] == "bud-fy26-q3-many"
    assert dt.datetime.fromisoformat(body["created_at"].replace("Z", "+00:00")).tzinfo is not None


def test_documents_are_evaluated_off_the_event_loop(
    client: Any, keys: Keys, published: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Evaluation is CPU-bound: on the loop it would hold up every other request (issue 4)."""
    evaluate = decisions._evaluate
    loops: list[bool] = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            loops.append(True)
        except RuntimeError:
            loops.append(False)
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(decisions, "_evaluate", watched)
    assert submit(client, keys, "data/plan.yaml").status_code == 201
    dry = {"document": document("data/plan.yaml"), "date": "2026-07-15", "dry_run": True}
    assert client.post("/v1/decisions", json=dry, headers=keys.headers("submitter")).status_code == 200
    assert loops == [False, False]


def test_reading_a_decision_returns_exactly_what_was_recorded(
    client: Any, keys: Keys, published: dict[str, Any]
) -> None:
    created = submit(client, keys, "data/plan.yaml").json()
    for role in ("auditor", "approver", "admin", "submitter"):
        read = client.get(f"/v1/decisions/{created['id']}", headers=keys.headers(role))
        assert read.status_code == 200 and read.json() == created
    assert client.get("/v1/decisions/dec_nope", headers=keys.headers("auditor")).status_code == 404


def test_the_date_defaults_to_today(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    body = {"document": document("data/plan.yaml")}
    response = client.post("/v1/decisions", json=body, headers=keys.headers("submitter"))
    assert response.status_code == 201
    assert response.json()["date"] == dt.datetime.now(dt.UTC).date().isoformat()


def test_an_invalid_document_lists_every_problem_with_its_pointer(
    client: Any, keys: Keys, published: dict[str, Any]
) -> None:
    plan = document("data/plan.yaml")
    plan["components"][0]["weigth"] = plan["components"][0].pop("weight")
    plan["ote"] = "lots"
    plan["effective"]["start"] = "July 1st"
    response = client.post("/v1/decisions", json={"document": plan}, headers=keys.headers("submitter"))
    assert response.status_code == 422
    diagnostics = response.json()["diagnostics"]
    pointers = {d["pointer"] for d in diagnostics}
    assert {"/ote", "/effective/start"} <= pointers
    assert any(p.startswith("/components/0") for p in pointers)
    assert any("weight" in (d["help"] or "") for d in diagnostics)
    assert client.get("/v1/decisions", headers=keys.headers("auditor")).json()["items"] == []


def test_a_dry_run_decides_without_recording(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    response = submit(client, keys, "data/budget-many.yaml", dry_run=True)
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True and body["id"] is None and body["verdict"] == "block"
    assert set(body) >= ENVELOPE
    assert client.get("/v1/decisions", headers=keys.headers("auditor")).json()["items"] == []


def test_without_an_active_policy_set_submissions_are_409(client: Any, keys: Keys) -> None:
    response = submit(client, keys, "data/plan.yaml")
    assert response.status_code == 409 and response.json()["code"] == "policy-set/none-active"


def test_without_a_charter_decisions_record_none(client: Any, keys: Keys) -> None:
    client.post("/v1/policy-sets", json={"files": service_files(), "activate": True}, headers=keys.headers("author"))
    body = submit(client, keys, "data/plan.yaml").json()
    assert body["charter"] is None and body["charter_version"] is None


UNEVEN = {"/components/1/weight": "15%"}


@pytest.fixture
def log(client: Any, keys: Keys, published: dict[str, Any]) -> list[dict[str, Any]]:
    """Six decisions, oldest first: comp plans that pass and block, budgets that block."""
    made = []
    for source, changes in [
        ("data/plan.yaml", None),
        ("data/plan.yaml", UNEVEN),
        ("data/budget-many.yaml", None),
        ("data/plan.yaml", None),
        ("data/plan.yaml", UNEVEN),
        ("data/budget-soft-only.yaml", None),
    ]:
        body = {"document": document(source, changes), "date": "2026-07-15"}
        made.append(client.post("/v1/decisions", json=body, headers=keys.headers("submitter")).json())
    return made


def _ids(client: Any, keys: Keys, query: str) -> list[str]:
    response = client.get(f"/v1/decisions{query}", headers=keys.headers("auditor"))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_listing_is_newest_first_and_filters(client: Any, keys: Keys, log: list[dict[str, Any]]) -> None:
    ids = [d["id"] for d in log]
    assert _ids(client, keys, "") == ids[::-1]
    assert _ids(client, keys, "?kind=comp_plan") == [ids[4], ids[3], ids[1], ids[0]]
    assert _ids(client, keys, "?verdict=pass") == [ids[3], ids[0]]
    assert _ids(client, keys, "?kind=budget&verdict=block") == [ids[5], ids[2]]
    assert _ids(client, keys, "?policy=service.justified") == [ids[5], ids[2]]
    assert _ids(client, keys, "?policy=service.weights_total_100") == [ids[4], ids[1]]
    assert _ids(client, keys, "?kind=comp_plan&verdict=block&policy=service.weights_total_100&limit=1") == [ids[4]]
    since = log[2]["created_at"]
    assert _ids(client, keys, f"?since={since}") == ids[:1:-1][:4]
    assert _ids(client, keys, f"?until={since}") == [ids[1], ids[0]]
    assert _ids(client, keys, "?since=2999-01-01") == []


def test_cursor_pagination_walks_the_whole_log_once(client: Any, keys: Keys, log: list[dict[str, Any]]) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "?limit=4" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/v1/decisions{query}", headers=keys.headers("auditor")).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 2 and seen == [d["id"] for d in log][::-1]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("?limit=0", "limit"),
        ("?limit=501", "limit"),
        ("?verdict=maybe", "verdict"),
        ("?since=yesterday", "since"),
        ("?cursor=zzz", "cursor"),
    ],
)
def test_bad_query_parameters_are_located(client: Any, keys: Keys, query: str, name: str) -> None:
    response = client.get(f"/v1/decisions{query}", headers=keys.headers("auditor"))
    assert response.status_code == 422
    (diagnostic,) = response.json()["diagnostics"]
    assert diagnostic["in"] == "query" and diagnostic["pointer"] == f"/{name}"


def test_idempotency_key_returns_the_first_decision_and_stores_it_once(
    client: Any, keys: Keys, published: dict[str, Any]
) -> None:
    first = submit(client, keys, "data/plan.yaml", headers={"Idempotency-Key": "req-1"})
    again = submit(client, keys, "data/plan.yaml", headers={"Idempotency-Key": "req-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(_ids(client, keys, "")) == 1
    other = submit(client, keys, "data/plan.yaml", headers={"Idempotency-Key": "req-2"})
    assert other.json()["id"] != first.json()["id"]
    assert len(_ids(client, keys, "")) == 2


def test_reusing_an_idempotency_key_for_another_request_is_422(
    client: Any, keys: Keys, published: dict[str, Any]
) -> None:
    submit(client, keys, "data/plan.yaml", headers={"Idempotency-Key": "req-1"})
    response = submit(client, keys, "data/budget-many.yaml", headers={"Idempotency-Key": "req-1"})
    assert response.status_code == 422
    assert response.json()["diagnostics"][0]["code"] == "request/idempotency-key-reused"


def test_idempotency_keys_belong_to_their_caller(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    keys.add("submitter", "other@test.example", name="other")
    mine = submit(client, keys, "data/plan.yaml", headers={"Idempotency-Key": "shared"}).json()
    theirs = submit(client, keys, "data/plan.yaml", role="other", headers={"Idempotency-Key": "shared"}).json()
    assert mine["id"] != theirs["id"] and theirs["submitted_by"] == "other@test.example"


@pytest.mark.parametrize("key", [b"", b"x" * 256, b"with space", "ünïcode".encode()])
def test_malformed_idempotency_keys_are_422(client: Any, keys: Keys, published: dict[str, Any], key: bytes) -> None:
    headers = {"Idempotency-Key": key}
    response = submit(client, keys, "data/plan.yaml", headers=headers)
    assert response.status_code == 422
    assert response.json()["diagnostics"][0]["in"] == "header"
