"""`rev test`: run every `test` block of a policy set and measure check coverage.

A test builds its documents (`given`), evaluates the one under test with the compiled set,
and compares each expectation. Coverage is measured with the reference evaluation, which
reports every `require` it evaluated: a check is covered when some test made it fail and
some test made it pass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.decision import Decision
from engine.interpreter import Interpreter
from engine.policy_set import PolicySet, context_value
from engine.reference import reference_policy
from engine.runtime import EvalContext, EvalError, decimal_context
from policy import ast
from policy.checker import CheckedTest
from policy.diagnostics import DiagnosticError
from policy.documents import KINDS, LoadedDocument, load_document, parse_document, patch_document, to_document_data


@dataclass
class TestFailure:
    """One expectation that did not hold, with what was seen."""

    expectation: str
    expected: str
    actual: str
    messages: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "expectation": self.expectation,
            "expected": self.expected,
            "actual": self.actual,
            "messages": self.messages,
        }


@dataclass
class TestResult:
    """The result of one `test` block."""

    name: str
    file: str
    line: int
    failures: list[TestFailure]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "passed": self.passed,
            "failures": [f.to_json() for f in self.failures],
            "error": self.error,
        }


@dataclass
class CheckCoverage:
    """Whether some test made one `require` fail and some made it pass."""

    policy: str
    file: str
    line: int
    failed: bool = False
    passed: bool = False

    @property
    def covered(self) -> bool:
        return self.failed and self.passed


@dataclass
class TestReport:
    """Every test's result and the coverage of every check."""

    results: list[TestResult]
    coverage: list[CheckCoverage]

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def coverage_percent(self) -> float:
        if not self.coverage:
            return 100.0
        return round(100 * sum(1 for c in self.coverage if c.covered) / len(self.coverage), 1)

    def uncovered(self) -> list[dict[str, Any]]:
        return [
            {
                "policy": c.policy,
                "file": c.file,
                "line": c.line,
                "missing": [w for w, done in (("fail", c.failed), ("pass", c.passed)) if not done],
            }
            for c in self.coverage
            if not c.covered
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "tests": [r.to_json() for r in self.results],
            "coverage": {"percent": self.coverage_percent, "uncovered": self.uncovered()},
        }


def run_tests(policy_set: PolicySet, date: dt.date) -> TestReport:
    """Run every test block of the set on `date`."""
    coverage = _coverage_table(policy_set)
    results = [_run_one(policy_set, test, date, coverage) for test in policy_set.checked.tests]
    return TestReport(results, list(coverage.values()))


def _coverage_table(policy_set: PolicySet) -> dict[int, CheckCoverage]:
    table: dict[int, CheckCoverage] = {}
    for policy in policy_set.policies:
        for node in ast.walk(policy.node):
            if isinstance(node, ast.Require):
                table[id(node)] = CheckCoverage(policy.id, policy.file, node.span.line)
    return table


def _run_one(policy_set: PolicySet, test: CheckedTest, date: dt.date, coverage: dict[int, CheckCoverage]) -> TestResult:
    node = test.node
    result = TestResult(node.name, test.file, node.span.line, [])
    try:
        documents = [_given(policy_set, test, given) for given in node.givens]
    except DiagnosticError as error:
        result.error = "; ".join(f"{d.location_file}: {d.pointer or ''} {d.message}".strip() for d in error.diagnostics)
        return result
    charter = next((d for d in reversed(documents) if d.kind == "charter"), None)
    subject = next((d for d in reversed(documents) if d.kind != "charter"), charter)
    if subject is None:
        result.error = "the test gives no document to check"
        return result
    decision = policy_set.evaluate(subject, charter=charter, date=date)
    for policy_id, outcome, expect in test.expectations:
        _compare(decision, policy_id, outcome, expect, result)
    _record_coverage(policy_set, subject, charter, date, coverage)
    return result


def _given(policy_set: PolicySet, test: CheckedTest, given: ast.Given) -> LoadedDocument:
    """Build one `given` document: from a file (patched) or from a record."""
    patch: dict[str, Any] | None = None
    if given.record is not None:
        ctx = EvalContext(None, dt.date.today())
        try:
            with decimal_context():
                patch = Interpreter(policy_set.checked, ctx).eval(given.record, {})
        except EvalError as error:
            raise DiagnosticError([_test_problem(test, given, error.message)]) from None
    if given.path is None:
        data = to_document_data({**(patch or {}), "kind": given.document_kind}, KINDS[given.document_kind].model)
        return parse_document(data, f"{test.file}:{given.span.line}", given.document_kind)
    document = load_document(Path(test.file).parent / given.path)
    if document.kind != given.document_kind:
        raise DiagnosticError(
            [_test_problem(test, given, f"`{given.path}` is a {document.kind}, not a {given.document_kind}")]
        )
    return patch_document(document, patch) if patch else document


def _test_problem(test: CheckedTest, given: ast.Given, message: str) -> Any:
    from policy.diagnostics import Diagnostic, Stage

    return Diagnostic("test/bad-given", message, Stage.CHECK, given.span)


def _compare(decision: Decision, policy_id: str | None, outcome: str, expect: ast.Expect, result: TestResult) -> None:
    if policy_id is None:
        if decision.verdict != outcome:
            messages = [f"{f.policy}: {f.message}" for f in decision.findings]
            result.failures.append(TestFailure("expect verdict " + outcome, outcome, decision.verdict, messages))
        return
    actual = decision.policies.get(policy_id, "skip")
    if actual != outcome:
        messages = [f.message for f in decision.findings if f.policy == policy_id]
        result.failures.append(TestFailure(f"expect {expect.policy} {expect.outcome}", outcome, actual, messages))


def _record_coverage(
    policy_set: PolicySet,
    subject: LoadedDocument,
    charter: LoadedDocument | None,
    date: dt.date,
    coverage: dict[int, CheckCoverage],
) -> None:
    charter_value = subject.value if subject.kind == "charter" else context_value(charter)
    ctx = EvalContext(charter_value, date)
    interp = Interpreter(policy_set.checked, ctx)
    with decimal_context():
        for compiled in policy_set.policies_for(subject.kind):
            ctx.steps = 0
            for check in reference_policy(interp, compiled.checked, subject.value) or []:
                entry = coverage.get(id(check.require)) if check.require is not None else None
                if entry is None:
                    continue
                if check.outcome == "pass":
                    entry.passed = True
                elif check.outcome == "fail":
                    entry.failed = True
