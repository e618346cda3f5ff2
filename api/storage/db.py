"""Database connections: SQLite (WAL) for the embedded default, PostgreSQL (psycopg 3) for production.

Why the SQLite settings are what they are:

- **WAL** lets readers (listing, auditing) run while one writer appends.
- **synchronous=FULL** (the default; `REVGATE_SQLITE_SYNCHRONOUS`): in WAL mode FULL fsyncs the
  log at every commit, so an acknowledged (201) decision survives not only a killed process but
  also a power cut or kernel panic. NORMAL would survive a killed process too (the WAL is in the
  OS page cache) but could lose the last commits on power loss, which an audit log must not.
- **BEGIN IMMEDIATE** for writes takes SQLite's single write lock at the start of the
  transaction, so reading the chain head and appending after it cannot interleave with another
  writer. In front of it, a thread lock and an `flock` on `<db>-writer.lock` make writers of
  this process and of other uvicorn workers queue in the kernel and wake the moment the lock
  is free, instead of polling in SQLite's busy handler (which sleeps 1, 2, 5 … 100 ms).

On PostgreSQL, appends to the chain take a transaction-scoped advisory lock instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from api.settings import Settings

CHAIN_LOCK_ID = 0x5265_7647_6174_6501
"""PostgreSQL advisory lock that serializes appends to the decision log ("RevGate" + 1)."""

MIGRATION_LOCK_ID = 0x5265_7647_6174_6502
"""PostgreSQL advisory lock held while migrating, so that workers starting together queue."""


_ADVISORY_XACT_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


class DatabaseError(RuntimeError):
    """The configured database cannot be used (bad URL, unsupported backend)."""


def normalize_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` and mean psycopg 3, the driver we ship with."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """One database: its engine, and transactions for reading, writing and appending to the log."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = normalize_url(settings.database_url)
        backend = make_url(self.url).get_backend_name()
        if backend == "sqlite":
            self.engine = _sqlite_engine(self.url, settings)
            write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        elif backend == "postgresql":
            self.engine = create_engine(
                self.url, pool_size=settings.pool_size, max_overflow=settings.pool_size * 2, pool_pre_ping=True
            )
            write_engine = self.engine
        else:
            raise DatabaseError(f"unsupported database `{backend}`: use sqlite:/// or postgresql+psycopg://")
        self.dialect = backend
        self._write_engine = write_engine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(write_engine, expire_on_commit=False)
        self._sqlite_writer = threading.Lock()
        self._lock_file: Any = None

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite file."""
        return self.dialect == "sqlite"

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work (a snapshot on both backends)."""
        with self._read() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        """A plain Core connection for the few reads every request makes: the ORM session's
        bookkeeping costs more than these one-row queries themselves."""
        with self.engine.connect() as connection:
            try:
                yield connection
            finally:
                connection.rollback()

    @contextlib.contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction; committed when the block exits cleanly, rolled back otherwise."""
        lock = self._sqlite_write_lock() if self.is_sqlite else contextlib.nullcontext()
        with lock, self._write() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def _sqlite_write_lock(self) -> Iterator[None]:
        """One writer at a time: threads of this process, then processes sharing the file."""
        with self._sqlite_writer:
            if self._lock_file is None:
                database = make_url(self.url).database or ""
                self._lock_file = Path(database + "-writer.lock").open("a")  # noqa: SIM115 - held for the process
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def appending(self) -> Iterator[Session]:
        """A write transaction that holds the decision log's append lock until it commits."""
        with self.writing() as session:
            if not self.is_sqlite:
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _signed(CHAIN_LOCK_ID)})
            yield session

    @contextlib.contextmanager
    def appending_core(self) -> Iterator[Connection]:
        """`appending()` on a plain Core connection: for the group committer, which runs a few
        constant statements per batch and pays for an ORM session's bookkeeping on each."""
        lock = self._sqlite_write_lock() if self.is_sqlite else contextlib.nullcontext()
        with lock, self._write_engine.begin() as connection:
            if not self.is_sqlite:
                connection.execute(_ADVISORY_XACT_LOCK, {"key": _signed(CHAIN_LOCK_ID)})
            yield connection

    @contextlib.contextmanager
    def migration_lock(self) -> Iterator[None]:
        """Held while migrating, so that several workers starting at once migrate one at a time."""
        if self.is_sqlite:
            database = make_url(self.url).database or ""
            lock_path = Path(database + ".migrate.lock")
            with lock_path.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
            return
        with self.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _signed(MIGRATION_LOCK_ID)})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _signed(MIGRATION_LOCK_ID)})
                connection.commit()

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, and between tests)."""
        self.engine.dispose()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def _signed(key: int) -> int:
    """PostgreSQL advisory keys are signed 64-bit integers."""
    return key - (1 << 64) if key >= (1 << 63) else key


def _sqlite_engine(url: str, settings: Settings) -> Engine:
    """A SQLite engine in WAL mode whose transactions begin the way each caller asks."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise DatabaseError("SQLite needs a file path (sqlite:///path/to/revgate.db); :memory: is not shared")
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size * 2,
    )
    synchronous = settings.sqlite_synchronous

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (the sqlite3 module would otherwise defer it to the first
        # write), then set the durability and locking behaviour documented above.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine
