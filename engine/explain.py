"""Explaining a check that raised: what exactly was missing, and who may override it.

A check that *failed* is explained by its compiled finder (engine/explain_codegen.py). A check
that *raised* is rare and needs precision more than speed: it is re-run here on the
interpreter, which names the very sub-expression that had no value (`plan.quota` is none, so
`plan.quota.amount` has none either).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.interpreter import Interpreter
from engine.runtime import EvalError, StepBudgetExceeded, people
from policy import ast
from policy.checker import CheckedSet
from policy.formatter import format_expression

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
        return people(value) if ok else None


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
