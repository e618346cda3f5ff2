"""Type inference for expressions: one `visit_<Node>` method per expression kind.

Every expression gets a type (recorded by node identity for the compiler) and every name a
resolution. Problems are collected, never raised; an expression that already produced a
diagnostic has type `any`, which silences the cascade of follow-on errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policy import ast
from policy import types as T
from policy.builtins import AGGREGATES, BUILTINS
from policy.diagnostics import Diagnostic, Stage, did_you_mean
from policy.source import Span

if TYPE_CHECKING:
    from policy.checker import SetChecker


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a name, qualified name or call refers to: `kind` and the target's id or name."""

    kind: str  # local | param | def | table | builtin | charter | today
    target: str


Scope = Mapping[str, T.Type]


class ExprChecker:
    """Types the expressions of one package (its visible names), in a given local scope."""

    def __init__(self, owner: SetChecker, package: str, file: str) -> None:
        self.owner = owner
        self.package = package
        self.file = file

    # ---- entry points --------------------------------------------------------------------

    def infer(self, expr: ast.Expr, scope: Scope) -> T.Type:
        """The type of `expr` in `scope`; records it for the compiler."""
        method: Callable[[ast.Expr, Scope], T.Type] = getattr(self, f"visit_{expr.kind}")
        result = method(expr, scope)
        self.owner.record_type(expr, result)
        return result

    def expect_bool(self, expr: ast.Expr, scope: Scope, what: str) -> None:
        """Infer `expr` and report when it is not a condition."""
        found = self.infer(expr, scope)
        if found not in (T.BOOL, T.ANY):
            self.error(
                "check/not-a-condition",
                f"{what} must be true or false, but this is {_article(found)}",
                expr.span,
                help="compare it with something, e.g. `x > 0` or `x != none`",  # type: ignore[attr-defined]
            )

    def error(self, code: str, message: str, span: Span, help: str | None = None) -> None:
        self.owner.report(Diagnostic(code, message, Stage.CHECK, span, help=help))

    # ---- leaves --------------------------------------------------------------------------

    def visit_Literal(self, node: ast.Literal, scope: Scope) -> T.Type:
        return _LITERAL_TYPES[node.type_name]

    def visit_Name(self, node: ast.Name, scope: Scope) -> T.Type:
        if node.name in scope:
            self.owner.resolve(node, Resolution("local", node.name))
            return scope[node.name]
        if node.name == "charter":
            self.owner.resolve(node, Resolution("charter", "charter"))
            return self.owner.charter_type
        if node.name == "today":
            self.owner.resolve(node, Resolution("today", "today"))
            return T.DATE
        symbol = self.owner.lookup(self.package, node.name, node.span)
        if symbol is None:
            if node.name in self.owner.packages:
                self.error(
                    "check/package-as-value",
                    f"`{node.name}` is a package, not a value",
                    node.span,
                    help=f"name one of its declarations, as in `{node.name}.NAME`",
                )
                return T.ANY
            candidates = [*scope, *self.owner.visible_names(self.package), "charter", "today"]
            self.error(
                "check/unknown-name",
                f"unknown name `{node.name}`",
                node.span,
                help=did_you_mean(node.name, candidates) or "define it with `let`, `param` or `def` first",
            )
            return T.ANY
        return self._symbol_value(node, symbol.kind, symbol.id, node.span)

    def _symbol_value(self, node: ast.Expr, kind: str, symbol_id: str, span: Span) -> T.Type:
        """A param used as a value; defs and tables must be called."""
        if kind != "param":
            self.error(
                "check/not-a-value",
                f"`{symbol_id}` is a {kind}; call it with its arguments",
                span,
                help=f"write `{symbol_id.split('.')[-1]}(…)`",
            )
            return T.ANY
        self.owner.resolve(node, Resolution("param", symbol_id))
        return self.owner.param_type(symbol_id)

    # ---- access --------------------------------------------------------------------------

    def visit_Field(self, node: ast.Field, scope: Scope) -> T.Type:
        if isinstance(node.obj, ast.Name) and node.obj.name not in scope and node.obj.name in self.owner.packages:
            symbol = self.owner.lookup_qualified(node.obj.name, node.name, node.name_span)
            return T.ANY if symbol is None else self._symbol_value(node, symbol.kind, symbol.id, node.span)
        base = self.infer(node.obj, scope)
        return self.field_type(base, node.name, node.name_span)

    def field_type(self, base: T.Type, name: str, span: Span) -> T.Type:
        """The type of field `name` of a value of type `base`, reporting unknown fields."""
        if base == T.ANY:
            return T.ANY
        if isinstance(base, T.RecordType):
            field = base.fields.get(name)
            if field is not None:
                return field.type
            if base.open:
                return T.ANY
            self.error(
                "check/unknown-field",
                f"{_article(base)} has no field `{name}`",
                span,
                help=did_you_mean(name, base.fields) or f"its fields are {_field_list(base)}",
            )
            return T.ANY
        if base == T.NONE:
            self.error("check/field-of-none", f"`none` has no field `{name}`", span)
        else:
            self.error("check/not-a-record", f"{_article(base)} has no fields; cannot read `{name}`", span)
        return T.ANY

    def visit_Index(self, node: ast.Index, scope: Scope) -> T.Type:
        base = self.infer(node.obj, scope)
        index = self.infer(node.index, scope)
        if isinstance(base, T.ListType):
            if index not in (T.NUMBER, T.ANY):
                self.error("check/bad-index", f"a list is indexed by a number, not {_article(index)}", node.index.span)  # type: ignore[attr-defined]
            return base.item
        if isinstance(base, T.RecordType) and index in (T.TEXT, T.ANY):
            return T.ANY
        if base != T.ANY:
            self.error("check/not-indexable", f"cannot index {_article(base)}", node.span)
        return T.ANY

    # ---- calls ---------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call, scope: Scope) -> T.Type:
        args = [self.infer(a, scope) for a in node.args]
        if node.name in AGGREGATES and "." not in node.name:
            return self._aggregate_of_list(node, args)
        builtin = BUILTINS.get(node.name)
        if builtin is not None:
            self.owner.resolve(node, Resolution("builtin", node.name))
            if not self._arity(node, builtin.arity, f"`{node.name}`"):
                return T.ANY
            result = builtin.result(args)
            if isinstance(result, str):
                self.error(
                    "check/bad-argument",
                    f"`{node.name}` {result}, not {_articles(args)}",
                    node.span,
                    help=builtin.usage,
                )
                return T.ANY
            return result
        symbol = self.owner.lookup_callable(self.package, node.name, node.name_span)
        if symbol is None:
            return T.ANY
        if symbol.kind == "param":
            self.error(
                "check/not-callable",
                f"`{node.name}` is a param, not a function",
                node.name_span,
                help=f"use it without parentheses: `{node.name}`",
            )
            return T.ANY
        self.owner.resolve(node, Resolution(symbol.kind, symbol.id))
        if not self._arity(node, len(self.owner.params_of(symbol.id)), f"{symbol.kind} `{symbol.id}`"):
            return T.ANY
        return self.owner.instantiate(symbol.id, tuple(args), node.span)

    def _arity(self, node: ast.Call, expected: int, what: str) -> bool:
        if len(node.args) == expected:
            return True
        self.error(
            "check/wrong-arity", f"{what} takes {expected} argument(s), but {len(node.args)} were given", node.span
        )
        return False

    def _aggregate_of_list(self, node: ast.Call, args: list[T.Type]) -> T.Type:
        """`count(XS)`, `sum(XS)`, `min(XS)`… on a list directly."""
        self.owner.resolve(node, Resolution("builtin", node.name))
        if len(args) != 1:
            self.error("check/wrong-arity", f"`{node.name}` takes one list, or `{node.name}(E for x in XS)`", node.span)
            return T.ANY
        source = args[0]
        if source != T.ANY and not isinstance(source, T.ListType):
            self.error("check/not-a-list", f"`{node.name}` needs a list, not {_article(source)}", node.span)
            return T.ANY
        item = source.item if isinstance(source, T.ListType) else T.ANY
        return self._aggregate_result(node.name, item, node.span)

    def _aggregate_result(self, func: str, item: T.Type, span: Span) -> T.Type:
        if func == "count":
            return T.NUMBER
        allowed = (T.NUMBER, T.PERCENT, T.MONEY, T.ANY) if func in ("sum", "avg") else (*T.ORDERED, T.ANY)
        if item not in allowed:
            self.error("check/bad-aggregate", f"cannot take the {func} of {_article(item)} values", span)
            return T.ANY
        if func == "avg" and item == T.PERCENT:
            return T.PERCENT
        return item

    def visit_Aggregate(self, node: ast.Aggregate, scope: Scope) -> T.Type:
        self.owner.resolve(node, Resolution("builtin", node.func))
        if node.func not in AGGREGATES:
            self.error(
                "check/unknown-aggregate",
                f"`{node.func}` cannot range over items",
                node.name_span,
                help=did_you_mean(node.func, AGGREGATES) or "use sum, count, min, max or avg",
            )
        inner = self._bind_item(node.var, node.source, scope, node.var_span)
        if node.where is not None:
            self.expect_bool(node.where, inner, "a `where` filter")
        element = self.infer(node.element, inner)
        if node.func not in AGGREGATES:
            return T.ANY
        return self._aggregate_result(node.func, element, node.span)

    def _bind_item(self, var: str, source: ast.Expr, scope: Scope, var_span: Span, shadow_check: bool = True) -> Scope:
        """The scope inside a quantifier, aggregate or `for each`: `var` is an item of `source`."""
        if shadow_check and var in scope:
            self.error(
                "check/shadowed-name",
                f"`{var}` is already bound here",
                var_span,
                help="choose another name, so every use of it means one thing",
            )
        found = self.infer(source, scope)
        item: T.Type = T.ANY
        if isinstance(found, T.ListType):
            item = found.item
        elif found != T.ANY:
            self.error("check/not-a-list", f"can only range over a list, not {_article(found)}", source.span)  # type: ignore[attr-defined]
        return {**scope, var: item}

    # ---- operators -----------------------------------------------------------------------

    def visit_Unary(self, node: ast.Unary, scope: Scope) -> T.Type:
        if node.op == "not":
            self.expect_bool(node.operand, scope, "the operand of `not`")
            return T.BOOL
        found = self.infer(node.operand, scope)
        if found in (T.NUMBER, T.PERCENT, T.MONEY, T.DURATION, T.ANY):
            return found
        self.error("check/type-mismatch", f"cannot negate {_article(found)}", node.span)
        return T.ANY

    def visit_Binary(self, node: ast.Binary, scope: Scope) -> T.Type:
        left = self.infer(node.left, scope)
        right = self.infer(node.right, scope)
        result = T.arithmetic(node.op, left, right)
        if result is None:
            verb = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}[node.op]
            self._mismatch(node, f"cannot {verb} {left} and {right}", left, right, "arithmetic")
            return T.ANY
        return result

    def visit_Compare(self, node: ast.Compare, scope: Scope) -> T.Type:
        left = self.infer(node.left, scope)
        right = self.infer(node.right, scope)
        if node.op in ("in", "not in"):
            self._check_membership(node, left, right)
        elif node.op in ("==", "!="):
            if not T.compatible(left, right):
                self._mismatch(node, f"cannot compare {left} with {right}", left, right, "equality")
        elif not self._orderable(left, right):
            self._mismatch(node, f"cannot order {left} and {right}", left, right, "ordering")
        return T.BOOL

    def _mismatch(
        self, node: ast.Binary | ast.Compare, what: str, left: T.Type, right: T.Type, operation: str
    ) -> None:
        """A type mismatch of an operator, at the start of the whole operation, with a fix.

        `operation` is `arithmetic`, `equality` or `ordering`: the fix depends on which rules
        were broken (LANGUAGE.md §3, `policy.types.arithmetic`, `_orderable`).
        """
        help = _mismatch_help(left, right, operation)
        if help is None and operation == "arithmetic":
            help = _ARITHMETIC_HELP[node.op]
        elif help is None:
            help = _EQUALITY_HELP if operation == "equality" else _ORDERING_HELP
        self.error("check/type-mismatch", f"{what} (`{node.op}`)", node.span, help=help)

    @staticmethod
    def _orderable(left: T.Type, right: T.Type) -> bool:
        if T.ANY in (left, right):
            return True
        if T.is_numeric(left) and T.is_numeric(right):
            return True
        return left == right and left in (T.MONEY, T.DATE, T.DURATION)

    def _check_membership(self, node: ast.Compare, left: T.Type, right: T.Type) -> None:
        if right == T.ANY:
            return
        if isinstance(right, T.ListType):
            if not T.compatible(left, right.item):
                self.error("check/type-mismatch", f"a {left} is never in a {right} (`{node.op}`)", node.span)
        elif right == T.TEXT:
            if left not in (T.TEXT, T.ANY):
                self.error("check/type-mismatch", f"only text can be found in text, not {left}", node.span)
        else:
            self.error(
                "check/not-a-list",
                f"`{node.op}` needs a list or text on its right, not {_article(right)}",
                node.right.span,
            )  # type: ignore[attr-defined]

    def visit_Logical(self, node: ast.Logical, scope: Scope) -> T.Type:
        self.expect_bool(node.left, scope, f"each side of `{node.op}`")
        self.expect_bool(node.right, scope, f"each side of `{node.op}`")
        return T.BOOL

    def visit_Quantifier(self, node: ast.Quantifier, scope: Scope) -> T.Type:
        inner = self._bind_item(node.var, node.source, scope, node.var_span)
        self.expect_bool(node.predicate, inner, f"the condition of `{node.quantifier}`")
        return T.BOOL

    def visit_Conditional(self, node: ast.Conditional, scope: Scope) -> T.Type:
        self.expect_bool(node.condition, scope, "the condition of `if`")
        then = self.infer(node.then, scope)
        otherwise = self.infer(node.otherwise, scope)
        unified = T.unify(then, otherwise)
        if unified is None:
            self.error("check/type-mismatch", f"the branches of `if` differ: {then} and {otherwise}", node.span)
            return T.ANY
        return unified

    def visit_ListExpr(self, node: ast.ListExpr, scope: Scope) -> T.Type:
        item: T.Type = T.ANY
        for index, element in enumerate(node.items):
            found = self.infer(element, scope)
            unified = T.unify(item, found) if index else found
            if unified is None:
                self.error("check/type-mismatch", f"a list mixes {item} and {found}", element.span)  # type: ignore[attr-defined]
                return T.ListType(T.ANY)
            item = unified
        return T.ListType(item)

    def visit_RecordExpr(self, node: ast.RecordExpr, scope: Scope) -> T.Type:
        fields = {key: T.Field(self.infer(value, scope)) for key, value in node.fields}
        return T.RecordType("record", fields)


