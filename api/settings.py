"""Service settings, read once from the environment.

Everything the service and `rev keys` need to agree on (above all, which database) comes from
`REVGATE_*` variables, so that `rev serve`, its uvicorn workers, `rev keys` and the tests all see
the same configuration without passing it around. docs/operating.md lists every variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///./.revgate/revgate.db"
"""The embedded default: one SQLite file (WAL mode) under the working directory."""

REPO_ROOT = Path(__file__).resolve().parent.parent
SQLITE_SYNCHRONOUS_MODES = ("FULL", "NORMAL", "EXTRA")


class SettingsError(ValueError):
    """A `REVGATE_*` variable holds a value the service cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    """What the service is configured with; immutable, so workers cannot drift apart."""

    database_url: str = DEFAULT_DATABASE_URL
    max_body_bytes: int = 2 * 1024 * 1024
    sqlite_synchronous: str = "FULL"
    pool_size: int = 10
    examples_dir: Path = REPO_ROOT / "examples"
    migrate_on_startup: bool = True
    switch_interval_ms: float = 2.0
    submit_threads: int = 8
    freeze_heap: bool = True
    """Exempt what start-up built from garbage collection while serving (`api.heap`)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `REVGATE_*` variables, falling back to the defaults."""
        env = os.environ if environ is None else environ
        base = cls()
        synchronous = env.get("REVGATE_SQLITE_SYNCHRONOUS", base.sqlite_synchronous).upper()
        if synchronous not in SQLITE_SYNCHRONOUS_MODES:
            raise SettingsError(f"REVGATE_SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS_MODES)}")
        return replace(
            base,
            database_url=env.get("REVGATE_DATABASE_URL") or base.database_url,
            max_body_bytes=_positive_int(env, "REVGATE_MAX_BODY_BYTES", base.max_body_bytes),
            sqlite_synchronous=synchronous,
            pool_size=_positive_int(env, "REVGATE_POOL_SIZE", base.pool_size),
            examples_dir=Path(env.get("REVGATE_EXAMPLES_DIR") or base.examples_dir),
            migrate_on_startup=_flag(env, "REVGATE_MIGRATE_ON_STARTUP", base.migrate_on_startup),
            switch_interval_ms=_positive_float(env, "REVGATE_SWITCH_INTERVAL_MS", base.switch_interval_ms),
            submit_threads=_positive_int(env, "REVGATE_SUBMIT_THREADS", base.submit_threads),
            freeze_heap=_flag(env, "REVGATE_FREEZE_HEAP", base.freeze_heap),
        )

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


_FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A yes/no variable; anything else is refused (`REVGATE_FREEZE_HEAP=nope` must not mean yes)."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return _FLAGS[raw.strip().lower()]
    except KeyError:
        raise SettingsError(f"{name} must be 1 or 0 (true/false, yes/no, on/off), not `{raw}`") from None


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    """A number variable that must be above zero."""
    return _positive(env, name, default, float, "a number")


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """An integer variable that must be above zero."""
    return _positive(env, name, default, int, "a whole number")


def _positive(env: Mapping[str, str], name: str, default: Any, convert: Any, what: str) -> Any:
    """A variable read with `convert` that must be above zero; a clear error rather than a crash later."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = convert(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {what}, not `{raw}`") from None
    if not value > 0:
        raise SettingsError(f"{name} must be above zero, not `{raw}`")
    return value
