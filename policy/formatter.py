"""The canonical layout of `.rev` files (`rev fmt`), and expressions printed back for people.

One layout, like gofmt: `package` first, two-space indentation, one clause per line, a blank line
between declarations (runs of `use`, `param` or `def` lines stay together unless the author
separated them), `require … else "…"` on one line when it fits in WIDTH columns and with the
`else` on a continuation line when not, table rows with their `=>` aligned, and a `given`
record broken one field per line when it does not fit. Expressions are printed on one line,
except a `when` or `require` condition too long for WIDTH: it breaks before each top-level
`and`/`or`, one operand per continuation line.

Parentheses are derived from the grammar's precedence levels (LANGUAGE.md §5): each node has a
binding strength and each operand slot a minimum; an operand weaker than its slot is wrapped,
nothing else is. Quantifiers and `if` can only stand where a whole expression may (their
bodies extend as far right as they can), so as an operand they are always wrapped.

Literals keep the author's spelling (`50k`, `$1.2M`, `20%`) when their `text` still spells
their value, else they are spelled from the value; strings are re-escaped from their value.

Comments are not in the AST. `format_module(module)` drops them; given the source text the
module was parsed from, they are re-attached by line number (policy/layout.py says where each
goes). `format_source` does both and checks its own work: the result must parse to the same AST.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from policy import ast
from policy.diagnostics import DiagnosticError
from policy.layout import INDENT, Item, attach_comments, read_notes, render
from policy.parser import parse_expression, parse_module
from policy.values import Duration, Money, format_number

WIDTH = 100

# Binding strengths, loosest first; a slot of minimum m holds an operand of strength >= m.
OPEN, OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, POSTFIX, ATOM = range(10)
_LOGICAL = {"or": OR, "and": AND}
_BINARY = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT}
_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in", "not in"})
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}


class FormatMismatch(Exception):
    """The formatted text does not parse back to the same AST: a formatter bug, never written."""


def format_source(text: str, file: str = "<input>") -> str:
    """`rev fmt`: the canonical form of a file, comments kept; DiagnosticError if it cannot parse.

    Like black's safe mode, the result is parsed again and must give the same AST, so a
    formatter bug raises FormatMismatch instead of changing what a policy means.
    """
    module = parse_module(text, file)
    formatted = format_module(module, text)
    try:
        same = parse_module(formatted, file) == package_first(module)
    except DiagnosticError:
        same = False
    if not same:
        raise FormatMismatch(f"formatting {file} would change its meaning; the file was left as it was")
    return formatted


def package_first(module: ast.Module) -> ast.Module:
    """The module with its `package` declaration first, where a file starts it (LANGUAGE.md §2):
    the one change formatting makes to the tree, and none at all for a file that follows the spec."""
    decls = sorted(module.decls, key=lambda decl: type(decl).__name__ != "Package")
    return ast.Module(module.file, module.package, tuple(decls))


def format_module(module: ast.Module, source: str | None = None) -> str:
    """The canonical text of a module; with `source`, the text it was parsed from, keep comments."""
    root = _Layout().module(module)
    if source is None:
        return render(root)
    notes = read_notes(source)
    attach_comments(root, notes.comments)
    return render(root, notes.blank_lines)


def format_expression(expr: ast.Expr) -> str:
    """One expression on one line, with the fewest parentheses that keep its tree."""
    return _Expressions().text(expr)


def expression_text(expr: ast.Expr) -> str:
    """An expression as generated messages show it (`expected shared_weight(plan) >= 20%, got 10%`)."""
    return format_expression(expr)


# ---- expressions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Printed:
    """An expression's text and how tightly it binds."""

    text: str
    strength: int


