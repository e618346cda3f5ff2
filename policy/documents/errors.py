"""Pydantic's validation errors, rewritten as document diagnostics in the house style.

Pydantic collects every error of a document in one pass; this module only rewords them: each
gets a stable code, a JSON Pointer, `expected …, found …`, and a help line where there is a fix
(did-you-mean for unknown fields, the field's type for missing ones).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from policy.diagnostics import did_you_mean
from policy.documents.report import Reporter, pointer_of
from policy.documents.scalars import INVALID, clip, describe
from policy.documents.shapes import RecordShape, expected, record_name, shape_at, spec_map

Path = tuple[str | int, ...]


def _record_of(model: type[BaseModel], path: Path) -> type[BaseModel] | None:
    """The model of the record at `path`, if the path leads to one."""
    shape = shape_at(model, path)
    return shape.model if isinstance(shape, RecordShape) else None


def _unknown_field(model: type[BaseModel], path: Path, error: dict[str, Any], reporter: Reporter) -> None:
    record = _record_of(model, path[:-1])
    name = str(path[-1])
    names = list(spec_map(record)) if record else []
    owner = f" in {record_name(record)}" if record else ""
    help = did_you_mean(name, names)
    if help is None and names:
        help = "company-specific data goes in `attributes`; known fields: " + ", ".join(
            f"`{n}`" for n in names if n not in ("attributes", "kind")
        )
    reporter.add("document/unknown-field", pointer_of(path), f"unknown field `{clip(name)}`{owner}", help, key=True)


def _missing_field(model: type[BaseModel], path: Path, error: dict[str, Any], reporter: Reporter) -> None:
    record = _record_of(model, path[:-1])
    spec = spec_map(record).get(str(path[-1])) if record else None
    owner = f" in {record_name(record)}" if record else ""
    help = f"add `{path[-1]}`: {expected(spec.shape)}" if spec else None
    reporter.add("document/missing-field", pointer_of(path), f"missing field `{path[-1]}`{owner}", help)


def _wrong_shape(model: type[BaseModel], path: Path, error: dict[str, Any], reporter: Reporter) -> None:
    shape = shape_at(model, path)
    wanted = expected(shape) if shape is not None else "a record"
    message = f"expected {wanted}, found {describe(error.get('input'))}"
    reporter.add(INVALID, pointer_of(path), message)


def _too_short(model: type[BaseModel], path: Path, error: dict[str, Any], reporter: Reporter) -> None:
    shape = shape_at(model, path)
    wanted = expected(shape) if shape is not None else "a list"
    minimum = (error.get("ctx") or {}).get("min_length", 1)
    message = f"expected {wanted} with at least {minimum} item(s), found an empty list"
    reporter.add(INVALID, pointer_of(path), message)


def _custom(model: type[BaseModel], path: Path, error: dict[str, Any], reporter: Reporter) -> None:
    ctx = error.get("ctx") or {}
    reporter.add(
        str(ctx.get("code", INVALID)), pointer_of(path), str(ctx.get("message", error["msg"])), ctx.get("help")
    )


def _other(model: type[BaseModel], path: Path, error: dict[str, Any], reporter: Reporter) -> None:
    message = f"{str(error.get('msg', 'invalid value')).lower()}, found {describe(error.get('input'))}"
    reporter.add(INVALID, pointer_of(path), message)


_HANDLERS: dict[str, Callable[[type[BaseModel], Path, dict[str, Any], Reporter], None]] = {
    "document": _custom,
    "extra_forbidden": _unknown_field,
    "missing": _missing_field,
    "model_type": _wrong_shape,
    "model_attributes_type": _wrong_shape,
    "dict_type": _wrong_shape,
    "list_type": _wrong_shape,
    "too_short": _too_short,
}


def report_validation_error(model: type[BaseModel], error: ValidationError, reporter: Reporter) -> None:
    """Add one diagnostic per pydantic error of validating data against `model`."""
    for item in error.errors(include_url=False):
        path = tuple(step for step in item["loc"] if isinstance(step, str | int))
        _HANDLERS.get(item["type"], _other)(model, path, dict(item), reporter)
