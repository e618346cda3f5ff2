"""Compiled explanations: for each `require`, a function that recomputes only what a failure shows.

A check runs as a plain boolean on the hot path. When it fails, its explainer runs once: it
evaluates the message's `{holes}` and finds the deciding part of the condition (the first
false conjunct of an `and` chain) and the values of its operands. Everything textual — the
expression texts, which values are percents, the message's literal pieces — is prepared here,
at compile time, so a failing document costs a few microseconds more, not an interpreter walk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policy import ast
from policy import types as T
from policy.formatter import format_expression


@dataclass(frozen=True, slots=True)
class Operand:
    """One operand shown in a finding's `values`: its text and whether it is a percent."""

    text: str
    percent: bool
    constant: bool


@dataclass(frozen=True, slots=True)
class Conjunct:
    """One part of a condition that can decide a failure, with the operands it shows."""

    text: str
    kind: str  # compare | quantifier | other
    quantifier: str | None
    operands: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class ExplainPlan:
    """What a failing `require` shows, prepared at compile time."""

    message: tuple[str | tuple[int, bool], ...] | None
    """The author's message: literal pieces, and (hole index, is percent) for each `{hole}`."""
    conjuncts: tuple[Conjunct, ...]
    function: str
    """The generated function: (ctx, *scope) → (holes, deciding index, operand values, override_by)."""


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


def write_explainer(
    exprs: Any, writer: Any, name: str, require: ast.Require, names: list[str], override: ast.Expr | None
) -> ExplainPlan:
    """Write the explainer function of one `require` and return its plan.

    The function returns (holes, deciding conjunct, its operand values, who may override).
    """
    checked = exprs.checked
    w = writer
    params = "".join(f", v_{n}" for n in names)
    w.line(0, f"def {name}(ctx{params}):")
    w.line(1, "holes = []")
    w.line(1, f"over = _safe(lambda: {exprs.expr(override)})" if override is not None else "over = None")
    message: list[str | tuple[int, bool]] | None = None
    if require.message is not None:
        message = []
        for part in require.message.parts:
            if isinstance(part, str):
                message.append(part)
                continue
            message.append((len([p for p in message if isinstance(p, tuple)]), is_percent(checked.type_of(part))))
            w.line(1, "try:")
            w.line(2, f"holes.append({exprs.expr(part)})")
            w.line(1, "except _RECOVERABLE:")
            w.line(2, "holes.append(_MISSING)")
    conjuncts: list[Conjunct] = []
    for index, node in enumerate(_conjuncts(require.condition)):
        operands = [o for o in _operand_nodes(node) if not isinstance(o, ast.Literal)]
        resolution_constant = [_is_constant(checked, o) for o in operands]
        conjuncts.append(
            Conjunct(
                format_expression(node),
                "compare"
                if isinstance(node, ast.Compare)
                else "quantifier"
                if isinstance(node, ast.Quantifier)
                else "other",
                node.quantifier if isinstance(node, ast.Quantifier) else None,
                tuple(
                    Operand(format_expression(o), is_percent(checked.type_of(o)), c)
                    for o, c in zip(operands, resolution_constant, strict=True)
                ),
            )
        )
        w.line(1, "try:")
        w.line(2, f"if not {exprs.condition(node)}:")
        values = "".join(f"_safe(lambda: {exprs.expr(o)}), " for o in operands)
        w.line(3, f"return holes, {index}, ({values}), over")
        w.line(1, "except _RECOVERABLE:")
        w.line(2, f"return holes, {index}, (), over")
    w.line(1, "return holes, -1, (), over")
    return ExplainPlan(tuple(message) if message is not None else None, tuple(conjuncts), name)


def _is_constant(checked: Any, node: ast.Expr) -> bool:
    """Literals and params: a generated message need not repeat their value."""
    if isinstance(node, ast.Literal):
        return True
    if isinstance(node, ast.ListExpr):
        return all(_is_constant(checked, i) for i in node.items)
    resolution = checked.resolution(node)
    return resolution is not None and resolution.kind == "param"
