"""The fast path for valid documents: one walk that checks, converts and encodes.

Most documents that arrive are valid, and the thorough path (`loading.build_thoroughly`) pays
for finding and locating every problem with five walks over each one: `prepare`, pydantic,
the cross-field checks, the value tree and the canonical form. This module walks the raw data
once, guided by a plan compiled from each model's field shapes, and builds the value tree and
the canonical form as it goes.

It only ever answers "valid, and here is the result" or "not sure": anything unexpected — a
key that is not text, a tuple, an unknown or missing field, a value a validator refuses, a
duplicate id, a reference to nothing, a limit reached, an exception of any kind — raises
`Doubt`, and the caller runs the thorough path, which reports every problem exactly as it
always has. So the fast path only has to be right about what it accepts, and for that it does
what the thorough path does, step for step:

- `prepare`: values and nesting are counted against the same limits; integers become `Decimal`
  and binary floats `Decimal(repr(f))` before any validator sees them.
- pydantic: each field's own validator (`Scalar.validate`) runs on the prepared value; left-out
  fields take the model's default; `None` passes only where the annotation allows it; the
  lists' `min_length` holds. A model using a pydantic feature not mirrored here (validators
  of its own, other constraints, extra fields allowed) is refused when its plan is built.
- `checks.py`: record checks, unique keys and references, with the same key text.
- `tree.py`: the same dicts, `DocList`s and pointers, references resolved by
  `resolve_references`, scalars encoded by `encode_scalar`.

`tests/policy/test_documents_fast_path.py` checks that both paths agree, on generated valid
documents of every kind and on broken ones.

Conversions of text and integers are memoised per validator in bounded caches: a document
repeats the same percents, dates and e-mail addresses, and so does the next one. The results
are immutable (`Decimal`, `Money`, `date`, `str`, `bool`), so sharing them is safe.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from annotated_types import MinLen
from pydantic import BaseModel, PlainValidator, WithJsonSchema
from pydantic.fields import FieldInfo

from policy.documents.checks import record_key
from policy.documents.kinds import KINDS
from policy.documents.limits import MAX_DEPTH, MAX_LIST_LENGTH, MAX_NODES
from policy.documents.prepare import key_text
from policy.documents.records import RecordCheck
from policy.documents.report import escape
from policy.documents.scalars import (
    Ref,
    Scalar,
    bounded,
    money_in,
    plain_currency,
    to_free_map,
    to_money,
    to_text,
    to_text_map,
)
from policy.documents.shapes import FieldSpec, ListShape, RecordShape, ScalarShape, Shape, field_specs
from policy.documents.tree import encode_scalar, resolve_references
from policy.values import DocList, Money, format_number


class Doubt(Exception):
    """The fast path is not sure the document is valid; the thorough path decides and reports."""


_ABSENT: Any = object()
_CACHE_SIZE = 4096
"""Entries per conversion cache; a full cache starts again empty (hostile input cannot grow it)."""

_AS_IS = frozenset({bool, Decimal, dt.date, dt.datetime, Money, type(None)})
"""Scalar inputs that `prepare` hands to validators unchanged (and that may reach them)."""

Convert = Callable[["_Walk", Any, str, int], tuple[Any, Any]]
"""(walk, raw value, pointer, depth) → (value-tree value, canonical value); raises `Doubt`."""


def _prepared(raw: Any) -> Any:
    """A scalar as `prepare` hands it on: integers and floats as `Decimal`."""
    kind = type(raw)
    if kind is int:
        return Decimal(raw)
    if kind is float:
        return Decimal(repr(raw))
    return raw


def _key_text(key: Any, taken: Mapping[str, Any]) -> str:
    """A free map's key as `prepare` spells it (`1:` is `"1"`); doubt when two keys spell alike."""
    name = key if type(key) is str else key_text(key)
    if name in taken:
        raise Doubt
    return name


