"""Which rows of a decision table can never match because earlier rows already cover them.

Only single-variable comparisons against constants are analysed (`amount < 25k USD`,
`tier == "gold"`), as LANGUAGE.md §6 asks; any other row is assumed reachable and covers
nothing, so the analysis never reports a row that could match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policy import ast

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(frozen=True, slots=True)
class _Bound:
    """`variable op constant`, with the constant in a comparable form."""

    op: str
    value: Any


def _comparable(node: ast.Expr) -> Any:
    """A literal constant as (domain, value), so only constants of one domain are compared."""
    if not isinstance(node, ast.Literal):
        return None
    if node.type_name == "money":
        return (node.value.currency, node.value.amount)
    if node.type_name in ("number", "percent"):
        return ("number", node.value)
    if node.type_name in ("date", "text"):
        return (node.type_name, node.value)
    return None


def _bound(condition: ast.Expr, params: tuple[str, ...]) -> _Bound | None:
    if not isinstance(condition, ast.Compare) or condition.op not in _FLIP:
        return None
    left, right, op = condition.left, condition.right, condition.op
    if isinstance(right, ast.Name) and right.name in params and not isinstance(left, ast.Name):
        left, right, op = right, left, _FLIP[op]
    if not (isinstance(left, ast.Name) and left.name in params and len(params) == 1):
        return None
    value = _comparable(right)
    if value is None or (value[0] == "text" and op not in ("==", "!=")):
        return None
    return _Bound(op, value)


def _covers(earlier: _Bound, later: _Bound) -> bool:
    """Whether every value satisfying `later` also satisfies `earlier`."""
    a, b = earlier.value, later.value
    if a[0] != b[0]:
        return False
    x, y = a[1], b[1]
    if later.op == "==":
        return _holds(earlier.op, y, x)
    if earlier.op in ("<", "<=") and later.op in ("<", "<="):
        return y < x or (y == x and (earlier.op == "<=" or later.op == "<"))
    if earlier.op in (">", ">=") and later.op in (">", ">="):
        return y > x or (y == x and (earlier.op == ">=" or later.op == ">"))
    if earlier.op == "!=" and later.op in ("<", "<=", ">", ">="):
        return (later.op in ("<", "<=") and (x > y or (x == y and later.op == "<"))) or (
            later.op in (">", ">=") and (x < y or (x == y and later.op == ">"))
        )
    return False


def _holds(op: str, value: Any, constant: Any) -> bool:
    return {
        "<": value < constant,
        "<=": value <= constant,
        ">": value > constant,
        ">=": value >= constant,
        "==": value == constant,
        "!=": value != constant,
    }[op]


def _everything(earlier: list[_Bound]) -> bool:
    """Two earlier half-lines that together cover the whole line (`x < 10`, then `x >= 5`)."""
    lows = [b for b in earlier if b.op in ("<", "<=")]
    highs = [b for b in earlier if b.op in (">", ">=")]
    for low in lows:
        for high in highs:
            if low.value[0] == high.value[0] and (
                high.value[1] < low.value[1] or (high.value[1] == low.value[1] and (low.op == "<=" or high.op == ">="))
            ):
                return True
    return False


def unreachable_rows(table: ast.Table) -> list[tuple[int, int]]:
    """(row, covering row) pairs: rows that can never match, with the earlier row that covers each."""
    found: list[tuple[int, int]] = []
    earlier: list[tuple[int, _Bound]] = []
    for index, row in enumerate(table.rows):
        bound = _bound(row.condition, table.params)
        if bound is not None:
            covering = next((i for i, b in earlier if _covers(b, bound)), None)
            if covering is None and _everything([b for _, b in earlier]):
                covering = earlier[-1][0]
            if covering is not None:
                found.append((index, covering))
                continue
            earlier.append((index, bound))
    return found
