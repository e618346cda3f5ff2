"""The formatter on real files: examples round-trip, format cases give their expected layout.

`format_cases/NAME.rev` is formatted to exactly `format_cases/NAME.expected.rev` (comments kept);
every example policy of the specification and every parser case parses to the same tree after
formatting, formats idempotently, and keeps its comments; so does the repository's example set.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from policy import ast, formatter
from policy.diagnostics import DiagnosticError
from policy.formatter import (
    FormatMismatch,
    expression_text,
    format_expression,
    format_module,
    format_source,
    package_first,
)
from policy.layout import read_notes
from policy.parser import parse_expression, parse_module
from policy.values import Money, duration
from tests.policy.ast_support import REPOSITORY, SHARED, case_sources, example_sources, repository_examples

FORMAT_CASES = Path(__file__).resolve().parent / "format_cases"


def _files() -> list[object]:
    files: list[object] = [pytest.param(p, id=f"case-{p.stem}") for p in case_sources()]
    files += [pytest.param(p, id=p.relative_to(REPOSITORY).as_posix()) for p in repository_examples()]
    examples = example_sources()
    if not examples:
        reason = f"the shared specification is not beside the checkout ({SHARED}); examples not run"
        return [*files, pytest.param(None, id="examples", marks=pytest.mark.skip(reason=reason))]
    return [*files, *(pytest.param(p, id=p.relative_to(SHARED).as_posix()) for p in examples)]


@pytest.mark.parametrize("source", _files())
def test_file_round_trips_and_formats_idempotently(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    module = parse_module(text, source.name)
    bare = format_module(module)
    assert parse_module(bare, source.name) == package_first(module)
    assert format_module(parse_module(bare, source.name)) == bare

    kept = format_source(text, source.name)
    assert parse_module(kept, source.name) == package_first(module)
    assert format_source(kept, source.name) == kept
    for comment in read_notes(text).comments:
        assert comment.text in kept
    assert not read_notes(bare).comments


@pytest.mark.parametrize(
    "source",
    sorted(p for p in FORMAT_CASES.glob("*.rev") if not p.name.endswith(".expected.rev")),
    ids=lambda p: p.stem,
)
def test_format_case_gives_expected_layout(source: Path) -> None:
    expected = source.with_name(f"{source.stem}.expected.rev").read_text(encoding="utf-8")
    assert format_source(source.read_text(encoding="utf-8"), source.name) == expected
    assert format_source(expected, source.name) == expected


# ---- parentheses: exactly where the grammar needs them ----------------------------------------

A, B, C = ast.Name("a"), ast.Name("b"), ast.Name("c")


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (ast.Logical("and", ast.Logical("or", A, B), C), "(a or b) and c"),
        (ast.Logical("or", A, ast.Logical("and", B, C)), "a or b and c"),
        (ast.Logical("or", A, ast.Logical("or", B, C)), "a or (b or c)"),
        (ast.Binary("-", A, ast.Binary("-", B, C)), "a - (b - c)"),
        (ast.Binary("*", ast.Binary("+", A, B), C), "(a + b) * c"),
        (ast.Compare("==", ast.Compare("<", A, B), C), "(a < b) == c"),
        (ast.Unary("not", ast.Compare("in", A, B)), "not a in b"),
        (ast.Unary("-", ast.Unary("-", A)), "- -a"),
        (ast.Field(ast.Unary("-", A), "x"), "(-a).x"),
        (ast.Logical("or", ast.Quantifier("any", "x", A, B), C), "(any x in a: b) or c"),
        (ast.Logical("or", C, ast.Quantifier("any", "x", A, B)), "c or (any x in a: b)"),
        (ast.Quantifier("all", "x", ast.Logical("or", A, B), ast.Logical("or", B, C)), "all x in a or b: b or c"),
        (ast.Quantifier("no", "x", ast.Conditional(A, B, C), C), "no x in (if a then b else c): c"),
        (ast.Conditional(A, B, ast.Logical("or", B, C)), "if a then b else b or c"),
        (ast.Binary("+", ast.Conditional(A, B, C), C), "(if a then b else c) + c"),
        (ast.Aggregate("sum", A, "x", ast.Quantifier("any", "y", B, C), None), "sum(a for x in (any y in b: c))"),
    ],
)
def test_parentheses_only_where_needed(expr: ast.Expr, text: str) -> None:
    assert format_expression(expr) == text
    assert parse_expression(text) == expr


def test_negative_literal_built_in_code_keeps_its_meaning() -> None:
    """The parser never builds one (`-5` is a negation), but a rewritten tree may."""
    five = ast.Literal(Decimal(5), "number")
    assert format_expression(ast.Field(ast.Literal(Decimal(-5), "number"), "x")) == "(-5).x"
    assert parse_expression("(-5).x") == ast.Field(ast.Unary("-", five), "x")


# ---- literals: the author's spelling when it still spells the value ---------------------------


@pytest.mark.parametrize(
    ("literal", "text"),
    [
        (ast.Literal(Decimal(50000), "number"), "50000"),
        (ast.Literal(Decimal("1.50"), "number"), "1.5"),
        (ast.Literal(Decimal("0.125"), "percent"), "12.5%"),
        (ast.Literal(Money(Decimal(50000), "USD"), "money"), "50000 USD"),
        (ast.Literal(duration(Decimal(2), "years"), "duration"), "24 months"),
        (ast.Literal(duration(Decimal(1), "days"), "duration"), "1 day"),
        (ast.Literal('say "hi"\n', "text"), '"say \\"hi\\"\\n"'),
        (ast.Literal(Decimal(50000), "number", "50k"), "50k"),
        (ast.Literal(Decimal(7), "number", "50k"), "7"),  # stale text: spelled from the value
        (ast.Literal(Money(Decimal(50000), "EUR"), "money", "$50k"), "50000 EUR"),
        (ast.Literal(Money(Decimal(50000), "USD"), "money", "50k \t USD"), "50k USD"),
    ],
)
def test_literal_spelling(literal: ast.Literal, text: str) -> None:
    assert format_expression(literal) == text
    assert parse_expression(text) == literal


def test_expression_text_is_the_formatted_expression() -> None:
    expr = parse_expression("shared_weight( plan )>=20%")
    assert expression_text(expr) == format_expression(expr) == "shared_weight(plan) >= 20%"


def test_message_holes_and_braces_round_trip() -> None:
    message = ast.Message(
        ("a {brace} and \\ ", ast.Call("lower", (ast.Literal('"}"', "text"),)), " ", ast.RecordExpr((("k", A),)))
    )
    module = ast.Module("m.rev", "m", (ast.Policy("p", None, (ast.Require(A, message),)),))
    text = format_module(module)
    assert '"a {{brace}} and \\\\ {lower(\\"\\\\\\"}\\\\\\"\\")} { {k: a}}"' in text
    assert parse_module(text, "m.rev") == module


# ---- format_source: the `rev fmt` entry point ------------------------------------------------


def test_format_source_reports_syntax_errors() -> None:
    with pytest.raises(DiagnosticError) as raised:
        format_source("policy p {\n  require (\n}\n", "broken.rev")
    assert all(d.code.startswith("syntax/") for d in raised.value.diagnostics)


def test_format_source_refuses_output_that_changes_the_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formatter, "format_module", lambda module, source=None: "param x = 2\n")
    with pytest.raises(FormatMismatch):
        format_source("param x = 1\n", "x.rev")


def test_format_module_without_source_drops_comments() -> None:
    text = "# about\npackage p  # name\n"
    assert format_module(parse_module(text, "p.rev")) == "package p\n"
    assert format_source(text, "p.rev") == text


def test_empty_file_formats_to_empty_text() -> None:
    assert format_source("", "e.rev") == ""
    assert format_source("\n# only a comment\n\n", "e.rev") == "# only a comment\n"
