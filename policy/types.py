"""The static types of the `.rev` language (LANGUAGE.md §3) and the rules that combine them.

Types are plain frozen values so the checker can compare them with `==` and the compiler can
use them to pick formatting (a percent prints as `20%`, money as `$50,000.00`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Type:
    """A scalar type, named as authors see it in messages (`money`, `percent`, …)."""

    name: str

    def __str__(self) -> str:
        return self.name


NUMBER = Type("number")
PERCENT = Type("percent")
MONEY = Type("money")
TEXT = Type("text")
BOOL = Type("bool")
DATE = Type("date")
DURATION = Type("duration")
NONE = Type("none")
ANY = Type("any")
"""Unknown: a free map value, or the type of an expression that already produced a diagnostic."""


@dataclass(frozen=True, slots=True)
class ListType(Type):
    """A list of items of one type."""

    item: Type = ANY

    def __init__(self, item: Type) -> None:
        object.__setattr__(self, "name", f"list of {item}")
        object.__setattr__(self, "item", item)


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a record: its type and whether a document may leave it out (then `none`)."""

    type: Type
    optional: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class RecordType(Type):
    """A record with named fields: a document, a charter entry, or a record literal."""

    fields: Mapping[str, Field] = field(default_factory=dict)
    open: bool = False
    """An open record (a free map such as `attributes`) accepts any field name, typed `any`."""

    def __init__(self, name: str, fields: Mapping[str, Field], open: bool = False) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "fields", dict(fields))
        object.__setattr__(self, "open", open)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordType) and self.name == other.name

    def __hash__(self) -> int:
        return hash(("record", self.name))


@dataclass(frozen=True, slots=True)
class FunctionType:
    """The signature of a built-in function, def or table."""

    params: tuple[Type, ...]
    result: Type


NUMERIC = frozenset({NUMBER, PERCENT})
ORDERED = frozenset({NUMBER, PERCENT, MONEY, DATE, DURATION, TEXT})


def is_numeric(t: Type) -> bool:
    """Numbers and percents mix freely (`20%` is `0.2`)."""
    return t in NUMERIC


def compatible(a: Type, b: Type) -> bool:
    """Whether values of `a` and `b` may be compared with `==` (LANGUAGE.md §3)."""
    if a in (ANY, NONE) or b in (ANY, NONE):
        return True
    if is_numeric(a) and is_numeric(b):
        return True
    if isinstance(a, ListType) and isinstance(b, ListType):
        return compatible(a.item, b.item)
    if isinstance(a, RecordType) and isinstance(b, RecordType):
        return True
    return a == b


def unify(a: Type, b: Type) -> Type | None:
    """The common type of two branches (`if`, list items, table rows), or None when there is none."""
    if a == b:
        return a
    if a in (ANY, NONE):
        return b
    if b in (ANY, NONE):
        return a
    if is_numeric(a) and is_numeric(b):
        return NUMBER
    if isinstance(a, ListType) and isinstance(b, ListType):
        item = unify(a.item, b.item)
        return ListType(item) if item is not None else None
    if isinstance(a, RecordType) and isinstance(b, RecordType):
        return a
    return None


def arithmetic(op: str, a: Type, b: Type) -> Type | None:
    """The result type of `a op b` for `+ - * /`, or None when the operation is not defined."""
    if ANY in (a, b):
        return ANY
    if is_numeric(a) and is_numeric(b):
        if op in "+-":
            return PERCENT if a == b == PERCENT else NUMBER
        if op == "*":
            return PERCENT if PERCENT in (a, b) and NUMBER not in (a, b) else NUMBER
        return NUMBER if a == b else a
    if a == MONEY and b == MONEY:
        return MONEY if op in "+-" else (NUMBER if op == "/" else None)
    if op == "*" and {a, b} <= {MONEY, NUMBER, PERCENT} and MONEY in (a, b):
        return MONEY
    if op == "/" and a == MONEY and is_numeric(b):
        return MONEY
    if op in "+-" and a == DATE and b == DURATION:
        return DATE
    if op == "+" and a == DURATION and b == DATE:
        return DATE
    if op in "+-" and a == b == DURATION:
        return DURATION
    if op == "+" and a == b == TEXT:
        return TEXT
    return None
