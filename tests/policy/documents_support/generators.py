"""Hypothesis strategies: valid documents of every kind, and random edits that break them.

`valid_documents(kind)` builds a document from the model's field shapes, so a field added to
a model is generated without a change here. Each scalar is written in one of the notations the
loader accepts (`"25%"` or `0.25`, `240000` or `"240k USD"`, a date or its ISO text, padded
text, ints and floats as an API body would send them); optional fields are left out or
`null`; record keys come in random order. Ids, e-mail keys and references are kept valid.
"""

from __future__ import annotations

import copy
import datetime as dt
import typing
from decimal import Decimal
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st
from pydantic import BaseModel, WithJsonSchema

from policy.documents import KINDS
from policy.documents.scalars import (
    Scalar,
    to_bool,
    to_currency,
    to_date,
    to_free_map,
    to_id,
    to_money,
    to_number,
    to_percent,
    to_person,
    to_text,
    to_text_map,
)
from policy.documents.shapes import FieldSpec, ListShape, RecordShape, Shape, field_specs

_pad = st.sampled_from(["", "", "", " ", "  ", "\t"])
_words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10)
_small_ints = st.integers(-(10**12), 10**12)
_short_floats = st.integers(-(10**8), 10**8).map(lambda n: n / 100)
_decimals = st.decimals(-(10**12), 10**12, places=4, allow_nan=False, allow_infinity=False)
_fractions = st.decimals(-1, 1, places=4, allow_nan=False, allow_infinity=False)

_free_scalars = (
    st.none()
    | st.booleans()
    | _words
    | _small_ints
    | _decimals
    | _short_floats
    | st.dates()
    | st.datetimes(min_value=dt.datetime(2000, 1, 1))
)
_free_maps = st.dictionaries(
    _words,
    st.recursive(
        _free_scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_words, inner, max_size=3),
        max_leaves=8,
    ),
    max_size=4,
)
_text_maps = st.dictionaries(_words, _words | _small_ints | _decimals | st.dates(), max_size=4)


def _money_text(amount: Decimal, style: int, code: str) -> str:
    text = f"{amount:f}"
    return [text, f"{text} {code}", f"{code} {text}", f"${text}" if amount >= 0 else f"-${-amount:f}"][style]


_money = (
    _small_ints
    | _decimals
    | _short_floats
    | st.builds(_money_text, _decimals, st.integers(0, 3), st.sampled_from(["USD", "EUR", "gbp"]))
    | st.sampled_from(["240k USD", "$50k", "1.2M", "EUR 1,000", "1_000", " 12 ", "-3.5k"])
)
_percent = (
    _fractions
    | _fractions.map(float)
    | st.sampled_from([0, 1, "0.25", " 1 "])
    | st.builds(lambda n, pad: f"{n:f}{pad}%", st.decimals(-500, 500, places=3), _pad)
)
_number = (
    _small_ints
    | _decimals
    | _short_floats
    | st.sampled_from(["50k", "1_000", "1,200,000", "1.5M", " 12 ", "3e2", "-0", "0.000"])
)
_text = _words | _small_ints | _decimals | _short_floats | st.dates() | st.just(float("nan"))
_bool = st.sampled_from([True, False, "true", "FALSE", " True "])
_currency = st.sampled_from(["USD", "EUR", " GBP ", "JPY"])


def _schema(annotation: Any) -> dict[str, Any]:
    """The JSON Schema an annotated scalar declares (it lists a `OneOf`'s options)."""
    if typing.get_origin(annotation) is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        for item in metadata:
            if isinstance(item, WithJsonSchema):
                return item.json_schema or {}
        return _schema(base)
    for argument in typing.get_args(annotation):
        found = _schema(argument)
        if found:
            return found
    return {}


