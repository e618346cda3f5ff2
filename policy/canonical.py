"""Canonical JSON: one text per value, the text that document hashes and the decision log's
hash chain are computed over.

The format is, byte for byte, `json.dumps(value, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`: every stored record and hash was made with it, so it can never change.
orjson writes the same text about nine times faster (4–5 µs instead of 40 for a typical
submitted document), and a submission encodes three such texts. So orjson writes it, and the
standard encoder takes over for the values orjson refuses and json accepts (an integer beyond
64 bits, a key that is not text, a lone surrogate, nesting past 254 levels, a type only the
caller's `default` knows), so the result is json's in every case.

Both encoders agree on everything canonical values are made of: text (escapes included), keys
sorted by code point, integers, booleans, null, `Decimal` and dates through `default`. They
would not agree on floats (orjson writes NaN as null and `1e16` as `1e16`), and canonical
values hold none: the document loader turns every number into `Decimal` or text, and the
engine reports `Decimal`. `tests/policy/test_canonical.py` holds the two equal on generated
values and real documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class _Refused(Exception):
    """A value neither orjson nor the caller's `default` handles; json decides what it becomes."""


def _no_default(value: object) -> Any:
    raise _Refused


def canonical_json(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """`value` as canonical JSON text; `default` converts what JSON has no type for, as in json.dumps."""
    try:
        return orjson.dumps(value, default=default or _no_default, option=_OPTIONS).decode()
    except (TypeError, _Refused):  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)


def storable_json(value: Any) -> bytes | None:
    """`value` as UTF-8 JSON in any key order, or None when orjson cannot write it: a quick
    look at all of a value's text at once (see `api.errors.check_storable_text`)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_PASSTHROUGH_DATETIME, default=_no_default)
    except (TypeError, _Refused):
        return None
