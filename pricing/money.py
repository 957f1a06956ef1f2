"""Rounding and formatting of money: the one place where a figure is rounded, always half up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
WHOLE = Decimal("1")
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "INR": "₹"}


def round_money(value: Decimal, *, places: Decimal = CENT) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
    return value.quantize(places, rounding=ROUND_HALF_UP)


def format_money(value: object, currency: str, *, places: Decimal = CENT) -> str:
    """`$1,234.50`; the template filters, the admin, emails and the letter all call this."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        raise TypeError("money must be a Decimal, never a float")
    amount = round_money(Decimal(value) if isinstance(value, int) else value, places=places)  # type: ignore[arg-type]
    sign = "−" if amount < 0 else ""
    digits = f"{abs(amount):,.{0 if places == WHOLE else 2}f}"
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{digits}"
