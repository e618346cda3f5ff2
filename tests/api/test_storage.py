"""Storage without the HTTP layer: migrations, keys, and the hash-chained decision log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from api.settings import Settings
from api.storage import decision_log, migrate, repository
from api.storage.db import Database, DatabaseError, normalize_url
from api.storage.decision_log import GENESIS_HASH, DecisionFilters

TABLES = {"api_keys", "policy_sets", "policy_set_activations", "charters", "decisions", "decision_findings"}


def test_migrations_upgrade_a_fresh_database_and_downgrade_again(settings: Settings) -> None:
    database = Database(settings)
    try:
        assert migrate.current_revision(database) is None
        migrate.upgrade(database)
        assert migrate.current_revision(database) == migrate.head_revision()
        assert set(inspect(database.engine).get_table_names()) >= TABLES
        migrate.upgrade(database)  # a second upgrade is a no-op
        migrate.downgrade(database, "0001")
        assert migrate.current_revision(database) == "0001"
        migrate.downgrade(database, "base")
        assert migrate.current_revision(database) is None
        assert not TABLES & set(inspect(database.engine).get_table_names())
        migrate.upgrade(database)
        assert migrate.current_revision(database) == migrate.head_revision()
    finally:
        database.dispose()


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: Any) -> None:
    database = Database(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    try:
        with database.reading() as session:
            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        database.dispose()


def test_database_urls_are_checked() -> None:
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(DatabaseError):
        Database(Settings(database_url="sqlite:///:memory:"))
    with pytest.raises(DatabaseError):
        Database(Settings(database_url="mysql://u@h/db"))


def test_keys_are_stored_hashed_and_revocable(database: Database) -> None:
    with database.writing() as session:
        key, token = repository.create_key(session, "ann@test.example", "auditor")
    assert token.startswith("rvg_") and len(token) > 40
    with database.connection() as connection:
        stored = connection.execute(text("SELECT token_sha256 FROM api_keys")).scalar()
        assert token not in str(stored) and stored == repository.token_sha256(token)
        assert repository.find_key(connection, token) == key
        assert repository.find_key(connection, token + "x") is None
    with database.writing() as session:
        revoked = repository.revoke_key(session, key.id)
    assert revoked is not None and not revoked.active
    with database.writing() as session:
        again = repository.revoke_key(session, token)
        assert again is not None and again.revoked_at == revoked.revoked_at
        assert repository.revoke_key(session, "key_nope") is None


def _seed_policy_set(database: Database) -> int:
    with database.writing() as session:
        record = repository.insert_policy_set(
            session, sha256="a" * 64, files={"a.rev": "package a"}, policies=["a.x"], created_by="t@test.example"
        )
    return record.version


def _record(version: int, verdict: str = "pass", findings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A minimal decision record of the shape the service stores."""
    return {
        "results": [{"verdict": verdict, "findings": findings or [], "policies": {}, "overrides": []}],
        "policy_set": {"sha256": "a" * 64, "policies": ["a.x"]},
        "charter": None,
        "date": "2026-07-15",
        "kind": "budget",
        "document_id": "bud-1",
        "verdict": verdict,
        "policy_set_version": version,
        "charter_version": None,
        "submitted_by": "sub@test.example",
        "derived_from": None,
        "supersedes": None,
        "overrides": [],
        "document": {"kind": "budget", "id": "bud-1"},
        "document_sha256": "b" * 64,
    }


def _append(database: Database, count: int, **kwargs: Any) -> list[decision_log.StoredDecision]:
    version = _seed_policy_set(database)
    stored = []
    for _ in range(count):
        with database.appending() as session:
            stored.append(decision_log.append(session, _record(version, **kwargs), recorded_by="sub@test.example"))
    return stored


