"""Multi-row INSERTs compiled once per dialect, for the decision log's group commit.

`connection.execute(table.insert(), rows)` looks the statement up in SQLAlchemy's compiled
cache and then, for every row, builds a parameter dict and runs each value through its type's
bind processor inside the execution context. On the group committer's path that bookkeeping
cost more than the database's own work (about 60 µs a decision on a slow VM). A `BulkInsert`
does the same thing once per dialect instead: the INSERT's SQL text, the order of its
parameters and the bind processors of its columns; then each batch is a plain
`exec_driver_sql` executemany of ready tuples (or dicts, for named parameter styles), still on
the caller's connection and transaction, with SQLAlchemy's events and logging.

The values stored are exactly those `execute(table.insert(), rows)` stores:
tests/api/test_bulk_insert.py compares the rows both write on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    names: tuple[str, ...]
    """Parameter names in the order the SQL text expects them (positional styles)."""
    processors: tuple[Callable[[Any], Any] | None, ...]
    positional: bool


class BulkInsert:
    """`INSERT INTO table (columns) VALUES (...)` for many rows at once, prepared per dialect."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        unknown = [name for name in columns if name not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
        # SQLAlchemy adds a parameter for every column with a Python-side default, and fills it
        # itself; rows here carry exactly `columns`, so such a column must be one of them.
        needed = set(table.insert().compile(column_keys=list(columns)).params)
        missing = sorted(needed - set(columns))
        if missing:
            raise ValueError(f"{table.name}: rows must also give {', '.join(missing)} (they have defaults)")
        self.table = table
        self.columns = tuple(columns)
        self._prepared: dict[tuple[str, str, str], _Prepared] = {}

    def execute(self, executor: Connection | Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert `rows` (each with exactly the declared columns) in the executor's transaction."""
        if not rows:
            return
        connection = executor.connection() if isinstance(executor, Session) else executor
        prepared = self._prepare(connection.dialect)
        pairs = tuple(zip(prepared.names, prepared.processors, strict=True))
        if prepared.positional:
            parameters: list[Any] = [
                tuple(row[name] if process is None else process(row[name]) for name, process in pairs) for row in rows
            ]
        else:
            parameters = [
                {name: row[name] if process is None else process(row[name]) for name, process in pairs} for row in rows
            ]
        connection.exec_driver_sql(prepared.sql, parameters)

    def _prepare(self, dialect: Dialect) -> _Prepared:
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        prepared = self._prepared.get(key)
        if prepared is None:
            compiled = self.table.insert().compile(dialect=dialect, column_keys=list(self.columns))
            names = tuple(compiled.positiontup or ()) if compiled.positional else self.columns
            processors = tuple(self._processor(name, dialect) for name in names)
            prepared = _Prepared(str(compiled), names, processors, compiled.positional)
            self._prepared[key] = prepared
        return prepared

    def _processor(self, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
        """The bind processor SQLAlchemy itself would apply: that of the type's implementation
        for this dialect (a generic `DateTime` has none; SQLite's DATETIME writes its text)."""
        return self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
