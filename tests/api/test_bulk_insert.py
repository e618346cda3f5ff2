"""`BulkInsert` stores exactly what SQLAlchemy's own `execute(table.insert(), rows)` stores.

The group committer writes the decision log with it, and `decision_log.verify` compares the
stored columns with the hashed records, so a value converted differently (a timestamp's zone, a
date's text on SQLite) would read back as a broken chain. Each backend gets a probe table with
the column types the log uses; both ways of inserting must read back the same values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Column, Date, Integer, MetaData, String, Table, Text, select, text

from api.storage.bulk import BulkInsert
from api.storage.db import Database
from api.storage.rows import UtcDateTime

metadata = MetaData()
probe = Table(
    "bulk_insert_probe",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("way", String(8)),
    Column("seq", BigInteger),
    Column("created_at", UtcDateTime()),
    Column("day", Date),
    Column("label", String(200), nullable=True),
    Column("body", Text),
)
COLUMNS = ["way", "seq", "created_at", "day", "label", "body"]

texts = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40)
rows = st.lists(
    st.fixed_dictionaries(
        {
            "seq": st.integers(min_value=-(2**63), max_value=2**63 - 1),
            "created_at": st.datetimes(
                min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2400, 1, 1), timezones=st.just(dt.UTC)
            ),
            "day": st.dates(min_value=dt.date(1, 1, 1)),
            "label": st.none() | texts,
            "body": texts,
        }
    ),
    min_size=1,
    max_size=6,
)


def _read(database: Database, way: str) -> list[dict[str, Any]]:
    with database.reading() as session:
        found = session.execute(select(probe).where(probe.c.way == way).order_by(probe.c.id)).mappings()
        return [{name: row[name] for name in COLUMNS if name != "way"} for row in found]


def _raw(database: Database, way: str) -> list[tuple[Any, ...]]:
    """The values as the database holds them (on SQLite, the text that comparisons and
    indexes see: a timestamp stored in another notation would sort and filter differently)."""
    with database.reading() as session:
        query = text(f"SELECT {', '.join(COLUMNS[1:])} FROM bulk_insert_probe WHERE way = :way ORDER BY id")
        return [tuple(row) for row in session.execute(query, {"way": way})]


@pytest.fixture
def probe_table(database: Database) -> Database:
    metadata.create_all(database.engine)
    return database


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=rows)
def test_bulk_insert_stores_what_sqlalchemy_stores(probe_table: Database, batch: list[dict[str, Any]]) -> None:
    database = probe_table
    with database.writing() as session:
        session.execute(probe.delete())
    with database.writing() as session:
        session.execute(probe.insert(), [{"way": "core", **row} for row in batch])
        BulkInsert(probe, COLUMNS).execute(session, [{"way": "bulk", **row} for row in batch])
    expected = _read(database, "core")
    assert _read(database, "bulk") == expected
    assert _raw(database, "bulk") == _raw(database, "core")
    assert [row["created_at"] for row in expected] == [row["created_at"] for row in batch]


def test_bulk_insert_runs_in_the_callers_transaction(probe_table: Database) -> None:
    database = probe_table
    row = {"way": "bulk", "seq": 1, "created_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "day": dt.date(2026, 1, 1)}
    with pytest.raises(RuntimeError), database.writing() as session:
        BulkInsert(probe, COLUMNS).execute(session, [{**row, "label": None, "body": ""}])
        raise RuntimeError("roll back")
    assert _read(database, "bulk") == []


def test_bulk_insert_names_unknown_columns() -> None:
    with pytest.raises(ValueError, match="no column"):
        BulkInsert(probe, ["way", "colour"])


def test_bulk_insert_refuses_to_leave_out_a_column_with_a_default() -> None:
    table = Table(
        "bulk_insert_defaults", MetaData(), Column("id", Integer, primary_key=True), Column("flag", String, default="n")
    )
    with pytest.raises(ValueError, match="flag"):
        BulkInsert(table, ["id"])
    assert BulkInsert(table, ["id", "flag"]).columns == ("id", "flag")
