"""A plain, readable dump of the AST for data-driven parser cases.

Expressions become s-expressions that show the grouping (`a or b and c` is `(or a (and b c))`)
and literal values rather than spellings (`50k` is `number:50000`); declarations, clauses and
test statements become YAML-friendly strings, lists and mappings. This view is written
independently of the formatter, so the two can check each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from policy import ast


def plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros: `1.2M` is `1200000`, `12.5%` is `0.125`."""
    return format(number.normalize(), "f")


def _literal(node: ast.Literal) -> str:
    value = node.value
    by_type: dict[str, Callable[[], str]] = {
        "number": lambda: f"number:{plain(value)}",
        "percent": lambda: f"percent:{plain(value)}",
        "money": lambda: f"money:{plain(value.amount)} {value.currency}",
        "text": lambda: f"text:{json.dumps(value, ensure_ascii=False)}",
        "bool": lambda: "true" if value else "false",
        "none": lambda: "none",
        "date": lambda: f"date:{value.isoformat()}",
        "duration": lambda: f"duration:{plain(value.count)} {value.unit}",
    }
    return by_type[node.type_name]()


_EXPRESSIONS: dict[str, Callable[[Any], str]] = {
    "Literal": _literal,
    "Name": lambda n: n.name,
    "Field": lambda n: f"(. {expr(n.obj)} {n.name})",
    "Index": lambda n: f"([] {expr(n.obj)} {expr(n.index)})",
    "Call": lambda n: "(call " + " ".join([n.name, *(expr(a) for a in n.args)]) + ")",
    "Aggregate": lambda n: (
        f"({n.func} {expr(n.element)} for {n.var} in {expr(n.source)}"
        + ("" if n.where is None else f" where {expr(n.where)}")
        + ")"
    ),
    "Unary": lambda n: f"({'neg' if n.op == '-' else n.op} {expr(n.operand)})",
    "Binary": lambda n: f"({n.op} {expr(n.left)} {expr(n.right)})",
    "Logical": lambda n: f"({n.op} {expr(n.left)} {expr(n.right)})",
    "Compare": lambda n: f"({n.op} {expr(n.left)} {expr(n.right)})",
    "Quantifier": lambda n: f"({n.quantifier} {n.var} in {expr(n.source)}: {expr(n.predicate)})",
    "Conditional": lambda n: f"(if {expr(n.condition)} then {expr(n.then)} else {expr(n.otherwise)})",
    "ListExpr": lambda n: "[" + ", ".join(expr(i) for i in n.items) + "]",
    "RecordExpr": lambda n: "{" + ", ".join(f"{json.dumps(k)}: {expr(v)}" for k, v in n.fields) + "}",
}


def expr(node: ast.Expr) -> str:
    """An expression as an s-expression."""
    return _EXPRESSIONS[type(node).__name__](node)


def message(node: ast.Message) -> list[dict[str, str]]:
    """A message as its parts: `{text: …}` and `{hole: <s-expression>}`."""
    return [{"text": p} if isinstance(p, str) else {"hole": expr(p)} for p in node.parts]


def _require(node: ast.Require) -> Any:
    if node.message is None:
        return f"require {expr(node.condition)}"
    return {"require": expr(node.condition), "else": message(node.message)}


def _for_each(node: ast.ForEach) -> Any:
    where = "" if node.where is None else f" where {expr(node.where)}"
    return {"for each": f"{node.var} in {expr(node.source)}{where}", "body": [statement(c) for c in node.body]}


def _given(node: ast.Given) -> str:
    source = "" if node.path is None else f" from {json.dumps(node.path)}"
    record = "" if node.record is None else f" {'' if node.path is None else 'with '}{expr(node.record)}"
    return f"{node.document_kind}{source}{record}"


def _table(node: ast.Table) -> Any:
    rows = [f"{expr(r.condition)} => {expr(r.value)}" for r in node.rows]
    dumped: dict[str, Any] = {"table": f"{node.name}({', '.join(node.params)})", "rows": rows}
    if node.otherwise is not None:
        dumped["otherwise"] = expr(node.otherwise)
    return dumped


def _enforce(node: ast.Enforce) -> str:
    return f"enforce {node.level}" + ("" if node.override_by is None else f" override by {expr(node.override_by)}")


_STATEMENTS: dict[str, Callable[[Any], Any]] = {
    "Package": lambda n: f"package {n.name}",
    "Use": lambda n: f"use {n.package}",
    "Param": lambda n: f"param {n.name} = {expr(n.value)}",
    "Def": lambda n: f"def {n.name}({', '.join(n.params)}) = {expr(n.body)}",
    "Table": _table,
    "Policy": lambda n: {"policy": n.name, "title": n.title, "clauses": [statement(c) for c in n.clauses]},
    "Test": lambda n: {"test": n.name, "given": [_given(g) for g in n.givens],
                       "expect": [f"{n.policy or 'verdict'} {n.outcome}" for n in n.expects]},
    "On": lambda n: f"on {n.document_kind} as {n.alias}",
    "When": lambda n: f"when {expr(n.condition)}",
    "Let": lambda n: f"let {n.name} = {expr(n.value)}",
    "Require": _require,
    "ForEach": _for_each,
    "Enforce": _enforce,
    "Meta": lambda n: {n.key: list(n.value) if isinstance(n.value, tuple) else n.value},
}


def statement(node: Any) -> Any:
    """A declaration or clause as a string, or a mapping when it holds a block or a message."""
    return _STATEMENTS[type(node).__name__](node)


def module(node: ast.Module) -> dict[str, Any]:
    """A module: its package and its declarations."""
    return {"package": node.package, "decls": [statement(d) for d in node.decls]}
