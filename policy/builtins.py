"""Signatures of the built-in functions and aggregates (LANGUAGE.md §5).

The checker types calls against these; `engine/runtime.py` implements them. Keeping the names
here, in the language package, lets the checker suggest them and the docs list them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from policy import types as T

AGGREGATES = ("sum", "count", "min", "max", "avg")


@dataclass(frozen=True, slots=True)
class Builtin:
    """A built-in function: its arity, a rule that types its arguments, and a one-line help."""

    name: str
    arity: int
    result: Callable[[list[T.Type]], T.Type | str]
    """Returns the result type, or a message saying what is wrong with the argument types."""
    usage: str


def _accepts(*allowed: T.Type) -> Callable[[T.Type], bool]:
    return lambda t: t in allowed or t == T.ANY


_TEXT = _accepts(T.TEXT)


def _kpi(args: list[T.Type]) -> T.Type | str:
    from policy.documents import CHARTER_KPI_TYPE

    return CHARTER_KPI_TYPE if _TEXT(args[0]) else "expects a KPI id (text)"


def _person(args: list[T.Type]) -> T.Type | str:
    from policy.documents import CHARTER_PERSON_TYPE

    return CHARTER_PERSON_TYPE if _TEXT(args[0]) else "expects an e-mail address (text)"


def _length(args: list[T.Type]) -> T.Type | str:
    ok = args[0] in (T.TEXT, T.ANY) or isinstance(args[0], T.ListType)
    return T.NUMBER if ok else "expects text or a list"


def _text_to_text(args: list[T.Type]) -> T.Type | str:
    return T.TEXT if _TEXT(args[0]) else "expects text"


def _abs(args: list[T.Type]) -> T.Type | str:
    return args[0] if args[0] in (T.NUMBER, T.PERCENT, T.MONEY, T.ANY) else "expects a number, percent or money"


def _round(args: list[T.Type]) -> T.Type | str:
    if args[0] not in (T.NUMBER, T.PERCENT, T.MONEY, T.ANY):
        return "expects a number, percent or money to round"
    return args[0] if args[1] in (T.NUMBER, T.ANY) else "expects a whole number of digits"


def _days_between(args: list[T.Type]) -> T.Type | str:
    return T.NUMBER if all(a in (T.DATE, T.ANY) for a in args) else "expects two dates"


def _amount(args: list[T.Type]) -> T.Type | str:
    return T.NUMBER if args[0] in (T.MONEY, T.ANY) else "expects money"


def _currency(args: list[T.Type]) -> T.Type | str:
    return T.TEXT if args[0] in (T.MONEY, T.ANY) else "expects money"


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in (
        Builtin("kpi", 1, _kpi, "kpi(ID) → the charter's KPI record, or none"),
        Builtin("person", 1, _person, "person(EMAIL) → the charter's person, or none"),
        Builtin("length", 1, _length, "length(TEXT or LIST) → number"),
        Builtin("lower", 1, _text_to_text, "lower(TEXT) → text"),
        Builtin("upper", 1, _text_to_text, "upper(TEXT) → text"),
        Builtin("abs", 1, _abs, "abs(X) → X without its sign"),
        Builtin("round", 2, _round, "round(X, DIGITS) → X rounded half-even"),
        Builtin("days_between", 2, _days_between, "days_between(D1, D2) → days from D1 to D2"),
        Builtin("amount", 1, _amount, "amount(MONEY) → number"),
        Builtin("currency", 1, _currency, "currency(MONEY) → the ISO code"),
    )
}

RESERVED_NAMES = frozenset({"charter", "today"})
