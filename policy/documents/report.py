"""Where a document problem is, and how it is reported.

Every document diagnostic has a JSON Pointer (RFC 6901). Formats that have text positions (YAML,
JSON, CSV) add a span; XLSX names the cell in the message (`lines!F7`). A `SourceIndex` maps
pointers to those locations; a pointer with no entry of its own (a missing field) takes the
location of its nearest ancestor, so the caret lands on the record that lacks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policy.diagnostics import Diagnostic, Stage
from policy.source import Source, Span


def escape(segment: str | int) -> str:
    """One reference token of a JSON Pointer (`~` and `/` escaped)."""
    text = str(segment)
    return text.replace("~", "~0").replace("/", "~1") if ("~" in text or "/" in text) else text


def join(pointer: str, segment: str | int) -> str:
    """The pointer of a child: `join("/components", 1)` is `/components/1`."""
    return f"{pointer}/{escape(segment)}"


def pointer_of(path: tuple[str | int, ...]) -> str:
    """The pointer of a path of field names and list indexes."""
    return "".join(f"/{escape(step)}" for step in path)


def parent(pointer: str) -> str | None:
    """The pointer of the enclosing value, or None at the root."""
    return pointer.rsplit("/", 1)[0] if pointer else None


Offsets = tuple[int, int]
"""A region of the document's text as character offsets, turned into a `Span` only when needed."""


@dataclass
class SourceIndex:
    """Locations of the values (and of the keys) of one document, by pointer.

    Text formats record offsets and the text; spans (which need the line index) are built only
    for the few locations a diagnostic asks for.
    """

    values: dict[str, Span | Offsets] = field(default_factory=dict)
    keys: dict[str, Span | Offsets] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    """Spreadsheet cells by pointer (`lines!F7`), for formats without text positions."""
    source: Source | None = None

    def resolve(self, place: Span | Offsets) -> Span | None:
        """A span from a recorded place."""
        if isinstance(place, Span):
            return place
        return self.source.span(*place) if self.source is not None else None

    def span(self, pointer: str, key: bool = False) -> Span | None:
        """The span of a value (or of its key), else of its nearest located ancestor."""
        if key and pointer in self.keys:
            return self.resolve(self.keys[pointer])
        at: str | None = pointer
        while at is not None:
            if at in self.values:
                return self.resolve(self.values[at])
            at = parent(at)
        return None

    def cell(self, pointer: str) -> str | None:
        """The spreadsheet cell of a value, else of its nearest located ancestor."""
        at: str | None = pointer
        while at is not None:
            if at in self.cells:
                return self.cells[at]
            at = parent(at)
        return None


@dataclass
class Reporter:
    """Collects the diagnostics of one document, located through its index."""

    file: str
    index: SourceIndex = field(default_factory=SourceIndex)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    suppressed: list[re.Pattern[str]] = field(default_factory=list)
    """Pointers already covered by one diagnostic (a missing column stands for every row)."""

    def add(
        self,
        code: str,
        pointer: str,
        message: str,
        help: str | None = None,
        key: bool = False,
        at: Span | Offsets | str | None = None,
    ) -> None:
        """Record one problem at `pointer`.

        `key` points the span at the field name rather than its value; `at` overrides the
        location (a span, or a spreadsheet cell name).
        """
        if any(pattern.fullmatch(pointer) for pattern in self.suppressed):
            return
        cell = at if isinstance(at, str) else self.index.cell(pointer)
        if cell is not None:
            message = f"{message} (cell `{cell}`)"
        located = self.index.span(pointer, key) if at is None else None
        span = located if at is None or isinstance(at, str) else self.index.resolve(at)
        self.diagnostics.append(
            Diagnostic(code, message, Stage.DOCUMENT, span=span, help=help, pointer=pointer, file=self.file)
        )
