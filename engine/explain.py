"""Explaining a finding: its message, the values that decided it, and who may override it.

Runs only for checks that failed, on the interpreter, so the compiled hot path stays plain
booleans. Messages follow LANGUAGE.md §4: an author's `else` text with `{expr}` holes
formatted for people, or one generated from the expression and the values it saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.explain_codegen import Conjunct, ExplainPlan
from engine.interpreter import Interpreter
from engine.runtime import MISSING, EvalError, StepBudgetExceeded
from policy import ast
from policy import types as T
from policy.checker import CheckedSet
from policy.formatter import format_expression
from policy.values import format_value

Env = Mapping[str, Any]


class Explainer:
    """Builds messages and values for failing checks of one evaluation."""

    def __init__(self, checked: CheckedSet, interpreter: Interpreter) -> None:
        self.checked = checked
        self.interp = interpreter

    def show(self, node: ast.Expr, value: Any) -> str:
        """A value formatted for people; the static type says whether a number is a percent."""
        found = self.checked.type_of(node)
        percent = found == T.PERCENT or (isinstance(found, T.ListType) and found.item == T.PERCENT)
        return format_value(value, percent)

    def _value(self, node: ast.Expr, env: Env) -> tuple[bool, Any]:
        try:
            return True, self.interp.eval(node, env)
        except (EvalError, StepBudgetExceeded):
            return False, None

    def message(self, require: ast.Require, env: Env) -> str:
        """The author's message with its holes filled, or a generated one."""
        if require.message is None:
            return self.generated(require.condition, env)
        pieces: list[str] = []
        for part in require.message.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            ok, value = self._value(part, env)
            pieces.append(self.show(part, value) if ok else "?")
        return "".join(pieces)

    def generated(self, condition: ast.Expr, env: Env) -> str:
        """`expected shared_weight(plan) >= 20%, got 10%`: the deciding part of the condition, in words."""
        node = self.deciding(condition, env)
        text = format_expression(node)
        if isinstance(node, ast.Compare):
            _, left = self._value(node.left, env)
            _, right = self._value(node.right, env)
            if self.is_constant(node.right):
                return f"expected {text}, got {self.show(node.left, left)}"
            return f"expected {text}, got {self.show(node.left, left)} and {self.show(node.right, right)}"
        if isinstance(node, ast.Quantifier):
            what = {"any": "no item matched", "all": "an item does not match", "no": "an item matches"}
            return f"expected {text}, but {what[node.quantifier]}"
        return f"expected {text}"

    def is_constant(self, node: ast.Expr) -> bool:
        """Literals and params: a generated message need not repeat their value."""
        if isinstance(node, ast.Literal):
            return True
        if isinstance(node, ast.ListExpr):
            return all(self.is_constant(i) for i in node.items)
        resolution = self.checked.resolution(node)
        return resolution is not None and resolution.kind == "param"

    def deciding(self, condition: ast.Expr, env: Env) -> ast.Expr:
        """The conjunct of an `and` chain that is false: the part of the check that failed."""
        if isinstance(condition, ast.Logical) and condition.op == "and":
            for side in (condition.left, condition.right):
                ok, value = self._value(side, env)
                if ok and value is False:
                    return self.deciding(side, env)
        return condition

    def values(self, condition: ast.Expr, env: Env) -> dict[str, Any]:
        """The operands that decided the check, by their expression text."""
        node = self.deciding(condition, env)
        operands: list[ast.Expr] = []
        if isinstance(node, ast.Compare | ast.Binary):
            operands = [node.left, node.right]
        elif isinstance(node, ast.Quantifier | ast.Aggregate):
            operands = [node.source]
        elif isinstance(node, ast.Unary):
            operands = [node.operand]
        result: dict[str, Any] = {}
        for operand in operands:
            if isinstance(operand, ast.Literal):
                continue
            ok, value = self._value(operand, env)
            if ok:
                result[format_expression(operand)] = _shown_value(self, operand, value)
        return result

    def error(self, node: Any, env: Env, raised: BaseException) -> tuple[str, str]:
        """A precise (code, message) for a clause that raised: re-run it on the interpreter."""
        targets: list[ast.Expr] = _targets(node)
        for target in targets:
            try:
                self.interp.eval(target, env)
            except StepBudgetExceeded as stop:
                return stop.code, stop.message
            except EvalError as error:
                if error.message.startswith("cannot evaluate"):
                    return error.code, error.message
                return error.code, f"cannot evaluate `{format_expression(target)}`: {error.message}"
        code = getattr(raised, "code", "eval/invalid-operation")
        detail = getattr(raised, "message", None) or str(raised) or type(raised).__name__
        shown = format_expression(targets[0]) if targets else "the check"
        return code, f"cannot evaluate `{shown}`: {detail}"

    def override_by(self, expr: ast.Expr | None, env: Env) -> list[str] | None:
        """Who may override, evaluated in the scope of the failed check; unknown means nobody."""
        if expr is None:
            return None
        ok, value = self._value(expr, env)
        if not ok or value is None:
            return None
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return sorted(set(value))
        return None


