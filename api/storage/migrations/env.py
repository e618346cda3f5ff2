"""Alembic environment: migrate the connection the service hands over, or the configured database.

The service calls `api.storage.migrate.upgrade`, which passes its own connection in
`config.attributes["connection"]` (inside a transaction, under the migration lock). Run by hand
(`alembic -c api/storage/alembic.ini upgrade head`), the URL comes from `REVGATE_DATABASE_URL`.
"""

from __future__ import annotations

from alembic import context

from api.settings import Settings
from api.storage.db import Database
from api.storage.rows import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    """Run the migrations on one connection; SQLite needs batch mode to alter tables."""
    dialect = getattr(connection, "dialect", None)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=getattr(dialect, "name", "") == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate the shared connection if there is one, else a fresh one to the configured database."""
    shared = config.attributes.get("connection")
    if shared is not None:
        _run(shared)
        return
    database = Database(Settings.from_env())
    try:
        with database.migration_lock(), database.engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        database.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()
