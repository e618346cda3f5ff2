"""A plain tree-walking interpreter over the checked AST: the second view of every policy.

The compiled code is the fast path; this interpreter is slow and careful. It is used (1) to
say precisely what went wrong when a compiled check raised (`plan.quota` is none, so
`plan.quota.amount` has no value), (2) to evaluate messages, explanations and `override by`
only for checks that failed, and (3) as the oracle that property tests compare the compiler
against. It shares the runtime's built-ins, so the two differ only in how they walk the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.runtime import (
    AGGREGATE_FUNCTIONS,
    BUILTIN_FUNCTIONS,
    CONTEXT_BUILTINS,
    ZERO,
    ZERO_MONEY,
    EvalContext,
    EvalError,
    count_list,
    describe,
    iterate,
    total,
)
from engine.runtime import as_list as _as_list
from policy import ast
from policy import types as T
from policy.checker import CheckedSet
from policy.values import ValueProblem, format_value

Env = Mapping[str, Any]


def _text_of(node: ast.Expr) -> str:
    from policy.formatter import format_expression

    return format_expression(node)


class Interpreter:
    """Evaluates expressions of one checked policy set against one evaluation context."""

    def __init__(self, checked: CheckedSet, ctx: EvalContext, params: Mapping[str, Any] | None = None) -> None:
        self.checked = checked
        self.ctx = ctx
        self.params: dict[str, Any] = dict(params or {})

    def eval(self, node: ast.Expr, env: Env) -> Any:
        method: Callable[[Any, Env], Any] = getattr(self, f"visit_{node.kind}")
        try:
            return method(node, env)
        except EvalError:
            raise
        except ValueProblem as problem:
            raise EvalError(problem.code, f"{problem} in `{_text_of(node)}`") from None
        except ArithmeticError as problem:
            raise EvalError("eval/arithmetic", f"cannot compute `{_text_of(node)}`: {_arith(problem)}") from None
        except (TypeError, KeyError, IndexError, AttributeError, ValueError):
            raise EvalError("eval/invalid-operation", f"cannot evaluate `{_text_of(node)}`") from None

    def truth(self, node: ast.Expr, env: Env) -> bool:
        value = self.eval(node, env)
        if not isinstance(value, bool):
            code = "eval/none" if value is None else "eval/not-a-condition"
            raise EvalError(code, f"`{_text_of(node)}` is {describe(value)}, not true or false")
        return value

    # ---- leaves and names ----------------------------------------------------------------

    def visit_Literal(self, node: ast.Literal, env: Env) -> Any:
        return node.value

    def visit_Name(self, node: ast.Name, env: Env) -> Any:
        resolution = self.checked.resolution(node)
        kind = resolution.kind if resolution else "local"
        if kind == "local":
            return env[node.name]
        if kind == "charter":
            return self.ctx.charter
        if kind == "today":
            return self.ctx.today
        assert resolution is not None
        return self.param(resolution.target)

    def param(self, param_id: str) -> Any:
        """A param's value, computed once per evaluation."""
        if param_id not in self.params:
            decl = self.checked.symbols[param_id].decl
            assert isinstance(decl, ast.Param)
            self.params[param_id] = self.eval(decl.value, {})
        return self.params[param_id]

    def visit_Field(self, node: ast.Field, env: Env) -> Any:
        resolution = self.checked.resolution(node)
        if resolution is not None and resolution.kind == "param":
            return self.param(resolution.target)
        record = self.eval(node.obj, env)
        if record is None:
            raise EvalError("eval/none", f"`{_text_of(node.obj)}` is none, so `{_text_of(node)}` has no value")
        if not isinstance(record, dict):
            raise EvalError("eval/not-a-record", f"`{_text_of(node.obj)}` is {describe(record)}, not a record")
        return record.get(node.name)

    def visit_Index(self, node: ast.Index, env: Env) -> Any:
        from engine.runtime import index

        return index(self.eval(node.obj, env), self.eval(node.index, env))

    # ---- calls ---------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call, env: Env) -> Any:
        resolution = self.checked.resolution(node)
        assert resolution is not None, f"unresolved call {node.name}"
        args = [self.eval(a, env) for a in node.args]
        if resolution.kind == "builtin":
            if resolution.target in AGGREGATE_FUNCTIONS:
                items = _as_list(args[0], resolution.target)
                if resolution.target == "count":
                    return count_list(items)
                if resolution.target == "sum":
                    return total(iter(iterate(self.ctx, items)), self._zero(node))
                return AGGREGATE_FUNCTIONS[resolution.target](iter(iterate(self.ctx, items)))
            function = BUILTIN_FUNCTIONS[resolution.target]
            return function(self.ctx, *args) if resolution.target in CONTEXT_BUILTINS else function(*args)
        symbol = self.checked.symbols[resolution.target]
        scope = dict(zip(symbol.decl.params, args, strict=True))  # type: ignore[union-attr]
        if isinstance(symbol.decl, ast.Def):
            return self.eval(symbol.decl.body, scope)
        assert isinstance(symbol.decl, ast.Table)
        return self.table(symbol.decl, scope)

    def table(self, table: ast.Table, scope: Env) -> Any:
        for row in table.rows:
            if self.truth(row.condition, scope):
                return self.eval(row.value, scope)
        if table.otherwise is not None:
            return self.eval(table.otherwise, scope)
        shown = ", ".join(f"{k} = {format_value(v)}" for k, v in scope.items())
        raise EvalError(
            "eval/no-row-matched", f"no row of table `{table.name}` matched ({shown}) and it has no `otherwise`"
        )

    def items(self, source: ast.Expr, env: Env) -> list[Any]:
        value = self.eval(source, env)
        if value is None:
            raise EvalError("eval/none", f"`{_text_of(source)}` is none, so there is nothing to go through")
        return iterate(self.ctx, value)

    def visit_Aggregate(self, node: ast.Aggregate, env: Env) -> Any:
        counting = node.func == "count"  # `count` counts items; it never evaluates the element

        def elements() -> Any:
            for item in self.items(node.source, env):
                inner = {**env, node.var: item}
                if node.where is None or self.truth(node.where, inner):
                    yield None if counting else self.eval(node.element, inner)

        if node.func == "sum":
            return total(elements(), self._zero(node))
        return AGGREGATE_FUNCTIONS[node.func](elements())

    def _zero(self, node: ast.Expr) -> Any:
        """The sum of nothing: zero money for a sum of money, else the number 0."""
        return ZERO_MONEY if self.checked.type_of(node) == T.MONEY else ZERO

    # ---- operators -----------------------------------------------------------------------

    def visit_Unary(self, node: ast.Unary, env: Env) -> Any:
        if node.op == "not":
            return not self.truth(node.operand, env)
        value = self.eval(node.operand, env)
        self._not_none(node.operand, value, "negate")
        return -value

    def visit_Binary(self, node: ast.Binary, env: Env) -> Any:
        left = self.eval(node.left, env)
        right = self.eval(node.right, env)
        self._not_none(node.left, left, "compute with")
        self._not_none(node.right, right, "compute with")
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        return left / right

    def _not_none(self, node: ast.Expr, value: Any, verb: str) -> None:
        if value is None:
            raise EvalError("eval/none", f"`{_text_of(node)}` is none; cannot {verb} a missing value")

    def visit_Compare(self, node: ast.Compare, env: Env) -> bool:
        left = self.eval(node.left, env)
        right = self.eval(node.right, env)
        op = node.op
        if op in ("in", "not in"):
            if right is None:
                raise EvalError("eval/none", f"`{_text_of(node.right)}` is none, so nothing is in it")
            found = left in right
            return found if op == "in" else not found
        if op == "==":
            return bool(left == right)
        if op == "!=":
            return bool(left != right)
        self._not_none(node.left, left, "order")
        self._not_none(node.right, right, "order")
        return (
            bool({"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op])
            if op in ("<", "<=", ">", ">=")
            else False
        )

    def visit_Logical(self, node: ast.Logical, env: Env) -> bool:
        left = self.truth(node.left, env)
        if node.op == "and":
            return left and self.truth(node.right, env)
        return left or self.truth(node.right, env)

    def visit_Quantifier(self, node: ast.Quantifier, env: Env) -> bool:
        for item in self.items(node.source, env):
            holds = self.truth(node.predicate, {**env, node.var: item})
            if node.quantifier == "any" and holds:
                return True
            if node.quantifier == "all" and not holds:
                return False
            if node.quantifier == "no" and holds:
                return False
        return node.quantifier != "any"

    def visit_Conditional(self, node: ast.Conditional, env: Env) -> Any:
        return self.eval(node.then if self.truth(node.condition, env) else node.otherwise, env)

    def visit_ListExpr(self, node: ast.ListExpr, env: Env) -> list[Any]:
        return [self.eval(item, env) for item in node.items]

    def visit_RecordExpr(self, node: ast.RecordExpr, env: Env) -> dict[str, Any]:
        return {key: self.eval(value, env) for key, value in node.fields}


def _arith(problem: ArithmeticError) -> str:
    name = type(problem).__name__
    if "DivisionByZero" in name or "ZeroDivision" in name or "DivisionUndefined" in name:
        return "division by zero"
    return "the arithmetic is undefined"


__all__ = ["Interpreter"]
