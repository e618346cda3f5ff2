"""Concurrent writers: every acknowledged decision is recorded exactly once, in one unbroken chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import text

from tests.api.support import Keys, document

THREADS = 8
PER_THREAD = 50


def test_parallel_submissions_make_one_intact_chain(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    headers = keys.headers("submitter")
    sources = ["data/plan.yaml", "data/budget-many.yaml", "data/budget-soft-only.yaml"]
    bodies = [{"document": document(source), "date": "2026-07-15"} for source in sources]

    def worker(thread: int) -> list[str]:
        ids = []
        for i in range(PER_THREAD):
            response = client.post("/v1/decisions", json=bodies[(thread + i) % len(bodies)], headers=headers)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        return ids

    with ThreadPoolExecutor(THREADS) as pool:
        ids = [i for batch in pool.map(worker, range(THREADS)) for i in batch]
    assert len(ids) == len(set(ids)) == THREADS * PER_THREAD
    with keys.database.reading() as session:
        count, low, high = session.execute(text("SELECT count(*), min(seq), max(seq) FROM decisions")).one()
    assert (count, low, high) == (THREADS * PER_THREAD, 1, THREADS * PER_THREAD)
    report = client.get("/v1/audit/verify", headers=keys.headers("auditor")).json()
    assert report["ok"] is True and report["checked"] == THREADS * PER_THREAD


def test_retries_with_one_idempotency_key_race_to_one_decision(
    client: Any, keys: Keys, published: dict[str, Any]
) -> None:
    headers = keys.headers("submitter", **{"Idempotency-Key": "retry-storm"})
    body = {"document": document("data/plan.yaml"), "date": "2026-07-15"}
    with ThreadPoolExecutor(THREADS) as pool:
        responses = list(pool.map(lambda _: client.post("/v1/decisions", json=body, headers=headers), range(16)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(client.get("/v1/decisions", headers=keys.headers("auditor")).json()["items"]) == 1


def test_simultaneous_overrides_both_survive(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    body = {"document": document("data/budget-many.yaml"), "date": "2026-07-15"}
    original = client.post("/v1/decisions", json=body, headers=keys.headers("submitter")).json()
    grants = [
        (keys.add("approver", "cfo@acme.example"), "service.justified"),
        (keys.add("approver", "cmo@acme.example"), "service.kpi_owner_agrees"),
    ]

    def grant(item: tuple[dict[str, str], str]) -> Any:
        headers, policy = item
        payload = {
            "policy": policy,
            "path": "/shifts/0",
            "justification": "pipeline first this quarter",
            "expires": "2099-12-31",
        }
        return client.post(f"/v1/decisions/{original['id']}/overrides", json=payload, headers=headers)

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(grant, grants))
    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
    latest = max((r.json() for r in responses), key=lambda record: record["sequence"])
    assert {o["approver"] for o in latest["overrides"]} == {"cfo@acme.example", "cmo@acme.example"}
