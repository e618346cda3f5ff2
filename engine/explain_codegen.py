"""Compiled findings: for each `require`, a function that builds the finding of its failure.

A check runs as a plain boolean on the hot path. When it fails, its finder runs once and
returns the `Finding`: it evaluates the message's `{holes}`, finds the deciding part of the
condition (the first false conjunct of an `and` chain) and the values of its operands, and
writes the message. Everything textual — expression texts, which values are percents, the
message's literal pieces, the policy's title and source — is fixed here, at compile time, as
string constants and concatenations in the generated code, so a failing check costs about
what a hand-written `f"..."` costs, not an interpreter walk.

The messages follow LANGUAGE.md §4: the author's `else` text with each hole formatted for
people (`?` for a hole that cannot be computed), or, without `else`, one generated from the
deciding conjunct: `expected shared_weight(plan) >= 20%, got 10%`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policy import ast
from policy import types as T
from policy.formatter import format_expression


@dataclass(frozen=True, slots=True)
class FindingHeader:
    """What every finding of one policy shares: written once as pooled constants."""

    policy: str
    title: str
    enforcement: str
    source: dict[str, Any]


def is_percent(found: T.Type) -> bool:
    return found == T.PERCENT or (isinstance(found, T.ListType) and found.item == T.PERCENT)


def _conjuncts(condition: ast.Expr) -> list[ast.Expr]:
    if isinstance(condition, ast.Logical) and condition.op == "and":
        return _conjuncts(condition.left) + _conjuncts(condition.right)
    return [condition]


def _operand_nodes(node: ast.Expr) -> list[ast.Expr]:
    if isinstance(node, ast.Compare | ast.Binary):
        return [node.left, node.right]
    if isinstance(node, ast.Quantifier | ast.Aggregate):
        return [node.source]
    if isinstance(node, ast.Unary):
        return [node.operand]
    return []


_QUANTIFIER_FAILS = {"any": "no item matched", "all": "an item does not match", "no": "an item matches"}


class FinderWriter:
    """Writes the finder function of one `require`: (ctx, path, *scope) → Finding."""

    def __init__(self, exprs: Any, writer: Any, header: FindingHeader) -> None:
        self.exprs = exprs
        self.checked = exprs.checked
        self.w = writer
        self.header = header

    def constant(self, value: Any) -> str:
        return self.exprs.names.constant(value)

    def write(self, name: str, require: ast.Require, names: list[str], override: ast.Expr | None) -> None:
        w, exprs = self.w, self.exprs
        params = "".join(f", v_{n}" for n in names)
        scope = "(" + "".join(f"v_{n}, " for n in names) + ")"
        w.line(0, f"def {name}(ctx, path{params}):")
        w.line(1, "ctx.steps = 0")  # each explanation gets a fresh step budget
        if override is not None:
            w.line(1, "try:")
            w.line(2, f"over = _people({exprs.expr(override)})")
            w.line(1, "except _EXPLAIN_ERRORS:")
            w.line(2, "over = None")
        else:
            w.line(1, "over = None")
        author = self._author_message(require)
        conjuncts = _conjuncts(require.condition)
        header = self.header
        finding = (
            f"_Finding({self.constant(header.policy)}, {self.constant(header.title)}, 'fail', "
            f"{header.enforcement!r}, {{message}}, path, {{values}}, {self.constant(header.source)}, over, "
            f"None, None, {scope})"
        )
        for node in conjuncts:
            operands = [o for o in _operand_nodes(node) if not isinstance(o, ast.Literal)]
            w.line(1, "try:")
            w.line(2, f"if not {exprs.condition(node)}:")
            for position, operand in enumerate(operands):
                w.line(3, "try:")
                w.line(4, f"a{position} = {exprs.expr(operand)}")
                w.line(3, "except _EXPLAIN_ERRORS:")
                w.line(4, f"a{position} = _MISSING")
            w.line(3, "values = {}")
            for position, operand in enumerate(operands):
                key = repr(format_expression(operand))
                shown = f"_percent_value(a{position})" if is_percent(self.checked.type_of(operand)) else f"a{position}"
                w.line(3, f"if a{position} is not _MISSING:")
                w.line(4, f"values[{key}] = {shown}")
            message = author or self._generated(node, operands, computed=True)
            w.line(3, "return " + finding.format(message=message, values="values"))
            w.line(1, "except _RECOVERABLE:")
            message = author or self._generated(node, operands, computed=False)
            w.line(2, "return " + finding.format(message=message, values="{}"))
        everything = "expected " + " and ".join(format_expression(c) for c in conjuncts)
        w.line(1, "return " + finding.format(message=author or repr(everything), values="{}"))

    def _author_message(self, require: ast.Require) -> str | None:
        """Code for the author's message: its holes are computed first, into locals h0, h1…"""
        if require.message is None:
            return None
        pieces: list[str] = []
        holes = 0
        for part in require.message.parts:
            if isinstance(part, str):
                if part:
                    pieces.append(repr(part))
                continue
            show = "_show_percent" if is_percent(self.checked.type_of(part)) else "_show"
            self.w.line(1, "try:")
            self.w.line(2, f"h{holes} = {show}({self.exprs.expr(part)})")
            self.w.line(1, "except _RECOVERABLE:")
            self.w.line(2, f"h{holes} = '?'")
            pieces.append(f"h{holes}")
            holes += 1
        return " + ".join(pieces) if pieces else "''"

    def _generated(self, node: ast.Expr, operands: list[ast.Expr], computed: bool) -> str:
        """Code for a generated message about the deciding conjunct `node`."""
        text = format_expression(node)
        if isinstance(node, ast.Quantifier):
            return repr(f"expected {text}, but {_QUANTIFIER_FAILS[node.quantifier]}")
        if not isinstance(node, ast.Compare) or not computed:
            return repr(f"expected {text}")
        shown = [
            f"_show_operand(a{position}, {is_percent(self.checked.type_of(operand))})"
            for position, operand in enumerate(operands)
            if not _is_constant(self.checked, operand)
        ]
        if not shown:
            return repr(f"expected {text}")
        return repr(f"expected {text}, got ") + " + " + " + ' and ' + ".join(shown)


def _is_constant(checked: Any, node: ast.Expr) -> bool:
    """Literals and params: a generated message need not repeat their value."""
    if isinstance(node, ast.Literal):
        return True
    if isinstance(node, ast.ListExpr):
        return all(_is_constant(checked, i) for i in node.items)
    resolution = checked.resolution(node)
    return resolution is not None and resolution.kind == "param"
