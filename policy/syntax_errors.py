"""Syntax errors in words: what was found, what could come there, and which block is open.

Lark reports terminal names (`RBRACE`, `__ANON_3`); authors need `}` and "a name". The open
block is read off the parser's value stack, so a missing `}` is reported as
"expected `}` to close policy `weights` opened at line 3".
"""

from __future__ import annotations

from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedToken

from policy.diagnostics import Diagnostic, Stage
from policy.source import Source

_WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "PERCENT": "a percent",
    "MONEY": "an amount of money",
    "DOLLARS": "an amount of money",
    "DATE": "a date",
    "DURATION": "a duration",
    "$END": "the end of the file",
    "COMP_OP": "a comparison",
}
_OPENERS = {"POLICY": "policy", "TABLE": "table", "TEST": "test", "FOR": "for each", "LBRACE": "record"}
_MAX_LISTED = 8


def _terminal_words(lark: Lark) -> dict[str, str]:
    """Map every terminal name to how an author would write it."""
    words = dict(_WORDS)
    for terminal in lark.terminals:
        if terminal.name in words:
            continue
        pattern = terminal.pattern
        if pattern.type == "str":
            words[terminal.name] = f"`{pattern.value}`"
    return words


def _found(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    if token.type == "STRING":
        return f"the string {token}"
    return f"`{token}`"


def _open_block(state: Any) -> tuple[str, str | None, int] | None:
    """The innermost unclosed `{`: what opened it, its name, and its line."""
    stack = list(getattr(state, "value_stack", []) or [])
    for i in range(len(stack) - 1, -1, -1):
        item = stack[i]
        if isinstance(item, Token) and item.type == "LBRACE":
            for j in range(i - 1, -1, -1):
                opener = stack[j]
                if isinstance(opener, Token) and opener.type in _OPENERS:
                    name_token = stack[j + 1] if j + 1 < len(stack) else None
                    name = str(name_token) if isinstance(name_token, Token) else None
                    return _OPENERS[opener.type], name, opener.line or 0
            return "block", None, item.line or 0
        if isinstance(item, Token) and item.type == "RBRACE":
            return None
    return None


def describe_unexpected_token(error: UnexpectedToken, source: Source, lark: Lark) -> Diagnostic:
    """A Diagnostic for an unexpected token, at that token, in words."""
    token = error.token
    if token.type == "$END":
        end = len(source.text)
        span = source.span(end, end)
    else:
        span = source.span(token.start_pos or 0, token.end_pos or 0)
    words = _terminal_words(lark)
    expected = sorted({words.get(name, name.lower()) for name in error.expected})
    block = _open_block(error.state)
    dangling = _dangling_operator(error)
    clause = _clause_keyword_read_as_name(error)
    if clause is not None:
        where, keyword = clause
        name_span = source.span(*where) if isinstance(where, tuple) else where
        return Diagnostic(
            "syntax/incomplete-expression",
            f"the expression before `{keyword}` is incomplete, so `{keyword}` was read as a name",
            Stage.SYNTAX,
            name_span,
            help=f"finish the expression on the line before, then start the `{keyword}` clause",
        )
    if dangling is not None:
        found = "the end of the file" if token.type == "$END" else _found(token)
        message = f"expected a value after `{dangling}`, found {found}"
        help = f"complete the expression after `{dangling}`, or remove the `{dangling}`"
        code = "syntax/missing-operand"
    elif block is not None and "RBRACE" in error.expected:
        what, name, line = block
        named = f" `{name}`" if name else ""
        message = f"expected `}}` to close {what}{named} opened at line {line}, found {_found(token)}"
        help = f"add `}}` to end the {what} before {_found(token)}"
        code = "syntax/unclosed-block"
    else:
        shown = ", ".join(expected[:_MAX_LISTED]) + (", …" if len(expected) > _MAX_LISTED else "")
        found = "end of the file" if token.type == "$END" else _found(token)
        message = f"unexpected {found}; expected {shown}" if expected else f"unexpected {found}"
        help = _token_help(token)
        code = "syntax/unexpected-end" if token.type == "$END" else "syntax/unexpected-token"
    return Diagnostic(code, message, Stage.SYNTAX, span, help=help)


_OPERATORS = frozenset({"AND", "OR", "NOT", "COMP_OP", "PLUS", "MINUS", "MUL_OP", "IN", "EQUAL"})
_VALUE_STARTS = frozenset({"NAME", "NUMBER", "STRING", "LPAR"})


_CLAUSE_KEYWORDS = frozenset(
    {
        "require",
        "let",
        "when",
        "for",
        "enforce",
        "owner",
        "description",
        "tags",
        "on",
        "policy",
        "def",
        "table",
        "param",
        "test",
        "package",
        "use",
        "given",
        "expect",
        "otherwise",
    }
)


def _clause_keyword_read_as_name(error: UnexpectedToken) -> tuple[Any, str] | None:
    """`require x >` then `require y` on the next line: the second `require` became a name.

    The parser has already reduced `x > require` by the time it meets `y`; the keyword is the
    rightmost operand of the operation at the top of its stack.
    """
    stack = list(getattr(error.state, "value_stack", []) or [])
    node = stack[-1] if stack else None
    if type(node).__name__ not in ("Compare", "Binary", "Logical"):
        return None
    while hasattr(node, "right"):
        node = node.right
    if type(node).__name__ == "Name" and getattr(node, "name", None) in _CLAUSE_KEYWORDS:
        return node.span, node.name
    return None


def _dangling_operator(error: UnexpectedToken) -> str | None:
    """The operator just before the error, when what had to follow it was a value (`a and }`)."""
    stack = list(getattr(error.state, "value_stack", []) or [])
    last = stack[-1] if stack else None
    if isinstance(last, Token) and last.type in _OPERATORS and set(error.expected) >= _VALUE_STARTS:
        return str(last)
    return None


def _token_help(token: Token) -> str | None:
    """A fix for the usual mistakes."""
    text = str(token)
    if text == "=":
        return "write `==` to compare, or `let NAME = …` to name a value"
    if token.type == "$END":
        return "the file ends inside a declaration; close every `{`, `(` and `[`"
    if token.type == "NAME" and text in {"elif", "elseif", "endif"}:
        return "write `if … then … else …`"
    return None
