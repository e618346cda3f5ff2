"""Overrides: the rules as data (data/override_cases.yaml), and what a granted one records."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import Keys, document, load_yaml

CASES = load_yaml("override_cases.yaml")["cases"]
REASON = "agreed at the July forecast review"


def submit(client: Any, keys: Keys, source: str, *, submitter: str | None = None, **extra: Any) -> dict[str, Any]:
    headers = keys.add("submitter", submitter) if submitter else keys.headers("submitter")
    body = {"document": document(source, extra.pop("changes", None)), "date": extra.pop("date", "2026-07-15")}
    response = client.post("/v1/decisions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def override(client: Any, keys: Keys, decision_id: str, approver: str, **body: Any) -> Any:
    name = f"approver:{approver}"
    headers = keys.headers(name) if name in keys.tokens else keys.add("approver", approver, name=name)
    payload = {"justification": "events drive the shared pipeline KPI this quarter", "expires": "2099-12-31", **body}
    return client.post(f"/v1/decisions/{decision_id}/overrides", json=payload, headers=headers)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_override_rules(client: Any, keys: Keys, published: dict[str, Any], case: dict[str, Any]) -> None:
    original = submit(
        client,
        keys,
        case["document"],
        submitter=case.get("submitter"),
        changes=case.get("changes"),
        date=case.get("date", "2026-07-15"),
    )
    extra = {"expires": case["expires"]} if "expires" in case else {}
    response = override(
        client, keys, original["id"], case["approver"], policy=case["policy"], path=case["path"], **extra
    )
    assert response.status_code == case["status"], response.text
    body = response.json()
    if case["status"] == 201:
        assert body["verdict"] == case["verdict"]
        assert body["derived_from"] == original["id"] and body["id"] != original["id"]
        return
    assert body["code"] == case["code"]
    for words in case.get("reason", []):
        assert words in body["reason"]


def test_a_granted_override_is_a_new_record_and_the_original_stays(
    client: Any, keys: Keys, published: dict[str, Any]
) -> None:
    original = submit(client, keys, "data/budget-soft-only.yaml")
    derived = override(
        client, keys, original["id"], "cfo@acme.example", policy="service.justified", path="/shifts/0"
    ).json()
    assert derived["verdict"] == "warn" and original["verdict"] == "block"
    (finding,) = derived["results"][0]["findings"]
    assert finding["overridden_by"] == "cfo@acme.example" and finding["outcome"] == "fail"
    assert derived["results"][0]["overrides"][0]["status"] == "applied"
    (granted,) = derived["overrides"]
    assert granted["approver"] == "cfo@acme.example" and granted["justification"].startswith("events")
    assert derived["submitted_by"] == original["submitted_by"] and derived["recorded_by"] == "cfo@acme.example"
    assert derived["document_sha256"] == original["document_sha256"]
    assert derived["policy_set_version"] == original["policy_set_version"] and derived["date"] == original["date"]
    assert derived["supersedes"] == original["id"]
    again = client.get(f"/v1/decisions/{original['id']}", headers=keys.headers("auditor")).json()
    assert again == original
    assert client.get("/v1/audit/verify", headers=keys.headers("auditor")).json()["ok"] is True


def test_overrides_accumulate_on_the_original(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    original = submit(client, keys, "data/budget-many.yaml")
    first = override(
        client, keys, original["id"], "cfo@acme.example", policy="service.justified", path="/shifts/0"
    ).json()
    # Addressed to the derived record: resolved to the original, keeping the first override.
    second = override(
        client, keys, first["id"], "cmo@acme.example", policy="service.kpi_owner_agrees", path="/shifts/0"
    ).json()
    assert second["derived_from"] == original["id"] and second["supersedes"] == first["id"]
    assert [o["approver"] for o in second["overrides"]] == ["cfo@acme.example", "cmo@acme.example"]
    overridden = {f["policy"]: f["overridden_by"] for f in second["results"][0]["findings"]}
    assert overridden["service.justified"] == "cfo@acme.example"
    assert overridden["service.kpi_owner_agrees"] == "cmo@acme.example"
    assert second["verdict"] == "block"  # no_self_approval is hard


def test_overriding_twice_is_409(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    original = submit(client, keys, "data/budget-soft-only.yaml")
    args = {"policy": "service.justified", "path": "/shifts/0"}
    assert override(client, keys, original["id"], "cfo@acme.example", **args).status_code == 201
    again = override(client, keys, original["id"], "cfo@acme.example", **args)
    assert again.status_code == 409 and again.json()["code"] == "override/already-overridden"


def test_an_unknown_decision_is_404(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    response = override(client, keys, "dec_missing", "cfo@acme.example", policy="a.b", path="")
    assert response.status_code == 404 and response.json()["code"] == "decision/not-found"


def test_overrides_honour_idempotency_keys(client: Any, keys: Keys, published: dict[str, Any]) -> None:
    original = submit(client, keys, "data/budget-soft-only.yaml")
    headers = keys.add("approver", "cfo@acme.example", name="cfo")
    payload = {
        "policy": "service.justified",
        "path": "/shifts/0",
        "justification": "pipeline first, agreed at the forecast review",
        "expires": "2099-12-31",
    }
    url = f"/v1/decisions/{original['id']}/overrides"
    first = client.post(url, json=payload, headers={**headers, "Idempotency-Key": "o-1"})
    again = client.post(url, json=payload, headers={**headers, "Idempotency-Key": "o-1"})
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        ({"path": "/shifts/0", "justification": REASON, "expires": "2099-12-31"}, "/policy"),
        ({"policy": "a.b", "path": "shifts/0", "justification": REASON, "expires": "2099-12-31"}, "/path"),
        ({"policy": "a.b", "path": "", "justification": "   ", "expires": "2099-12-31"}, "/justification"),
        ({"policy": "a.b", "path": "", "justification": "ok", "expires": "2099-12-31"}, "/justification"),
        ({"policy": "a.b", "path": "", "justification": " " * 30 + "ok", "expires": "2099-12-31"}, "/justification"),
        ({"policy": "a.b", "path": "", "justification": REASON, "expires": "soon"}, "/expires"),
        ({"policy": "a.b", "path": "", "justification": REASON}, "/expires"),
        ({"policy": "a.b", "path": "", "justification": REASON, "expires": "2099-01-01", "approver": "x"}, "/approver"),
    ],
)
def test_malformed_overrides_are_located(
    client: Any, keys: Keys, published: dict[str, Any], payload: dict[str, Any], pointer: str
) -> None:
    original = submit(client, keys, "data/budget-soft-only.yaml")
    response = client.post(f"/v1/decisions/{original['id']}/overrides", json=payload, headers=keys.headers("approver"))
    assert response.status_code == 422
    assert [d["pointer"] for d in response.json()["diagnostics"]] == [pointer]


def test_an_override_recorded_before_expiry_was_required_still_counts(
    app: Any, client: Any, keys: Keys, published: dict[str, Any]
) -> None:
    """Records made before `expires` and a 20-character justification were required may hold an
    override without them; a later override on the decision keeps it and re-derives with it."""
    from api.auth import Principal
    from api.decisions import grant_override
    from api.roles import Role
    from api.wire import OverrideCreate

    original = submit(client, keys, "data/budget-many.yaml")
    legacy = OverrideCreate.model_construct(  # unvalidated, as the old rules let it through
        policy="service.justified", path="/shifts/0", justification="ok", expires=None
    )
    cfo = Principal(key_id="legacy", email="cfo@acme.example", role=Role.APPROVER)
    assert grant_override(app.state.service, cfo, original["id"], legacy, None).status == 201

    second = override(
        client, keys, original["id"], "cmo@acme.example", policy="service.kpi_owner_agrees", path="/shifts/0"
    )
    assert second.status_code == 201, second.text
    body = second.json()
    assert [(o["approver"], o["expires"]) for o in body["overrides"]] == [
        ("cfo@acme.example", None),
        ("cmo@acme.example", "2099-12-31"),
    ]
    overridden = {f["policy"]: f["overridden_by"] for f in body["results"][0]["findings"]}
    assert overridden["service.justified"] == "cfo@acme.example"
    assert overridden["service.kpi_owner_agrees"] == "cmo@acme.example"
