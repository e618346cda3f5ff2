"""Source text and spans: every AST node and every diagnostic points back into the text."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A region of one source file; lines and columns are 1-based, ends are exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of `other`."""
        return Span(self.file, self.line, self.column, other.end_line, other.end_column)


_NEWLINE = re.compile("\n")


@dataclass(frozen=True)
class Source:
    """One named text (a `.rev` file or a document) and its line index."""

    name: str
    text: str
    _line_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0]
        starts.extend(match.end() for match in _NEWLINE.finditer(self.text))
        object.__setattr__(self, "_line_starts", tuple(starts))

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        """A span between two character offsets (the parser's hottest helper: kept inline)."""
        starts, size = self._line_starts, len(self.text)
        start = 0 if start < 0 else size if start > size else start
        end = start if end < start else size if end > size else end
        line = bisect.bisect_right(starts, start)
        end_line = (
            line if end < (starts[line] if line < len(starts) else size + 1) else bisect.bisect_right(starts, end)
        )
        return Span(self.name, line, start - starts[line - 1] + 1, end_line, end - starts[end_line - 1] + 1)

    def offset(self, line: int, column: int) -> int:
        """The character offset of a 1-based (line, column); the inverse of `position`."""
        starts = self._line_starts
        return starts[max(1, min(line, len(starts))) - 1] + column - 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline ('' past the end)."""
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]
