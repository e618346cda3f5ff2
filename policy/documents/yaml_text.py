"""YAML text to data, with the position of every value, and never a binary float.

The loader resolves plain scalars as YAML 1.2's core schema does rather than PyYAML's 1.1:
only `true`/`false` are bools (a state code `ON` or an answer `no` stays text), only decimal
integers are ints (`007` stays text, no octal or sexagesimal), and floats become `Decimal`
from their source text (`version: 1.10` keeps its zero). Underscores group digits
(`1_200_000`), as in the policy language. Dates stay dates.

The node tree is composed first, so every value's pointer gets a span and duplicate keys are
reported (PyYAML would silently keep the last).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import yaml

from policy.documents.limits import MAX_DEPTH, MAX_NODES
from policy.documents.report import Reporter, SourceIndex, join
from policy.source import Span

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


class DocumentLoader(_Base):  # type: ignore[misc, valid-type]
    """A safe loader with YAML 1.2-style scalars and decimal floats."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


DocumentLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
DocumentLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
DocumentLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))

_SPECIAL = {".inf": "Infinity", "+.inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    """A float scalar as the `Decimal` of its text (non-finite values are rejected later)."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    return Decimal(_SPECIAL.get(text.lower(), text))


DocumentLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    """A date or date-time; an impossible one (`2026-13-01`) stays text for the field to reject."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return str(loader.construct_scalar(node))


DocumentLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _span(reporter: Reporter, node: yaml.Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(reporter.file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Indexer:
    """Records the span of every value and key, and reports duplicate keys."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.index: SourceIndex = reporter.index
        self.nodes = 0
        self.seen: set[int] = set()

    def node(self, node: yaml.Node, pointer: str, depth: int) -> None:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            return  # the data pass reports the limit
        self.index.values.setdefault(pointer, _span(self.reporter, node))
        if id(node) in self.seen:
            return  # an alias: values below it are located at the alias
        self.seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.node(item, join(pointer, i), depth + 1)
        elif isinstance(node, yaml.MappingNode):
            self.mapping(node, pointer, depth)

    def mapping(self, node: yaml.MappingNode, pointer: str, depth: int) -> None:
        seen: set[str] = set()
        for key, value in node.value:
            if key.tag == "tag:yaml.org,2002:merge" or not isinstance(key, yaml.ScalarNode):
                continue
            at = join(pointer, key.value)
            if key.value in seen:
                self.index.keys[at] = _span(self.reporter, key)
                self.reporter.add("document/duplicate-key", at, f"duplicate key `{key.value}`", key=True)
            seen.add(key.value)
            self.index.keys.setdefault(at, _span(self.reporter, key))
            self.node(value, at, depth + 1)


def _syntax(reporter: Reporter, error: Exception) -> None:
    """Report a YAML error at its mark."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    if mark is not None:
        reporter.index.values[""] = Span(reporter.file, mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2)
    reporter.add("document/syntax", "", message)


def parse_yaml(text: str, reporter: Reporter) -> tuple[Any, bool]:
    """The data of a YAML document and whether it parsed; spans go into the reporter's index."""
    loader = DocumentLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, True
        _Indexer(reporter).node(node, "", 0)
        return loader.construct_document(node), True
    except RecursionError:
        reporter.add("document/too-deep", "", f"expected values nested at most {MAX_DEPTH} deep, found deeper nesting")
    except yaml.YAMLError as error:
        _syntax(reporter, error)
    except (ValueError, ArithmeticError) as error:
        reporter.add("document/syntax", "", f"invalid YAML value: {error}")
    finally:
        loader.dispose()
    return None, False
