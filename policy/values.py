"""Run-time values that are not plain Python: money, durations, and lists that know their path.

Numbers and percents are `Decimal` (a percent is its fraction: `20%` is `Decimal("0.2")`), text
is `str`, dates are `datetime.date`, records are `dict`, and a missing value is `None`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

DURATION_UNITS = ("days", "months", "years")


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one ISO-4217 currency; two currencies never mix implicitly."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return format_money(self)


@dataclass(frozen=True, slots=True)
class Duration:
    """A calendar duration: `90 days`, `12 months`, `2 years` (years are kept as 12 months)."""

    count: Decimal
    unit: str  # "days" or "months"

    def __str__(self) -> str:
        count = format_number(self.count)
        if self.unit == "months" and self.count % 12 == 0 and self.count != 0:
            return f"{format_number(self.count / 12)} years"
        return f"{count} {self.unit}"


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
    """A number as written: no exponent, no trailing zeros after the point (`3`, `1.5`)."""
    if value == value.to_integral_value():
        return f"{value.to_integral_value():f}"
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_percent(value: Decimal) -> str:
    """A fraction as a percentage without trailing zeros (`20%`, `12.5%`)."""
    return format_number(value * 100) + "%"


def format_money(value: Money) -> str:
    """USD as `$50,000.00`; other currencies as `1,000.00 EUR` (LANGUAGE.md §4)."""
    amount = value.amount.quantize(Decimal("0.01")) if value.amount == value.amount.quantize(
        Decimal("0.01")
    ) else value.amount
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.2f}" if amount == amount.quantize(Decimal("0.01")) else f"{abs(amount):,f}"
    if value.currency == "USD":
        return f"{sign}${text}"
    return f"{sign}{text} {value.currency}"


def format_value(value: Any, percent: bool = False) -> str:
    """Format any run-time value for people; `percent` says the static type was a percent."""
    if value is None:
        return "none"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return format_percent(value) if percent else format_number(value)
    if isinstance(value, Money):
        return format_money(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v, percent) for v in value)
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    return str(value)


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
