"""Whatever text arrives, the parser returns a Module or raises one DiagnosticError.

Random text, random token soup and mutated example sources (characters and tokens deleted,
inserted, replaced) never crash the parser; every diagnostic is of the syntax stage, has a
`syntax/` code and a span inside the text. When a mutant still parses, `rev fmt` handles it:
the formatted text parses to the same tree (format_source checks that itself).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy.diagnostics import DiagnosticError, Stage
from policy.formatter import format_source
from policy.parser import parse_module
from tests.policy.ast_support import case_sources, example_sources, repository_examples
from tests.policy.ast_support.strategies import KEYWORDS

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FILE = "fuzz.rev"
TEXTS = [p.read_text(encoding="utf-8") for p in example_sources() + repository_examples() + case_sources()]
TOKENS = [
    *sorted(KEYWORDS), "{", "}", "(", ")", "[", "]", '"', '\\"', "\\", "#", "%", "$", "=>", "==", "=", ":", ",", ".",
    "-", "+", "*", "/", "<", ">=", "!", "{{", "}}", "{x}", "{ {a: 1}}", "\n", "\t", " ", "1.2M", "50k USD", "$5",
    "20%", "2026-02-30", "2026-01-31", "90 days", "0", "x", "plan.components", "sum(c for c in x)", "é", "\x00",
    "for each", "not in", "else \"", "(" * 120,
]


def _check(text: str) -> None:
    """Parse; on failure every diagnostic must be a located syntax diagnostic inside the text."""
    try:
        parse_module(text, FILE)
    except DiagnosticError as error:
        assert error.diagnostics
        lines = text.split("\n")
        for diagnostic in error.diagnostics:
            assert diagnostic.stage is Stage.SYNTAX
            assert diagnostic.code.startswith("syntax/"), diagnostic.code
            span = diagnostic.span
            assert span is not None and span.file == FILE
            for line, column in ((span.line, span.column), (span.end_line, span.end_column)):
                assert 1 <= line <= len(lines), (diagnostic, line)
                assert 1 <= column <= len(lines[line - 1]) + 1, (diagnostic, column)
            assert (span.line, span.column) <= (span.end_line, span.end_column)
    else:
        format_source(text, FILE)


@SETTINGS
@given(st.text(max_size=200))
def test_random_text(text: str) -> None:
    _check(text)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_random_tokens(text: str) -> None:
    _check(text)


@st.composite
def _mutants(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 12)))
        edit = draw(st.sampled_from(["delete", "insert", "replace"]))
        piece = "" if edit == "delete" else draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)))
        text = text[:start] + piece + text[start if edit == "insert" else end :]
    return text


@SETTINGS
@given(_mutants())
def test_mutated_examples(text: str) -> None:
    _check(text)
