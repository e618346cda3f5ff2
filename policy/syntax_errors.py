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
    if block is not None and "RBRACE" in error.expected:
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
