"""Robustness of the whole front end and engine on mutated policies.

Mutations keep most of a real policy set intact and break one thing at a time the way authors
do: a misspelt or swapped name, a deleted line, a literal of another type, an operator swapped.
Whatever comes out, loading raises only `DiagnosticError` with located diagnostics, and a set
that does check also compiles and evaluates the example documents without an exception.
"""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import compile_policy_set
from policy.diagnostics import DiagnosticError
from policy.documents import load_document
from policy.policy_set import read_policy_dir
from tests.shared import REPO

SOURCES = read_policy_dir(REPO / "bench" / "policies")
DOCUMENTS = [load_document(REPO / "tests" / "engine" / "cases" / "documents" / n) for n in ("plan.yaml", "budget.yaml")]
CHARTER = load_document(REPO / "bench" / "charter.yaml")
WORDS = sorted(set(re.findall(r"[A-Za-z_]+", "".join(SOURCES.values()))))
REPLACEMENTS = [*WORDS, "none", "true", "10%", "5k USD", "2026-01-01", "3 months", '"x"', "[1, 2]", "{a: 1}", "(", ")",
                "==", "<", "+", "*", "and", "not", "any", "sum", "for", "each", "{", "}", ",", ":", "."]


@st.composite
def mutated_sources(draw: st.DrawFn) -> dict[str, str]:
    name = draw(st.sampled_from(sorted(SOURCES)))
    tokens = re.findall(r'"(?:\\.|[^"\\\n])*"|\w+%?|[^\s\w]|\s+', SOURCES[name])
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        index = draw(st.integers(min_value=0, max_value=len(tokens) - 1))
        action = draw(st.sampled_from(["replace", "delete", "insert", "duplicate"]))
        if action == "replace":
            tokens[index] = draw(st.sampled_from(REPLACEMENTS))
        elif action == "delete":
            del tokens[index]
        elif action == "insert":
            tokens.insert(index, " " + draw(st.sampled_from(REPLACEMENTS)) + " ")
        else:
            tokens.insert(index, tokens[index])
    return {**SOURCES, name: "".join(tokens)}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=mutated_sources())
def test_mutated_policies_give_diagnostics_or_a_working_set(files: dict[str, str]) -> None:
    try:
        policy_set = compile_policy_set(files)
    except DiagnosticError as error:
        assert error.diagnostics
        for diagnostic in error.diagnostics:
            assert diagnostic.code.split("/")[0] in ("syntax", "check"), diagnostic
            assert diagnostic.span is not None and diagnostic.span.line >= 1 and diagnostic.span.column >= 1
            assert diagnostic.message
        return
    for document in DOCUMENTS:
        decision = policy_set.evaluate(document, charter=CHARTER, date=dt.date(2026, 7, 15))
        assert decision.verdict in ("pass", "warn", "block")
        for finding in decision.findings:
            assert finding.outcome in ("fail", "error") and finding.message
