"""Run Alembic migrations from Python: the service upgrades its database itself on startup.

Operators never need a separate migration step for the embedded SQLite file, and several
uvicorn workers starting at once queue on the migration lock instead of racing each other.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from api.storage.db import Database

STORAGE_DIR = Path(__file__).resolve().parent


def alembic_config() -> Config:
    """The Alembic configuration shipped in the package (api/storage/alembic.ini)."""
    config = Config(str(STORAGE_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(STORAGE_DIR / "migrations"))
    return config


def head_revision() -> str:
    """The newest migration this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(database: Database) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database: Database, revision: str = "head") -> None:
    """Upgrade to `revision` (default: the newest) in one transaction, under the migration lock."""
    _run(database, command.upgrade, revision)


def downgrade(database: Database, revision: str) -> None:
    """Downgrade to `revision` (`base` removes every table): an operator's action, never automatic."""
    _run(database, command.downgrade, revision)


def _run(database: Database, action: object, revision: str) -> None:
    """Hand Alembic our own connection so that it uses the same engine settings and locks."""
    config = alembic_config()
    with database.migration_lock(), database.writing() as session:
        config.attributes["connection"] = session.connection()
        action(config, revision)  # type: ignore[operator]
