"""JSON text to data (numbers as `Decimal`, never floats), with the position of every value.

`json` parses (fast, exact errors); a small scanner then walks the same, now known-valid, text
once more to record each value's span and each key's span by JSON Pointer, and to report
duplicate keys (which `json` silently collapses to the last).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from json.decoder import scanstring
from typing import Any

from policy.documents.limits import MAX_DEPTH, MAX_NODES
from policy.documents.report import Reporter, join
from policy.source import Source

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")


class _Constant(ValueError):
    """`NaN` and `Infinity` are not JSON, whatever Python's `json` accepts."""


def _reject_constant(name: str) -> Any:
    raise _Constant(f"`{name}` is not a JSON number")


def _depth(data: Any) -> int:
    """How deep `data` nests, counted without recursion (stops past the limit)."""
    deepest, stack = 0, [(data, 0)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


class _Scanner:
    """Walks valid JSON text recording spans; assumes `json` accepted it."""

    def __init__(self, text: str, reporter: Reporter) -> None:
        self.text = text
        self.reporter = reporter
        reporter.index.source = Source(reporter.file, text)
        self.nodes = 0

    def skip(self, i: int) -> int:
        return _WS.match(self.text, i).end()  # type: ignore[union-attr]

    def value(self, i: int, pointer: str, depth: int) -> int:
        """Scan the value starting at `i` (no leading blanks); return the index after it."""
        self.nodes += 1
        char = self.text[i]
        if char == "{":
            end = self.obj(i + 1, pointer, depth)
        elif char == "[":
            end = self.array(i + 1, pointer, depth)
        elif char == '"':
            end = scanstring(self.text, i + 1)[1]
        elif char in "tfn":
            end = i + {"t": 4, "f": 5, "n": 4}[char]
        else:
            end = _NUMBER.match(self.text, i).end()  # type: ignore[union-attr]
        if self.nodes <= MAX_NODES:
            self.reporter.index.values[pointer] = (i, end)
        return end

    def array(self, i: int, pointer: str, depth: int) -> int:
        i, count = self.skip(i), 0
        while self.text[i] != "]":
            i = self.skip(self.value(i, join(pointer, count), depth + 1))
            count += 1
            if self.text[i] == ",":
                i = self.skip(i + 1)
        return i + 1

    def obj(self, i: int, pointer: str, depth: int) -> int:
        i, seen = self.skip(i), set()
        while self.text[i] != "}":
            key, after = scanstring(self.text, i + 1)
            at = join(pointer, key)
            self.reporter.index.keys[at] = (i, after)
            if key in seen:
                self.reporter.add("document/duplicate-key", at, f"duplicate key `{key}`", key=True)
            seen.add(key)
            i = self.skip(self.skip(after) + 1)  # past the colon
            i = self.skip(self.value(i, at, depth + 1))
            if self.text[i] == ",":
                i = self.skip(i + 1)
        return i + 1


def parse_json(text: str, reporter: Reporter) -> tuple[Any, bool]:
    """The data of a JSON document and whether it parsed; spans go into the reporter's index."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        reporter.index.values[""] = Source(reporter.file, text).span(error.pos, error.pos + 1)
        reporter.add("document/syntax", "", f"invalid JSON: {error.msg.lower()}")
        return None, False
    except RecursionError:
        reporter.add("document/too-deep", "", f"expected values nested at most {MAX_DEPTH} deep, found deeper nesting")
        return None, False
    except ValueError as error:
        reporter.add("document/syntax", "", f"invalid JSON: {error}")
        return None, False
    if _depth(data) <= MAX_DEPTH:
        _Scanner(text, reporter).value(_WS.match(text).end(), "", 0)  # type: ignore[union-attr]
    return data, True
