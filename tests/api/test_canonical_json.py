"""The record text the chain hashes is the same however it is put together.

`canonical_json_with` builds a record around its document's already-encoded text; if it ever
differed from `canonical_json` by one byte, records written by the service would not match
what an auditor recomputes from the same record.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from api.storage.decision_log import canonical_json, canonical_json_with

keys = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
scalars = st.none() | st.booleans() | st.integers() | st.text(st.characters(blacklist_categories=["Cs"]), max_size=20)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=20
)
RECORD_KEYS = ["results", "policy_set", "charter", "date", "kind", "document_id", "verdict", "id", "sequence"]


@given(st.dictionaries(keys, values, max_size=8), keys, values)
def test_splicing_an_encoded_member_gives_the_canonical_text(value: dict[str, Any], key: str, member: Any) -> None:
    value = {**value, key: member}
    assert canonical_json_with(value, key, canonical_json(member)) == canonical_json(value)


@given(st.dictionaries(st.sampled_from(RECORD_KEYS), values), values)
def test_a_record_with_its_document_spliced_in(value: dict[str, Any], document: Any) -> None:
    record = {**value, "document": document}
    assert canonical_json_with(record, "document", canonical_json(document)) == canonical_json(record)


def test_the_member_can_come_first_last_or_alone() -> None:
    assert canonical_json_with({"b": 1}, "b", "1") == '{"b":1}'
    assert canonical_json_with({"a": 0, "b": 1}, "a", "0") == '{"a":0,"b":1}'
    assert canonical_json_with({"a": 0, "b": 1}, "b", "1") == '{"a":0,"b":1}'
    assert canonical_json_with({"a": 0, "b": [1], "c": {}}, "b", "[1]") == '{"a":0,"b":[1],"c":{}}'
