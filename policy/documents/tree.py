"""The value tree a policy sees, and the canonical form that is hashed and stored.

Both are built generically from the model's field shapes, never by hand per kind.

Value tree (the compiled policy engine depends on these exactly): a record is a plain `dict`
holding every declared field (`None` for an optional field left out, `{}` for absent
`attributes`); a list is a `DocList` carrying its JSON Pointer (`/kpis/0/decision_rights`);
money is `Money`; percents and numbers are `Decimal` (a percent is its fraction); dates are
`datetime.date`; free maps are plain dicts. A reference field (`from_line`) adds the record it
names under its `expose` key (`from`) — the very same dict object, not a copy.

Canonical form: the same fields in document notation, JSON-safe — money as `"240000 USD"`,
percents as `"25%"`, numbers as decimal text, dates ISO, `null` for what is left out; exposed
references are omitted (they are derived). Loading the canonical form again gives the same
value tree, which is what lets `test` blocks patch a loaded document.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from policy.documents.report import join
from policy.documents.scalars import bounded
from policy.documents.shapes import FieldSpec, ListShape, RecordShape, ScalarShape, Shape, field_specs, spec_map
from policy.types import DATE, MONEY, NUMBER, PERCENT, RecordType, Type
from policy.values import DocList, Money, format_number, format_percent, to_json_value

_Refs = list[tuple[dict[str, Any], FieldSpec]]


def to_value(model: BaseModel) -> dict[str, Any]:
    """The value tree of a validated document (references resolved by identity)."""
    refs: _Refs = []
    value = _record(model, "", refs)
    resolve_references(value, refs)
    return value


def resolve_references(value: Mapping[str, Any], refs: _Refs) -> None:
    """Put the record each reference names under its `expose` key (`None` if it names none).

    `refs` holds the referring records (with their `expose` key already set to `None`) and the
    reference field of each; the targets are looked up by key in the document's collection.
    """
    indexes: dict[str, dict[Any, dict[str, Any]]] = {}
    for record, spec in refs:
        ref = spec.ref
        assert ref is not None
        if ref.collection not in indexes:
            targets = value.get(ref.collection) or []
            indexes[ref.collection] = {t.get(ref.key): t for t in targets if isinstance(t, dict)}
        record[ref.expose] = indexes[ref.collection].get(record[spec.name])


def _record(model: BaseModel, pointer: str, refs: _Refs) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for spec in field_specs(type(model)):
        record[spec.name] = _value(getattr(model, spec.attr), spec.shape, join(pointer, spec.name), refs)
    for spec in field_specs(type(model)):
        if spec.ref is not None:
            record[spec.ref.expose] = None
            refs.append((record, spec))
    return record


def _value(raw: Any, shape: Shape, pointer: str, refs: _Refs) -> Any:
    if raw is None:
        return None
    if isinstance(shape, ScalarShape):
        return copy.deepcopy(raw) if isinstance(raw, dict) else raw
    if isinstance(shape, ListShape):
        return DocList((_value(item, shape.item, join(pointer, i), refs) for i, item in enumerate(raw)), pointer)
    return _record(raw, pointer, refs)


def to_model(value: Mapping[str, Any], model: type[BaseModel]) -> BaseModel:
    """The model of a value tree, built without validating again (the tree is already valid).

    Field values are those of the tree (free maps copied, lists plain, exposed references
    dropped), so it equals the model pydantic validated from the same document; only its
    `model_fields_set` differs, listing every field rather than those the document gave.
    """
    fields = {spec.attr: _model_value(value.get(spec.name), spec.shape) for spec in field_specs(model)}
    return model.model_construct(**fields)


def _model_value(value: Any, shape: Shape) -> Any:
    if value is None:
        return None
    if isinstance(shape, ListShape):
        return [_model_value(item, shape.item) for item in value]
    if isinstance(shape, RecordShape):
        return to_model(value, shape.model)
    return copy.deepcopy(value) if isinstance(value, dict) else value


def canonical_form(value: Mapping[str, Any], model: type[BaseModel], json_safe: bool = True) -> dict[str, Any]:
    """The canonical document of a value tree (`json_safe=False` keeps numbers as `Decimal`)."""
    return {spec.name: _encode(value.get(spec.name), spec.shape, json_safe) for spec in field_specs(model)}


def _encode(value: Any, shape: Shape, json_safe: bool) -> Any:
    if value is None:
        return None
    if isinstance(shape, ListShape):
        return [_encode(item, shape.item, json_safe) for item in value]
    if isinstance(shape, RecordShape):
        return canonical_form(value, shape.model, json_safe)
    return encode_scalar(shape.scalar.type, json_safe)(value)


def _money_text(value: Money) -> str:
    return f"{format_number(value.amount)} {value.currency}"


def _isoformat(value: dt.date) -> str:
    return value.isoformat()


def _as_is(value: Any) -> Any:
    return value


@functools.cache
def encode_scalar(kind: Type, json_safe: bool = True) -> Callable[[Any], Any]:
    """How the canonical form writes a (non-null) value of scalar type `kind`.

    One function per type, chosen once: the thorough path (`_encode`) and the fast path
    (`fast_path.py`) both encode through it, so their canonical forms cannot drift apart.
    """
    if kind == MONEY:
        return _money_text
    if kind == PERCENT:
        return format_percent
    if kind == NUMBER and json_safe:
        return format_number
    if kind == DATE and json_safe:
        return _isoformat
    if isinstance(kind, RecordType):
        return to_json_value if json_safe else copy.deepcopy
    return _as_is


def to_document_data(value: Any, model: type[BaseModel]) -> Any:
    """Run-time values (a `with {…}` record of a test) in document notation for `model`.

    A percent is a bare `Decimal` at run time, so `150%` would read as the slip `1.5`; guided
    by the field types this writes it back as `"150%"`. Exposed references are dropped.
    """
    return _data(value, RecordShape(model))


def _data(value: Any, shape: Shape | None) -> Any:
    if isinstance(value, Mapping):
        specs = spec_map(shape.model) if isinstance(shape, RecordShape) else {}
        exposed = {s.ref.expose for s in specs.values() if s.ref is not None}
        return {
            str(k): _data(v, specs[k].shape if k in specs else None) for k, v in value.items() if str(k) not in exposed
        }
    if isinstance(value, list | tuple):
        item = shape.item if isinstance(shape, ListShape) else None
        return [_data(v, item) for v in value]
    if isinstance(shape, ScalarShape) and shape.scalar.type == PERCENT and isinstance(value, Decimal):
        return format_percent(value) if bounded(value) is not None else value
    if isinstance(shape, ScalarShape) and shape.scalar.type == MONEY and isinstance(value, Money):
        return value
    return value