def test_appends_chain_each_entry_to_the_one_before(database: Database) -> None:
    entries = _append(database, 3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    with database.reading() as session:
        report = decision_log.verify(session)
    assert report.ok and report.checked == 3
    assert report.head == {"sequence": 3, "hash": entries[2].hash}


def test_an_empty_log_verifies(database: Database) -> None:
    with database.reading() as session:
        assert decision_log.verify(session).to_json() == {"ok": True, "checked": 0, "head": None, "broken_at": None}


def test_the_log_refuses_updates_and_deletes(database: Database) -> None:
    _append(database, 1)
    for statement in ("UPDATE decisions SET verdict = 'pass'", "DELETE FROM decisions"):
        with pytest.raises(DBAPIError, match="append-only"), database.writing() as session:
            session.execute(text(statement))


def _drop_guards(database: Database) -> None:
    """What someone with DDL rights could do: remove the append-only triggers."""
    migrate.downgrade(database, "0001")


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("UPDATE decisions SET body = replace(body, '\"pass\"', '\"warn\"') WHERE seq = 2", "altered"),
        ("UPDATE decisions SET verdict = 'block' WHERE seq = 2", "column `verdict`"),
        ("DELETE FROM decisions WHERE seq = 2", "missing"),
        ("UPDATE decisions SET prev_hash = hash WHERE seq = 2", "prev_hash"),
    ],
)
def test_verify_names_where_the_chain_breaks(database: Database, statement: str, reason: str) -> None:
    entries = _append(database, 3)
    _drop_guards(database)
    with database.writing() as session:
        session.execute(text(statement))
    with database.reading() as session:
        report = decision_log.verify(session)
    assert not report.ok
    assert report.broken_at is not None and reason in report.broken_at["reason"]
    assert report.checked == 1 and report.head == {"sequence": 1, "hash": entries[0].hash}
    expected = 3 if "missing" in reason else 2
    assert report.broken_at["sequence"] == expected


def test_listing_filters_and_pages_newest_first(database: Database) -> None:
    finding = {"policy": "a.x", "outcome": "fail", "enforcement": "hard", "path": ""}
    _append(database, 3)
    version = 1
    with database.appending() as session:
        blocked = decision_log.append(session, _record(version, "block", [finding]), recorded_by="sub@test.example")
    with database.reading() as session:
        page, next_seq = decision_log.list_page(session, DecisionFilters(), limit=3)
        assert [e.seq for e in page] == [4, 3, 2] and next_seq == 2
        page, next_seq = decision_log.list_page(session, DecisionFilters(), limit=3, before_seq=next_seq)
        assert [e.seq for e in page] == [1] and next_seq is None
        page, _ = decision_log.list_page(session, DecisionFilters(verdict="block"), limit=10)
        assert [e.id for e in page] == [blocked.id]
        page, _ = decision_log.list_page(session, DecisionFilters(policy="a.x"), limit=10)
        assert [e.id for e in page] == [blocked.id]
        page, _ = decision_log.list_page(session, DecisionFilters(kind="comp_plan"), limit=10)
        assert page == []
        future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        assert decision_log.list_page(session, DecisionFilters(since=future), limit=10)[0] == []
        assert len(decision_log.list_page(session, DecisionFilters(until=future), limit=10)[0]) == 4


@pytest.mark.parametrize("cursor", ["", "!!!", "djE6", "djE6YWJj", "eHh4OjE"])
def test_cursors_not_made_by_us_are_refused(cursor: str) -> None:
    with pytest.raises(ValueError):
        decision_log.decode_cursor(cursor)


def test_cursors_round_trip() -> None:
    assert decision_log.decode_cursor(decision_log.encode_cursor(123456)) == 123456


def test_stored_records_come_back_byte_for_byte(database: Database) -> None:
    (entry,) = _append(database, 1)
    with database.reading() as session:
        again = decision_log.get(session, entry.id)
    assert again is not None and again.body == entry.body
    assert again.record()["sequence"] == 1
    assert again.response_json().endswith(
        b'"chain":{"hash":"' + entry.hash.encode() + b'","prev_hash":"' + GENESIS_HASH.encode() + b'"}}'
    )
