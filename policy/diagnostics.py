"""One `Diagnostic` type for every problem Revgate reports, its rendering, and did-you-mean.

Codes are stable (`syntax/unexpected-token`, `check/unknown-field`, `document/invalid-value`);
tests and the API assert codes, so prose can improve without breaking anyone. Messages follow
one style: lower case, no final period, the user's text in backticks, the fix in `help`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from policy.source import Source, Span


class Stage(StrEnum):
    """Where in the pipeline a problem was found."""

    SYNTAX = "syntax"
    CHECK = "check"
    DOCUMENT = "document"
    EVAL = "eval"
    USAGE = "usage"


class Severity(StrEnum):
    """How bad a problem is: errors stop loading, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A located problem: a stable code, a message, a help line and where it is."""

    code: str
    message: str
    stage: Stage
    span: Span | None = None
    help: str | None = None
    severity: Severity = Severity.ERROR
    pointer: str | None = None
    file: str | None = None

    @property
    def location_file(self) -> str | None:
        """The file the problem is in, from the span or given directly."""
        return self.span.file if self.span is not None else self.file

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order by file, then position, then pointer, so reports read top to bottom."""
        line = self.span.line if self.span else 0
        column = self.span.column if self.span else 0
        return (self.location_file or "", line, column, self.pointer or "", self.code)

    def to_json(self) -> dict[str, Any]:
        """The wire form shared by `rev validate --format json` and the HTTP API."""
        span = self.span
        return {
            "code": self.code,
            "severity": str(self.severity),
            "stage": str(self.stage),
            "message": self.message,
            "help": self.help,
            "file": self.location_file,
            "line": span.line if span else None,
            "column": span.column if span else None,
            "end_line": span.end_line if span else None,
            "end_column": span.end_column if span else None,
            "pointer": self.pointer,
        }


class DiagnosticError(Exception):
    """Raised once, at the end of a pass, with every problem that pass found, sorted."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sort_diagnostics(diagnostics)
        first = self.diagnostics[0].message if self.diagnostics else "no diagnostics"
        super().__init__(f"{len(self.diagnostics)} problem(s); first: {first}")


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Deduplicate and sort diagnostics by position."""
    unique = dict.fromkeys(diagnostics)
    return sorted(unique, key=Diagnostic.sort_key)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A help line suggesting the closest candidate names, or None when nothing is close."""
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
    if not matches and pool:
        lowered = {c.lower(): c for c in pool}
        matches = [lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)]
    if not matches:
        # `cap` for `plan_cap`: a name that is one word of a longer snake_case name
        matches = [c for c in pool if name and name != c and name in c.split("_")][:3]
    if not matches:
        return None
    return "did you mean " + " or ".join(f"`{m}`" for m in matches) + "?"


def render(diagnostic: Diagnostic, sources: Mapping[str, Source] | None = None) -> str:
    """Render for people: `file:line:col: severity[code]: message`, the line, a caret, the help."""
    span = diagnostic.span
    where = diagnostic.location_file or "<input>"
    if span is not None:
        where = f"{where}:{span.line}:{span.column}"
    if diagnostic.pointer is not None and diagnostic.stage is Stage.DOCUMENT:
        where = f"{where} at {diagnostic.pointer or '/'}"
    lines = [f"{where}: {diagnostic.severity}[{diagnostic.code}]: {diagnostic.message}"]
    source = sources.get(span.file) if (sources and span) else None
    if source is not None and span is not None:
        text = source.line_text(span.line)
        if text or span.line <= len(source.text.splitlines()) + 1:
            gutter = f"{span.line:>4} | "
            width = 1
            if span.end_line == span.line and span.end_column > span.column:
                width = span.end_column - span.column
            width = max(1, min(width, max(1, len(text) - span.column + 1)))
            lines.append(gutter + text.expandtabs(1))
            lines.append(" " * (len(gutter) + span.column - 1) + "^" * width)
    if diagnostic.help:
        lines.append(f"  help: {diagnostic.help}")
    return "\n".join(lines)


def render_all(diagnostics: Iterable[Diagnostic], sources: Mapping[str, Source] | None = None) -> str:
    """Render many diagnostics, separated by blank lines, with a closing count."""
    items = list(diagnostics)
    body = "\n\n".join(render(d, sources) for d in items)
    errors = sum(1 for d in items if d.severity is Severity.ERROR)
    warnings = len(items) - errors
    summary = f"{errors} error(s), {warnings} warning(s)"
    return f"{body}\n\n{summary}" if body else summary
