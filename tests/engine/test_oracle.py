"""Two views that must agree: compiled policies vs the reference interpreter vs hand-written checks.

Documents come from `bench/generate.py` (seeded, mostly compliant, some breaking rules); the
policies are the example incentives and budgeting policies (`bench/policies`) plus the
conformance semantics pack. For every document the compiled decision must give exactly the
failing and erroring (policy, path) instances that the reference interpreter finds, and for the
example policies exactly those the hand-written Python finds.
"""

from __future__ import annotations

import datetime as dt
import decimal
import random
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import PolicySet, load_policy_dir
from engine.interpreter import Interpreter
from engine.policy_set import context_value
from engine.reference import reference_policy
from engine.runtime import DECIMAL_CONTEXT, EvalContext
from policy.documents import LoadedDocument, load_document, parse_document
from tests.shared import CONFORMANCE, REPO

sys.path.insert(0, str(REPO / "bench"))
from generate import budget, comp_plan
from handwritten import CHECKS, _kpis

DATE = dt.date(2026, 7, 15)
BENCH = REPO / "bench"


@pytest.fixture(scope="module")
def example_set() -> PolicySet:
    return load_policy_dir(BENCH / "policies")


@pytest.fixture(scope="module")
def charter() -> LoadedDocument:
    return load_document(BENCH / "charter.yaml")


def _compiled(policy_set: PolicySet, document: LoadedDocument, charter: LoadedDocument) -> Counter:
    decision = policy_set.evaluate(document, charter=charter, date=DATE)
    return Counter((f.policy, f.path, f.outcome) for f in decision.findings)


def _reference(policy_set: PolicySet, document: LoadedDocument, charter: LoadedDocument) -> Counter:
    ctx = EvalContext(context_value(charter), DATE)
    interp = Interpreter(policy_set.checked, ctx)
    found: Counter = Counter()
    with decimal.localcontext(DECIMAL_CONTEXT):
        for compiled in policy_set.policies_for(document.kind):
            ctx.steps = 0
            for check in reference_policy(interp, compiled.checked, document.value) or []:
                if check.outcome != "pass":
                    found[(compiled.checked.id, check.path, check.outcome)] += 1
    return found


def _document(seed: int, kind: str) -> LoadedDocument:
    rng = random.Random(seed)
    data = comp_plan(rng, seed, clean=0.5) if kind == "comp_plan" else budget(rng, seed, clean=0.5)
    return parse_document(data, f"{kind}-{seed}")


ORACLE_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@ORACLE_SETTINGS
@given(seed=st.integers(min_value=0, max_value=2**32), kind=st.sampled_from(["comp_plan", "budget"]))
def test_compiled_agrees_with_the_reference_interpreter(example_set, charter, seed: int, kind: str) -> None:
    document = _document(seed, kind)
    assert _compiled(example_set, document, charter) == _reference(example_set, document, charter)


@ORACLE_SETTINGS
@given(seed=st.integers(min_value=0, max_value=2**32), kind=st.sampled_from(["comp_plan", "budget"]))
def test_compiled_agrees_with_hand_written_checks(example_set, charter, seed: int, kind: str) -> None:
    """Findings and their messages, word for word (the hand-written checks format them the same way)."""
    document = _document(seed, kind)
    charter_value = context_value(charter)
    expected = Counter(CHECKS[kind](document.value, charter_value, _kpis(charter_value)))
    decision = example_set.evaluate(document, charter=charter, date=DATE)
    assert Counter((f.policy, f.path, f.outcome, f.message) for f in decision.findings) == expected


@ORACLE_SETTINGS
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_semantics_pack_agrees_with_the_reference_interpreter(charter, seed: int) -> None:
    root = CONFORMANCE / "semantics" / "policies"
    if not root.is_dir():
        pytest.skip(f"conformance policies not found at {root}")
    policy_set = load_policy_dir(root)
    document = _document(seed, "comp_plan")
    assert _compiled(policy_set, document, charter) == _reference(policy_set, document, charter)


def test_the_generated_documents_exercise_failures(example_set, charter) -> None:
    """Guard the oracle tests against agreeing on nothing: the generators must break rules."""
    seen = Counter()
    for seed in range(60):
        for kind in ("comp_plan", "budget"):
            seen.update(p for p, _, _ in _compiled(example_set, _document(seed, kind), charter))
    assert len(seen) >= 8, seen
    assert Path(BENCH / "handwritten.py").is_file()
