"""Rows: what the service stores, as SQLAlchemy 2 typed models.

One of the three families kept apart in `api/` (document schemas live in `policy.documents`,
wire schemas in `api.wire`). Rows never leave the storage package as such: the repository hands
out plain values, so a column rename never ripples into the HTTP contract.

The decision log (`decisions`, `decision_findings`) is append-only: migration 0002 installs
triggers that refuse UPDATE and DELETE, and each decision's `hash` chains it to the previous one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

EMAIL_LENGTH = 320
HASH_LENGTH = 64


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    SQLite has no time zones; storing naive UTC there and aware UTC on PostgreSQL, and handing
    back aware UTC from both, keeps comparisons (`since`, `until`) identical on both backends.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """The declarative base; JSON columns hold plain JSON-safe values only."""

    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, dict[str, str]: JSON}


class ApiKeyRow(Base):
    """An API key: only the sha256 of the token is kept; the token itself is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), index=True)
    role: Mapped[str] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(String(HASH_LENGTH), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)


class PolicySetRow(Base):
    """A published policy set: its sources, verbatim, under a version number that never changes."""

    __tablename__ = "policy_sets"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(HASH_LENGTH), unique=True)
    files: Mapped[dict[str, str]]
    policies: Mapped[list[str]]
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(EMAIL_LENGTH))


class PolicySetActivationRow(Base):
    """One activation; the latest row names the active set, the rest are its history."""

    __tablename__ = "policy_set_activations"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(ForeignKey("policy_sets.version"))
    activated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    activated_by: Mapped[str] = mapped_column(String(EMAIL_LENGTH))


class CharterRow(Base):
    """One upload of the charter; the latest row is the charter in force."""

    __tablename__ = "charters"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charter_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(HASH_LENGTH))
    document: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(EMAIL_LENGTH))

    __table_args__ = (Index("ix_charters_id_version", "charter_id", "version"),)


class DecisionRow(Base):
    """One entry of the decision log.

    `body` is the canonical JSON of the whole record (document, decision, versions, submitter,
    overrides, time); `hash = sha256(prev_hash + "\\n" + body)`. The other columns are copies of
    fields of `body`, kept only so that listing can filter with indexes; /v1/audit/verify checks
    that they still agree with `body`.
    """

    __tablename__ = "decisions"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    document_id: Mapped[str | None] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(8), index=True)
    evaluation_date: Mapped[dt.date] = mapped_column(Date)
    policy_set_version: Mapped[int] = mapped_column(ForeignKey("policy_sets.version"))
    charter_version: Mapped[str | None] = mapped_column(String(200))
    submitted_by: Mapped[str] = mapped_column(String(EMAIL_LENGTH), index=True)
    recorded_by: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    derived_from: Mapped[str | None] = mapped_column(String(40), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_sha256: Mapped[str | None] = mapped_column(String(HASH_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH), unique=True)

    __table_args__ = (UniqueConstraint("recorded_by", "idempotency_key", name="uq_decisions_idempotency"),)


class DecisionFindingRow(Base):
    """An index of which policies produced findings in which decision (for `?policy=`)."""

    __tablename__ = "decision_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_seq: Mapped[int] = mapped_column(ForeignKey("decisions.seq"))
    policy: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(8))
    enforcement: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_decision_findings_policy", "policy", "decision_seq"),)
