"""Publishing the rules: policy set versions, their activation, and the charter.

A policy set is checked and compiled before it is stored, so a stored version always compiles;
identical content is stored once (its sha256 is unique) and publishing it again returns the
existing version. A charter `id` + `version` names exactly one content: uploading different
content under a version already used is refused, because decisions record only that version.
"""

from __future__ import annotations

from typing import Any

from api.auth import Principal
from api.errors import ApiError, check_storable_text
from api.state import ServiceState, charter_version
from api.storage import repository
from api.storage.repository import CharterRecord, PolicySetRecord
from api.wire import CharterView, PolicySetCreate, PolicySetDetail, PolicySetSummary
from engine import compile_policy_set
from policy.documents import parse_document


def summary(record: PolicySetRecord, active_version: int | None) -> PolicySetSummary:
    """The wire form of a stored set."""
    return PolicySetSummary(
        version=record.version,
        sha256=record.sha256,
        policies=record.policies,
        active=record.version == active_version,
        created_at=record.created_at,
        created_by=record.created_by,
    )


def detail(record: PolicySetRecord, active_version: int | None) -> PolicySetDetail:
    """The wire form of a stored set with its sources."""
    return PolicySetDetail(**summary(record, active_version).model_dump(), files=record.files)


def publish_policy_set(state: ServiceState, principal: Principal, request: PolicySetCreate) -> PolicySetSummary:
    """Check, compile and store a set (DiagnosticError → 422 when it does not check)."""
    compiled = compile_policy_set(dict(request.files))
    with state.database.appending() as session:
        record = repository.find_policy_set_by_sha256(session, compiled.sha256)
        if record is None:
            record = repository.insert_policy_set(
                session,
                sha256=compiled.sha256,
                files=dict(compiled.files),
                policies=list(compiled.policy_ids),
                created_by=principal.email,
            )
        active = repository.active_policy_set_version(session)
        if request.activate and active != record.version:
            repository.activate_policy_set(session, record.version, principal.email)
            active = record.version
    state.remember_policy_set(record.version, compiled)
    state.forget_active()
    return summary(record, active)


def activate_policy_set(state: ServiceState, principal: Principal, version: int) -> PolicySetSummary:
    """Make a stored version the active one; activating the active set changes nothing."""
    with state.database.appending() as session:
        record = repository.get_policy_set(session, version)
        if record is None:
            raise ApiError(404, "policy-set/not-found", f"there is no policy set version {version}")
        if repository.active_policy_set_version(session) != version:
            repository.activate_policy_set(session, version, principal.email)
    state.forget_active()
    return summary(record, version)


def put_charter(state: ServiceState, principal: Principal, data: Any) -> CharterRecord:
    """Validate a charter document and make it the charter in force (422 when it does not load)."""
    check_storable_text(data)
    document = parse_document(data, "charter", expected_kind="charter")
    version = charter_version(document) or ""
    charter_id = str(document.id)
    with state.database.appending() as session:
        existing = repository.find_charter(session, charter_id, version)
        if existing is not None and existing.sha256 != document.sha256:
            raise ApiError(
                409,
                "charter/version-conflict",
                f"charter `{charter_id}` version `{version}` is already stored with different content; "
                "give the new content a new `version`",
            )
        current = repository.current_charter(session)
        if current is not None and current.sha256 == document.sha256:
            return current
        stored = repository.insert_charter(
            session,
            charter_id=charter_id,
            version=version,
            sha256=document.sha256,
            document=document.canonical,
            created_by=principal.email,
        )
    state.forget_active()
    return stored


def charter_view(record: CharterRecord) -> CharterView:
    """The wire form of the charter in force."""
    return CharterView(
        id=record.charter_id,
        version=record.version,
        sha256=record.sha256,
        created_at=record.created_at,
        created_by=record.created_by,
        document=record.document,
    )
