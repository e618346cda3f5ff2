"""Text → typed AST. The only module that sees Lark: no Lark tree or exception leaves it.

The grammar is built once per process (LALR with the contextual lexer). Syntax errors become
`Diagnostic`s that say what was found and what could come there, in words; after an error the
parser resumes at the next top-level declaration, so one run reports every broken declaration.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from decimal import InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from grammar import grammar_text
from policy import ast
from policy.diagnostics import Diagnostic, DiagnosticError, Stage
from policy.lexer import RevLexer
from policy.literals import parse_literal
from policy.source import Source, Span
from policy.syntax_errors import describe_unexpected_token

MAX_SYNTAX_ERRORS = 50
MAX_NESTING = 100
_DECL_START = re.compile(r"^[ \t]*(package|use|param|def|table|policy|test)\b", re.M)


_LOCK = threading.RLock()
"""One parse at a time per process: the builder holds the source being parsed (holes re-enter)."""


@cache
def _lark() -> Lark:
    """The one parser of the process; building LALR tables is the expensive part.

    The AST is built during parsing (Lark's tree-less mode with `_BUILDER` as its transformer):
    no parse tree is made and walked again, which halves the cost of a large policy set. Lark
    gives tree-less callbacks no positions, so the builder computes each node's position from
    its children's tokens.
    """
    return Lark(grammar_text(), parser="lalr", lexer=RevLexer, start=["start", "expr"], transformer=_CALLBACKS)


def _run(source: Source, text: str, start: str) -> Any:
    """Parse `text` as `start`, building nodes located in `source`; re-entrant for message holes."""
    with _LOCK:
        saved = _BUILDER.begin(source)
        try:
            return _lark().parse(text, start=start)
        finally:
            _BUILDER.end(saved)


class ParseFailure(Exception):
    """A located problem found while building the AST (bad literal, bad message)."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def parse_module(text: str, file: str = "<input>") -> ast.Module:
    """Parse one `.rev` file; raise DiagnosticError with every syntax problem found."""
    source = Source(file, text)
    tree, diagnostics = _parse_with_recovery(source)
    if diagnostics:
        raise DiagnosticError(diagnostics)
    assert tree is not None
    decls = tuple(tree.children)
    package = next((d.name for d in decls if isinstance(d, ast.Package)), Path(file).stem)
    return ast.Module(file=file, package=package, decls=decls)


def parse_expression(text: str, file: str = "<expr>") -> ast.Expr:
    """Parse a single expression (used by tests, the formatter's round trip and tools)."""
    source = Source(file, text)
    try:
        result: ast.Expr = _run(source, text, "expr")
    except UnexpectedInput as error:
        raise DiagnosticError([_syntax_diagnostic(error, source)]) from None
    except ParseFailure as failure:
        raise DiagnosticError([failure.diagnostic]) from None
    return result


def _parse_with_recovery(source: Source) -> tuple[Tree | None, list[Diagnostic]]:
    """Parse; on an error, blank out the text up to the next declaration and try again."""
    text = source.text
    diagnostics: list[Diagnostic] = []
    resume_at = 0
    while True:
        try:
            tree = _run(source, text, "start")
            return (tree if not diagnostics else None), diagnostics
        except (UnexpectedInput, ParseFailure) as error:
            if isinstance(error, ParseFailure):
                diagnostics.append(error.diagnostic)
                failed_at = _offset_of(source, error.diagnostic.span)
            else:
                diagnostics.append(_syntax_diagnostic(error, source))
                failed_at = _error_offset(error, source)
            resume_at = _next_declaration(source.text, failed_at, resume_at)
            if resume_at < 0 or len(diagnostics) >= MAX_SYNTAX_ERRORS:
                return None, diagnostics
            text = _blank(source.text, resume_at)


def _next_declaration(text: str, error_at: int, previous: int) -> int:
    """Where parsing resumes: the first declaration keyword at or after the error, past `previous`."""
    line_start = text.rfind("\n", 0, error_at) + 1
    for match in _DECL_START.finditer(text, line_start):
        start = match.start(1)
        if start >= error_at and start > previous:
            return start
    return -1


def _offset_of(source: Source, span: Span | None) -> int:
    """The character offset where a span starts (for resuming after a located failure)."""
    return 0 if span is None or span.line < 1 else source.offset(span.line, span.column)


def _blank(text: str, upto: int) -> str:
    """Replace everything before `upto` with spaces, keeping newlines so positions stay true."""
    head = re.sub(r"[^\n]", " ", text[:upto])
    return head + text[upto:]


def _error_offset(error: UnexpectedInput, source: Source) -> int:
    """The character offset of a Lark error."""
    if isinstance(error, UnexpectedToken) and error.token.type == "$END":
        return len(source.text)
    pos = getattr(error, "pos_in_stream", None)
    if pos is None and isinstance(error, UnexpectedToken):
        pos = error.token.start_pos
    return int(pos or 0)


def _syntax_diagnostic(error: UnexpectedInput, source: Source) -> Diagnostic:
    """Turn a Lark error into a Diagnostic that says, in words, what was found and expected."""
    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream
        char = source.text[offset] if offset < len(source.text) else ""
        span = source.span(offset, offset + 1)
        if char == '"':
            return Diagnostic(
                "syntax/unterminated-string",
                'unterminated string: this `"` is never closed on its line',
                Stage.SYNTAX,
                span,
                help='close the string with `"` before the end of the line; write `\\"` for a quote inside it',
            )
        return Diagnostic(
            "syntax/unexpected-character",
            f"unexpected character `{char}`",
            Stage.SYNTAX,
            span,
            help=_character_help(char, source.text, offset),
        )
    if isinstance(error, UnexpectedEOF):
        end = len(source.text)
        return Diagnostic("syntax/unexpected-end", "unexpected end of file", Stage.SYNTAX, source.span(end, end))
    assert isinstance(error, UnexpectedToken)
    return describe_unexpected_token(error, source, _lark())


def _character_help(char: str, text: str, offset: int) -> str | None:
    """A fix for the usual stray characters."""
    if char == "%" and offset > 0 and text[offset - 1] == "%":
        return "a percent is written with one `%`, as in `20%`"
    if char == "'":
        return 'text is written in double quotes, as in `"AE"`'
    if char == "&":
        return "write `and` to combine conditions"
    if char == "|":
        return "write `or` to combine conditions"
    if char == "=":
        return "write `==` to compare"
    if char == "!":
        return "write `not` to negate, or `!=` to compare"
    return None


def _tok_span(source: Source, token: Token) -> Span:
    return source.span(token.start_pos or 0, token.end_pos or 0)


def _unescape(source: Source, token: Token) -> str:
    """The value of a string literal: `\\"`, `\\\\`, `\\n` and `\\t` are the escapes."""
    raw = str(token)[1:-1]
    if "\\" not in raw:  # most strings have no escape: no character loop
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\":
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            mapped = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}.get(nxt)
            if mapped is None:
                start = (token.start_pos or 0) + 1 + i
                raise ParseFailure(
                    Diagnostic(
                        "syntax/bad-escape",
                        f"unknown escape `\\{nxt}` in a string",
                        Stage.SYNTAX,
                        source.span(start, start + 2),
                        help='the escapes are `\\"`, `\\\\`, `\\n` and `\\t`',
                    )
                )
            out.append(mapped)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


