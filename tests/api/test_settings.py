"""Settings come from `REVGATE_*` variables; bad values are refused with the variable's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import DEFAULT_DATABASE_URL, Settings, SettingsError


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL and settings.is_sqlite
    assert settings.sqlite_synchronous == "FULL" and settings.max_body_bytes == 2 * 1024 * 1024
    assert settings.freeze_heap is True


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "REVGATE_DATABASE_URL": "postgresql+psycopg://u:p@h/db",
            "REVGATE_MAX_BODY_BYTES": "1000",
            "REVGATE_SQLITE_SYNCHRONOUS": "normal",
            "REVGATE_POOL_SIZE": "3",
            "REVGATE_EXAMPLES_DIR": "/srv/pack",
            "REVGATE_MIGRATE_ON_STARTUP": "0",
            "REVGATE_SWITCH_INTERVAL_MS": "0.5",
            "REVGATE_SUBMIT_THREADS": "4",
            "REVGATE_FREEZE_HEAP": "no",
        }
    )
    assert not settings.is_sqlite and settings.max_body_bytes == 1000 and settings.pool_size == 3
    assert settings.sqlite_synchronous == "NORMAL" and settings.examples_dir == Path("/srv/pack")
    assert settings.migrate_on_startup is False and settings.switch_interval_ms == 0.5
    assert settings.submit_threads == 4 and settings.freeze_heap is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REVGATE_MAX_BODY_BYTES", "lots"),
        ("REVGATE_MAX_BODY_BYTES", "0"),
        ("REVGATE_POOL_SIZE", "-1"),
        ("REVGATE_SQLITE_SYNCHRONOUS", "OFF"),
        ("REVGATE_SWITCH_INTERVAL_MS", "nan"),
        ("REVGATE_SUBMIT_THREADS", "0"),
        ("REVGATE_FREEZE_HEAP", "nope"),
        ("REVGATE_MIGRATE_ON_STARTUP", "2"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), (" on ", True), ("0", False), ("No", False)]
)
def test_yes_no_variables_take_the_usual_spellings(raw: str, expected: bool) -> None:
    settings = Settings.from_env({"REVGATE_FREEZE_HEAP": raw, "REVGATE_MIGRATE_ON_STARTUP": raw})
    assert settings.freeze_heap is expected and settings.migrate_on_startup is expected
