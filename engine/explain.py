"""Explaining a finding: its message, the values that decided it, and who may override it.

Runs only for checks that failed, so the compiled hot path stays plain booleans. A failed check
is explained from its compiled explainer's result (`render_failure`); a check that *raised* is
re-run on the interpreter, which says exactly what was missing (`Explainer.error`). Messages
follow LANGUAGE.md §4: an author's `else` text with `{expr}` holes formatted for people, or one
generated from the expression and the values it saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.explain_codegen import Conjunct, ExplainPlan
from engine.interpreter import Interpreter
from engine.runtime import MISSING, EvalError, StepBudgetExceeded
from policy import ast
from policy.checker import CheckedSet
from policy.formatter import format_expression
from policy.values import format_value

Env = Mapping[str, Any]


class Explainer:
    """Explains the checks of one evaluation that raised, on the interpreter."""

    def __init__(self, checked: CheckedSet, interpreter: Interpreter) -> None:
        self.checked = checked
        self.interp = interpreter

    def _value(self, node: ast.Expr, env: Env) -> tuple[bool, Any]:
        try:
            return True, self.interp.eval(node, env)
        except (EvalError, StepBudgetExceeded):
            return False, None

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
        return _people(value) if ok else None


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
