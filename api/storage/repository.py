"""Reading and writing API keys, policy sets and charters; the decision log is in `decision_log`.

Functions take the caller's `Session` (from `Database.reading()` / `writing()`), so that one
request's queries share one transaction, and hand back frozen dataclasses rather than rows:
nothing outside storage can lazy-load or mutate a row by accident.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select
from sqlalchemy.orm import Session

from api.storage.rows import ApiKeyRow, CharterRow, PolicySetActivationRow, PolicySetRow

TOKEN_PREFIX = "rvg_"


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC, as every stored timestamp is."""
    return dt.datetime.now(dt.UTC)


def token_sha256(token: str) -> str:
    """How a token is stored: its sha256. Tokens carry 256 random bits, so no salt or KDF is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as the service sees it: who, which role, and whether it still works."""

    id: str
    email: str
    role: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class PolicySetRecord:
    """A published policy set; `files` holds the sources verbatim."""

    version: int
    sha256: str
    files: dict[str, str]
    policies: list[str]
    created_at: dt.datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class CharterRecord:
    """One stored charter upload; `document` is its canonical JSON."""

    seq: int
    charter_id: str
    version: str
    sha256: str
    document: dict[str, Any]
    created_at: dt.datetime
    created_by: str


# --- API keys ---------------------------------------------------------------------------------


def create_key(session: Session, email: str, role: str) -> tuple[ApiKey, str]:
    """Store a new key and return it with its token, which is never stored and never shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiKeyRow(
        id="key_" + secrets.token_hex(6),
        email=email,
        role=role,
        token_sha256=token_sha256(token),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _key(row), token


_KEYS = ApiKeyRow.__table__.c
_FIND_KEY = select(_KEYS.id, _KEYS.email, _KEYS.role, _KEYS.created_at, _KEYS.revoked_at).where(
    _KEYS.token_sha256 == bindparam("token_sha256")
)


def find_key(connection: Connection, token: str) -> ApiKey | None:
    """The key a bearer token belongs to (revoked or not), or None. Core, not ORM: every
    request runs it, and a constant statement is compiled once."""
    row = connection.execute(_FIND_KEY, {"token_sha256": token_sha256(token)}).first()
    return ApiKey(row.id, row.email, row.role, row.created_at, row.revoked_at) if row is not None else None


_REVOKED = select(_KEYS.id).where(_KEYS.id.in_(bindparam("ids", expanding=True)), _KEYS.revoked_at.is_not(None))


def revoked_key_ids(connection: Connection | Session, key_ids: Iterable[str]) -> set[str]:
    """Which of these keys are revoked now (one query per group commit batch)."""
    wanted = sorted(set(key_ids))
    if not wanted:
        return set()
    return set(connection.execute(_REVOKED, {"ids": wanted}).scalars())


def revoke_key(session: Session, key: str) -> ApiKey | None:
    """Revoke a key by its id or its token; revoking twice keeps the first time. None if unknown."""
    row = session.scalars(
        select(ApiKeyRow).where(or_(ApiKeyRow.id == key, ApiKeyRow.token_sha256 == token_sha256(key)))
    ).one_or_none()
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return _key(row)


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, oldest first, revoked ones included (they are part of the record)."""
    return [_key(row) for row in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id))]


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(row.id, row.email, row.role, row.created_at, row.revoked_at)


# --- policy sets ------------------------------------------------------------------------------


def find_policy_set_by_sha256(session: Session, sha256: str) -> PolicySetRecord | None:
    """The set with exactly this content, if it was published before."""
    row = session.scalars(select(PolicySetRow).where(PolicySetRow.sha256 == sha256)).one_or_none()
    return _policy_set(row) if row is not None else None


def insert_policy_set(
    session: Session, *, sha256: str, files: dict[str, str], policies: list[str], created_by: str
) -> PolicySetRecord:
    """Store a checked policy set under the next version number."""
    row = PolicySetRow(sha256=sha256, files=files, policies=policies, created_at=utcnow(), created_by=created_by)
    session.add(row)
    session.flush()
    return _policy_set(row)


def get_policy_set(session: Session, version: int) -> PolicySetRecord | None:
    """One policy set by version, or None."""
    row = session.get(PolicySetRow, version)
    return _policy_set(row) if row is not None else None


