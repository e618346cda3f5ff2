"""The finders' inlined formatters write exactly what `policy.values` writes (LANGUAGE.md §4)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from engine.runtime import decimal_context, show_number, show_percent
from policy.values import Money, format_number, format_percent, format_value

numbers = st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-(10**20), max_value=10**20)
others = st.sampled_from([None, True, False, "text", [Decimal("0.1"), None], Money(Decimal("5"), "USD")])


@given(numbers)
def test_numbers_and_percents_read_as_policy_values_writes_them(value: Decimal) -> None:
    with decimal_context():
        assert show_number(value) == format_number(value)
        assert show_percent(value) == format_percent(value)


@given(others)
def test_anything_else_is_formatted_by_format_value(value: object) -> None:
    assert show_number(value) == format_value(value)
    assert show_percent(value) == format_value(value, True)