class _Expressions:
    """One `visit_<Kind>` per expression node; each returns the node's text and strength."""

    def text(self, expr: ast.Expr, minimum: int = OPEN) -> str:
        """The expression's text, in parentheses when it binds more loosely than `minimum`."""
        printed = self.visit(expr)
        return printed.text if printed.strength >= minimum else f"({printed.text})"

    def visit(self, expr: ast.Expr) -> _Printed:
        method: Callable[[Any], _Printed] | None = getattr(self, f"visit_{type(expr).__name__}", None)
        if method is None:
            raise TypeError(f"cannot format a {type(expr).__name__} as an expression")
        return method(expr)

    def visit_Literal(self, node: ast.Literal) -> _Printed:
        text = literal_text(node)
        return _Printed(text, UNARY if text.startswith("-") else ATOM)

    def visit_Name(self, node: ast.Name) -> _Printed:
        return _Printed(node.name, ATOM)

    def visit_Field(self, node: ast.Field) -> _Printed:
        return _Printed(f"{self.text(node.obj, POSTFIX)}.{node.name}", POSTFIX)

    def visit_Index(self, node: ast.Index) -> _Printed:
        return _Printed(f"{self.text(node.obj, POSTFIX)}[{self.text(node.index)}]", POSTFIX)

    def visit_Call(self, node: ast.Call) -> _Printed:
        return _Printed(f"{node.name}({', '.join(self.text(a) for a in node.args)})", POSTFIX)

    def visit_Aggregate(self, node: ast.Aggregate) -> _Printed:
        where = "" if node.where is None else f" where {self.text(node.where)}"
        inner = f"{self.text(node.element)} for {node.var} in {self.text(node.source, OR)}{where}"
        return _Printed(f"{node.func}({inner})", POSTFIX)

    def visit_Unary(self, node: ast.Unary) -> _Printed:
        if node.op == "not":
            return _Printed(f"not {self.text(node.operand, NOT)}", NOT)
        if node.op != "-":
            raise ValueError(f"unknown unary operator `{node.op}`")
        operand = self.text(node.operand, UNARY)
        return _Printed(f"- {operand}" if operand.startswith("-") else f"-{operand}", UNARY)

    def visit_Binary(self, node: ast.Binary) -> _Printed:
        return self._infix(node.op, _operator(_BINARY, node.op), node.left, node.right)

    def visit_Logical(self, node: ast.Logical) -> _Printed:
        return self._infix(node.op, _operator(_LOGICAL, node.op), node.left, node.right)

    def visit_Compare(self, node: ast.Compare) -> _Printed:
        if node.op not in _COMPARISONS:
            raise ValueError(f"unknown comparison `{node.op}`")
        return _Printed(f"{self.text(node.left, SUM)} {node.op} {self.text(node.right, SUM)}", COMPARE)

    def _infix(self, op: str, strength: int, left: ast.Expr, right: ast.Expr) -> _Printed:
        """A left-associative operator: the right operand must bind strictly tighter."""
        return _Printed(f"{self.text(left, strength)} {op} {self.text(right, strength + 1)}", strength)

    def visit_Quantifier(self, node: ast.Quantifier) -> _Printed:
        source = self.text(node.source, OR)
        return _Printed(f"{node.quantifier} {node.var} in {source}: {self.text(node.predicate)}", OPEN)

    def visit_Conditional(self, node: ast.Conditional) -> _Printed:
        parts = (self.text(node.condition), self.text(node.then), self.text(node.otherwise))
        return _Printed("if {} then {} else {}".format(*parts), OPEN)

    def visit_ListExpr(self, node: ast.ListExpr) -> _Printed:
        return _Printed(f"[{', '.join(self.text(item) for item in node.items)}]", ATOM)

    def visit_RecordExpr(self, node: ast.RecordExpr) -> _Printed:
        fields = ", ".join(f"{record_key(key)}: {self.text(value)}" for key, value in node.fields)
        return _Printed(f"{{{fields}}}", ATOM)


def _operator(table: dict[str, int], op: str) -> int:
    if op not in table:
        raise ValueError(f"unknown operator `{op}`")
    return table[op]


def quote(text: str) -> str:
    """A string literal for `text`: `\\`, `"`, newlines and tabs escaped."""
    return '"' + "".join(_ESCAPES.get(char, char) for char in text) + '"'


def record_key(key: str) -> str:
    """A record key as written: bare when it is a name (keywords too), else a string."""
    bare = key[:1].isascii() and (key[:1].isalpha() or key[:1] == "_")
    return key if bare and all(c.isascii() and (c.isalnum() or c == "_") for c in key) else quote(key)


def message_text(message: ast.Message) -> str:
    """A message literal: text escaped with `{{`/`}}` for braces, `{expr}` holes for values.

    A hole's expression is escaped like the rest of the message (`{lower(\\"AE\\")}`); one that
    starts with `{` (a record) gets a space so that it does not read as a literal brace.
    """
    pieces: list[str] = []
    for part in message.parts:
        if isinstance(part, str):
            escaped = quote(part)[1:-1]
            pieces.append(escaped.replace("{", "{{").replace("}", "}}"))
        else:
            hole = quote(format_expression(part))[1:-1]
            pieces.append("{" + (" " if hole.startswith("{") else "") + hole + "}")
    return '"' + "".join(pieces) + '"'


