"""The only functions compiled policies may call, and the evaluation context they run in.

Compiled code gets exactly the names in `RUNTIME_NAMES` as its globals (no builtins): no I/O,
no imports, no attribute tricks. The interpreter (`engine/interpreter.py`) uses the same
functions, so both views of a policy share one definition of every built-in.
"""

from __future__ import annotations

import datetime as dt
import decimal
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from policy.values import DocList, Money, ValueProblem, format_value

ZERO = Decimal(0)
HUNDRED = Decimal(100)
DEFAULT_MAX_STEPS = 1_000_000
DECIMAL_CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
"""One fixed context (IEEE decimal128 precision) so every evaluation computes the same digits."""

_thread = threading.local()


def thread_decimal_context() -> decimal.Context:
    """This thread's copy of DECIMAL_CONTEXT (decimal sets flags on the context it runs in)."""
    mine = getattr(_thread, "context", None)
    if mine is None:
        mine = _thread.context = DECIMAL_CONTEXT.copy()
    return mine


def use_engine_decimals() -> None:
    """Make the engine's decimal context this thread's own.

    `PolicySet.evaluate` computes with DECIMAL_CONTEXT whatever the caller's context is, and
    swaps it in and back out for every document (about half a microsecond). A thread that does
    little else but evaluate (a benchmark, a worker) calls this once, so its own Decimal
    arithmetic computes the same digits and no evaluation needs the swap. Code that must give
    the caller's context back wraps a batch of evaluations in `decimal_context()` instead, as
    `rev check` does. Loading documents does not depend on the thread's context.
    """
    decimal.setcontext(thread_decimal_context())


@contextmanager
def decimal_context() -> Iterator[None]:
    """Run a block under this thread's DECIMAL_CONTEXT, restoring the caller's context after."""
    previous = decimal.getcontext()
    decimal.setcontext(thread_decimal_context())
    try:
        yield
    finally:
        decimal.setcontext(previous)


class EvalError(Exception):
    """A rule that cannot be evaluated: it becomes a finding of outcome `error` (fail closed)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class StepBudgetExceeded(Exception):
    """The evaluation ran longer than its step budget allows.

    Not an `EvalError`: compiled checks catch those one by one, while this one must stop the
    whole policy at once, which then reports a single `error` finding.
    """

    code = "eval/step-budget"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EvalContext:
    """What one evaluation sees besides the document: the charter, the date, the step budget."""

    __slots__ = ("charter", "kpis", "max_steps", "params", "people", "steps", "today")

    def __init__(
        self,
        charter: Mapping[str, Any] | None,
        today: dt.date,
        max_steps: int = DEFAULT_MAX_STEPS,
        indexes: tuple[dict[str, Any], dict[str, Any]] | None = None,
    ):
        self.charter = charter
        self.today = today
        self.steps = 0
        self.max_steps = max_steps
        self.params: dict[str, Any] = {}
        self.kpis, self.people = charter_indexes(charter) if indexes is None else indexes


_indexes: dict[int, tuple[Any, dict[str, Any], dict[str, Any]]] = {}


def charter_indexes(charter: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """`kpi(id)` and `person(email)` lookups, built once per charter value (charters change rarely)."""
    if not charter:
        return {}, {}
    hit = _indexes.get(id(charter))
    if hit is not None and hit[0] is charter:
        return hit[1], hit[2]
    kpis = _index(charter, "kpis", "id")
    people = _index(charter, "people", "email")
    if len(_indexes) > 64:
        _indexes.clear()
    _indexes[id(charter)] = (charter, kpis, people)
    return kpis, people


def _index(charter: Mapping[str, Any], key: str, by: str) -> dict[str, Any]:
    records = charter.get(key) or []
    return {r[by]: r for r in records if isinstance(r, dict) and by in r}


_LISTS = (list, DocList)


def iterate(ctx: EvalContext, items: Any) -> list[Any]:
    """A list to loop over; spends one step per item so nested loops stay bounded."""
    if items.__class__ is not DocList and not isinstance(items, list):
        raise EvalError("eval/not-a-list", f"expected a list to go through, got {describe(items)}")
    steps = ctx.steps = ctx.steps + len(items)
    if steps > ctx.max_steps:
        raise StepBudgetExceeded(f"evaluation stopped after {ctx.max_steps:,} steps; the policy does too much work")
    return items


def describe(value: Any) -> str:
    """A value's kind in words, for error messages."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, Decimal):
        return "a number"
    if isinstance(value, Money):
        return "money"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a record"
    if isinstance(value, dt.date):
        return "a date"
    return "a value"


