"""Checker record types derived from the document models.

The models are the single source of truth: a scalar field's type comes from its `Scalar`
marker, lists become `ListType`, nested records `RecordType` named by `__record_name__`, free
maps open record types. A field that may be `none` at run time (optional and left out) is an
optional `Field`; lists with a default are never `none`, so they are not optional. A
reference field (`from_line`) adds the record it names under its `expose` name (`from`).
"""

from __future__ import annotations

import functools

from pydantic import BaseModel

from policy.documents.shapes import ListShape, ScalarShape, Shape, field_specs, record_name
from policy.types import Field, ListType, RecordType, Type


def type_of(shape: Shape) -> Type:
    """The checker type of a field shape."""
    if isinstance(shape, ScalarShape):
        return shape.scalar.type
    if isinstance(shape, ListShape):
        return ListType(type_of(shape.item))
    return record_type(shape.model)


@functools.cache
def record_type(model: type[BaseModel]) -> RecordType:
    """The record type of a model (cached, so each record type is built once)."""
    fields: dict[str, Field] = {}
    for spec in field_specs(model):
        fields[spec.name] = Field(type_of(spec.shape), spec.optional)
        if spec.ref is not None:
            fields[spec.ref.expose] = Field(record_type(spec.ref.record), spec.optional)
    return RecordType(record_name(model), fields)
