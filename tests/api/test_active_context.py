"""The active policy set, the charter and submitters' keys are cached per worker; activations and
revocations still apply at once.

Two app instances on one database stand for two uvicorn workers: each has its own pool, cache
and group committer. Once an activation or charter update made through one has returned, the
other's next decision must be made and recorded with the new versions, although its cache still
holds the old ones (the group committer checks them under the append lock).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.settings import Settings
from api.storage import decision_log, repository
from api.storage.db import Database
from api.storage.group_commit import StaleContext, append_batch
from tests.api.support import Keys, document, frozen_charter

PLANS_ONLY = 'package plans\n\npolicy named "Plans have a name" {\n  on comp_plan as p\n  require length(p.id) > 0\n}\n'


@pytest.fixture
def other_worker(settings: Settings, database: Database) -> Iterator[TestClient]:
    """A second service on the same database, with its own connections, caches and committer."""
    with TestClient(create_app(settings)) as client:
        yield client


def submit(client: TestClient, keys: Keys, source: str = "data/budget-many.yaml", **extra: Any) -> Any:
    body = {"document": document(source), "date": "2026-07-15", **extra}
    return client.post("/v1/decisions", json=body, headers=keys.headers("submitter"))


def test_an_activation_in_one_worker_applies_to_the_next_decision_in_another(
    client: Any, other_worker: TestClient, keys: Keys, published: dict[str, Any]
) -> None:
    before = submit(other_worker, keys).json()  # the other worker now caches the first set
    assert before["policy_set_version"] == published["version"] and before["verdict"] == "block"
    author = keys.headers("author")
    v2 = client.post("/v1/policy-sets", json={"files": {"plans.rev": PLANS_ONLY}}, headers=author).json()
    assert client.post(f"/v1/policy-sets/{v2['version']}/activate", headers=author).status_code == 200

    after = submit(other_worker, keys)
    assert after.status_code == 201, after.text
    assert after.json()["policy_set_version"] == v2["version"]
    assert after.json()["policy_set"]["sha256"] == v2["sha256"] and after.json()["verdict"] == "pass"
    stored = other_worker.get(f"/v1/decisions/{after.json()['id']}", headers=keys.headers("auditor")).json()
    assert stored == after.json()
    assert client.get("/v1/audit/verify", headers=keys.headers("auditor")).json()["ok"] is True


def test_a_charter_update_in_one_worker_applies_to_the_next_decision_in_another(
    client: Any, other_worker: TestClient, keys: Keys, published: dict[str, Any]
) -> None:
    assert submit(other_worker, keys).json()["charter_version"] == "2026.1"
    charter = {**frozen_charter(), "version": "2026.2"}
    assert client.put("/v1/charter", json=charter, headers=keys.headers("author")).status_code == 201

    after = submit(other_worker, keys).json()
    assert after["charter_version"] == "2026.2"
    assert after["charter"] == {"id": "charter-fy26-rev", "version": "2026.2"}


def test_each_later_decision_in_the_other_worker_keeps_the_new_set(
    client: Any, other_worker: TestClient, keys: Keys, published: dict[str, Any]
) -> None:
    submit(other_worker, keys)
    author = keys.headers("author")
    body = {"files": {"plans.rev": PLANS_ONLY}, "activate": True}
    v2 = client.post("/v1/policy-sets", json=body, headers=author).json()
    versions = {submit(other_worker, keys).json()["policy_set_version"] for _ in range(3)}
    assert versions == {v2["version"]}


def test_a_dry_run_in_the_other_worker_uses_the_new_set(
    client: Any, other_worker: TestClient, keys: Keys, published: dict[str, Any]
) -> None:
    submit(other_worker, keys)
    body = {"files": {"plans.rev": PLANS_ONLY}, "activate": True}
    v2 = client.post("/v1/policy-sets", json=body, headers=keys.headers("author")).json()
    preview = submit(other_worker, keys, dry_run=True)
    assert preview.status_code == 200 and preview.json()["policy_set_version"] == v2["version"]


def test_a_retry_after_an_activation_still_gets_the_first_answer(
    client: Any, other_worker: TestClient, keys: Keys, published: dict[str, Any]
) -> None:
    headers = keys.headers("submitter", **{"Idempotency-Key": "once"})
    body = {"document": document("data/budget-many.yaml"), "date": "2026-07-15"}
    first = other_worker.post("/v1/decisions", json=body, headers=headers).json()
    activate = {"files": {"plans.rev": PLANS_ONLY}, "activate": True}
    client.post("/v1/policy-sets", json=activate, headers=keys.headers("author"))
    again = other_worker.post("/v1/decisions", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == first


def _entry(record_of: dict[str, Any], evaluated_with: tuple[int, int | None]) -> decision_log.Entry:
    record = {key: value for key, value in record_of.items() if key not in ("id", "sequence", "created_at", "chain")}
    return decision_log.Entry(record, "submitter@test.example", evaluated_with=evaluated_with)


def test_the_committer_refuses_an_entry_evaluated_with_other_versions(
    client: Any, keys: Keys, database: Database, published: dict[str, Any]
) -> None:
    made = submit(client, keys).json()
    with database.appending() as session:
        (current, stale) = append_batch(
            session, [_entry(made, (published["version"], 1)), _entry(made, (published["version"] + 1, 1))]
        )
    assert not isinstance(current, StaleContext) and current[0].seq == 2
    assert isinstance(stale, StaleContext) and stale.current == (published["version"], 1)
    listed = client.get("/v1/decisions", headers=keys.headers("auditor")).json()["items"]
    assert [item["sequence"] for item in listed] == [2, 1]


def _revoke(keys: Keys, name: str) -> None:
    with keys.database.writing() as session:
        repository.revoke_key(session, keys.tokens[name])


def _count(keys: Keys) -> int:
    with keys.database.reading() as session:
        return int(session.execute(text("SELECT count(*) FROM decisions")).scalar_one())


@pytest.mark.parametrize("extra", [{}, {"dry_run": True}, {"headers": {"Idempotency-Key": "k1"}}])
def test_a_key_revoked_after_the_worker_cached_it_cannot_submit(
    client: Any, keys: Keys, published: dict[str, Any], extra: dict[str, Any]
) -> None:
    headers = keys.headers("submitter", **extra.get("headers", {}))
    body = {"document": document("data/plan.yaml"), "date": "2026-07-15", "dry_run": extra.get("dry_run", False)}
    assert client.post("/v1/decisions", json=body, headers=headers).status_code in (200, 201)  # now cached
    recorded = _count(keys)
    _revoke(keys, "submitter")
    response = client.post("/v1/decisions", json=body, headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "auth/revoked-key"
    assert _count(keys) == recorded
    again = client.post("/v1/decisions", json=body, headers=headers)  # read from the database this time
    assert again.status_code == 401 and again.json()["code"] == "auth/revoked-key"


def test_a_key_revoked_while_cached_in_another_worker_cannot_submit_there(
    client: Any, other_worker: TestClient, keys: Keys, published: dict[str, Any]
) -> None:
    assert submit(other_worker, keys).status_code == 201
    _revoke(keys, "submitter")
    response = submit(other_worker, keys)
    assert response.status_code == 401 and response.json()["code"] == "auth/revoked-key"
    assert _count(keys) == 1


def test_a_worker_compiles_the_set_in_force_before_it_takes_requests(
    settings: Settings, database: Database, published: dict[str, Any]
) -> None:
    app = create_app(settings)
    state = app.state.service
    assert state.cached_context is None  # nothing is read before startup...
    with TestClient(app):  # ...and startup (uvicorn's lifespan) reads and compiles what is in force
        warmed = state.cached_context
        assert warmed is not None and warmed.policy_set_version == published["version"]
        assert warmed.policy_set.sha256 == published["sha256"]


def test_a_worker_starts_when_nothing_is_active_yet(settings: Settings, database: Database) -> None:
    app = create_app(settings)
    with TestClient(app) as fresh:
        assert app.state.service.cached_context is None
        assert fresh.get("/healthz").status_code == 200


def test_a_worker_that_cannot_warm_still_starts_and_says_so(
    settings: Settings, database: Database, published: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings)
    state = app.state.service

    def unavailable() -> None:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(state, "active_context", unavailable)
    with TestClient(app) as started:  # startup logs the error instead of failing the worker
        assert state.cached_context is None
        assert started.get("/healthz").status_code == 200