def truth(value: Any) -> bool:
    """A value in a condition must really be true or false; a missing one is an error, not false."""
    if value is True or value is False:
        return value
    raise EvalError(
        "eval/none" if value is None else "eval/not-a-condition", f"expected true or false, got {describe(value)}"
    )


# ---- aggregates --------------------------------------------------------------------------------


ZERO_MONEY = Money(ZERO, "")
"""The sum of no money: zero in whatever currency it meets (so `sum(...) <= 50k USD` holds)."""


def total(items: Iterable[Any], zero: Any = ZERO) -> Any:
    """`sum`: zero for nothing (`zero` is ZERO_MONEY for a sum of money); money adds with currency checks."""
    result: Any = zero
    for item in items:
        if item is None:
            raise EvalError("eval/none", "cannot add `none`: a value is missing")
        result = item if result is zero else result + item
    return result


def count(items: Iterable[Any]) -> Decimal:
    """`count` of a generator."""
    n = 0
    for _ in items:
        n += 1
    return Decimal(n)


def count_list(items: Any) -> Decimal:
    """`count(XS)` on a list directly."""
    if items.__class__ not in _LISTS and not isinstance(items, list):
        raise EvalError("eval/not-a-list", f"cannot count {describe(items)}")
    return Decimal(len(items))


def _nonempty(func: str, items: Iterable[Any]) -> list[Any]:
    values = list(items)
    if not values:
        raise EvalError("eval/empty-aggregate", f"`{func}` of nothing: no item matched")
    if any(v is None for v in values):
        raise EvalError("eval/none", f"cannot take the {func} of `none`: a value is missing")
    return values


def minimum(items: Iterable[Any]) -> Any:
    return min(_nonempty("min", items))


def maximum(items: Iterable[Any]) -> Any:
    return max(_nonempty("max", items))


def average(items: Iterable[Any]) -> Any:
    values = _nonempty("avg", items)
    return total(values) / Decimal(len(values))


def as_list(items: Any, func: str) -> list[Any]:
    """`sum(XS)`, `min(XS)`… on a list directly."""
    if items.__class__ not in _LISTS and not isinstance(items, list):
        raise EvalError("eval/not-a-list", f"`{func}` needs a list, got {describe(items)}")
    return items


# ---- built-in functions ------------------------------------------------------------------------


def kpi(ctx: EvalContext, kpi_id: Any) -> Any:
    """The charter's KPI record with this id, or none."""
    return ctx.kpis.get(kpi_id) if isinstance(kpi_id, str) else None


def person(ctx: EvalContext, email: Any) -> Any:
    """The charter's person with this e-mail, or none."""
    return ctx.people.get(email) if isinstance(email, str) else None


def length(value: Any) -> Decimal:
    if isinstance(value, str | list):
        return Decimal(len(value))
    raise EvalError("eval/none" if value is None else "eval/bad-argument", f"`length` of {describe(value)}")


def lower(value: Any) -> str:
    return _text(value, "lower").lower()


def upper(value: Any) -> str:
    return _text(value, "upper").upper()


def _text(value: Any, func: str) -> str:
    if not isinstance(value, str):
        raise EvalError("eval/none" if value is None else "eval/bad-argument", f"`{func}` of {describe(value)}")
    return value


def absolute(value: Any) -> Any:
    if value is None:
        raise EvalError("eval/none", "`abs` of none: a value is missing")
    return abs(value)


def round_to(value: Any, digits: Any) -> Any:
    """Round half-even to `digits` places (money keeps its currency)."""
    if value is None or digits is None:
        raise EvalError("eval/none", "`round` of none: a value is missing")
    if digits != digits.to_integral_value():
        raise EvalError("eval/bad-argument", "`round` takes a whole number of digits")
    exponent = Decimal(1).scaleb(-int(digits))
    if isinstance(value, Money):
        return Money(value.amount.quantize(exponent, rounding=decimal.ROUND_HALF_EVEN), value.currency)
    return value.quantize(exponent, rounding=decimal.ROUND_HALF_EVEN)


def days_between(start: Any, end: Any) -> Decimal:
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise EvalError("eval/none", f"`days_between` needs two dates, got {describe(start)} and {describe(end)}")
    return Decimal((end - start).days)


