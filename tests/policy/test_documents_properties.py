"""Properties: whatever arrives, loading either succeeds or raises one DiagnosticError.

Random JSON-ish trees, mutated versions of the example documents (keys deleted, values of
the wrong type, unknown keys) and mangled text never crash the loader, and every diagnostic
carries a JSON Pointer.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.diagnostics import DiagnosticError
from policy.documents import KINDS, LoadedDocument, load_document_text, parse_document
from tests.policy.documents_support import CASES, RUNTIME_TYPES, shared_documents, walk
from tests.policy.documents_support.generators import mutate, trees

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOURCES = sorted((CASES / "base").glob("*.yaml")) + shared_documents()
DOCUMENTS = [yaml.safe_load(p.read_text()) for p in SOURCES]
TEXTS = [p.read_text() for p in SOURCES]


def _assert_only_diagnostics(load: Any) -> LoadedDocument | None:
    try:
        document = load()
    except DiagnosticError as error:
        assert error.diagnostics
        for diagnostic in error.diagnostics:
            assert diagnostic.pointer is not None, diagnostic
            assert diagnostic.pointer == "" or diagnostic.pointer.startswith("/"), diagnostic
            assert diagnostic.file, diagnostic
            assert diagnostic.code.startswith("document/"), diagnostic
        return None
    for pointer, value in walk(document.value):
        assert isinstance(value, RUNTIME_TYPES), f"{pointer}: {type(value).__name__}"
    return document


@SETTINGS
@given(trees, st.sampled_from([None, *KINDS]))
def test_random_trees(tree: Any, kind: str | None) -> None:
    if kind is not None and isinstance(tree, dict):
        tree = {**tree, "kind": kind}
    _assert_only_diagnostics(lambda: parse_document(tree, "random"))


@SETTINGS
@given(st.sampled_from(range(len(DOCUMENTS))), st.data())
def test_mutated_examples(index: int, data: st.DataObject) -> None:
    document = mutate(copy.deepcopy(DOCUMENTS[index]), data)
    _assert_only_diagnostics(lambda: parse_document(document, SOURCES[index].name))


@SETTINGS
@given(st.sampled_from(range(len(TEXTS))), st.data(), st.sampled_from(["yaml", "json", "csv"]))
def test_mangled_text(index: int, data: st.DataObject, fmt: str) -> None:
    text = TEXTS[index]
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 20))
        insert = data.draw(st.sampled_from(["", ":", "- ", "{", "]", '"', "\t", "&a ", "*a", "\n  ", ",", "%", "1.5"]))
        text = text[:at] + insert + text[at + cut :]
    _assert_only_diagnostics(lambda: load_document_text(text, f"mangled.{fmt}", fmt))


def test_floats_from_an_api_body_become_exact_decimals() -> None:
    body = yaml.safe_load((CASES / "base" / "plan.yaml").read_text())
    body["components"][0]["rate_table"][0]["multiplier"] = 1.1
    body["pay_mix"] = {"base": 0.74, "variable": 0.26}
    body["attributes"] = {"score": 0.1, "when": dt.date(2026, 1, 1)}
    document = parse_document(body, "api")
    assert document.value["components"][0]["rate_table"][0]["multiplier"] == Decimal("1.1")
    assert document.value["pay_mix"]["base"] + document.value["pay_mix"]["variable"] == 1
    assert document.value["attributes"]["score"] == Decimal("0.1")


def test_sources_exist() -> None:
    assert all(isinstance(p, Path) for p in SOURCES) and len(SOURCES) >= 4