class _Document:
    """One document being drawn: unique keys, the keys drawn so far per record, a rising date."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.serial = 0
        self.day = dt.date(2026, 1, 1)
        self.keys: dict[type[BaseModel], list[Any]] = {}

    def record(self, model: type[BaseModel]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for spec in field_specs(model):
            if spec.name == "kind" or (not spec.required and self.draw(st.integers(0, 3)) == 0):
                continue
            if spec.optional and self.draw(st.integers(0, 5)) == 0:
                fields[spec.name] = None
            else:
                fields[spec.name] = self.field(model, spec)
        for check in getattr(model, "record_checks", ()):
            for name, *_ in check(fields):  # a competency needs `name` or `text`
                fields[name] = self.field(model, next(s for s in field_specs(model) if s.name == name))
            assume(not check(fields))
        key = getattr(model, "__key__", None)
        if key is not None and key in fields:
            self.keys.setdefault(model, []).append(fields[key])
        order = self.draw(st.permutations(list(fields)))
        return {name: fields[name] for name in order}

    def field(self, model: type[BaseModel], spec: FieldSpec) -> Any:
        if spec.ref is not None:
            targets = self.keys.get(spec.ref.record, [])
            assume(targets)
            return f"{self.draw(_pad)}{str(self.draw(st.sampled_from(targets))).strip()}{self.draw(_pad)}"
        info = model.model_fields[spec.attr]
        minimum = next((m.min_length for m in info.metadata if hasattr(m, "min_length")), 0)
        schema = _schema(typing.Annotated[(info.annotation, *info.metadata)]) if info.metadata else {}
        return self.value(spec.shape, schema or _schema(info.annotation), minimum)

    def value(self, shape: Shape, schema: dict[str, Any], minimum: int = 0) -> Any:
        if isinstance(shape, RecordShape):
            return self.record(shape.model)
        if isinstance(shape, ListShape):
            count = self.draw(st.integers(minimum, minimum + 3))
            return [self.value(shape.item, schema) for _ in range(count)]
        return self.scalar(shape.scalar, schema)

    def scalar(self, scalar: Scalar, schema: dict[str, Any]) -> Any:
        validate = scalar.validate
        self.serial += 1
        if validate is to_id:
            return self.draw(st.sampled_from([f"id-{self.serial}", f" ID {self.serial} ", self.serial]))
        if validate is to_person:
            local = self.draw(st.sampled_from(["ana", "Bo.Li", "x"]))
            return f"{self.draw(_pad)}{local}{self.serial}@Acme.example{self.draw(_pad)}"
        if validate is to_date:
            self.day += dt.timedelta(days=self.draw(st.integers(0, 40)))
            return self.draw(st.sampled_from([self.day, self.day.isoformat(), f" {self.day.isoformat()} "]))
        if validate is to_money:
            return self.draw(_money)
        simple = {
            to_text: _text,
            to_number: _number,
            to_percent: _percent,
            to_bool: _bool,
            to_currency: _currency,
            to_free_map: _free_maps,
            to_text_map: _text_maps,
        }
        if validate in simple:
            return copy.deepcopy(self.draw(simple[validate]))
        options = schema.get("enum") or [schema["const"]]
        return f"{self.draw(st.sampled_from(options))}{self.draw(_pad)}"


@st.composite
def valid_documents(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A document of `kind` that the loader accepts (with `kind:` first, or left out)."""
    body = _Document(draw).record(KINDS[kind].model)
    return body if draw(st.booleans()) else {"kind": kind, **body}


junk_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["25%", "240k USD", "$50k", "2026-02-30", "2026-07-01", "a@acme.example", "1e999999", ""])
    | st.dates()
    | st.datetimes()
)
junk_keys = st.text(max_size=8) | st.sampled_from(["kind", "id", "weight", "lines", "from", "to", "~/", "attributes"])
trees = st.recursive(
    junk_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(junk_keys, children, max_size=5),
    max_leaves=30,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*path, i))
    return found


def mutate(document: Any, data: st.DataObject) -> Any:
    """Apply a few random edits at random places."""
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_paths(document)))
        if not path:
            continue
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = data.draw(st.sampled_from(["delete", "replace", "unknown", "duplicate", "tree", "empty", "swap"]))
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = data.draw(junk_scalars)
        elif action == "tree":
            parent[last] = data.draw(trees)
        elif action == "unknown" and isinstance(parent[last], dict):
            parent[last][data.draw(junk_keys)] = data.draw(junk_scalars)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        elif action == "empty" and isinstance(parent[last], list | dict):
            parent[last] = type(parent[last])()
        elif action == "swap" and isinstance(parent, dict):  # `end` before `start`, an id where a date goes
            other = data.draw(st.sampled_from(list(parent)))
            parent[last], parent[other] = parent[other], parent[last]
    return document