def _shown_value(explainer: Explainer, node: ast.Expr, value: Any) -> Any:
    """Values keep their JSON form, except percents, which read better as `20%`."""
    found = explainer.checked.type_of(node)
    if found == T.PERCENT and value is not None:
        return explainer.show(node, value)
    return value


def _targets(node: Any) -> list[ast.Expr]:
    """The expressions a site evaluates, in order."""
    if isinstance(node, ast.Require):
        return [node.condition]
    if isinstance(node, ast.Let):
        return [node.value]
    if isinstance(node, ast.ForEach):
        return [node.source] + ([node.where] if node.where is not None else [])
    if isinstance(node, tuple):
        return list(node)
    return []


def render_failure(plan: ExplainPlan, result: tuple[Any, ...]) -> tuple[str, dict[str, Any], list[str] | None]:
    """Message, values and `override_by` of a failed check from its compiled explainer's result."""
    holes, index, operands, override = result
    values: dict[str, Any] = {}
    conjunct = plan.conjuncts[index] if 0 <= index < len(plan.conjuncts) else None
    if conjunct is not None:
        for operand, value in zip(conjunct.operands, operands, strict=False):
            if value is not MISSING:
                values[operand.text] = format_value(value, True) if operand.percent and value is not None else value
    if plan.message is not None:
        pieces = []
        for part in plan.message:
            if isinstance(part, str):
                pieces.append(part)
            else:
                value = holes[part[0]] if part[0] < len(holes) else MISSING
                pieces.append("?" if value is MISSING else format_value(value, part[1]))
        message = "".join(pieces)
    else:
        message = _generated(plan, conjunct, operands)
    return message, values, _people(override)


def _generated(plan: ExplainPlan, conjunct: Conjunct | None, operands: tuple[Any, ...]) -> str:
    """`expected shared_weight(plan) >= 20%, got 10%`."""
    if conjunct is None:
        return "expected " + " and ".join(c.text for c in plan.conjuncts)
    if conjunct.kind == "quantifier":
        what = {"any": "no item matched", "all": "an item does not match", "no": "an item matches"}
        return f"expected {conjunct.text}, but {what[conjunct.quantifier or 'any']}"
    shown = [
        format_value(v, o.percent) if v is not MISSING else "?"
        for o, v in zip(conjunct.operands, operands, strict=False)
        if not o.constant
    ]
    if conjunct.kind == "compare" and shown:
        return f"expected {conjunct.text}, got {' and '.join(shown)}"
    return f"expected {conjunct.text}"


def _people(value: Any) -> list[str] | None:
    """`override by` gives an e-mail or a list of them; anything else means nobody may override."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return sorted(set(value))
    return None