# ---- literals ---------------------------------------------------------------------------------


def literal_text(node: ast.Literal) -> str:
    """The author's spelling when it still spells the value, else the value spelled plainly."""
    if node.type_name not in ("text", "bool", "none"):
        authored = " ".join(node.text.split())
        if authored and _spells(authored, node.type_name, node.value):
            return authored
    speller = _SPELLERS.get(node.type_name)
    if speller is None:
        raise ValueError(f"cannot spell a literal of type `{node.type_name}`")
    return speller(node.value)


def _spells(text: str, type_name: str, value: Any) -> bool:
    """Whether `text` parses as a literal of this type and value (the lexer decides, not us)."""
    parsed = _parsed_literal(text)
    if parsed is None or parsed.type_name != type_name or type(parsed.value) is not type(value):
        return False
    return _comparable(parsed.value) == _comparable(value)


@lru_cache(maxsize=4096)
def _parsed_literal(text: str) -> ast.Literal | None:
    """The literal a spelling parses to, if any; cached, as the engine prints expressions often."""
    try:
        expr = parse_expression(text)
    except DiagnosticError:
        return None
    return expr if isinstance(expr, ast.Literal) else None


def _comparable(value: Any) -> Any:
    """Money compares across currencies only by raising; compare its parts instead."""
    return (value.amount, value.currency) if isinstance(value, Money) else value


def _number(value: Decimal | int) -> str:
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"cannot spell the number {number}")
    return format_number(number)


def _duration(value: Duration) -> str:
    unit = value.unit[:-1] if value.count == 1 and value.unit.endswith("s") else value.unit
    return f"{_number(value.count)} {unit}"


_SPELLERS: dict[str, Callable[[Any], str]] = {
    "number": _number,
    "percent": lambda value: _number(Decimal(value) * 100) + "%",
    "money": lambda value: f"{_number(value.amount)} {value.currency}",
    "text": quote,
    "bool": lambda value: "true" if value else "false",
    "none": lambda value: "none",
    "date": lambda value: value.isoformat(),
    "duration": _duration,
}


# ---- declarations, clauses and tests ---------------------------------------------------------

_GROUPS = {"Package": "header", "Use": "header", "Param": "param", "Def": "def"}
"""One-line declarations that stay together in a run; any other pair gets a blank line."""


