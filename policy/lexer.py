"""The lexer of `.rev`: one compiled regular expression, keywords decided by the parser's state.

Lark's contextual lexer is correct but spends most of its time per token in Python (a regex
match per whitespace run, a line counter, a keyword callback). This lexer does the same job in
one pass with one master pattern built from the grammar's own terminals, in their priority
order, and skips whitespace and comments without making tokens. Like the contextual lexer, it
turns a word into a keyword only where the parser accepts that keyword, so `s.from.function`
and a variable named `hard` stay names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lark import Token
from lark.exceptions import UnexpectedCharacters
from lark.lexer import Lexer

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class RevLexer(Lexer):
    """A Lark lexer for the `.rev` grammar (LALR, so it receives the parser's state)."""

    __future_interface__ = 2  # lex(lexer_state, parser_state), with text slices

    def __init__(self, conf: Any) -> None:
        terminals = list(conf.terminals)
        self.keywords: dict[str, str] = {}
        patterns: list[tuple[int, int, str, str]] = []
        for terminal in terminals:
            pattern = terminal.pattern
            if pattern.type == "str" and _NAME.match(pattern.value):
                self.keywords[pattern.value] = terminal.name
                continue
            regexp = re.escape(pattern.value) if pattern.type == "str" else pattern.value
            # priority first, then the longer match first (`=>` and `==` before `=`), as Lark orders them
            patterns.append((-terminal.priority, -pattern.max_width, terminal.name, regexp))
        patterns.sort(key=lambda p: (p[0], p[1]))
        self.ignore = frozenset(conf.ignore)
        self.names = [name for _, _, name, _ in patterns]
        self.master = re.compile("|".join(f"(?P<{name}>{regexp})" for _, _, name, regexp in patterns))

    def lex(self, lexer_state: Any, parser_state: Any) -> Iterator[Token]:
        """Tokens of the text, keywords resolved against what the parser accepts at each point."""
        source = lexer_state.text
        text: str = getattr(source, "text", source)
        pos: int = getattr(source, "start", 0)
        end: int = getattr(source, "end", len(text))
        states = parser_state.parse_conf.parse_table.states
        match_at, keywords, ignore = self.master.match, self.keywords, self.ignore
        line, line_start = text.count("\n", 0, pos) + 1, text.rfind("\n", 0, pos) + 1
        while pos < end:
            match = match_at(text, pos)
            if match is None:
                raise UnexpectedCharacters(
                    text,
                    pos,
                    line,
                    pos - line_start + 1,
                    allowed=set(states[parser_state.position]),
                    state=parser_state,
                )
            kind = match.lastgroup
            stop = match.end()
            if kind in ignore:
                newlines = text.count("\n", pos, stop)
                if newlines:
                    line += newlines
                    line_start = text.rfind("\n", pos, stop) + 1
                pos = stop
                continue
            value = match.group()
            if kind == "NAME":
                keyword = keywords.get(value)
                if keyword is not None and (
                    keyword in states[parser_state.position] or "NAME" not in states[parser_state.position]
                ):
                    kind = keyword
            column = pos - line_start + 1
            yield Token(kind, value, pos, line, column, line, column + (stop - pos), stop)
            pos = stop
