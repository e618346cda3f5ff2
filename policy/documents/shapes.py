"""The shape of every model field, read once from its annotation.

This is the single place that interprets model annotations. Checker record types
(`record_types.py`), the value tree and canonical form (`tree.py`), reference and duplicate
checks (`checks.py`) and error messages (`errors.py`) all walk these shapes, so a field's type
is declared once, in the model.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass

from pydantic import BaseModel

from policy.documents.scalars import Ref, Scalar


@dataclass(frozen=True)
class ScalarShape:
    """A scalar (or free-map) field."""

    scalar: Scalar


@dataclass(frozen=True)
class ListShape:
    """A list field and the shape of its items."""

    item: Shape


@dataclass(frozen=True)
class RecordShape:
    """A nested record field."""

    model: type[BaseModel]


Shape = ScalarShape | ListShape | RecordShape


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record as documents spell it (`from`, not `from_`)."""

    name: str
    attr: str
    shape: Shape
    optional: bool
    """May be `none` in the value tree (an optional field that was left out)."""
    required: bool
    """Must be given in the document (no default)."""
    ref: Ref | None = None


def _interpret(annotation: object) -> tuple[Shape, bool, Ref | None]:
    """The shape of an annotation, whether it admits None, and its reference marker if any."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        ref = next((m for m in metadata if isinstance(m, Ref)), None)
        scalar = next((m for m in metadata if isinstance(m, Scalar)), None)
        if scalar is not None:
            return ScalarShape(scalar), False, ref
        shape, optional, inner_ref = _interpret(base)
        return shape, optional, ref or inner_ref
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"unsupported union in a document model: {annotation!r}")
        shape, _, ref = _interpret(members[0])
        return shape, True, ref
    if origin is list:
        (item,) = typing.get_args(annotation)
        return ListShape(_interpret(item)[0]), False, None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return RecordShape(annotation), False, None
    raise TypeError(f"unsupported annotation in a document model: {annotation!r}")


@functools.cache
def field_specs(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """The fields of a model, in declaration order."""
    specs = []
    for attr, info in model.model_fields.items():
        annotation = info.annotation
        if info.metadata:
            annotation = typing.Annotated[(annotation, *info.metadata)]
        shape, optional, ref = _interpret(annotation)
        specs.append(FieldSpec(info.alias or attr, attr, shape, optional, info.is_required(), ref))
    specs.sort(key=lambda spec: spec.name == "attributes")  # the free map reads best last
    return tuple(specs)


@functools.cache
def spec_map(model: type[BaseModel]) -> dict[str, FieldSpec]:
    """The fields of a model by document name."""
    return {spec.name: spec for spec in field_specs(model)}


def record_name(model: type[BaseModel]) -> str:
    """The checker type name of a record model."""
    return str(getattr(model, "__record_name__", model.__name__.lower()))


def expected(shape: Shape) -> str:
    """How a message names what a field expects (`a percent like "25%"`, `a list of component`)."""
    if isinstance(shape, ScalarShape):
        return shape.scalar.expected
    if isinstance(shape, RecordShape):
        return f"a record ({record_name(shape.model)})"
    inner = shape.item
    if isinstance(inner, RecordShape):
        return f"a list of {record_name(inner.model)} records"
    return f"a list of {expected(inner)}"


def shape_at(model: type[BaseModel], path: tuple[str | int, ...]) -> Shape | None:
    """The shape found by following `path` (field names and list indexes) from `model`."""
    shape: Shape | None = RecordShape(model)
    for step in path:
        if isinstance(shape, RecordShape) and isinstance(step, str):
            spec = spec_map(shape.model).get(step)
            shape = spec.shape if spec else None
        elif isinstance(shape, ListShape) and isinstance(step, int):
            shape = shape.item
        else:
            return None
    return shape
