"""Limits and the JSON Schema: bounded inputs are diagnostics, never crashes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policy.diagnostics import DiagnosticError
from policy.documents import KINDS, json_schema, load_document_text, parse_document
from policy.documents.limits import MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_LIST_LENGTH


def _codes(call: Any, *args: Any) -> list[tuple[str, str | None]]:
    with pytest.raises(DiagnosticError) as caught:
        call(*args)
    return [(d.code, d.pointer) for d in caught.value.diagnostics]


def test_too_large_text() -> None:
    text = "kind: charter\n" + "#" * MAX_DOCUMENT_BYTES
    assert _codes(load_document_text, text, "big.yaml", "yaml") == [("document/too-large", "")]


def test_too_long_a_list() -> None:
    data = {"kind": "charter", "shared_kpis": ["k"] * (MAX_LIST_LENGTH + 1)}
    assert _codes(parse_document, data, "long") == [("document/too-large", "/shared_kpis")]


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def test_too_deep_data() -> None:
    data = {"kind": "charter", "attributes": _nested(MAX_DEPTH + 5)}
    [(code, pointer)] = _codes(parse_document, data, "deep")
    assert code == "document/too-deep" and pointer.startswith("/attributes/a/a")


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_nesting_past_the_parser_stack(fmt: str) -> None:
    text = "[" * 5000 + "]" * 5000
    text = f'{{"kind": "charter", "attributes": {{"a": {text}}}}}'
    assert [c for c, _ in _codes(load_document_text, text, "deep", fmt)] == ["document/too-deep"]


def test_yaml_alias_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("policy.documents.prepare.MAX_NODES", 20_000)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]"
        for i in range(1, 9)
    ]
    text = "kind: charter\nattributes:\n" + "\n".join("  " + line for line in lines)
    assert ("document/too-large", "") in _codes(load_document_text, text, "bomb.yaml", "yaml")


def test_huge_numbers_are_values_out_of_range() -> None:
    text = (
        '{"kind": "charter", "id": "c", "version": "1", "currency": "USD", "kpis": [], "people": [],'
        '"effective": {"start": "2026-01-01", "end": "2026-12-31"}, "attributes": {"n": 1e999999}}'
    )
    assert _codes(load_document_text, text, "n.json", "json") == [("document/invalid-value", "/attributes")]


def test_an_unknown_expected_kind() -> None:
    assert _codes(parse_document, {}, "x", "bugdet") == [("document/unknown-kind", "")]


def test_a_document_of_another_kind() -> None:
    assert _codes(parse_document, {"kind": "charter"}, "x", "budget") == [("document/invalid-value", "/kind")]


@pytest.mark.parametrize("kind", list(KINDS))
def test_json_schema(kind: str) -> None:
    schema = json_schema(kind)
    json.dumps(schema)
    assert schema["title"] == kind
    assert schema["properties"]["kind"]["const"] == kind
    assert "kind" in schema["required"] and schema["additionalProperties"] is False


def test_json_schema_of_an_unknown_kind() -> None:
    assert _codes(json_schema, "comp_plna") == [("document/unknown-kind", "")]
