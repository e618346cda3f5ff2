"""The service's commands, for `api.cli` to register: `rev serve` and `rev keys …`."""

from __future__ import annotations

import typer

from api.keys import keys_app
from api.serve import serve


def register(app: typer.Typer) -> None:
    """Add `serve` and the `keys` group to the `rev` application."""
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
