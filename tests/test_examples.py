"""The example pack (examples/) as the README tour and the docs use it.

Every document's decision is the one `tests/examples.cases.yaml` expects; the pack validates
clean, its `test` blocks pass with 100% check coverage, it is formatted, every policy carries
an owner and a description, every rule of the policy pack (1-25) has a policy, and the XLSX
budget is exactly what `examples/make_xlsx.py` writes.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from engine import compile_policy_set
from policy.policy_set import read_policy_dir
from tests.decision_cases import check_case_file_tests, check_decision_case, document_params, read_cases
from tests.shared import EXAMPLES, REPO

CASES = REPO / "tests" / "examples.cases.yaml"
POLICIES = EXAMPLES / "policies"
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".xlsx")
RULES = range(1, 26)

runner = CliRunner()


def _rev(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize(("case_file", "case"), document_params([CASES]))
def test_decision(case_file: Path, case: dict[str, Any]) -> None:
    check_decision_case(case_file, case)


def test_every_document_has_an_expected_decision() -> None:
    listed = {(CASES.parent / d["file"]).resolve() for d in read_cases(CASES)["documents"]}
    present = {p.resolve() for p in (EXAMPLES / "documents").iterdir() if p.suffix in DOCUMENT_SUFFIXES}
    present.add((EXAMPLES / "charter.yaml").resolve())
    assert present == listed


def test_the_pack_tests_pass() -> None:
    check_case_file_tests(CASES)


def test_rev_validate_is_clean() -> None:
    result = _rev("validate", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


@pytest.mark.parametrize("root", [POLICIES, EXAMPLES], ids=["policies", "examples"])
def test_rev_test_reaches_full_coverage(root: Path) -> None:
    result = _rev("test", str(root), "--min-coverage", "100", "--date", "2026-07-15")
    assert result.exit_code == 0, result.output
    assert "check coverage: 100.0%" in result.output


def test_rev_fmt_leaves_the_pack_as_it_is() -> None:
    result = _rev("fmt", "--check", str(POLICIES))
    assert result.exit_code == 0, result.output


def test_every_policy_has_an_owner_and_a_description() -> None:
    policy_set = compile_policy_set(read_policy_dir(POLICIES))
    missing = [p.id for p in policy_set.policies if not {"owner", "description"} <= set(p.meta)]
    assert not missing


def test_every_rule_of_the_policy_pack_has_a_policy() -> None:
    policy_set = compile_policy_set(read_policy_dir(POLICIES))
    tagged = {int(m[1]) for p in policy_set.policies for tag in p.meta.get("tags", ())
              if (m := re.fullmatch(r"rule-(\d+)", tag))}
    assert set(RULES) <= tagged, sorted(set(RULES) - tagged)


def test_every_text_document_says_why_in_a_header_comment() -> None:
    documents = [p for p in (EXAMPLES / "documents").iterdir() if p.suffix in (".yaml", ".csv")]
    silent = [p.name for p in documents if not p.read_text(encoding="utf-8").startswith("#")]
    assert not silent


def test_the_xlsx_budget_is_what_make_xlsx_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_xlsx", EXAMPLES / "make_xlsx.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.OUTPUT.read_bytes() == module.workbook_bytes(), "run `python examples/make_xlsx.py`"
