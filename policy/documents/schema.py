"""JSON Schema of each kind, for `rev schema KIND` and editors."""

from __future__ import annotations

from typing import Any

from policy.diagnostics import Diagnostic, DiagnosticError, Stage, did_you_mean
from policy.documents.kinds import KINDS


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one document kind."""
    if kind not in KINDS:
        listed = ", ".join(f"`{k}`" for k in KINDS)
        message = f"expected a document kind ({listed}), found `{kind}`"
        raise DiagnosticError(
            [Diagnostic("document/unknown-kind", message, Stage.USAGE, help=did_you_mean(kind, KINDS), pointer="")]
        )
    schema = KINDS[kind].model.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": kind}
