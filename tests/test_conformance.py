"""The product contract: every case under ../shared/conformance, run as data.

Decision cases (`*.cases.yaml`) give a policy directory, a charter, a date and, per document,
the verdict, the exact multiset of findings, some messages and some outcomes. Diagnostic cases
(`errors/*.rev`) give the stage, line, column and words of the first problem.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine import compile_policy_set
from engine.testing import run_tests
from policy.diagnostics import DiagnosticError
from policy.documents import load_document
from policy.policy_set import check_files, read_policy_dir
from tests.shared import CONFORMANCE, require_shared


def _case_files() -> list[Path]:
    return sorted(CONFORMANCE.glob("*.cases.yaml")) if CONFORMANCE.is_dir() else []


def _document_cases() -> list[Any]:
    params = []
    for case_file in _case_files():
        spec = yaml.safe_load(case_file.read_text())
        for doc in spec["documents"]:
            params.append(pytest.param(case_file, doc, id=f"{case_file.stem}:{Path(doc['file']).name}"))
    return params or [pytest.param(None, None, id="absent")]


def _error_cases() -> list[Any]:
    files = sorted((CONFORMANCE / "errors").glob("*.rev")) if CONFORMANCE.is_dir() else []
    return [pytest.param(f, id=f.stem) for f in files] or [pytest.param(None, id="absent")]


def _override_set(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset([value] if isinstance(value, str) else value)


def _key(finding: dict[str, Any], with_override: bool) -> tuple[Any, ...]:
    base = (finding["policy"], finding["outcome"], finding["enforcement"], finding["path"])
    return (*base, _override_set(finding.get("override_by"))) if with_override else base


@pytest.mark.parametrize(("case_file", "case"), _document_cases())
def test_decision_case(case_file: Path | None, case: dict[str, Any] | None) -> None:
    require_shared()
    assert case_file is not None and case is not None
    spec = yaml.safe_load(case_file.read_text())
    base = case_file.parent
    policy_set = compile_policy_set(read_policy_dir(base / spec["policies"]))
    charter = load_document(base / spec["charter"])
    date = spec["date"] if isinstance(spec["date"], dt.date) else dt.date.fromisoformat(spec["date"])
    document = load_document(base / case["file"])
    decision = policy_set.evaluate(document, charter=charter, date=date).to_json()

    assert decision["verdict"] == case["verdict"], decision["findings"]
    expected = case.get("findings")
    if expected is not None:
        actual = Counter(_key(f, False) for f in decision["findings"])
        assert actual == Counter(_key(f, False) for f in expected), decision["findings"]
        for finding in expected:
            if "override_by" in finding:
                wanted = _key(finding, True)
                assert any(_key(a, True) == wanted for a in decision["findings"]), (wanted, decision["findings"])
    for message in case.get("messages", []):
        found = [f["message"] for f in decision["findings"]
                 if f["policy"] == message["policy"] and f["path"] == message["path"]]
        assert message["message"] in found, found
    for policy, outcome in (case.get("outcomes") or {}).items():
        assert decision["policies"].get(policy) == outcome, (policy, decision["policies"])


@pytest.mark.parametrize("case_file", _case_files() or [None])
def test_case_file_tests(case_file: Path | None) -> None:
    """`tests: N` — `rev test` on the case's policy directory runs N tests and all pass."""
    require_shared()
    assert case_file is not None
    spec = yaml.safe_load(case_file.read_text())
    if "tests" not in spec:
        pytest.skip(f"{case_file.name} states no test count")
    root = case_file.parent / spec["policies"]
    policy_set = compile_policy_set(read_policy_dir(root), f"{root.as_posix()}/")
    report = run_tests(policy_set, dt.date(2026, 7, 15))
    assert len(report.results) == spec["tests"]
    assert report.failed == 0, [r.to_json() for r in report.results if not r.passed]


@pytest.mark.parametrize("rev_file", _error_cases())
def test_error_case(rev_file: Path | None) -> None:
    require_shared()
    assert rev_file is not None
    expected = yaml.safe_load(rev_file.with_suffix("").with_suffix(".expected.yaml").read_text())
    with pytest.raises(DiagnosticError) as raised:
        check_files({rev_file.name: rev_file.read_text()})
    first = raised.value.diagnostics[0]
    assert (str(first.stage), first.span.line, first.span.column) == (
        expected["stage"], expected["line"], expected["column"]
    ), first
    text = f"{first.message} {first.help or ''}"
    for word in expected["mentions"]:
        assert word in text, (word, text)
