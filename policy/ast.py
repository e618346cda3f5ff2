"""The typed AST of the `.rev` language: frozen dataclasses, one per construct, each with a span.

Spans never take part in equality (`compare=False`), so `parse(format(p)) == p` holds while the
positions move. Nothing here refers to Lark: the parser is the only module that sees its trees.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from policy.source import Span

NO_SPAN = Span("<generated>", 0, 0, 0, 0)


def _span() -> Any:
    return field(default=NO_SPAN, compare=False, repr=False)


# ---- expressions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expr:
    """Base of every expression node."""

    @property
    def kind(self) -> str:
        """The node's class name, used to dispatch `visit_<kind>` methods."""
        return type(self).__name__


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    """A constant: number, percent, money, text, bool, date, duration or none."""

    value: Any
    type_name: str
    text: str = field(default="", compare=False)
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Name(Expr):
    """A bare name: a local, param, def, package, `charter` or `today`."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Field(Expr):
    """`obj.name`: a field of a record, or a qualified name (`common.big_move`)."""

    obj: Expr
    name: str
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Index(Expr):
    """`obj[index]`: an item of a list (0-based) or a value of a map."""

    obj: Expr
    index: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """`name(args)`: a built-in function, def or table, possibly qualified by package."""

    name: str
    args: tuple[Expr, ...]
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Aggregate(Expr):
    """`sum(element for var in source where condition)` and likewise count/min/max/avg."""

    func: str
    element: Expr
    var: str
    source: Expr
    where: Expr | None
    span: Span = _span()
    name_span: Span = _span()
    var_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    """`-x` or `not x`."""

    op: str
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    """Arithmetic: `+ - * /`."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Compare(Expr):
    """Comparison and membership: `== != < <= > >= in not in`."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Logical(Expr):
    """`and` / `or`, short-circuiting from left to right."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Quantifier(Expr):
    """`any|all|no var in source: predicate`."""

    quantifier: str
    var: str
    source: Expr
    predicate: Expr
    span: Span = _span()
    var_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Conditional(Expr):
    """`if condition then a else b`."""

    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ListExpr(Expr):
    """`[a, b, c]`."""

    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RecordExpr(Expr):
    """`{key: value, ...}`."""

    fields: tuple[tuple[str, Expr], ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Message:
    """An interpolated message: text pieces and `{expr}` holes, in order."""

    parts: tuple[str | Expr, ...]
    span: Span = _span()


# ---- policy clauses ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clause:
    """Base of every clause inside a policy or `for each`."""

    @property
    def kind(self) -> str:
        """The node's class name, used to dispatch `visit_<kind>` methods."""
        return type(self).__name__


@dataclass(frozen=True, slots=True)
class On(Clause):
    """`on KIND as NAME`: the document kind a policy checks and its local name."""

    document_kind: str
    alias: str
    span: Span = _span()
    kind_span: Span = _span()
    alias_span: Span = _span()


@dataclass(frozen=True, slots=True)
class When(Clause):
    """`when EXPR`: the policy applies only when every `when` holds."""

    condition: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Let(Clause):
    """`let NAME = EXPR`: a local name for the clauses that follow."""

    name: str
    value: Expr
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Require(Clause):
    """`require EXPR [else "MESSAGE"]`: one check; each failing instance is a finding."""

    condition: Expr
    message: Message | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ForEach(Clause):
    """`for each NAME in EXPR [where EXPR] { ... }`: clauses run once per item."""

    var: str
    source: Expr
    where: Expr | None
    body: tuple[Clause, ...]
    span: Span = _span()
    var_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Enforce(Clause):
    """`enforce advisory | soft [override by EXPR] | hard`."""

    level: str
    override_by: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Meta(Clause):
    """`owner "…"`, `description "…"` or `tags [...]`: metadata that never affects a decision."""

    key: str
    value: str | tuple[str, ...]
    span: Span = _span()


# ---- tests -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Given:
    """`given KIND {record}` or `given KIND from "PATH" [with {patch}]`."""

    document_kind: str
    path: str | None
    record: RecordExpr | None
    span: Span = _span()
    kind_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Expect:
    """`expect POLICY passes|fails|skips|errors` or `expect verdict pass|warn|block`."""

    policy: str | None
    outcome: str
    span: Span = _span()
    policy_span: Span = _span()


# ---- declarations ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decl:
    """Base of every top-level declaration."""

    @property
    def kind(self) -> str:
        """The node's class name, used to dispatch `visit_<kind>` methods."""
        return type(self).__name__


@dataclass(frozen=True, slots=True)
class Package(Decl):
    """`package NAME`."""

    name: str
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Use(Decl):
    """`use NAME`: another package's names become usable bare."""

    package: str
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Param(Decl):
    """`param NAME = EXPR`: a named constant."""

    name: str
    value: Expr
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Def(Decl):
    """`def NAME(params) = EXPR`: a named, non-recursive expression."""

    name: str
    params: tuple[str, ...]
    body: Expr
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class TableRow:
    """`condition => value` in a decision table."""

    condition: Expr
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Table(Decl):
    """A first-match decision table (LANGUAGE.md §6)."""

    name: str
    params: tuple[str, ...]
    rows: tuple[TableRow, ...]
    otherwise: Expr | None
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Policy(Decl):
    """`policy NAME "Title" { clauses }`."""

    name: str
    title: str | None
    clauses: tuple[Clause, ...]
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Test(Decl):
    """`test "name" { given… expect… }`."""

    name: str
    givens: tuple[Given, ...]
    expects: tuple[Expect, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Module:
    """One `.rev` file: its package (explicit or the file's stem) and its declarations."""

    file: str
    package: str
    decls: tuple[Decl, ...]

    @property
    def uses(self) -> tuple[Use, ...]:
        """The `use` declarations of this file."""
        return tuple(d for d in self.decls if isinstance(d, Use))


def children(node: object) -> list[Any]:
    """The direct sub-nodes of a node, in source order (expressions, clauses, rows, parts)."""
    found: list[Any] = []
    for name in getattr(node, "__dataclass_fields__", {}):
        if name.endswith("span") or name == "text":
            continue
        _collect(getattr(node, name), found)
    return found


def _collect(value: Any, found: list[Any]) -> None:
    if isinstance(value, Expr | Clause | TableRow | Message | Given | Expect | Decl):
        found.append(value)
    elif isinstance(value, tuple):
        for item in value:
            _collect(item, found)


def walk(node: object) -> Iterator[Any]:
    """Every node below and including `node`, depth first, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
