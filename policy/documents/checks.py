"""Rules beyond one field's type: unique ids, references that resolve, record-level checks.

They run on the prepared data (not on a validated model) guided by the model's field shapes,
so that a misspelt `from_line` is reported in the same list as a bad amount elsewhere. Data of
the wrong shape is skipped here: pydantic already reports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from policy.diagnostics import did_you_mean
from policy.documents.report import Reporter, join
from policy.documents.scalars import Ref, clip
from policy.documents.shapes import ListShape, RecordShape, field_specs, record_name


def record_key(value: Any) -> str | None:
    """An id as text, for comparing (as the fast path does too); None when it is not a scalar."""
    if isinstance(value, Mapping | list) or value is None:
        return None
    return str(value).strip()


def _check_unique(items: list[Any], model: type[BaseModel], pointer: str, reporter: Reporter) -> None:
    """Report the second and later records of one list that reuse a key (`id`, `email`)."""
    key = getattr(model, "__key__", None)
    if key is None:
        return
    seen: set[str] = set()
    for i, item in enumerate(items):
        value = record_key(item.get(key)) if isinstance(item, Mapping) else None
        if value is None:
            continue
        folded = value.lower() if key == "email" else value
        if folded in seen:
            message = f"duplicate {record_name(model)} {key} `{clip(value)}`"
            reporter.add("document/duplicate-id", join(join(pointer, i), key), message)
        seen.add(folded)


def _check_ref(value: Any, ref: Ref, root: Mapping[str, Any], pointer: str, reporter: Reporter) -> None:
    """Report a reference that names no record of its collection."""
    target = record_key(value)
    records = root.get(ref.collection)
    if target is None or not isinstance(records, list):
        return
    keys = [k for k in (record_key(r.get(ref.key)) for r in records if isinstance(r, Mapping)) if k is not None]
    if target not in keys:
        noun = record_name(ref.record)
        message = f"unknown {noun} `{clip(target)}`: expected the {ref.key} of one of `{ref.collection}`"
        reporter.add("document/unknown-reference", pointer, message, did_you_mean(target, keys))


def check_record(data: Any, model: type[BaseModel], root: Mapping[str, Any], pointer: str, reporter: Reporter) -> None:
    """Run the uniqueness, reference and record checks over one record's data and below."""
    if not isinstance(data, Mapping):
        return
    for check in getattr(model, "record_checks", ()):
        for name, code, message, help in check(data):
            reporter.add(code, join(pointer, name), message, help)
    for spec in field_specs(model):
        if spec.name not in data:
            continue
        value, at = data[spec.name], join(pointer, spec.name)
        if spec.ref is not None:
            _check_ref(value, spec.ref, root, at, reporter)
        if isinstance(spec.shape, RecordShape):
            check_record(value, spec.shape.model, root, at, reporter)
        elif isinstance(spec.shape, ListShape) and isinstance(value, list):
            item = spec.shape.item
            if isinstance(item, RecordShape):
                _check_unique(value, item.model, at, reporter)
                for i, entry in enumerate(value):
                    check_record(entry, item.model, root, join(at, i), reporter)


def check_document(data: Mapping[str, Any], model: type[BaseModel], reporter: Reporter) -> None:
    """Run every cross-field rule of a document."""
    check_record(data, model, data, "", reporter)
