"""Literal text → value: `50k`, `1.2M`, `20%`, `50k USD`, `$1.2M`, dates and durations.

Shared by the parser and the document loaders so that `50k` means the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from policy.values import Money, duration

SUFFIXES = {"k": Decimal(1_000), "M": Decimal(1_000_000), "B": Decimal(1_000_000_000)}
_AMOUNT = re.compile(r"^(\d[\d_]*(?:\.\d[\d_]*)?)([kMB]?)$")


def parse_amount(text: str) -> Decimal:
    """`50_000`, `50k`, `1.2M`, `2B` → an exact Decimal; ValueError on anything else."""
    match = _AMOUNT.match(text.strip())
    if match is None:
        raise ValueError(f"`{text}` is not a number")
    digits, suffix = match.groups()
    value = Decimal(digits.replace("_", ""))
    return value * SUFFIXES[suffix] if suffix else value


def parse_money(text: str) -> Money:
    """`50k USD`, `1_250_000 EUR` or `$50k` → Money."""
    text = text.strip()
    if text.startswith("$"):
        return Money(parse_amount(text[1:]), "USD")
    amount, _, currency = text.rpartition(" ")
    return Money(parse_amount(amount.strip()), currency)


def parse_percent(text: str) -> Decimal:
    """`20%` → Decimal("0.2"): a percent is its fraction."""
    return parse_amount(text.strip()[:-1]) / 100


def parse_date(text: str) -> dt.date:
    """ISO `YYYY-MM-DD`; ValueError with a readable message on an impossible date."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"`{text}` is not a valid date") from None


def parse_literal(token_type: str, text: str) -> tuple[Any, str]:
    """The value and type name of a literal token of the grammar."""
    if token_type == "NUMBER":
        return parse_amount(text), "number"
    if token_type == "PERCENT":
        return parse_percent(text), "percent"
    if token_type in ("MONEY", "DOLLARS"):
        return parse_money(text), "money"
    if token_type == "DATE":
        return parse_date(text), "date"
    if token_type == "DURATION":
        count, unit = text.split()
        return duration(parse_amount(count), unit), "duration"
    raise ValueError(f"unknown literal `{text}`")