class _Layout:
    """One `visit_<Kind>` per declaration, clause, row and test statement; each returns an Item."""

    def __init__(self) -> None:
        self.depth = 0
        self.expressions = _Expressions()

    def module(self, module: ast.Module) -> Item:
        decls = package_first(module).decls
        items: list[Item] = []
        for index, decl in enumerate(decls):
            item = self.visit(decl)
            if index > 0:
                group = _GROUPS.get(type(decl).__name__)
                item.blank_before = group is None or group != _GROUPS.get(type(decls[index - 1]).__name__)
            items.append(item)
        return Item([], ast.NO_SPAN, items)

    def visit(self, node: Any) -> Item:
        method: Callable[[Any], Item] | None = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise TypeError(f"cannot format a {type(node).__name__}")
        return method(node)

    def expr(self, expr: ast.Expr) -> str:
        return self.expressions.text(expr)

    def fits(self, line: str, depth: int | None = None) -> bool:
        return len(INDENT) * (self.depth if depth is None else depth) + len(line) <= WIDTH

    def condition(self, keyword: str, expr: ast.Expr) -> list[str]:
        """`keyword expr`; when too long, an `and`/`or` chain breaks before each operator."""
        one_line = f"{keyword} {self.expr(expr)}"
        if self.fits(one_line) or not isinstance(expr, ast.Logical):
            return [one_line]
        op, strength, operands = expr.op, _operator(_LOGICAL, expr.op), []
        node: ast.Expr = expr
        while isinstance(node, ast.Logical) and node.op == op:
            operands.append(node.right)
            node = node.left
        rest = [f"{INDENT}{op} {self.expressions.text(right, strength + 1)}" for right in reversed(operands)]
        return [f"{keyword} {self.expressions.text(node, strength)}", *rest]

    def block(self, header: str, span: Any, children: list[Any]) -> Item:
        """A block whose children are laid out one level deeper."""
        self.depth += 1
        try:
            items = [self.visit(child) for child in children]
        finally:
            self.depth -= 1
        return Item([header], span, items)

    # -- declarations --
    def visit_Package(self, node: ast.Package) -> Item:
        return Item([f"package {node.name}"], node.span)

    def visit_Use(self, node: ast.Use) -> Item:
        return Item([f"use {node.package}"], node.span)

    def visit_Param(self, node: ast.Param) -> Item:
        return Item([f"param {node.name} = {self.expr(node.value)}"], node.span)

    def visit_Def(self, node: ast.Def) -> Item:
        return Item([f"def {node.name}({', '.join(node.params)}) = {self.expr(node.body)}"], node.span)

    def visit_Policy(self, node: ast.Policy) -> Item:
        title = "" if node.title is None else f" {quote(node.title)}"
        return self.block(f"policy {node.name}{title}", node.span, list(node.clauses))

    def visit_Table(self, node: ast.Table) -> Item:
        rows = [(self.expr(row.condition), self.expr(row.value), row.span) for row in node.rows]
        if node.otherwise is not None:
            rows.append(("otherwise", self.expr(node.otherwise), getattr(node.otherwise, "span", ast.NO_SPAN)))
        width = max((len(condition) for condition, _, _ in rows), default=0)
        items = [Item([f"{condition.ljust(width)} => {value}"], span) for condition, value, span in rows]
        return Item([f"table {node.name}({', '.join(node.params)})"], node.span, items)

    def visit_Test(self, node: ast.Test) -> Item:
        return self.block(f"test {quote(node.name)}", node.span, [*node.givens, *node.expects])

    # -- clauses --
    def visit_On(self, node: ast.On) -> Item:
        return Item([f"on {node.document_kind} as {node.alias}"], node.span)

    def visit_When(self, node: ast.When) -> Item:
        return Item(self.condition("when", node.condition), node.span)

    def visit_Let(self, node: ast.Let) -> Item:
        return Item([f"let {node.name} = {self.expr(node.value)}"], node.span)

    def visit_Require(self, node: ast.Require) -> Item:
        lines = self.condition("require", node.condition)
        if node.message is None:
            return Item(lines, node.span)
        tail = f"else {message_text(node.message)}"
        if len(lines) == 1 and self.fits(f"{lines[0]} {tail}"):
            return Item([f"{lines[0]} {tail}"], node.span)
        return Item([*lines, INDENT + tail], node.span)

    def visit_ForEach(self, node: ast.ForEach) -> Item:
        where = "" if node.where is None else f" where {self.expr(node.where)}"
        header = f"for each {node.var} in {self.expr(node.source)}{where}"
        return self.block(header, node.span, list(node.body))

    def visit_Enforce(self, node: ast.Enforce) -> Item:
        override = "" if node.override_by is None else f" override by {self.expr(node.override_by)}"
        return Item([f"enforce {node.level}{override}"], node.span)

    def visit_Meta(self, node: ast.Meta) -> Item:
        value = node.value
        text = quote(value) if isinstance(value, str) else f"[{', '.join(quote(v) for v in value)}]"
        return Item([f"{node.key} {text}"], node.span)

    # -- tests --
    def visit_Given(self, node: ast.Given) -> Item:
        head = f"given {node.document_kind}" + ("" if node.path is None else f" from {quote(node.path)}")
        if node.record is None:
            return Item([head], node.span)
        return Item(self.broken(node.record, self.depth, head + (" " if node.path is None else " with ")), node.span)

    def visit_Expect(self, node: ast.Expect) -> Item:
        subject = "verdict" if node.policy is None else node.policy
        return Item([f"expect {subject} {node.outcome}"], node.span)

    def broken(self, expr: ast.Expr, depth: int, prefix: str) -> list[str]:
        """`prefix` and a record or list, one item per line (recursively) when it does not fit."""
        flat = prefix + self.expr(expr)
        if self.fits(flat, depth) or not isinstance(expr, ast.RecordExpr | ast.ListExpr):
            return [flat]
        if isinstance(expr, ast.RecordExpr):
            items, brackets = [(f"{record_key(k)}: ", v) for k, v in expr.fields], "{}"
        else:
            items, brackets = [("", v) for v in expr.items], "[]"
        lines = [prefix + brackets[0]]
        for item_prefix, value in items:
            inner = self.broken(value, depth + 1, item_prefix)
            inner[-1] += ","
            lines.extend(INDENT + line for line in inner)
        return [*lines, brackets[1]]
