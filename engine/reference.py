"""The reference evaluation of a whole policy, clause by clause, on the interpreter.

It is the oracle the compiled code is tested against (same outcomes, same paths), and the
instrument `rev test` uses for coverage: it reports every `require` it evaluated with its
result, where the compiled code reports only failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.interpreter import Interpreter
from engine.runtime import EvalError, StepBudgetExceeded
from policy import ast
from policy.checker import CheckedPolicy
from policy.values import DocList


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One evaluated check instance: the `require`, the document path, and `pass|fail|error`."""

    require: ast.Require | None
    path: str
    outcome: str


def reference_policy(interp: Interpreter, policy: CheckedPolicy, document: Any) -> list[CheckResult] | None:
    """Every check instance of `policy` on `document`; None when a `when` does not hold."""
    env = {policy.alias: document}
    try:
        for condition in policy.whens:
            if not interp.truth(condition, env):
                return None
    except EvalError:
        return [CheckResult(None, "", "error")]
    results: list[CheckResult] = []
    try:
        _block(interp, policy.body, env, "", results)
    except StepBudgetExceeded:
        return [CheckResult(None, "", "error")]
    return results


def _block(
    interp: Interpreter, clauses: tuple[ast.Clause, ...], env: dict[str, Any], path: str, results: list[CheckResult]
) -> None:
    env = dict(env)
    for clause in clauses:
        if isinstance(clause, ast.Let):
            try:
                env[clause.name] = interp.eval(clause.value, env)
            except EvalError:
                results.append(CheckResult(None, path, "error"))
                return
        elif isinstance(clause, ast.Require):
            try:
                outcome = "pass" if interp.truth(clause.condition, env) else "fail"
            except EvalError:
                outcome = "error"
            results.append(CheckResult(clause, path, outcome))
        elif isinstance(clause, ast.ForEach):
            _for_each(interp, clause, env, path, results)


def _for_each(
    interp: Interpreter, clause: ast.ForEach, env: dict[str, Any], path: str, results: list[CheckResult]
) -> None:
    try:
        items = interp.items(clause.source, env)
    except EvalError:
        results.append(CheckResult(None, path, "error"))
        return
    base = items.pointer if isinstance(items, DocList) else None
    for index, item in enumerate(items):
        inner = {**env, clause.var: item}
        item_path = f"{base}/{index}" if base is not None else path
        if clause.where is not None:
            try:
                if not interp.truth(clause.where, inner):
                    continue
            except EvalError:
                results.append(CheckResult(None, item_path, "error"))
                continue
        _block(interp, clause.body, inner, item_path, results)
