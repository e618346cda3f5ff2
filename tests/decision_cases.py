"""Running `*.cases.yaml` decision cases: shared by the conformance suite and the example pack.

A cases file gives a policy directory, a charter, a date and, per document, the verdict, the
exact multiset of findings, some messages and some outcomes; `tests: N` says how many `test`
blocks `rev test` finds in the policy directory (all of which must pass). The format is
described in ../shared/conformance/README.md.
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
from policy.documents import load_document
from policy.policy_set import read_policy_dir


def read_cases(case_file: Path) -> dict[str, Any]:
    """The parsed cases file."""
    return yaml.safe_load(case_file.read_text(encoding="utf-8"))


def document_params(case_files: list[Path]) -> list[Any]:
    """One pytest param `(case_file, case)` per document of every cases file."""
    params = []
    for case_file in case_files:
        for doc in read_cases(case_file)["documents"]:
            params.append(pytest.param(case_file, doc, id=f"{case_file.stem}:{Path(doc['file']).name}"))
    return params


def case_date(spec: dict[str, Any]) -> dt.date:
    """The evaluation date of a cases file (YAML may already have parsed it)."""
    date = spec["date"]
    return date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))


def _override_set(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset([value] if isinstance(value, str) else value)


def _key(finding: dict[str, Any], with_override: bool) -> tuple[Any, ...]:
    base = (finding["policy"], finding["outcome"], finding["enforcement"], finding["path"])
    return (*base, _override_set(finding.get("override_by"))) if with_override else base


def decide(case_file: Path, case: dict[str, Any]) -> dict[str, Any]:
    """The JSON decision on the case's document, as `rev check --format json` gives it."""
    spec = read_cases(case_file)
    base = case_file.parent
    policy_set = compile_policy_set(read_policy_dir(base / spec["policies"]))
    charter = load_document(base / spec["charter"])
    document = load_document(base / case["file"])
    return policy_set.evaluate(document, charter=charter, date=case_date(spec)).to_json()


def check_decision_case(case_file: Path, case: dict[str, Any]) -> None:
    """Assert that the document's decision matches the case: verdict, findings, messages, outcomes."""
    decision = decide(case_file, case)
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
        found = [
            f["message"]
            for f in decision["findings"]
            if f["policy"] == message["policy"] and f["path"] == message["path"]
        ]
        assert message["message"] in found, found
    for policy, outcome in (case.get("outcomes") or {}).items():
        assert decision["policies"].get(policy) == outcome, (policy, decision["policies"])


def check_case_file_tests(case_file: Path, date: dt.date = dt.date(2026, 7, 15)) -> None:
    """`tests: N`: `rev test` on the case's policy directory runs N tests and all of them pass."""
    spec = read_cases(case_file)
    assert "tests" in spec, f"{case_file.name} states no test count"
    root = case_file.parent / spec["policies"]
    policy_set = compile_policy_set(read_policy_dir(root), f"{root.as_posix()}/")
    report = run_tests(policy_set, date)
    assert len(report.results) == spec["tests"]
    assert report.failed == 0, [r.to_json() for r in report.results if not r.passed]
