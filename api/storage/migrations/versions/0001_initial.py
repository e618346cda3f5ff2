"""Initial schema: API keys, policy sets and their activations, charters, the decision log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMAIL = 320
HASH = 64


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    """UTC timestamps; the row layer keeps them timezone-aware on both backends."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("email", sa.String(EMAIL), nullable=False, index=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_sha256", sa.String(HASH), nullable=False, unique=True),
        _timestamp("created_at"),
        _timestamp("revoked_at", nullable=True),
    )
    op.create_table(
        "policy_sets",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(HASH), nullable=False, unique=True),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("policies", sa.JSON, nullable=False),
        _timestamp("created_at"),
        sa.Column("created_by", sa.String(EMAIL), nullable=False),
    )
    op.create_table(
        "policy_set_activations",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.Integer, sa.ForeignKey("policy_sets.version"), nullable=False),
        _timestamp("activated_at"),
        sa.Column("activated_by", sa.String(EMAIL), nullable=False),
    )
    op.create_table(
        "charters",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("charter_id", sa.String(200), nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(HASH), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        _timestamp("created_at"),
        sa.Column("created_by", sa.String(EMAIL), nullable=False),
    )
    op.create_index("ix_charters_id_version", "charters", ["charter_id", "version"])
    _create_decision_log()


def _create_decision_log() -> None:
    op.create_table(
        "decisions",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        _timestamp("created_at"),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("document_id", sa.String(200), nullable=True),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("evaluation_date", sa.Date, nullable=False),
        sa.Column("policy_set_version", sa.Integer, sa.ForeignKey("policy_sets.version"), nullable=False),
        sa.Column("charter_version", sa.String(200), nullable=True),
        sa.Column("submitted_by", sa.String(EMAIL), nullable=False),
        sa.Column("recorded_by", sa.String(EMAIL), nullable=False),
        sa.Column("derived_from", sa.String(40), nullable=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("request_sha256", sa.String(HASH), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(HASH), nullable=False),
        sa.Column("hash", sa.String(HASH), nullable=False, unique=True),
        sa.UniqueConstraint("recorded_by", "idempotency_key", name="uq_decisions_idempotency"),
    )
    for column in ("created_at", "kind", "verdict", "submitted_by", "derived_from"):
        op.create_index(f"ix_decisions_{column}", "decisions", [column])
    op.create_table(
        "decision_findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("decision_seq", sa.BigInteger, sa.ForeignKey("decisions.seq"), nullable=False),
        sa.Column("policy", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("enforcement", sa.String(16), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
    )
    op.create_index("ix_decision_findings_policy", "decision_findings", ["policy", "decision_seq"])


def downgrade() -> None:
    op.drop_table("decision_findings")
    op.drop_table("decisions")
    op.drop_index("ix_charters_id_version", table_name="charters")
    op.drop_table("charters")
    op.drop_table("policy_set_activations")
    op.drop_table("policy_sets")
    op.drop_table("api_keys")
