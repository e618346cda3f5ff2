"""The `--overrides FILE` of `rev check`: a YAML or JSON list of overrides, validated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.wire import Justification
from engine import Override


class OverrideEntry(BaseModel):
    """One override as written in the file (LANGUAGE.md §9)."""

    model_config = ConfigDict(extra="forbid")

    policy: str = Field(min_length=1)
    path: str = ""
    approver: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    justification: Justification
    expires: dt.date  # every exception ends (LANGUAGE.md §9: valid only while unexpired)
    document: str | None = None


def load_overrides(path: Path) -> list[Override]:
    """Read and validate the file; a problem is a usage error (exit 2) naming the entry and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        typer.echo(f"error: cannot read overrides from `{path}`: {error}", err=True)
        raise typer.Exit(2) from None
    if isinstance(data, dict) and "overrides" in data:
        data = data["overrides"]
    if not isinstance(data, list):
        typer.echo(f"error: `{path}` must hold a list of overrides", err=True)
        raise typer.Exit(2)
    overrides: list[Override] = []
    problems: list[str] = []
    for index, item in enumerate(data):
        try:
            entry = OverrideEntry.model_validate(item)
        except ValidationError as error:
            for e in error.errors():
                pointer = "/" + "/".join(str(p) for p in (index, *e["loc"]))
                problems.append(f"{path}: {pointer}: {e['msg']}")
            continue
        overrides.append(
            Override(entry.policy, entry.path, entry.approver, entry.justification, entry.expires, entry.document)
        )
    if problems:
        typer.echo("\n".join(f"error: {p}" for p in problems), err=True)
        raise typer.Exit(2)
    return overrides
