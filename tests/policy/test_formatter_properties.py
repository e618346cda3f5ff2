"""Two views that must agree: the formatter and the parser, on trees nobody wrote by hand.

For random well-formed ASTs (tests/policy/ast_support/strategies.py), printing then parsing
gives the same tree, and formatting is idempotent. Comments scattered through formatted text
survive `format_source` without changing the tree.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy import ast
from policy.formatter import format_expression, format_module, format_source
from policy.parser import parse_expression, parse_module
from tests.policy.ast_support import strategies as rev

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MODULE_SETTINGS = settings(SETTINGS, max_examples=200)  # whole modules are slow to generate


@SETTINGS
@given(rev.expressions)
def test_expression_round_trips(expr: ast.Expr) -> None:
    text = format_expression(expr)
    assert parse_expression(text) == expr, text
    assert format_expression(parse_expression(text)) == text


@MODULE_SETTINGS
@given(rev.modules())
def test_module_round_trips_and_formatting_is_idempotent(module: ast.Module) -> None:
    text = format_module(module)
    assert parse_module(text, module.file) == module, text
    assert format_module(parse_module(text, module.file)) == text
    assert format_source(text, module.file) == text


@st.composite
def _commented(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Formatted text of a random module with comments added on their own lines and after code."""
    module = draw(rev.modules())
    lines = format_module(module).split("\n")
    comments: list[str] = []
    for index in sorted(draw(st.lists(st.integers(0, len(lines)), max_size=6)), reverse=True):
        tail = draw(st.sampled_from(["", "{", '"', "# again", "x"]))
        comment = f"# note {len(comments)} {tail}".rstrip()
        comments.append(comment)
        at_end = index < len(lines) and lines[index].strip() and draw(st.booleans())
        if at_end:
            lines[index] += "  " + comment
        else:
            lines.insert(index, comment)
    return "\n".join(lines), comments


@MODULE_SETTINGS
@given(_commented())
def test_comments_survive_and_never_change_the_tree(case: tuple[str, list[str]]) -> None:
    text, comments = case
    formatted = format_source(text, "commented.rev")  # also checks the tree is unchanged
    for comment in comments:
        assert comment in formatted
    assert format_source(formatted, "commented.rev") == formatted
