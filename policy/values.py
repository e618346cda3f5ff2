"""Run-time values that are not plain Python: money, durations, and lists that know their path.

Numbers and percents are `Decimal` (a percent is its fraction: `20%` is `Decimal("0.2")`), text
is `str`, dates are `datetime.date`, records are `dict`, and a missing value is `None`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

DURATION_UNITS = ("days", "months", "years")


class ValueProblem(ArithmeticError):
    """An operation on values that the language defines as an error (LANGUAGE.md §3, §5)."""

    code = "eval/invalid-operation"


class CurrencyMismatch(ValueProblem):
    """Money of two currencies met in one operation; there is no implicit conversion."""

    code = "eval/currency-mismatch"


class Money:
    """An exact amount in one ISO-4217 currency; two currencies never mix implicitly.

    Arithmetic and comparison are defined here so compiled policies can use plain operators;
    every operation between two amounts checks the currencies. The empty currency is the zero
    of a sum over nothing, which takes the currency of whatever it meets.
    """

    __slots__ = ("amount", "currency")

    def __init__(self, amount: Decimal, currency: str) -> None:
        object.__setattr__(self, "amount", amount)
        object.__setattr__(self, "currency", currency)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Money is immutable")

    def __repr__(self) -> str:
        return f"Money({self.amount!r}, {self.currency!r})"

    def __str__(self) -> str:
        return format_money(self)

    def _currency_with(self, other: Money) -> str:
        if self.currency == other.currency or not other.currency:
            return self.currency
        if not self.currency:
            return other.currency
        raise CurrencyMismatch(f"cannot combine {self} with {other}: the currencies differ")

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.amount + other.amount, self._currency_with(other))

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.amount - other.amount, self._currency_with(other))

    def __mul__(self, other: object) -> Money:
        if isinstance(other, Decimal) and not isinstance(other, bool):
            return Money(self.amount * other, self.currency)
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Money | Decimal:
        if isinstance(other, Money):
            self._currency_with(other)
            return self.amount / other.amount
        if isinstance(other, Decimal):
            return Money(self.amount / other, self.currency)
        return NotImplemented

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._currency_with(other)
        return self.amount == other.amount

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __lt__(self, other: Money) -> bool:
        self._currency_with(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._currency_with(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._currency_with(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._currency_with(other)
        return self.amount >= other.amount


@dataclass(frozen=True, slots=True)
class Duration:
    """A calendar duration: `90 days`, `12 months` (years are kept as 12 months).

    `date + duration` clamps to the end of the month (`2026-01-31 + 1 months` is 2026-02-28).
    Days and months do not compare with each other: a month has no fixed length.
    """

    count: Decimal
    unit: str  # "days" or "months"

    def __str__(self) -> str:
        if self.unit == "months" and self.count % 12 == 0 and self.count != 0:
            return f"{format_number(self.count / 12)} years"
        return f"{format_number(self.count)} {self.unit}"

    def _same_unit(self, other: Duration) -> None:
        if self.unit != other.unit:
            raise ValueProblem(f"cannot compare or combine {self} with {other}: days and months differ in length")

    def __add__(self, other: object) -> Any:
        if isinstance(other, Duration):
            self._same_unit(other)
            return Duration(self.count + other.count, self.unit)
        if isinstance(other, dt.date):
            return shift_date(other, self.count, self.unit)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: object) -> Duration:
        if isinstance(other, Duration):
            self._same_unit(other)
            return Duration(self.count - other.count, self.unit)
        return NotImplemented

    def __rsub__(self, other: object) -> dt.date:
        if isinstance(other, dt.date):
            return shift_date(other, -self.count, self.unit)
        return NotImplemented

    def __neg__(self) -> Duration:
        return Duration(-self.count, self.unit)

    def __lt__(self, other: Duration) -> bool:
        self._same_unit(other)
        return self.count < other.count

    def __le__(self, other: Duration) -> bool:
        self._same_unit(other)
        return self.count <= other.count

    def __gt__(self, other: Duration) -> bool:
        self._same_unit(other)
        return self.count > other.count

    def __ge__(self, other: Duration) -> bool:
        self._same_unit(other)
        return self.count >= other.count


def shift_date(date: dt.date, count: Decimal, unit: str) -> dt.date:
    """Move a date by whole days or months, clamping to the end of the month."""
    if count != count.to_integral_value():
        raise ValueProblem(f"cannot move a date by a fraction: {format_number(count)} {unit}")
    n = int(count)
    if unit == "days":
        return date + dt.timedelta(days=n)
    months = date.year * 12 + (date.month - 1) + n
    year, month = divmod(months, 12)
    if not 1 <= year <= 9999:
        raise ValueProblem("the date falls outside the calendar")
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(date.day, last))


class DocList(list):  # type: ignore[type-arg]
    """A list that lives in the document being checked, at JSON Pointer `pointer`.

    `for each` over such a list gives findings the item's path (`/shifts/2`); lists computed
    by a policy are plain lists and leave the path as it was.
    """

    __slots__ = ("pointer",)

    def __init__(self, items: Any = (), pointer: str = "") -> None:
        super().__init__(items)
        self.pointer = pointer


def duration(count: Decimal, unit: str) -> Duration:
    """Normalise a duration literal: years become months, singular units are accepted."""
    unit = unit if unit.endswith("s") else unit + "s"
    if unit == "years":
        return Duration(count * 12, "months")
    return Duration(count, unit)


def format_number(value: Decimal) -> str:
    """A number as written: no exponent, no trailing zeros after the point (`3`, `1.5`).

    Exact: no context is involved, so no digit is ever rounded away. `str` is plain notation
    for every number a document or policy usually holds and several times faster than the
    fixed-point format, which is the fallback for the scientific notation `str` uses otherwise.
    """
    text = str(value)
    if "E" in text:
        text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_percent(value: Decimal) -> str:
    """A fraction as a percentage without trailing zeros (`20%`, `12.5%`)."""
    return format_number(value * 100) + "%"


def format_money(value: Money) -> str:
    """USD as `$50,000.00`; other currencies as `1,000.00 EUR` (LANGUAGE.md §4).

    Two decimals, or more when the amount has more (`$0.125` is not rounded away).
    """
    amount = value.amount
    if not value.currency:  # the zero of a sum over nothing
        return format_number(amount)
    text = f"{amount:,f}"
    point = text.find(".")
    if point < 0:
        text += ".00"
    elif len(text) - point == 2:
        text += "0"
    sign = ""
    if text[0] == "-":
        text = text[1:]
        if amount:  # a negative zero is shown as zero
            sign = "-"
    if value.currency == "USD":
        return f"{sign}${text}"
    return f"{sign}{text} {value.currency}"


def format_value(value: Any, percent: bool = False) -> str:
    """Format any run-time value for people; `percent` says the static type was a percent."""
    formatter = _FORMATTERS.get(value.__class__)
    if formatter is not None:  # the common classes, found in one lookup (messages are on a hot path)
        return formatter(value, percent)
    if isinstance(value, Decimal):
        return format_percent(value) if percent else format_number(value)
    if isinstance(value, Money):
        return format_money(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return _format_items(value, percent)
    if isinstance(value, dict):
        return _format_record(value, percent)
    return str(value)


def _format_items(value: Any, percent: bool) -> str:
    return ", ".join(format_value(v, percent) for v in value)


def _format_record(value: dict[str, Any], percent: bool) -> str:
    return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"


_FORMATTERS: dict[type, Any] = {
    str: lambda v, p: v,
    Decimal: lambda v, p: format_percent(v) if p else format_number(v),
    Money: lambda v, p: format_money(v),
    bool: lambda v, p: "true" if v else "false",
    type(None): lambda v, p: "none",
    dt.date: lambda v, p: v.isoformat(),
    list: _format_items,
    DocList: _format_items,
    tuple: _format_items,
    dict: _format_record,
}


def to_json_value(value: Any) -> Any:
    """A JSON-safe form of a run-time value: decimals as strings, money as {amount, currency}."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, Money):
        return {"amount": format_number(value.amount), "currency": value.currency}
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    return str(value)
