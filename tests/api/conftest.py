"""Fixtures for the service tests: every test runs on SQLite, and on PostgreSQL too when
`REVGATE_TEST_POSTGRES_URL` is set (scripts/postgres-setup.sh prints it).

Each test gets an empty database of its own: a new SQLite file, or a new PostgreSQL schema
(selected with `search_path`) that is dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from api.settings import Settings
from api.storage import migrate
from api.storage.db import Database
from tests.api.support import BACKENDS, EXAMPLES, POSTGRES_URL, Keys, frozen_charter, service_files


def libpq_url(url: str) -> str:
    """The same URL for psycopg itself (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'revgate.db'}"
        return
    assert POSTGRES_URL is not None
    schema = "test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(libpq_url(POSTGRES_URL), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with psycopg.connect(libpq_url(POSTGRES_URL), autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Freezing the heap collects first: ~0.2 s per app in a test process that holds the
    # whole suite's objects. tests/api/test_heap.py turns it on where it is what is tested.
    return Settings(database_url=database_url, examples_dir=EXAMPLES, freeze_heap=False)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    """A migrated, empty database."""
    db = Database(settings)
    migrate.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def app(settings: Settings, database: Database) -> Any:
    from api.app import create_app

    return create_app(settings, database)


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def keys(database: Database) -> Keys:
    return Keys(database)


@pytest.fixture
def published(client: Any, keys: Keys) -> dict[str, Any]:
    """The test pack (data/policies) published and active, and the test charter in force."""
    body = {"files": service_files(), "activate": True}
    response = client.post("/v1/policy-sets", json=body, headers=keys.headers("author"))
    assert response.status_code == 201, response.text
    charter = client.put("/v1/charter", json=frozen_charter(), headers=keys.headers("author"))
    assert charter.status_code == 201, charter.text
    return response.json()
