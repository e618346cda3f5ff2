"""`rev keys create|revoke|list`: manage API keys in the database the service uses.

The token is printed once, alone on the last line of standard output, so that scripts can take
it with `tail -n 1`; only its sha256 is stored, so a lost key is revoked and replaced, never
recovered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from api.roles import EMAIL, Role

if TYPE_CHECKING:
    from api.storage.db import Database

keys_app = typer.Typer(help="Create, revoke and list API keys.", no_args_is_help=True)


def open_database() -> Database:
    """The database named by REVGATE_DATABASE_URL (default: the embedded SQLite file), migrated.

    Which database is said on standard error: a key made in another folder's `.revgate/` is the
    commonest reason a new key gets 401 from the service.
    """
    from api.serve import describe_database
    from api.settings import Settings
    from api.storage import migrate
    from api.storage.db import Database

    database = Database(Settings.from_env())
    migrate.upgrade(database)
    typer.echo(f"database: {describe_database(database)}", err=True)
    return database


@keys_app.command("create")
def create(
    email: Annotated[str, typer.Option("--email", help="whose key: the identity used for segregation of duties")],
    role: Annotated[Role, typer.Option("--role", help="what the key may do")],
) -> None:
    """Create a key; it is printed once, alone on the last line."""
    if not EMAIL.match(email):
        typer.echo(f"error: `{email}` is not an e-mail address", err=True)
        raise typer.Exit(2)
    from api.storage import repository

    database = open_database()
    try:
        with database.writing() as session:
            key, token = repository.create_key(session, email.strip().lower(), role.value)
    finally:
        database.dispose()
    typer.echo(f"created {key.id} for {key.email} with role {key.role}; the key is shown only once:")
    typer.echo(token)


@keys_app.command("revoke")
def revoke(key: Annotated[str, typer.Argument(help="the key id (key_…) or the key itself")]) -> None:
    """Revoke a key at once; requests with it get 401 from then on."""
    from api.storage import repository

    database = open_database()
    try:
        with database.writing() as session:
            revoked = repository.revoke_key(session, key)
    finally:
        database.dispose()
    if revoked is None:
        typer.echo("error: no such key (give the id shown by `rev keys list`, or the key itself)", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {revoked.id} ({revoked.email}, {revoked.role})")


@keys_app.command("list")
def list_keys() -> None:
    """Every key: id, e-mail, role, created, revoked (tokens are never shown again)."""
    from api.storage import repository

    database = open_database()
    try:
        with database.reading() as session:
            keys = repository.list_keys(session)
    finally:
        database.dispose()
    if not keys:
        typer.echo("no keys yet: rev keys create --email you@example.com --role admin")
        return
    for key in keys:
        revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "active"
        typer.echo(f"{key.id}  {key.email}  {key.role}  {key.created_at.isoformat(timespec='seconds')}  {revoked}")
