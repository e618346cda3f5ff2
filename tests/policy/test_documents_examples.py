"""Every example document of the specification loads clean, and its value tree keeps the rules."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policy.documents import KINDS, load_document, load_document_text, parse_document
from policy.types import BOOL, DATE, MONEY, NUMBER, PERCENT, TEXT, Field, ListType, RecordType, Type
from policy.values import DocList, Money
from tests.policy.documents_support import CASES, RUNTIME_TYPES, SHARED, repo_documents, shared_documents, walk

EXAMPLES = shared_documents()
BASES = sorted((CASES / "base").glob("*.yaml")) + repo_documents()
needs_shared = pytest.mark.skipif(not EXAMPLES, reason=f"shared examples not found at {SHARED} (beside the checkout)")


def _all_documents() -> list[Any]:
    return [pytest.param(p, id=p.name) for p in BASES + EXAMPLES]


@needs_shared
def test_the_shared_examples_are_found() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"charter.yaml", "budget-h2.yaml", "plan-ae-mm.yaml", "template-gtm.yaml", "plan-min.yaml"} <= names


@pytest.mark.parametrize("path", _all_documents())
def test_example_loads_clean(path: Path) -> None:
    document = load_document(path)
    assert document.kind in KINDS
    assert document.id
    assert document.source == str(path)


@pytest.mark.parametrize("path", _all_documents())
def test_no_float_reaches_the_value_tree(path: Path) -> None:
    for pointer, value in walk(load_document(path).value):
        assert isinstance(value, RUNTIME_TYPES), f"{pointer}: {type(value).__name__}"
        assert not isinstance(value, float), pointer


def _conforms(value: Any, type_: Type, pointer: str) -> None:
    """The value tree agrees with the checker's record type (two views, one truth)."""
    scalars: dict[Type, Any] = {NUMBER: Decimal, PERCENT: Decimal, MONEY: Money, TEXT: str, BOOL: bool, DATE: dt.date}
    if isinstance(type_, RecordType) and type_.open:
        assert isinstance(value, dict), pointer
    elif isinstance(type_, RecordType):
        assert isinstance(value, dict) and set(value) == set(type_.fields), pointer
        for name, field in type_.fields.items():
            _field(value[name], field, f"{pointer}/{name}", name)
    elif isinstance(type_, ListType):
        assert isinstance(value, DocList) and value.pointer == pointer, pointer
        for i, item in enumerate(value):
            _conforms(item, type_.item, f"{pointer}/{i}")
    else:
        assert isinstance(value, scalars[type_]), f"{pointer}: {value!r} is not {type_}"


def _field(value: Any, field: Field, pointer: str, name: str) -> None:
    if value is None:
        assert field.optional, f"{pointer} is none but not optional"
    elif name in ("from", "to") and isinstance(field.type, RecordType) and field.type.name == "budget_line":
        assert isinstance(value, dict)  # checked where the line itself is
    else:
        _conforms(value, field.type, pointer)


@pytest.mark.parametrize("path", _all_documents())
def test_value_tree_agrees_with_record_type(path: Path) -> None:
    document = load_document(path)
    _conforms(document.value, KINDS[document.kind].record_type, "")


@pytest.mark.parametrize("path", _all_documents())
def test_canonical_form_loads_back_to_the_same_value(path: Path) -> None:
    document = load_document(path)
    again = parse_document(json.loads(json.dumps(document.canonical)), "again")
    assert again.value == document.value
    assert again.sha256 == document.sha256
    as_json = load_document_text(json.dumps(document.canonical), "again.json", "json")
    assert as_json.canonical == document.canonical


def _budgets() -> list[Any]:
    return [pytest.param(p, id=p.name) for p in BASES + EXAMPLES if "kind: budget" in p.read_text()]


@pytest.mark.parametrize("path", _budgets())
def test_shift_references_are_the_line_records_themselves(path: Path) -> None:
    document = load_document(path)
    by_id = {line["id"]: line for line in document.value["lines"]}
    assert document.value["shifts"], "a budget example without shifts tests nothing here"
    for shift in document.value["shifts"]:
        assert shift["from"] is by_id[shift["from_line"]]
        assert shift["to"] is by_id[shift["to_line"]]


def test_yaml_and_json_of_one_document_hash_alike() -> None:
    yaml_doc = load_document(CASES / "base" / "plan.yaml")
    json_doc = load_document_text(json.dumps(yaml_doc.canonical), "plan.json", "json")
    assert json_doc.sha256 == yaml_doc.sha256
    assert len(yaml_doc.sha256) == 64


def _record_types(type_: Type, found: dict[str, list[RecordType]]) -> None:
    if isinstance(type_, ListType):
        _record_types(type_.item, found)
    elif isinstance(type_, RecordType):
        seen = found.setdefault(type_.name, [])
        if any(t is type_ for t in seen):
            return
        seen.append(type_)
        for field in type_.fields.values():
            _record_types(field.type, found)


def test_record_type_names_are_unique() -> None:
    """Record types compare by name, so one name must mean one shape."""
    found: dict[str, list[RecordType]] = {}
    for kind in KINDS.values():
        _record_types(kind.record_type, found)
    assert {name for name, types in found.items() if len(types) > 1} == set()
    expected = {
        "component",
        "rate_tier",
        "budget_line",
        "shift",
        "approval",
        "kpi",
        "decision_right",
        "person",
        "body",
        "tradeoff_rule",
        "attributes",
        "labels",
    }
    assert expected <= set(found)


def test_registry_and_charter_lookups() -> None:
    from policy.documents import CHARTER_KPI_TYPE, CHARTER_PERSON_TYPE

    assert set(KINDS) == {"comp_plan", "budget", "review_template", "charter"}
    assert all(k.name == k.record_type.name for k in KINDS.values())
    charter = KINDS["charter"].record_type
    assert charter.fields["kpis"].type == ListType(CHARTER_KPI_TYPE)
    assert CHARTER_PERSON_TYPE.fields["signature_limit"] == Field(MONEY, optional=True)
    assert CHARTER_KPI_TYPE.fields["cadence"].optional and not CHARTER_KPI_TYPE.fields["decision_rights"].optional
    shift = KINDS["budget"].record_type.fields["shifts"].type
    assert isinstance(shift, ListType) and isinstance(shift.item, RecordType)
    assert shift.item.fields["from"].type.name == "budget_line"
    assert KINDS["comp_plan"].record_type.fields["components"].type.item.fields["weight"] == Field(PERCENT)