_CLOSERS = frozenset({"RBRACE", "RPAR", "RSQB"})
"""Closing brackets are kept in the parse only so that a node's position includes them."""


class _Builder:
    """Builds the AST during parsing: one method per grammar alias, each making one node.

    Lark calls `callbacks()[alias](children)` at each reduction. The wrapper around every method
    computes the node's position from its children (tokens carry offsets; nodes built earlier are
    looked up in `_positions`) and its nesting depth, so a pathological file is refused with a
    diagnostic before the recursive passes after the parser could exhaust Python's stack.
    """

    def __init__(self) -> None:
        self.source: Source = Source("<none>", "")
        self._positions: dict[int, tuple[int, int]] = {}
        self._depths: dict[int, int] = {}

    def begin(self, source: Source) -> tuple[Source, dict[int, tuple[int, int]], dict[int, int]]:
        saved = (self.source, self._positions, self._depths)
        self.source, self._positions, self._depths = source, {}, {}
        return saved

    def end(self, saved: tuple[Source, dict[int, tuple[int, int]], dict[int, int]]) -> None:
        self.source, self._positions, self._depths = saved

    def callback(self, method: Any) -> Any:
        """Lark's callback for one alias: position and depth bookkeeping around `method`."""

        def build(children: list[Any]) -> Any:
            positions, depths = self._positions, self._depths
            start = end = None
            depth = 0
            kept = []
            for child in children:
                if isinstance(child, Token):
                    if child.start_pos is not None:
                        if start is None:
                            start = child.start_pos
                        end = child.end_pos
                    if child.type in _CLOSERS:
                        continue
                elif child is not None:
                    key = id(child)
                    found = positions.get(key)
                    if found is not None:
                        if start is None:
                            start = found[0]
                        end = found[1]
                    below = depths.get(key, 0)
                    if below > depth:
                        depth = below
                kept.append(child)
            meta = (start, end)  # what Lark's `meta` would say: first and last offset
            node = method(meta, *kept)
            depth += 1
            if depth > MAX_NESTING:
                raise ParseFailure(_too_deep_at(self._span(meta)))
            key = id(node)
            depths[key] = depth
            if start is not None:
                positions[key] = (start, end if end is not None else start)
            return node

        return build

    # -- helpers --
    def _span(self, meta: tuple[int | None, int | None]) -> Span:
        start, end = meta
        if start is None:
            return ast.NO_SPAN
        return self.source.span(start, end if end is not None else start)

    def _tspan(self, token: Token) -> Span:
        return _tok_span(self.source, token)

    def _literal(self, meta: Any, token: Token) -> ast.Literal:
        try:
            # `50k<TAB>USD` lexes as money; the literal reader splits on single spaces.
            value, type_name = parse_literal(token.type, " ".join(str(token).split()))
        except (ValueError, InvalidOperation) as error:
            raise ParseFailure(
                Diagnostic(
                    "syntax/bad-literal",
                    str(error),
                    Stage.SYNTAX,
                    self._tspan(token),
                    help="dates are written YYYY-MM-DD, as in `2026-01-31`",
                )
            ) from None
        return ast.Literal(value, type_name, str(token), self._span(meta))

    # -- declarations --
    def start(self, meta: Any, *decls: ast.Decl) -> Tree:  # keep a list of declarations
        return Tree("start", list(decls))

    def package(self, meta: Any, kw: Token, name: Token) -> ast.Package:
        return ast.Package(str(name), self._span(meta), self._tspan(name))

    def use(self, meta: Any, kw: Token, name: Token) -> ast.Use:
        return ast.Use(str(name), self._span(meta), self._tspan(name))

    def param(self, meta: Any, kw: Token, name: Token, value: ast.Expr) -> ast.Param:
        return ast.Param(str(name), value, self._span(meta), self._tspan(name))

    def names(self, meta: Any, *tokens: Token | None) -> list[Token]:
        return [t for t in tokens if t is not None]

    def def_(self, meta: Any, kw: Token, name: Token, params: list[Token] | None, body: ast.Expr) -> ast.Def:
        return ast.Def(str(name), tuple(str(p) for p in params or ()), body, self._span(meta), self._tspan(name))

    def table(self, meta: Any, kw: Token, name: Token, params: list[Token] | None, *rest: Any) -> ast.Table:
        *rows, otherwise = rest
        return ast.Table(
            str(name),
            tuple(str(p) for p in params or ()),
            tuple(rows),
            otherwise,
            self._span(meta),
            self._tspan(name),
        )

    def row(self, meta: Any, condition: ast.Expr, value: ast.Expr) -> ast.TableRow:
        return ast.TableRow(condition, value, self._span(meta))

    def otherwise(self, meta: Any, value: ast.Expr) -> ast.Expr:
        return value

    def policy(self, meta: Any, kw: Token, name: Token, title: Token | None, *clauses: ast.Clause) -> ast.Policy:
        text = _unescape(self.source, title) if title is not None else None
        return ast.Policy(str(name), text, tuple(clauses), self._span(meta), self._tspan(name))

    def test(self, meta: Any, kw: Token, name: Token, *stmts: Any) -> ast.Test:
        givens = tuple(s for s in stmts if isinstance(s, ast.Given))
        expects = tuple(s for s in stmts if isinstance(s, ast.Expect))
        return ast.Test(_unescape(self.source, name), givens, expects, self._span(meta))

    # -- clauses --
    def on(self, meta: Any, kw: Token, kind: Token, alias: Token) -> ast.On:
        return ast.On(str(kind), str(alias), self._span(meta), self._tspan(kind), self._tspan(alias))

    def when(self, meta: Any, kw: Token, condition: ast.Expr) -> ast.When:
        return ast.When(condition, self._span(meta))

    def let(self, meta: Any, kw: Token, name: Token, value: ast.Expr) -> ast.Let:
        return ast.Let(str(name), value, self._span(meta), self._tspan(name))

    def require(self, meta: Any, kw: Token, condition: ast.Expr, message: Token | None) -> ast.Require:
        parsed = _parse_message(self.source, message) if message is not None else None
        return ast.Require(condition, parsed, self._span(meta))

    def for_each(
        self, meta: Any, kw: Token, var: Token, source: ast.Expr, where: ast.Expr | None, *body: ast.Clause
    ) -> ast.ForEach:
        return ast.ForEach(str(var), source, where, tuple(body), self._span(meta), self._tspan(var))

    def enforce(self, meta: Any, kw: Token, level: Token, override: ast.Expr | None = None) -> ast.Enforce:
        return ast.Enforce(str(level), override, self._span(meta))

    def owner(self, meta: Any, kw: Token, text: Token) -> ast.Meta:
        return ast.Meta("owner", _unescape(self.source, text), self._span(meta))

    def description(self, meta: Any, kw: Token, text: Token) -> ast.Meta:
        return ast.Meta("description", _unescape(self.source, text), self._span(meta))

    def tags(self, meta: Any, kw: Token, *items: Token | None) -> ast.Meta:
        values = tuple(_unescape(self.source, t) for t in items if t is not None)
        return ast.Meta("tags", values, self._span(meta))

    # -- tests --
    def given_inline(self, meta: Any, kw: Token, kind: Token, record: ast.RecordExpr) -> ast.Given:
        return ast.Given(str(kind), None, record, self._span(meta), self._tspan(kind))

    def given_file(self, meta: Any, kw: Token, kind: Token, path: Token, record: ast.RecordExpr | None) -> ast.Given:
        return ast.Given(str(kind), _unescape(self.source, path), record, self._span(meta), self._tspan(kind))

    def expect_verdict(self, meta: Any, kw: Token, verdict: Token) -> ast.Expect:
        return ast.Expect(None, str(verdict), self._span(meta))

    def expect_policy(self, meta: Any, kw: Token, dotted: list[Token], outcome: Token) -> ast.Expect:
        name = ".".join(str(t) for t in dotted)
        span = self._tspan(dotted[0]).to(self._tspan(dotted[-1]))
        return ast.Expect(name, str(outcome), self._span(meta), span)

    def dotted(self, meta: Any, *names: Token) -> list[Token]:
        return list(names)

    # -- expressions --
    def quantifier(self, meta: Any, q: Token, var: Token, source: ast.Expr, predicate: ast.Expr) -> ast.Quantifier:
        return ast.Quantifier(str(q), str(var), source, predicate, self._span(meta), self._tspan(var))

    def conditional(self, meta: Any, kw: Token, c: ast.Expr, a: ast.Expr, b: ast.Expr) -> ast.Conditional:
        return ast.Conditional(c, a, b, self._span(meta))

    def or_(self, meta: Any, left: ast.Expr, right: ast.Expr) -> ast.Logical:
        return ast.Logical("or", left, right, self._span(meta))

    def and_(self, meta: Any, left: ast.Expr, right: ast.Expr) -> ast.Logical:
        return ast.Logical("and", left, right, self._span(meta))

    def not_(self, meta: Any, kw: Token, operand: ast.Expr) -> ast.Unary:
        return ast.Unary("not", operand, self._span(meta))

    def compare(self, meta: Any, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Compare:
        return ast.Compare(str(op), left, right, self._span(meta))

    def in_(self, meta: Any, left: ast.Expr, right: ast.Expr) -> ast.Compare:
        return ast.Compare("in", left, right, self._span(meta))

    def not_in(self, meta: Any, left: ast.Expr, right: ast.Expr) -> ast.Compare:
        return ast.Compare("not in", left, right, self._span(meta))

    def binary(self, meta: Any, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Binary:
        return ast.Binary(str(op), left, right, self._span(meta))

    def neg(self, meta: Any, kw: Token, operand: ast.Expr) -> ast.Unary:
        return ast.Unary("-", operand, self._span(meta))

    def field(self, meta: Any, obj: ast.Expr, name: Token) -> ast.Field:
        return ast.Field(obj, str(name), self._span(meta), self._tspan(name))

    def index(self, meta: Any, obj: ast.Expr, index: ast.Expr) -> ast.Index:
        return ast.Index(obj, index, self._span(meta))

    def args(self, meta: Any, *items: ast.Expr | None) -> list[ast.Expr]:
        return [i for i in items if i is not None]

    def call(self, meta: Any, callee: ast.Expr, args: list[ast.Expr] | None) -> ast.Call:
        name, name_span = self._callee(callee)
        return ast.Call(name, tuple(args or ()), self._span(meta), name_span)

    def aggregate(
        self, meta: Any, callee: ast.Expr, element: ast.Expr, var: Token, source: ast.Expr, where: ast.Expr | None
    ) -> ast.Aggregate:
        name, name_span = self._callee(callee)
        return ast.Aggregate(name, element, str(var), source, where, self._span(meta), name_span, self._tspan(var))

    def _callee(self, callee: ast.Expr) -> tuple[str, Span]:
        """Only named functions can be called: `f(x)` or `package.f(x)`."""
        parts: list[str] = []
        node = callee
        while isinstance(node, ast.Field):
            parts.append(node.name)
            node = node.obj
        if not isinstance(node, ast.Name):
            raise ParseFailure(
                Diagnostic(
                    "syntax/not-callable",
                    "only a named function, def or table can be called",
                    Stage.SYNTAX,
                    _expr_span(callee),
                    help="call a function by its name, as in `kpi(c.kpi)`",
                )
            )
        parts.append(node.name)
        return ".".join(reversed(parts)), _expr_span(callee)

    def paren(self, meta: Any, lpar: Token, inner: ast.Expr) -> ast.Expr:
        return inner

    def list(self, meta: Any, lsqb: Token, *items: ast.Expr | None) -> ast.ListExpr:
        return ast.ListExpr(tuple(i for i in items if i is not None), self._span(meta))

    def record(self, meta: Any, lbrace: Token, *fields: tuple[str, ast.Expr] | None) -> ast.RecordExpr:
        return ast.RecordExpr(tuple(f for f in fields if f is not None), self._span(meta))

    def record_field(self, meta: Any, key: Token, value: ast.Expr) -> tuple[str, ast.Expr]:
        name = _unescape(self.source, key) if key.type == "STRING" else str(key)
        return (name, value)

    def name(self, meta: Any, token: Token) -> ast.Name:
        return ast.Name(str(token), self._span(meta))

    def text(self, meta: Any, token: Token) -> ast.Literal:
        return ast.Literal(_unescape(self.source, token), "text", str(token), self._span(meta))

    def true(self, meta: Any, token: Token) -> ast.Literal:
        return ast.Literal(True, "bool", "true", self._span(meta))

    def false(self, meta: Any, token: Token) -> ast.Literal:
        return ast.Literal(False, "bool", "false", self._span(meta))

    def none(self, meta: Any, token: Token) -> ast.Literal:
        return ast.Literal(None, "none", "none", self._span(meta))

    number = percent = money = date = duration = _literal


class _Callbacks:
    """Lark's internal transformer: an attribute per grammar alias (`def` is a Python keyword)."""


_BUILDER = _Builder()
_CALLBACKS = _Callbacks()
for _name in [n for n in vars(_Builder) if not n.startswith("_") and n not in ("begin", "end", "callback", "source")]:
    setattr(_CALLBACKS, "def" if _name == "def_" else _name, _BUILDER.callback(getattr(_BUILDER, _name)))


def _expr_span(expr: ast.Expr) -> Span:
    span = getattr(expr, "span", ast.NO_SPAN)
    return span if isinstance(span, Span) else ast.NO_SPAN


def _parse_message(source: Source, token: Token) -> ast.Message:
    """Split a message into text and `{expr}` holes; `{{` and `}}` are literal braces."""
    raw = str(token)[1:-1]
    if not any(c in raw for c in "{}\\"):  # plain text: no character loop
        return ast.Message((raw,) if raw else (), _tok_span(source, token))
    base = (token.start_pos or 0) + 1
    parts: list[str | ast.Expr] = []
    buffer: list[str] = []
    i = 0

    def fail(code: str, message: str, at: int, help: str) -> ParseFailure:
        return ParseFailure(Diagnostic(code, message, Stage.SYNTAX, source.span(base + at, base + at + 1), help=help))

    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            buffer.append(raw[i : i + 2])
            i += 2
        elif raw.startswith("{{", i) or raw.startswith("}}", i):
            buffer.append(ch)
            i += 2
        elif ch == "{":
            hole = _read_hole(raw, i)
            if hole is None:
                raise fail(
                    "syntax/unclosed-interpolation",
                    "this `{` in the message is never closed",
                    i,
                    "close the value with `}`, or write `{{` for a literal brace",
                )
            end, inner, offsets = hole
            if buffer:
                parts.append(_unescape_text("".join(buffer)))
                buffer = []
            parts.append(_parse_hole(source, inner, [base + o for o in offsets]))
            i = end + 1
        elif ch == "}":
            raise fail(
                "syntax/stray-brace", "this `}` in the message closes nothing", i, "write `}}` for a literal brace"
            )
        else:
            buffer.append(ch)
            i += 1
    if buffer:
        parts.append(_unescape_text("".join(buffer)))
    return ast.Message(tuple(parts), _tok_span(source, token))


_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def _unescape_text(raw: str) -> str:
    return re.sub(r'\\(["\\nt])', lambda m: _ESCAPES[m.group(1)], raw)


def _read_hole(raw: str, start: int) -> tuple[int, str, list[int]] | None:
    """The `{…}` hole opening at `start`: the index of its closing `}`, its text with the
    message's escapes undone (`{lower(\\"AE\\")}` holds `lower("AE")`), and where in `raw`
    each character of that text came from, plus the closing brace. Braces inside the hole's
    records and strings do not close it."""
    chars: list[str] = []
    offsets: list[int] = []
    depth, quoted, escaped = 0, False, False
    i = start + 1
    while i < len(raw):
        ch, width = raw[i], 1
        if ch == "\\" and raw[i + 1 : i + 2] in _ESCAPES:
            ch, width = _ESCAPES[raw[i + 1]], 2
        if not quoted and ch == "}" and depth == 0:
            return i, "".join(chars), [*offsets, i]
        if not quoted and ch in "{}":
            depth += 1 if ch == "{" else -1
        elif ch == '"' and not escaped:
            quoted = not quoted
        escaped = quoted and ch == "\\" and not escaped
        chars.append(ch)
        offsets.append(i)
        i += width
    return None


class _HoleSource(Source):
    """The text of a message hole, whose offsets map back to the file: a hole's text is shorter
    than its spelling in the file by one character per escape, so positions are translated."""

    _outer: Source
    _offsets: list[int]

    def __init__(self, outer: Source, text: str, offsets: list[int]) -> None:
        super().__init__(outer.name, text)
        object.__setattr__(self, "_outer", outer)
        object.__setattr__(self, "_offsets", offsets)

    def span(self, start: int, end: int) -> Span:
        last = len(self._offsets) - 1
        begin = min(max(start, 0), last)
        return self._outer.span(self._offsets[begin], self._offsets[min(max(end, begin), last)])


_DOTTED = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*$")
_KEYWORDS = frozenset(re.findall(r'"([a-z]+)"', grammar_text()))
"""Words the grammar reserves somewhere; a hole starting with one goes through the full parser."""


def _dotted_hole(source: Source, inner: str, offsets: list[int]) -> ast.Expr | None:
    """Most holes are a name or a path (`{s.id}`, `{plan.role.title}`): built directly, since a
    full parse of each tiny hole costs more than all the rest of its message."""
    match = _DOTTED.match(inner)
    if match is None or match.group(1) in _KEYWORDS:
        return None
    def span(start: int, end: int) -> Span:
        return source.span(offsets[start], offsets[end - 1] + 1)
    first_start = match.start(1)
    node: ast.Expr = ast.Name(match.group(1), span(first_start, match.end(1)))
    for field in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", inner[match.start(2) : match.end(2)]):
        start, end = match.start(2) + field.start(), match.start(2) + field.end()
        node = ast.Field(node, field.group(0), span(first_start, end), span(start, end))
    return node


def _parse_hole(source: Source, inner: str, offsets: list[int]) -> ast.Expr:
    """Parse the expression of a `{…}` hole, locating its nodes at their true place in the file."""
    simple = _dotted_hole(source, inner, offsets)
    if simple is not None:
        return simple
    hole = _HoleSource(source, inner, offsets)
    try:
        result: ast.Expr = _run(hole, inner, "expr")
    except UnexpectedInput as error:
        diagnostic = _syntax_diagnostic(error, hole)
        if "end of the file" in diagnostic.message:  # the hole ended, not the file
            message = diagnostic.message.replace("end of the file", "end of the value in `{…}`", 1)
            diagnostic = replace(diagnostic, message=message, help="complete the expression before its `}`")
        raise ParseFailure(diagnostic) from None
    return result


def _too_deep_at(span: Span) -> Diagnostic:
    """The passes after the parser recurse over the tree; a limit keeps a pathological file a
    diagnostic rather than a RecursionError."""
    return Diagnostic(
        "syntax/too-deep",
        f"expression nested more than {MAX_NESTING} levels deep",
        Stage.SYNTAX,
        span,
        help="name parts of the expression with `let`, `param` or `def`",
    )


def parse_file(path: Path) -> ast.Module:
    """Read and parse one `.rev` file."""
    return parse_module(path.read_text(encoding="utf-8"), str(path))


__all__ = ["ParseFailure", "parse_expression", "parse_file", "parse_module"]