def amount(value: Any) -> Decimal:
    if not isinstance(value, Money):
        raise EvalError("eval/none", f"`amount` needs money, got {describe(value)}")
    return value.amount


def currency(value: Any) -> str:
    if not isinstance(value, Money):
        raise EvalError("eval/none", f"`currency` needs money, got {describe(value)}")
    return value.currency


def index(container: Any, key: Any) -> Any:
    """`xs[i]` (0-based) or `map["key"]`; out of range is an error, a missing map key is none."""
    if isinstance(container, list):
        if not isinstance(key, Decimal) or key != key.to_integral_value():
            raise EvalError("eval/bad-index", f"a list index must be a whole number, got {describe(key)}")
        position = int(key)
        if not 0 <= position < len(container):
            raise EvalError("eval/index-out-of-range", f"index {position} is outside a list of {len(container)}")
        return container[position]
    if isinstance(container, dict):
        return container.get(key)
    raise EvalError("eval/none" if container is None else "eval/not-indexable", f"cannot index {describe(container)}")


def field(record: Any, name: str) -> Any:
    """`record.name` on a record whose shape is not known statically (free maps)."""
    if isinstance(record, dict):
        return record.get(name)
    raise EvalError(
        "eval/none" if record is None else "eval/not-a-record", f"cannot read `{name}` of {describe(record)}"
    )


def no_row(table: str) -> Any:
    raise EvalError("eval/no-row-matched", f"no row of table `{table}` matched and it has no `otherwise`")


MISSING = object()
"""An operand a finder could not compute: left out of `values`, shown as `?` in a message."""


# ---- explaining a failure -----------------------------------------------------------------


def show_number(value: Any) -> str:
    """A number in a message: `format_number`, inlined (a failed check's message is a hot path)."""
    if value.__class__ is Decimal:
        text = str(value)
        if "E" not in text:
            return text.rstrip("0").rstrip(".") if "." in text else text
    return format_value(value)


def show_percent(value: Any) -> str:
    """A value of a percent type in a message (`20%`): `format_percent`, inlined."""
    if value.__class__ is Decimal:
        text = str(value * HUNDRED)
        if "E" not in text:
            return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"
    return format_value(value, True)


def people(value: Any) -> list[str] | None:
    """`override by` gives an e-mail or a list of them; anything else means nobody may override."""
    if value.__class__ is str:
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return sorted(set(value))
    return None


BUILTIN_FUNCTIONS = {
    "kpi": kpi,
    "person": person,
    "length": length,
    "lower": lower,
    "upper": upper,
    "abs": absolute,
    "round": round_to,
    "days_between": days_between,
    "amount": amount,
    "currency": currency,
}
CONTEXT_BUILTINS = frozenset({"kpi", "person"})
AGGREGATE_FUNCTIONS = {"sum": total, "count": count, "min": minimum, "max": maximum, "avg": average}

RUNTIME_NAMES: dict[str, Any] = {
    "_iterate": iterate,
    "_truth": truth,
    "_sum": sum,
    "_show": format_value,
    "_show_number": show_number,
    "_show_percent": show_percent,
    "_people": people,
    "_MISSING": MISSING,
    "_total": total,
    "_count": count,
    "_count_list": count_list,
    "_min": minimum,
    "_max": maximum,
    "_avg": average,
    "_as_list": as_list,
    "_index": index,
    "_field": field,
    "_no_row": no_row,
    "_any": any,
    "_all": all,
    "_enumerate": enumerate,
    "_DocList": DocList,
    "_ZERO": ZERO,
    "_ZERO_MONEY": ZERO_MONEY,
    "_Decimal": Decimal,
    "_str": str,
    "_isinstance": isinstance,
    "_list": list,
    "_len": len,
    **{f"_fn_{name}": fn for name, fn in BUILTIN_FUNCTIONS.items()},
}
"""The globals of compiled code — nothing else is reachable from a policy."""

RECOVERABLE = (EvalError, ValueProblem, ArithmeticError, TypeError, KeyError, IndexError, AttributeError, ValueError)
"""What a check may raise: each becomes an `error` finding, never a crash (fail closed)."""

EXPLAIN_ERRORS = (*RECOVERABLE, StepBudgetExceeded)
"""What computing a value for an explanation may raise: the value is then shown as missing."""
