"""Rounding of money: the one place where a figure is rounded, always half up. (Writing it for
people is `offers.letters.format`'s, through Babel.)"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
WHOLE = Decimal("1")


def round_money(value: Decimal, *, places: Decimal = CENT) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
    return value.quantize(places, rounding=ROUND_HALF_UP)
