"""Quantities and prices are Decimals: exact sums, and a replay computes the same digits."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

ZERO = Decimal(0)


def dec(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        raise TypeError(f"not a quantity or price: {value!r}")
    try:
        # str() first: Decimal(0.1) would carry the binary float's 55 digits.
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"not a quantity or price: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a quantity or price: {value!r}")
    return number


def opt_dec(value: Any) -> Decimal | None:
    return None if value is None or value == "" else dec(value)


def to_json(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
