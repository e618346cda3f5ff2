"""Make parsed data safe to validate: bounded, string-keyed, and free of binary floats.

Whatever the data came from (YAML, JSON, a spreadsheet, an API body), this pass enforces the
limits of `limits.py`, turns every key into text (`1:` becomes `"1"`), every integer into a
`Decimal`, and every binary float into the `Decimal` of its shortest repr (`0.1` stays `0.1`).
After it, a float reaching a model is a bug. It copies as it goes, so YAML aliases become
independent values and an alias bomb is stopped by the node budget.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from policy.documents.limits import MAX_DEPTH, MAX_LIST_LENGTH, MAX_NODES
from policy.documents.report import Reporter, join


class _Stop(Exception):
    """A limit was hit; the pass ends and the limit's diagnostic stands alone."""


def key_text(key: Any) -> str:
    """A map key as text, spelled as the document would spell it."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, dt.date):
        return key.isoformat()
    if isinstance(key, float):
        return str(Decimal(repr(key)))
    return str(key) if not isinstance(key, int) else str(Decimal(key))


class _Pass:
    """One run over one document's data."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.nodes = 0

    def value(self, value: Any, pointer: str, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.reporter.add("document/too-large", "", f"expected at most {MAX_NODES:,} values, found more")
            raise _Stop
        if depth > MAX_DEPTH:
            message = f"expected values nested at most {MAX_DEPTH} deep, found deeper nesting"
            self.reporter.add("document/too-deep", pointer, message)
            raise _Stop
        if isinstance(value, Mapping):
            return self.mapping(value, pointer, depth)
        if isinstance(value, list | tuple):
            if len(value) > MAX_LIST_LENGTH:
                message = f"expected at most {MAX_LIST_LENGTH:,} items, found {len(value):,}"
                self.reporter.add("document/too-large", pointer, message)
                raise _Stop
            return [self.value(item, join(pointer, i), depth + 1) for i, item in enumerate(value)]
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        return value

    def mapping(self, value: Mapping[Any, Any], pointer: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, item in value.items():
            name = key_text(key)
            if name in result:
                self.reporter.add("document/duplicate-key", join(pointer, name), f"duplicate key `{name}`")
            result[name] = self.value(item, join(pointer, name), depth + 1)
        return result


def prepare(data: Any, reporter: Reporter) -> tuple[Any, bool]:
    """The prepared data, and whether it is within the limits (else the reporter says why)."""
    try:
        return _Pass(reporter).value(data, "", 0), True
    except _Stop:
        return None, False
