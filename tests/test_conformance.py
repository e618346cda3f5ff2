"""The product contract: every case under ../shared/conformance, run as data.

Decision cases (`*.cases.yaml`) give a policy directory, a charter, a date and, per document,
the verdict, the exact multiset of findings, some messages and some outcomes. Diagnostic cases
(`errors/*.rev`) give the stage, line, column and words of the first problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from policy.diagnostics import DiagnosticError
from policy.policy_set import check_files
from tests.decision_cases import check_case_file_tests, check_decision_case, document_params
from tests.shared import CONFORMANCE, require_shared


def _case_files() -> list[Path]:
    return sorted(CONFORMANCE.glob("*.cases.yaml")) if CONFORMANCE.is_dir() else []


def _document_cases() -> list[Any]:
    return document_params(_case_files()) or [pytest.param(None, None, id="absent")]


def _error_cases() -> list[Any]:
    files = sorted((CONFORMANCE / "errors").glob("*.rev")) if CONFORMANCE.is_dir() else []
    return [pytest.param(f, id=f.stem) for f in files] or [pytest.param(None, id="absent")]


@pytest.mark.parametrize(("case_file", "case"), _document_cases())
def test_decision_case(case_file: Path | None, case: dict[str, Any] | None) -> None:
    require_shared()
    assert case_file is not None and case is not None
    check_decision_case(case_file, case)


def _files_with_test_counts() -> list[Path]:
    """Case files that state `tests: N` (the others have no test blocks to run)."""
    return [f for f in _case_files() if "tests" in yaml.safe_load(f.read_text())]


@pytest.mark.parametrize("case_file", _files_with_test_counts() or [None])
def test_case_file_tests(case_file: Path | None) -> None:
    """`tests: N` — `rev test` on the case's policy directory runs N tests and all pass."""
    require_shared()
    assert case_file is not None
    check_case_file_tests(case_file)


@pytest.mark.parametrize("rev_file", _error_cases())
def test_error_case(rev_file: Path | None) -> None:
    require_shared()
    assert rev_file is not None
    expected = yaml.safe_load(rev_file.with_suffix("").with_suffix(".expected.yaml").read_text())
    with pytest.raises(DiagnosticError) as raised:
        check_files({rev_file.name: rev_file.read_text()})
    first = raised.value.diagnostics[0]
    assert (str(first.stage), first.span.line, first.span.column) == (
        expected["stage"],
        expected["line"],
        expected["column"],
    ), first
    text = f"{first.message} {first.help or ''}"
    for word in expected["mentions"]:
        assert word in text, (word, text)