class _Field(NamedTuple):
    """One field of a record plan (a tuple, so that the record loop unpacks it in one step)."""

    name: str
    suffix: str
    """`/name`, to extend the record's pointer."""
    nullable: bool
    default: Callable[[str], tuple[Any, Any]] | None
    """The (value, canonical) of the field left out, given its pointer; None when it is required."""
    how: int
    """`_TEXT`, `_SCALAR`, `_WALKED` or `_RECORD`: what `convert` is."""
    convert: Any
    """The raw value's converter (`_TEXT`, `_SCALAR`), a `Convert` (`_WALKED`), a `_Plan` (`_RECORD`)."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the walk does with one record model."""

    fields: tuple[_Field, ...]
    checks: tuple[RecordCheck, ...]
    refs: tuple[FieldSpec, ...]
    """Reference fields, in declaration order (each exposes the record it names)."""


class _Walk:
    """One document's walk: the node budget, the plain-amount currency, references to resolve."""

    __slots__ = ("currency", "nodes", "refs")

    def __init__(self, currency: str, nodes: int) -> None:
        self.currency = currency
        self.nodes = nodes
        self.refs: list[tuple[dict[str, Any], FieldSpec, Any]] = []

    def count(self, values: int) -> None:
        """Spend the node budget as `prepare` does: one per value (shared aliases once per use)."""
        self.nodes += values
        if self.nodes > MAX_NODES:
            raise Doubt

    def items(self, raw: Any, min_length: int) -> None:
        """Doubt unless `raw` is a list of an allowed length; spend the budget for its items."""
        if type(raw) is not list or not min_length <= len(raw) <= MAX_LIST_LENGTH:
            raise Doubt
        self.count(len(raw))

    def record(self, plan: _Plan, data: Any, pointer: str, depth: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """A record's value and canonical form, fields in declaration order."""
        if type(data) is not dict:
            raise Doubt
        self.nodes += len(data)
        if self.nodes > MAX_NODES:
            raise Doubt
        value: dict[str, Any] = {}
        canonical: dict[str, Any] = {}
        given = 0
        for name, suffix, nullable, default, how, convert in plan.fields:
            raw = data.get(name, _ABSENT)
            if raw is _ABSENT:
                if default is None:
                    raise Doubt  # required
                value[name], canonical[name] = default(pointer + suffix)
                continue
            given += 1
            if raw is None and nullable:
                value[name] = canonical[name] = None
            elif how == _TEXT and type(raw) is str:
                value[name] = canonical[name] = raw  # `to_text` keeps text as it is (the commonest field)
            elif how <= _SCALAR:
                value[name], canonical[name] = convert(raw)
            elif how == _WALKED:
                value[name], canonical[name] = convert(self, raw, pointer + suffix, depth + 1)
            else:
                value[name], canonical[name] = self.record(convert, raw, pointer + suffix, depth + 1)
        if given != len(data):
            raise Doubt  # a key that is no field of this record
        if plan.checks:
            fields = {key: _prepared(item) for key, item in data.items()}
            if any(check(fields) for check in plan.checks):
                raise Doubt
        for spec in plan.refs:
            value[spec.ref.expose] = None  # type: ignore[union-attr]
            self.refs.append((value, spec, data.get(spec.name, _ABSENT)))
        return value, canonical

    def free(self, raw: Any, depth: int) -> tuple[Any, Any]:
        """A value of a free map (`attributes`): `free_value` of the prepared value, and its JSON form."""
        if depth > MAX_DEPTH:
            raise Doubt
        kind = type(raw)
        if kind is str or kind is bool or raw is None:
            return raw, raw
        if kind is int or kind is float or kind is Decimal:
            number = bounded(_prepared(raw))
            if number is None:
                raise Doubt
            return number, format_number(number)
        if kind is dict:
            self.count(len(raw))
            value: dict[str, Any] = {}
            canonical: dict[str, Any] = {}
            for key, item in raw.items():
                name = _key_text(key, value)
                value[name], canonical[name] = self.free(item, depth + 1)
            return value, canonical
        if kind is list:
            if len(raw) > MAX_LIST_LENGTH:
                raise Doubt
            self.count(len(raw))
            pairs = [self.free(item, depth + 1) for item in raw]
            return [v for v, _ in pairs], [c for _, c in pairs]
        if kind is dt.date or kind is dt.datetime:
            return raw, raw.isoformat()
        raise Doubt


def _free_map(walk: _Walk, raw: Any, pointer: str, depth: int) -> tuple[Any, Any]:
    """A free map (`attributes`): `to_free_map` accepts only a map, whatever its values."""
    if type(raw) is not dict:
        raise Doubt
    return walk.free(raw, depth)


def _text_map(walk: _Walk, raw: Any, pointer: str, depth: int) -> tuple[Any, Any]:
    """A map of text (`labels`): `to_text` of each prepared value."""
    if type(raw) is not dict or depth >= MAX_DEPTH:  # its values are one level deeper
        raise Doubt
    walk.count(len(raw))
    value: dict[str, str] = {}
    for key, item in raw.items():
        key = _key_text(key, value)
        if type(item) is str:
            value[key] = item
        elif type(item) in (dict, list):
            raise Doubt
        else:
            try:
                value[key] = to_text(_prepared(item))
            except Exception:
                raise Doubt from None
    return value, dict(value)


_CACHES: list[dict[Any, Any]] = []


def clear_caches() -> None:
    """Empty every conversion cache (benchmarks measure with cold caches too)."""
    for cache in _CACHES:
        cache.clear()


def _cached(convert: Callable[[Any], tuple[Any, Any]], keyed: bool = False) -> Callable[[Any], tuple[Any, Any]]:
    """`convert` memoised for text and integer inputs (two kinds that never compare equal).

    `keyed` converters take a pair (key, raw value) — money takes (currency, amount) — and are
    memoised on the pair when the raw value is text or an integer.
    """
    cache: dict[Any, tuple[Any, Any]] = {}
    _CACHES.append(cache)

    def cached(raw: Any) -> tuple[Any, Any]:
        kind = type(raw[1]) if keyed else type(raw)
        if kind is not str and kind is not int:
            return convert(raw)
        hit = cache.get(raw)
        if hit is None:
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            hit = cache[raw] = convert(raw)
        return hit

    return cached


def _checked(
    validate: Callable[[Any], Any], encode: Callable[[Any], Any], keyed: bool = False
) -> Callable[[Any], tuple[Any, Any]]:
    """Prepare, validate and encode one raw scalar; whatever the validator refuses is a doubt.

    A `keyed` converter takes and validates a pair (key, raw value), the raw value prepared.
    """

    def convert(raw: Any) -> tuple[Any, Any]:
        value = raw[1] if keyed else raw
        kind = type(value)
        if kind is not str and kind is not int and kind is not float and kind not in _AS_IS:
            raise Doubt  # a record, a list, or something `prepare` would change
        try:
            result = validate((raw[0], _prepared(value)) if keyed else _prepared(value))
        except Exception:
            raise Doubt from None
        return result, encode(result)

    return convert


_TEXT, _SCALAR, _WALKED, _RECORD = range(4)
"""How a field is converted: text kept as it is (anything else as a scalar); a scalar by its
memoised converter; by a converter that needs the walk (money reads its currency, maps and
lists spend its node budget, lists need their pointer); a nested record."""


def _scalar(scalar: Scalar) -> tuple[int, Any]:
    """How a scalar field is converted, and its converter (of the raw value, or a `Convert`)."""
    validate = scalar.validate
    if validate is None:
        raise TypeError(f"scalar without a validator: {scalar!r}")
    if validate is to_free_map:
        return _WALKED, _free_map
    if validate is to_text_map:
        return _WALKED, _text_map
    encode = encode_scalar(scalar.type)
    if validate is to_money:
        amounts = _cached(_checked(lambda pair: money_in(pair[1], pair[0]), encode, keyed=True), keyed=True)

        def money(walk: _Walk, raw: Any, pointer: str, depth: int) -> tuple[Any, Any]:
            return amounts((walk.currency, raw))

        return _WALKED, money
    return (_TEXT if validate is to_text else _SCALAR), _cached(_checked(validate, encode))


def _list(shape: ListShape, min_length: int) -> Convert:
    """The converter of a list field (records in it also have their keys checked for duplicates)."""
    item = shape.item
    if isinstance(item, RecordShape):
        plan, key = plan_of(item.model), getattr(item.model, "__key__", None)

        def records(walk: _Walk, raw: Any, pointer: str, depth: int) -> tuple[Any, Any]:
            walk.items(raw, min_length)
            pairs = [walk.record(plan, entry, f"{pointer}/{i}", depth + 1) for i, entry in enumerate(raw)]
            if key is not None:
                _check_unique(raw, key)
            return DocList([v for v, _ in pairs], pointer), [c for _, c in pairs]

        return records
    if isinstance(item, ListShape):
        raise TypeError("lists of lists are not document fields")
    how, convert = _scalar(item.scalar)

    def scalars(walk: _Walk, raw: Any, pointer: str, depth: int) -> tuple[Any, Any]:
        walk.items(raw, min_length)
        if how == _WALKED:
            pairs = [convert(walk, entry, pointer, depth + 1) for entry in raw]
        elif how == _TEXT:
            pairs = [(entry, entry) if type(entry) is str else convert(entry) for entry in raw]
        else:
            pairs = [convert(entry) for entry in raw]
        return DocList([v for v, _ in pairs], pointer), [c for _, c in pairs]

    return scalars


def _check_unique(records: list[dict[str, Any]], key: str) -> None:
    """Doubt when two records share a key, compared as `checks._check_unique` compares them."""
    seen: set[str] = set()
    for record in records:
        text = record_key(_prepared(record.get(key)))
        if text is None:
            continue
        folded = text.lower() if key == "email" else text
        if folded in seen:
            raise Doubt
        seen.add(folded)


def _field(model: type[BaseModel], spec: FieldSpec) -> _Field:
    """The plan of one field."""
    info = model.model_fields[spec.attr]
    if info.validation_alias not in (None, info.alias):
        raise TypeError(f"{model.__name__}.{spec.attr}: validation aliases are not mirrored by the fast path")
    minimum = _min_length(model, spec.attr, info)
    shape = spec.shape
    if isinstance(shape, ScalarShape):
        how, convert = _scalar(shape.scalar)
    elif isinstance(shape, ListShape):
        how, convert = _WALKED, _list(shape, minimum)
    else:
        how, convert = _RECORD, plan_of(shape.model)
    if minimum and not isinstance(shape, ListShape):
        raise TypeError(f"{model.__name__}.{spec.attr}: `min_length` on a field that is not a list")
    default = _default(info, shape) if not spec.required else None
    return _Field(spec.name, "/" + escape(spec.name), spec.optional, default, how, convert)


def _default(info: FieldInfo, shape: Shape) -> Callable[[str], tuple[Any, Any]]:
    """What a left-out field becomes: its default, as `to_value` and `canonical_form` write it."""
    default = info.get_default(call_default_factory=True)
    if default is None:
        return lambda pointer: (None, None)
    if isinstance(shape, ListShape) and default == []:
        return lambda pointer: (DocList((), pointer), [])
    if isinstance(shape, ScalarShape) and default == {} and isinstance(default, dict):
        return lambda pointer: ({}, {})
    if isinstance(shape, ScalarShape) and isinstance(default, str):
        encoded = encode_scalar(shape.scalar.type)(default)
        return lambda pointer: (default, encoded)
    raise TypeError(f"unsupported default in a document model: {default!r}")


_UNDERSTOOD = (PlainValidator, WithJsonSchema, Scalar, Ref)


def _min_length(model: type[BaseModel], attr: str, info: FieldInfo) -> int:
    """The field's `min_length`; any other constraint is one the fast path does not mirror."""
    minimum = 0
    for item in info.metadata:
        if isinstance(item, MinLen):
            minimum = item.min_length
        elif not isinstance(item, _UNDERSTOOD):
            raise TypeError(f"{model.__name__}.{attr}: constraint not mirrored by the fast path: {item!r}")
    for item in _annotated_metadata(info.annotation):
        if not isinstance(item, _UNDERSTOOD):
            raise TypeError(f"{model.__name__}.{attr}: constraint not mirrored by the fast path: {item!r}")
    return minimum


def _annotated_metadata(annotation: Any) -> list[Any]:
    """Every `Annotated` metadata item anywhere inside an annotation."""
    found: list[Any] = []
    if typing.get_origin(annotation) is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        return [*metadata, *_annotated_metadata(base)]
    for argument in typing.get_args(annotation):
        found += _annotated_metadata(argument)
    return found


def _refuse_unmirrored(model: type[BaseModel]) -> None:
    """Refuse models whose validation the fast path would not reproduce."""
    config = model.model_config
    if config.get("extra") != "forbid" or config.get("populate_by_name") or config.get("validate_by_name"):
        raise TypeError(f"{model.__name__}: the fast path needs extra='forbid' and aliases only")
    decorators = model.__pydantic_decorators__
    if any(
        (decorators.validators, decorators.field_validators, decorators.root_validators, decorators.model_validators)
    ):
        raise TypeError(f"{model.__name__}: validators of a model are not mirrored by the fast path")


@functools.cache
def plan_of(model: type[BaseModel]) -> _Plan:
    """The plan of a record model, compiled once from its field shapes."""
    _refuse_unmirrored(model)
    fields = tuple(_field(model, spec) for spec in field_specs(model))
    refs = tuple(spec for spec in field_specs(model) if spec.ref is not None)
    return _Plan(fields, tuple(getattr(model, "record_checks", ())), refs)


_PLANS: dict[str, _Plan] = {name: plan_of(kind.model) for name, kind in KINDS.items()}
"""Compiled at import, so that a model the fast path cannot mirror fails loudly, not slowly."""


def _check_references(walk: _Walk, data: Mapping[str, Any]) -> list[tuple[dict[str, Any], FieldSpec]]:
    """Doubt when a reference names no record, as `checks._check_ref` decides it."""
    keys: dict[str, set[str | None]] = {}
    resolved = []
    for record, spec, raw in walk.refs:
        ref = spec.ref
        assert ref is not None
        records = data.get(ref.collection)
        target = record_key(_prepared(raw)) if raw is not _ABSENT else None
        if target is not None and isinstance(records, list):
            if ref.collection not in keys:
                keys[ref.collection] = {
                    record_key(_prepared(r.get(ref.key))) for r in records if isinstance(r, Mapping)
                }
            if target not in keys[ref.collection]:
                raise Doubt
        resolved.append((record, spec))
    return resolved


_CONTEXT = decimal.Context()
"""The decimal context threads start with, as it was at import: the one the caches were filled under."""


def _usual_context() -> bool:
    """Whether this thread computes decimals as the caches' results were computed.

    Conversions round to the current context (`bounded` normalises, `to_percent` divides), so a
    memoised result holds only under the context it was computed in. Loading runs under the
    default one; under any other, the thorough path computes everything afresh.
    """
    ctx = decimal.getcontext()
    usual = _CONTEXT
    return (
        ctx.prec == usual.prec
        and ctx.rounding == usual.rounding
        and ctx.Emax == usual.Emax
        and ctx.Emin == usual.Emin
        and ctx.clamp == usual.clamp
        and ctx.capitals == usual.capitals  # `str(Decimal)` writes `E` or `e`
        and ctx.traps == usual.traps
    )


def load_valid(data: Any, expected_kind: str | None = None) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """(kind, value tree, canonical form) of a valid document, or None when in any doubt."""
    try:
        if type(data) is not dict or not _usual_context():
            raise Doubt
        kind = data.get("kind", expected_kind)
        if type(kind) is not str or kind not in _PLANS or expected_kind not in (None, kind):
            raise Doubt
        walk = _Walk(plain_currency(data), nodes=1)
        if "kind" not in data:
            data = {"kind": kind, **data}  # as the thorough path adds it, after counting
            walk.nodes -= 1
        value, canonical = walk.record(_PLANS[kind], data, "", 0)
        resolve_references(value, _check_references(walk, data))
    except Exception:  # a `Doubt`, or anything else: the thorough path meets the same input and decides
        return None
    return kind, value, canonical
