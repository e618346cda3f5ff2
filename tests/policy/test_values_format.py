"""How numbers, percents and money read in messages (LANGUAGE.md §4), as cases and properties."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy.values import Money, format_money, format_number, format_percent

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-(10**15), max_value=10**15)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("3", "3"),
        ("3.00", "3"),
        ("1.50", "1.5"),
        ("1E+2", "100"),
        ("0.000", "0"),
        ("-0.0", "-0"),
        ("1E-7", "0.0000001"),
        ("12345678901234567890123456789012345678.5", "12345678901234567890123456789012345678.5"),
    ],
)
def test_format_number(value: str, text: str) -> None:
    assert format_number(Decimal(value)) == text


@pytest.mark.parametrize(("value", "text"), [("0.2", "20%"), ("0.125", "12.5%"), ("1", "100%"), ("0", "0%")])
def test_format_percent(value: str, text: str) -> None:
    assert format_percent(Decimal(value)) == text


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("50000", "USD", "$50,000.00"),
        ("0.125", "USD", "$0.125"),
        ("1234.5", "EUR", "1,234.50 EUR"),
        ("-1234.5", "USD", "-$1,234.50"),
        ("-0.00", "USD", "$0.00"),
        ("1E+3", "USD", "$1,000.00"),
        ("7", "", "7"),
    ],
)
def test_format_money(amount: str, currency: str, text: str) -> None:
    assert format_money(Money(Decimal(amount), currency)) == text


@given(decimals)
def test_format_number_is_exact_and_plain(value: Decimal) -> None:
    text = format_number(value)
    assert Decimal(text) == value
    assert re.fullmatch(r"-?\d+(\.\d*[1-9])?", text), text


@given(decimals, st.sampled_from(["USD", "EUR"]))
def test_format_money_is_exact_with_at_least_cents(amount: Decimal, currency: str) -> None:
    text = format_money(Money(amount, currency))
    digits = text.replace("$", "").replace(",", "").removesuffix(f" {currency}")
    assert Decimal(digits) == amount
    assert re.fullmatch(r"\d+\.\d{2,}", digits.removeprefix("-")), text
    assert text.startswith("-") == (amount < 0)
    assert text.startswith("$") or text.startswith("-$") or currency != "USD"
