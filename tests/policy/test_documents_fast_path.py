"""Two views that must agree: the fast path for valid documents and the thorough path.

For generated valid documents of every kind the fast path must answer (not fall back) and
give exactly what the thorough path gives: the same value tree down to each `Decimal`'s digits,
each `DocList`'s pointer and each reference's identity, the same canonical form and hash, the
same model. For broken documents the public loader must report exactly the thorough path's
diagnostics, and the fast path must never accept what the thorough path rejects.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import decimal
import random
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.diagnostics import DiagnosticError
from policy.documents import KINDS, LoadedDocument, load_document, load_document_text, loading, parse_document
from policy.documents.fast_path import load_valid
from policy.documents.loading import build_thoroughly
from policy.documents.report import Reporter
from policy.values import DocList, Money
from tests.policy.documents_support import CASES, REPO_EXAMPLES, repo_documents, shared_documents
from tests.policy.documents_support.generators import mutate, trees, valid_documents

sys.path.insert(0, str(REPO_EXAMPLES.parent / "bench"))
from generate import budget, comp_plan

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOURCES = sorted((CASES / "base").glob("*.yaml")) + repo_documents() + shared_documents()


@contextlib.contextmanager
def thorough_only() -> Iterator[None]:
    """Load without the fast path, as before it existed."""
    with mock.patch.object(loading, "load_valid", lambda data, expected_kind=None: None):
        yield


def assert_identical(fast: Any, thorough: Any, pointer: str = "", pairs: dict[int, int] | None = None) -> None:
    """Equal, and alike in every way `==` ignores: types, digits, pointers, key order, sharing."""
    pairs = {} if pairs is None else pairs
    assert type(fast) is type(thorough), f"{pointer}: {type(fast).__name__} vs {type(thorough).__name__}"
    if isinstance(fast, dict | list):
        if id(thorough) in pairs:  # a reference: the same record object, here as there
            assert pairs[id(thorough)] == id(fast), f"{pointer}: shared differently"
            return
        pairs[id(thorough)] = id(fast)
    if isinstance(fast, dict):
        assert list(fast) == list(thorough), f"{pointer}: keys {list(fast)} vs {list(thorough)}"
        for key in fast:
            assert_identical(fast[key], thorough[key], f"{pointer}/{key}", pairs)
    elif isinstance(fast, list):
        if isinstance(fast, DocList):
            assert fast.pointer == thorough.pointer, f"{pointer}: list pointer"
        assert len(fast) == len(thorough), f"{pointer}: length"
        for i, (a, b) in enumerate(zip(fast, thorough, strict=True)):
            assert_identical(a, b, f"{pointer}/{i}", pairs)
    elif isinstance(fast, Decimal):
        assert fast.as_tuple() == thorough.as_tuple(), f"{pointer}: {fast!r} vs {thorough!r}"
    elif isinstance(fast, Money):
        assert fast.amount.as_tuple() == thorough.amount.as_tuple(), f"{pointer}: {fast!r} vs {thorough!r}"
        assert fast.currency == thorough.currency, pointer
    else:
        assert not isinstance(fast, float), pointer
        assert fast == thorough, f"{pointer}: {fast!r} vs {thorough!r}"


def assert_same_document(fast: LoadedDocument, thorough: LoadedDocument) -> None:
    assert (fast.kind, fast.id, fast.source) == (thorough.kind, thorough.id, thorough.source)
    assert_identical(fast.value, thorough.value)
    assert_identical(fast.canonical, thorough.canonical)
    assert fast.sha256 == thorough.sha256
    assert fast.model == thorough.model


def outcome(load: Callable[[], LoadedDocument]) -> LoadedDocument | list[Any]:
    """The document, or the diagnostics it was refused with."""
    try:
        return load()
    except DiagnosticError as error:
        return list(error.diagnostics)


def assert_same_outcome(load: Callable[[], LoadedDocument]) -> LoadedDocument | list[Any]:
    """`load` with the fast path gives what it gives without."""
    fast = outcome(load)
    with thorough_only():
        thorough = outcome(load)
    if isinstance(thorough, list):
        assert fast == thorough
    else:
        assert isinstance(fast, LoadedDocument), fast
        assert_same_document(fast, thorough)
    return fast


@pytest.mark.parametrize("kind", list(KINDS))
@SETTINGS
@given(data=st.data())
def test_valid_documents_take_the_fast_path_and_agree(kind: str, data: st.DataObject) -> None:
    document = data.draw(valid_documents(kind))
    original = copy.deepcopy(document)
    thorough = build_thoroughly(document, Reporter("generated"), kind)
    assert load_valid(document, kind) is not None, "a valid document fell back to the thorough path"
    assert_same_document(parse_document(document, "generated", kind), thorough)
    assert document == original, "loading changed its input"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_example_documents_take_the_fast_path_and_agree(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    assert load_valid(data) is not None
    assert_same_outcome(lambda: parse_document(data, path.name))
    assert_same_outcome(lambda: load_document_text(path.read_text(), path.name, "yaml"))


@pytest.mark.parametrize("path", sorted((REPO_EXAMPLES / "documents").glob("*.*")), ids=lambda p: p.name)
def test_example_files_of_every_format_agree(path: Path) -> None:
    """YAML, CSV and XLSX files, through `load_document` as `rev check` reads them."""
    assert isinstance(assert_same_outcome(lambda: load_document(path)), LoadedDocument)


def test_benchmark_documents_take_the_fast_path_and_agree() -> None:
    rng = random.Random(7)
    for index in range(40):
        for data in (comp_plan(rng, index), budget(rng, index)):
            assert load_valid(data) is not None
            assert_same_outcome(lambda data=data: parse_document(data, "generated"))  # type: ignore[misc]


@pytest.mark.parametrize("kind", list(KINDS))
@SETTINGS
@given(data=st.data())
def test_broken_documents_report_what_the_thorough_path_reports(kind: str, data: st.DataObject) -> None:
    document = mutate(data.draw(valid_documents(kind)), data)
    expected_kind = data.draw(st.sampled_from([None, kind]))
    result = assert_same_outcome(lambda: parse_document(copy.deepcopy(document), "broken", expected_kind))
    if load_valid(copy.deepcopy(document), expected_kind) is not None:
        assert isinstance(result, LoadedDocument), "the fast path accepted a document the thorough path refuses"


@SETTINGS
@given(trees, st.sampled_from([None, *KINDS]))
def test_random_trees_agree(tree: Any, kind: str | None) -> None:
    assert_same_outcome(lambda: parse_document(tree, "random", kind))


@SETTINGS
@given(st.sampled_from(SOURCES), st.data(), st.sampled_from(["yaml", "json"]))
def test_mangled_text_agrees(path: Path, data: st.DataObject, fmt: str) -> None:
    text = path.read_text()
    if fmt == "json":
        text = yaml.safe_dump(yaml.safe_load(text), default_flow_style=True, width=10**6)
    for _ in range(data.draw(st.integers(0, 2))):
        at = data.draw(st.integers(0, len(text)))
        insert = data.draw(st.sampled_from(["", ":", "- ", "{", '"', "\n  ", ",", "%", "1.5", "x: 1\n", "0"]))
        text = text[:at] + insert + text[at + data.draw(st.integers(0, 8)) :]
    assert_same_outcome(lambda: load_document_text(text, f"mangled.{fmt}", fmt))


@pytest.mark.parametrize(
    ("edit", "valid"),
    [
        pytest.param(lambda d: d["lines"].append(copy.deepcopy(d["lines"][0])), False, id="duplicate-id"),
        pytest.param(lambda d: d["shifts"][0].update(from_line="L-nowhere"), False, id="dangling-reference"),
        pytest.param(lambda d: d.update(lines=[]), False, id="empty-required-list"),
        pytest.param(lambda d: d.update(currency="usd"), False, id="bad-currency"),
        pytest.param(lambda d: d.update({1: "x"}), False, id="key-not-text"),
        pytest.param(lambda d: d["lines"][0].update(amount=1e-30), False, id="float-out-of-range"),
        pytest.param(lambda d: d.update(attributes={"deep": _nested(40)}), False, id="too-deep"),
        pytest.param(lambda d: d["shifts"][0].update(requested_at=dt.datetime(2026, 7, 1)), False, id="date-time"),
        pytest.param(lambda d: d["lines"][0].update(owner=None), False, id="null-required"),
        pytest.param(lambda d: d["shifts"][0].update(recurring=0), False, id="zero-for-false"),
        pytest.param(lambda d: d["lines"][0].update(kpis=("a", "b")), True, id="tuple"),
        pytest.param(lambda d: d.update(attributes={1: "x", "1": "y"}), False, id="keys-spelt-alike"),
    ],
)
def test_each_kind_of_doubt_falls_back(edit: Callable[[dict[str, Any]], None], valid: bool) -> None:
    document = budget(random.Random(3), 0)
    assert load_valid(document) is not None
    edit(document)
    assert load_valid(document) is None
    assert isinstance(assert_same_outcome(lambda: parse_document(document, "edited")), LoadedDocument) is valid


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda d: d.update(components=[]), id="too-short"),
        pytest.param(lambda d: d.update(effective={"start": "2026-02-01", "end": "2026-01-31"}), id="end-before-start"),
        pytest.param(lambda d: d["role"].update(work_states="NY"), id="text-for-a-list"),
        pytest.param(lambda d: d["pay_mix"].update(base="150"), id="percent-slip"),
    ],
)
def test_each_broken_plan_falls_back(edit: Callable[[dict[str, Any]], None]) -> None:
    document = comp_plan(random.Random(3), 0)
    assert load_valid(document) is not None
    edit(document)
    assert load_valid(document) is None
    assert isinstance(assert_same_outcome(lambda: parse_document(document, "edited")), list)


def test_an_item_without_name_or_text_falls_back() -> None:
    template = yaml.safe_load((CASES / "base" / "template.yaml").read_text())
    assert load_valid(template) is not None
    item = next(i for s in template["sections"] for i in s.get("items", []))
    item.pop("name", None)
    item.pop("text", None)
    assert load_valid(template) is None
    assert isinstance(assert_same_outcome(lambda: parse_document(template, "edited")), list)


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"x": value}
    return value


def test_the_callers_decimal_context_changes_nothing() -> None:
    """Documents load under one fixed context: the same text gives the same values everywhere.

    `load_valid` on its own still refuses another context (its memoised conversions were
    computed under the usual one); `parse_document` never meets one.
    """
    data = comp_plan(random.Random(5), 2)
    data["pay_mix"] = {"base": "12345678901234.123456789012345678%", "variable": "50%"}
    usual = parse_document(data, "plan")
    assert usual.value["pay_mix"]["base"] == Decimal("123456789012.3412345678901235")  # rounded to 28 digits
    for context in (decimal.Context(prec=34), decimal.Context(prec=9, rounding=decimal.ROUND_DOWN)):
        with decimal.localcontext(context):
            assert load_valid(data) is None
            other = parse_document(data, "plan")
        assert other.value == usual.value
        assert other.sha256 == usual.sha256


def test_the_model_is_built_on_first_use_and_equals_the_validated_one() -> None:
    data = comp_plan(random.Random(5), 1)
    fast = parse_document(data, "plan")
    assert fast.validated is None and "model" not in fast.__dict__
    with thorough_only():
        thorough = parse_document(data, "plan")
    assert thorough.validated is not None
    assert fast.model == thorough.model
    assert fast.model is fast.model
