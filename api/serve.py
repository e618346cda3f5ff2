"""`rev serve`: migrate, load the example pack into a new database, then run uvicorn.

Migrating and seeding happen once here, in the parent, before any worker starts; each worker
then builds its own app with `api.app:create_app` (uvicorn's `--factory`), reading the same
`REVGATE_*` settings. Also runnable as `python -m api.serve` (the benchmark does that).
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.settings import Settings

if TYPE_CHECKING:
    from api.storage.db import Database

# The service's own dependencies (uvicorn, SQLAlchemy, the engine) are imported where they are
# used: `rev` registers this command at start-up, and `rev check` should not pay for them.

SEEDED_BY = "rev serve (example pack)"


def example_policy_files(root: Path) -> dict[str, str]:
    """The example pack's `.rev` files by relative path, without test-only files (they decide nothing)."""
    files = {}
    for path in sorted(root.rglob("*.rev")):
        relative = path.relative_to(root)
        if "tests" in relative.parts[:-1] or path.name.endswith("_test.rev"):
            continue
        files[relative.as_posix()] = path.read_text(encoding="utf-8")
    return files


def seed_examples(database: Database, examples: Path) -> bool:
    """Load and activate the example policy pack and charter if no policy set exists yet."""
    from api.storage import repository
    from engine import compile_policy_set
    from policy.documents import load_document

    if not (examples / "policies").is_dir():
        return False
    with database.appending() as session:
        if repository.list_policy_sets(session):
            return False
        policy_set = compile_policy_set(example_policy_files(examples / "policies"))
        record = repository.insert_policy_set(
            session,
            sha256=policy_set.sha256,
            files=dict(policy_set.files),
            policies=list(policy_set.policy_ids),
            created_by=SEEDED_BY,
        )
        repository.activate_policy_set(session, record.version, SEEDED_BY)
        charter_path = examples / "charter.yaml"
        if charter_path.exists() and repository.current_charter(session) is None:
            charter = load_document(charter_path)
            repository.insert_charter(
                session,
                charter_id=str(charter.id),
                version=str(charter.canonical.get("version")),
                sha256=charter.sha256,
                document=charter.canonical,
                created_by=SEEDED_BY,
            )
    return True


def prepare_database(settings: Settings, *, seed: bool = True) -> list[str]:
    """Migrate and (on a new database) seed; the lines to print about what was done."""
    from api.storage import migrate, repository
    from api.storage.db import Database

    database = Database(settings)
    try:
        migrate.upgrade(database)
        lines = [f"database: {describe_database(database)} (migration {migrate.current_revision(database)})"]
        if seed and seed_examples(database, settings.examples_dir):
            lines.append(f"new database: loaded the example policy pack and charter from {settings.examples_dir}")
        with database.reading() as session:
            has_keys = bool(repository.list_keys(session))
        if not has_keys:
            lines.append("no API keys yet; create the first one with:")
            lines.append("  rev keys create --email you@example.com --role admin")
    finally:
        database.dispose()
    return lines


def describe_database(database: Database) -> str:
    """Where the service keeps its data, for people: the SQLite file or the PostgreSQL URL (no password)."""
    from sqlalchemy.engine import make_url

    url = make_url(database.url)
    if database.is_sqlite:
        return f"SQLite {Path(url.database or '').resolve()}"
    return f"PostgreSQL {url.render_as_string(hide_password=True)}"


def _check_port_free(host: str, port: int) -> None:
    """Say plainly when the port is taken, before anything else is printed."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            typer.echo(
                f"error: cannot listen on {host}:{port} ({error.strerror}); another program uses it — "
                f"choose another port, e.g. `rev serve --port {port + 1}`",
                err=True,
            )
            raise typer.Exit(2) from None


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="worker processes (about one per core)")] = 1,
    examples: Annotated[bool, typer.Option(help="load the example pack into a new database")] = True,
    access_log: Annotated[bool, typer.Option(help="log every request")] = True,
) -> None:
    """Run the governance service (REVGATE_DATABASE_URL, or the embedded SQLite file)."""
    import uvicorn

    settings = Settings.from_env()
    _check_port_free(host, port)
    for line in prepare_database(settings, seed=examples):
        typer.echo(line)
    typer.echo(f"serving on http://{host}:{port} (OpenAPI at /openapi.json, docs at /docs)")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level="info",
    )


if __name__ == "__main__":
    typer.run(serve)
