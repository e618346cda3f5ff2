"""`policy.canonical` writes exactly what `json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)` writes: every stored hash and chained record was made with that text, so a
single differing byte would make new records disagree with what an auditor recomputes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from policy.canonical import canonical_json, storable_json
from policy.documents import parse_document

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# Any code point (lone surrogates included), weighted towards the ones encoders escape.
awkward = st.sampled_from(["\x00", "\x1f", "\x7f", "\u2028", "\u2029", '"', "\\", "/", "\ud800", "é", "😀", "\n"])
text = st.text(st.characters() | awkward, max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: json writes them, orjson refuses them
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | text
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.dates()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(text, inner, max_size=5),
    max_leaves=24,
)


def reference(value: Any, default: Any = None) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)


def as_text(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@given(values)
def test_the_text_is_json_dumps_text(value: Any) -> None:
    assert canonical_json(value, as_text) == reference(value, as_text)


@given(st.dictionaries(st.integers() | st.booleans() | st.none() | text, values, max_size=4))
def test_keys_that_are_not_text_are_written_as_json_writes_them(value: dict[Any, Any]) -> None:
    try:
        expected = reference(value, as_text)
    except TypeError:  # json cannot sort keys of mixed types: neither can we
        with pytest.raises(TypeError):
            canonical_json(value, as_text)
        return
    assert canonical_json(value, as_text) == expected


def test_deep_nesting_beyond_orjson_is_still_written() -> None:
    value: Any = "leaf"
    for _ in range(400):
        value = [value]
    assert canonical_json(value) == reference(value)


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [Decimal("1.5"), dt.date(2026, 7, 15), Point(1), {1.5j}])
def test_without_a_default_what_json_refuses_is_refused(value: object) -> None:
    with pytest.raises(TypeError):
        reference({"a": value})
    with pytest.raises(TypeError):
        canonical_json({"a": value})


def test_the_default_sees_what_json_would_hand_it() -> None:
    seen: list[object] = []

    def default(value: object) -> object:
        seen.append(value)
        return "converted"

    moment = dt.datetime(2026, 7, 15, 12, 30, tzinfo=dt.UTC)
    assert canonical_json({"at": moment, "p": Point(2)}, default) == '{"at":"converted","p":"converted"}'
    assert seen == [moment, Point(2)]


@pytest.mark.parametrize("path", sorted((EXAMPLES / "documents").glob("*.yaml")), ids=lambda p: p.name)
def test_example_documents_canonical_text_is_unchanged(path: Path) -> None:
    document = parse_document(yaml.safe_load(path.read_text()), str(path))
    assert document.canonical_json == reference(document.canonical)


plain_text = st.text(st.characters(blacklist_categories=["Cs"]) | awkward.filter(lambda c: c != "\ud800"), max_size=12)
plain = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | plain_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(plain_text, inner, max_size=5),
    max_leaves=24,
)


@given(plain)
def test_storable_json_writes_plain_json_values(value: Any) -> None:
    written = storable_json(value)
    assert written is not None and json.loads(written) == value


@pytest.mark.parametrize("value", [{"a": "\ud800"}, [2**64], {"d": Decimal(1)}])
def test_storable_json_gives_up_on_what_it_cannot_write(value: Any) -> None:
    assert storable_json(value) is None
