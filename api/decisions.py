"""Deciding and recording: submissions, overrides and the record every decision leaves.

A decision record is the `rev check --format json` envelope for one document plus who, when
and under which versions, the canonical document and its sha256. Overrides never touch a
record: granting one re-evaluates the *original* document under the *original* policy set,
charter and date, with every override granted on it so far, and appends a new record that
points back (`derived_from`: the original, `supersedes`: the record it replaces).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from api.auth import Principal, revoked
from api.errors import ApiError, RequestProblem, check_storable_text, request_diagnostic
from api.state import EvaluationContext, ServiceState, charter_version
from api.storage import decision_log, repository
from api.storage.decision_log import StoredDecision, canonical_json, timestamp
from api.storage.group_commit import Appended, RevokedKey, StaleContext, append_batch
from api.storage.repository import utcnow
from api.wire import DecisionCreate, OverrideCreate
from engine import Decision, Override, decision_envelope, override_refusal
from policy.documents import LoadedDocument, parse_document

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a route sends back: a status and the JSON body, already serialized."""

    status: int
    body: bytes
    replayed: bool = False


def today() -> dt.date:
    """The default evaluation date: today in UTC, the same for every worker and time zone."""
    return utcnow().date()


def build_record(
    context: EvaluationContext,
    document: LoadedDocument,
    decision: Decision,
    date: dt.date,
    *,
    submitted_by: str,
    derived_from: str | None = None,
    supersedes: str | None = None,
    overrides: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The record of one decision, minus what the log adds (id, sequence, time, recorder)."""
    envelope = decision_envelope([decision], context.policy_set, context.charter, date)
    return {
        **envelope,
        "date": date.isoformat(),
        "kind": document.kind,
        "document_id": document.id,
        "verdict": decision.verdict,
        "policy_set_version": context.policy_set_version,
        "charter_version": charter_version(context.charter),
        "submitted_by": submitted_by,
        "derived_from": derived_from,
        "supersedes": supersedes,
        "overrides": list(overrides),
        "document": document.canonical,
        "document_sha256": document.sha256,
    }


def _checked_key(key: str | None) -> str | None:
    """An Idempotency-Key must be 1–255 visible ASCII characters."""
    if key is None or IDEMPOTENCY_KEY.match(key):
        return key
    problem = request_diagnostic(
        "request/invalid-idempotency-key",
        "`Idempotency-Key` must be 1 to 255 visible ASCII characters",
        location="header",
        pointer="/Idempotency-Key",
        help="use a UUID or another unique token per logical request",
    )
    raise RequestProblem([problem])


def _fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def _replay(existing: StoredDecision, fingerprint: str) -> Outcome:
    """The stored answer to a repeated request, or 422 when the key was used for another request."""
    if existing.request_sha256 != fingerprint:
        problem = request_diagnostic(
            "request/idempotency-key-reused",
            "this `Idempotency-Key` was already used for a different request",
            location="header",
            pointer="/Idempotency-Key",
            help="send a new key for a new request; reuse a key only to retry the same request",
        )
        raise RequestProblem([problem])
    return Outcome(201, existing.response_json(), replayed=True)


async def submit_decision(
    state: ServiceState, principal: Principal, request: DecisionCreate, idempotency_key: str | None
) -> Outcome:
    """Evaluate a document against the active set and charter and, unless a dry run, record it.

    Evaluation runs in one of the service's threads (`api.offload`), never on the event loop;
    the wait for the commit is on the loop, so no thread sits blocked through it.
    """
    prepared = await state.workers.run(prepare_submission, state, principal, request, idempotency_key)
    if isinstance(prepared, Outcome):
        return prepared
    try:
        stored, replayed = await state.appends.append_async(prepared.entry)
    except StaleContext:
        stored, replayed = await state.workers.run(_record_under_lock, state, prepared, principal)
    except RevokedKey:
        state.forget_key(principal.key_id)
        raise revoked(principal.key_id) from None
    return _replay(stored, prepared.fingerprint) if replayed else Outcome(201, stored.response_json())


@dataclass(frozen=True, slots=True)
class Submission:
    """A submission evaluated with the worker's cached context, ready for the group committer."""

    entry: decision_log.Entry
    document: LoadedDocument
    date: dt.date
    key: str | None
    fingerprint: str


def prepare_submission(
    state: ServiceState, principal: Principal, request: DecisionCreate, idempotency_key: str | None
) -> Submission | Outcome:
    """Everything of a submission before its append (blocking: runs in a thread).

    The answer itself for a dry run or an Idempotency-Key replay; otherwise the evaluated entry.
    """
    key = None if request.dry_run else _checked_key(idempotency_key)
    fingerprint = _fingerprint(request.model_dump(mode="json")) if key else ""
    check_storable_text(request.document, "document")
    document = parse_document(request.document, "document")
    date = request.date or today()
    if request.dry_run:
        with state.database.connection() as connection:
            _confirm_key(state, connection, principal)
            context = state.current_context(connection)
        record = _evaluate(context, document, date, principal.email)
        preview = {**record, "id": None, "sequence": None, "created_at": None, "recorded_by": principal.email}
        return Outcome(200, canonical_json({**preview, "dry_run": True, "chain": None}).encode())
    if key:
        with state.database.connection() as connection:
            _confirm_key(state, connection, principal)
            existing = decision_log.find_by_idempotency_key(connection, principal.email, key)
        if existing is not None:
            return _replay(existing, fingerprint)
    context = state.active_context()
    entry = _decide(context, document, date, principal, key, fingerprint, cached=True)
    return Submission(entry, document, date, key, fingerprint)


def _confirm_key(state: ServiceState, connection: Connection, principal: Principal) -> None:
    """401 if a key taken from the worker's cache was revoked since (for what records nothing)."""
    if principal.cached and repository.revoked_key_ids(connection, [principal.key_id]):
        state.forget_key(principal.key_id)
        raise revoked(principal.key_id)


def _evaluate(context: EvaluationContext, document: LoadedDocument, date: dt.date, submitter: str) -> dict[str, Any]:
    """The record of one fresh decision on `document` in `context`."""
    decision = context.policy_set.evaluate(document, charter=context.charter, date=date, submitted_by=submitter)
    return build_record(context, document, decision, date, submitted_by=submitter)


def _decide(
    context: EvaluationContext,
    document: LoadedDocument,
    date: dt.date,
    principal: Principal,
    key: str | None,
    fingerprint: str,
    *,
    cached: bool,
) -> decision_log.Entry:
    """Evaluate a submission and make its log entry. A `cached` context came from the worker's
    cache, so the group committer must check it is still in force (`Entry.evaluated_with`)."""
    return decision_log.Entry(
        _evaluate(context, document, date, principal.email),
        principal.email,
        key,
        fingerprint or None,
        evaluated_with=context.versions if cached else None,
        key_id=principal.key_id,
        document_json=document.canonical_json,
    )


def _record_under_lock(state: ServiceState, submission: Submission, principal: Principal) -> Appended:
    """Evaluate and append holding the append lock, with the versions in force read under it.

    The path of a decision the group committer sent back because an activation or a charter
    update landed after this worker cached its context: rare, and serialized, but it always
    ends, since nothing can change what is in force while the lock is held.
    """
    with state.database.appending() as session:
        context = state.current_context(session)
        entry = _decide(
            context,
            submission.document,
            submission.date,
            principal,
            submission.key,
            submission.fingerprint,
            cached=False,
        )
        outcome = append_batch(session, [entry])[0]
    if isinstance(outcome, RevokedKey):
        state.forget_key(principal.key_id)
        raise revoked(principal.key_id)
    assert not isinstance(outcome, StaleContext), "versions read under the append lock cannot be stale"
    return outcome


def grant_override(
    state: ServiceState, principal: Principal, decision_id: str, request: OverrideCreate, idempotency_key: str | None
) -> Outcome:
    """Re-derive a decision with one more override by the caller, and record it.

    Runs entirely under the log's append lock: two approvers overriding the same decision at
    once must each see the other's override, or the later record would silently drop one.
    """
    key = _checked_key(idempotency_key)
    fingerprint = _fingerprint({"decision": decision_id, **request.model_dump(mode="json")})
    _check_not_expired(request.expires, today())
    with state.database.appending() as session:
        if key:
            existing = decision_log.find_by_idempotency_key(session, principal.email, key)
            if existing is not None:
                return _replay(existing, fingerprint)
        record = _rederive(state, session, decision_id, principal.email, request)
        stored = decision_log.append(
            session, record, recorded_by=principal.email, idempotency_key=key, request_sha256=fingerprint
        )
    return Outcome(201, stored.response_json())


def _rederive(
    state: ServiceState, session: Session, decision_id: str, approver: str, request: OverrideCreate
) -> dict[str, Any]:
    """The record of the original decision re-evaluated with its overrides plus the new one."""
    original, latest = _original_and_latest(session, decision_id)
    context = state.recorded_context(session, original["policy_set_version"], _charter_ref(original))
    document = parse_document(original["document"], "document", expected_kind=original["kind"])
    date = dt.date.fromisoformat(original["date"])
    submitter = original["submitted_by"]
    evaluate = functools.partial(
        context.policy_set.evaluate, document, charter=context.charter, date=date, submitted_by=submitter
    )
    granted = list(latest["overrides"]) if latest else []
    prior = [_engine_override(item, original["document_id"]) for item in granted]
    new = Override(
        policy=request.policy,
        path=request.path,
        approver=approver,
        justification=request.justification,
        expires=request.expires,
        document=original["document_id"],
    )
    _refuse_unless_allowed(evaluate(overrides=prior), new, submitter)
    derived = evaluate(overrides=[*prior, new])
    _require_applied(derived, new)
    return build_record(
        context,
        document,
        derived,
        date,
        submitted_by=submitter,
        derived_from=original["id"],
        supersedes=latest["id"] if latest else original["id"],
        overrides=[*granted, _granted(new)],
    )


def _original_and_latest(session: Session, decision_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The original record behind `decision_id` and the newest record derived from it, if any."""
    target = decision_log.get(session, decision_id)
    if target is None:
        raise ApiError(404, "decision/not-found", f"there is no decision `{decision_id}`")
    record = target.record()
    if record.get("derived_from"):
        original_entry = decision_log.get(session, record["derived_from"])
        assert original_entry is not None, "an original decision vanished from the log"
        record = original_entry.record()
    latest = decision_log.latest_derived(session, record["id"])
    return record, (latest.record() if latest is not None else None)


def _charter_ref(record: dict[str, Any]) -> dict[str, str] | None:
    charter = record.get("charter")
    if not charter or charter.get("id") is None:
        return None
    return {"id": str(charter["id"]), "version": str(charter.get("version"))}


def _check_not_expired(expires: dt.date | None, day: dt.date) -> None:
    """An override already over when granted would only ever be reported as expired: refuse it.

    (One that ends before the decision's own date is refused by the engine's rules, also 403.)
    """
    if expires is not None and expires < day:
        raise ApiError(
            403, "override/expired", f"the override expired on {expires.isoformat()}, before today ({day.isoformat()})"
        )


def _engine_override(granted: dict[str, Any], document_id: str | None) -> Override:
    expires = granted.get("expires")
    return Override(
        policy=granted["policy"],
        path=granted["path"],
        approver=granted["approver"],
        justification=granted["justification"],
        expires=dt.date.fromisoformat(expires) if expires else None,
        document=document_id,
    )


def _granted(override: Override) -> dict[str, Any]:
    return {
        "policy": override.policy,
        "path": override.path,
        "approver": override.approver,
        "justification": override.justification,
        "expires": override.expires.isoformat() if override.expires else None,
        "granted_at": timestamp(utcnow()),
    }


def _refuse_unless_allowed(current: Decision, new: Override, submitter: str) -> None:
    """404 without such a finding, 403 when rights or segregation of duties forbid, 409 if done."""
    refusal = override_refusal(current, new, submitter)
    if refusal is not None:
        if refusal.status == "not_found":
            raise ApiError(404, "override/no-such-finding", refusal.reason)
        raise ApiError(403, "override/forbidden", refusal.reason)
    for finding in current.to_json()["findings"]:
        if finding["policy"] == new.policy and finding["path"] == new.path and finding.get("overridden_by"):
            raise ApiError(
                409,
                "override/already-overridden",
                f"the finding of `{new.policy}` at `{new.path}` is already overridden by {finding['overridden_by']}",
            )


def _require_applied(derived: Decision, new: Override) -> None:
    """Only an override that the engine actually applied is recorded."""
    statuses = [
        item
        for item in derived.to_json()["overrides"]
        if (item["policy"], item["path"], item["approver"]) == (new.policy, new.path, new.approver)
    ]
    status = statuses[-1] if statuses else {"status": "unmatched", "reason": "the override matched no finding"}
    if status["status"] == "applied":
        return
    reason = status.get("reason") or f"the override was {status['status']}"
    if status["status"] == "unmatched":
        raise ApiError(404, "override/no-such-finding", reason)
    code = "override/expired" if status["status"] == "expired" else "override/forbidden"
    raise ApiError(403, code, reason)