_LITERAL_TYPES = {
    "number": T.NUMBER,
    "percent": T.PERCENT,
    "money": T.MONEY,
    "text": T.TEXT,
    "bool": T.BOOL,
    "date": T.DATE,
    "duration": T.DURATION,
    "none": T.NONE,
}


def _article(t: T.Type) -> str:
    if isinstance(t, T.RecordType):
        return f"a `{t.name}` record"
    if isinstance(t, T.ListType):
        return f"a {t.name}"
    name = str(t)
    if name in ("none", "any"):
        return name if name == "none" else "a value"
    return ("an " if name[0] in "aeiou" else "a ") + name


def _articles(types: list[T.Type]) -> str:
    return ", ".join(_article(t) for t in types) or "nothing"


def _field_list(record: T.RecordType) -> str:
    names = sorted(record.fields)
    shown = ", ".join(f"`{n}`" for n in names[:12])
    return shown + (", …" if len(names) > 12 else "")


_ARITHMETIC_HELP = {
    "+": "`+` adds numbers and percentages, money to money, durations to durations, or a duration to a "
    "date (e.g. `start + 30 days`), and joins text to text",
    "-": "`-` subtracts numbers and percentages, money from money, durations from durations, or a "
    "duration from a date; for the days between two dates use `days_between(d1, d2)`",
    "*": "`*` multiplies numbers and percentages, or money by a number or a percentage (e.g. `20% * amount`)",
    "/": "`/` divides numbers and percentages, or money by a number or by money (e.g. `amount / total`)",
}
_EQUALITY_HELP = "compare values of one type: numbers with numbers, money with money, dates with dates"
_ORDERING_HELP = (
    "`<`, `<=`, `>` and `>=` work on numbers, money, dates and durations; "
    "text and booleans compare only with `==`, `!=` and `in`"
)


def _mismatch_help(left: T.Type, right: T.Type, operation: str) -> str | None:
    """A fix for a pair of types that is more specific than the operation's own rules, or None."""
    pair = {left, right}
    if pair == {T.MONEY, T.PERCENT}:
        if operation == "arithmetic":
            return "take a share of money by multiplying: `20% * amount`"
        return "compare money with money (e.g. `50k USD`), or take a share of it: `20% * amount`"
    if pair == {T.MONEY, T.NUMBER}:
        return "write money with its currency, e.g. `50k USD` or `$50k`"
    if T.TEXT in pair and len(pair) == 2:
        if operation == "arithmetic":
            return "text can only be joined to text with `+`; if you meant a number, drop the quotes (e.g. `3`, `20%`)"
        if operation == "equality":
            return 'text compares only with text; quote the value, e.g. `"sales"`'
    return None