def list_policy_sets(session: Session) -> list[PolicySetRecord]:
    """Every published set, newest first."""
    rows = session.scalars(select(PolicySetRow).order_by(PolicySetRow.version.desc()))
    return [_policy_set(row) for row in rows]


def activate_policy_set(session: Session, version: int, activated_by: str) -> None:
    """Make `version` the active set; the activation is recorded, not overwritten."""
    session.add(PolicySetActivationRow(version=version, activated_at=utcnow(), activated_by=activated_by))
    session.flush()


_ACTIVATIONS = PolicySetActivationRow.__table__.c
_CHARTERS = CharterRow.__table__.c
_ACTIVE_VERSION = select(_ACTIVATIONS.version).order_by(_ACTIVATIONS.seq.desc()).limit(1).scalar_subquery()
_CHARTER_SEQ = select(_CHARTERS.seq).order_by(_CHARTERS.seq.desc()).limit(1).scalar_subquery()
_CURRENT = select(_ACTIVE_VERSION, _CHARTER_SEQ)


_REVOKED_COUNT = (
    select(func.count())
    .where(_KEYS.id.in_(bindparam("ids", expanding=True)), _KEYS.revoked_at.is_not(None))
    .scalar_subquery()
)
_IN_FORCE_AND_REVOKED = select(_ACTIVE_VERSION, _CHARTER_SEQ, _REVOKED_COUNT)


def versions_and_revoked(
    connection: Connection | Session, key_ids: Iterable[str]
) -> tuple[tuple[int | None, int | None], set[str]]:
    """`current_versions` and `revoked_key_ids` in one round trip, as the group committer needs
    them once per batch; the second query runs only when a key was in fact revoked (rare)."""
    wanted = sorted(set(key_ids))
    row = connection.execute(_IN_FORCE_AND_REVOKED, {"ids": wanted}).one()
    revoked = revoked_key_ids(connection, wanted) if row[2] else set()
    return (row[0], row[1]), revoked


def current_versions(connection: Connection | Session) -> tuple[int | None, int | None]:
    """(active policy set version, charter upload in force) in one round trip: what a worker
    caches, and what dry runs and re-evaluations under the append lock read."""
    row = connection.execute(_CURRENT).one()
    return row[0], row[1]


def active_policy_set_version(session: Session) -> int | None:
    """The version of the active set (the latest activation), or None before any activation."""
    query = select(PolicySetActivationRow.version).order_by(PolicySetActivationRow.seq.desc()).limit(1)
    return session.scalars(query).first()


def _policy_set(row: PolicySetRow) -> PolicySetRecord:
    return PolicySetRecord(row.version, row.sha256, dict(row.files), list(row.policies), row.created_at, row.created_by)


# --- charters ---------------------------------------------------------------------------------


def current_charter(session: Session) -> CharterRecord | None:
    """The charter in force: the latest upload, or None before any."""
    row = session.scalars(select(CharterRow).order_by(CharterRow.seq.desc()).limit(1)).first()
    return _charter(row) if row is not None else None


def current_charter_seq(session: Session) -> int | None:
    """Only the number of the charter in force: a cheap query for the hot path's cache check."""
    return session.scalars(select(CharterRow.seq).order_by(CharterRow.seq.desc()).limit(1)).first()


def get_charter(session: Session, seq: int) -> CharterRecord | None:
    """One stored charter upload by its number."""
    row = session.get(CharterRow, seq)
    return _charter(row) if row is not None else None


def find_charter(session: Session, charter_id: str, version: str) -> CharterRecord | None:
    """The latest upload of a given charter id and version (all uploads of one hold the same content)."""
    query = (
        select(CharterRow)
        .where(CharterRow.charter_id == charter_id, CharterRow.version == version)
        .order_by(CharterRow.seq.desc())
        .limit(1)
    )
    row = session.scalars(query).first()
    return _charter(row) if row is not None else None


def insert_charter(
    session: Session, *, charter_id: str, version: str, sha256: str, document: dict[str, Any], created_by: str
) -> CharterRecord:
    """Store a validated charter; it is in force from now on."""
    row = CharterRow(
        charter_id=charter_id,
        version=version,
        sha256=sha256,
        document=document,
        created_at=utcnow(),
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return _charter(row)


def _charter(row: CharterRow) -> CharterRecord:
    return CharterRecord(
        row.seq, row.charter_id, row.version, row.sha256, dict(row.document), row.created_at, row.created_by
    )
