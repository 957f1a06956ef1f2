"""Money formatting: the one filter every figure goes through. It refuses floats."""

from __future__ import annotations

from decimal import Decimal

from django import template

from pricing.money import CENT, WHOLE, round_money

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "INR": "₹"}


def _format(value: object, currency: str, places: Decimal) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        raise TypeError("money must be a Decimal, never a float")
    amount = round_money(Decimal(value) if isinstance(value, int) else value, places=places)  # type: ignore[arg-type]
    sign = "−" if amount < 0 else ""
    digits = f"{abs(amount):,.{0 if places == WHOLE else 2}f}"
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{digits}"


@register.filter
def money(value: object, currency: str = "USD") -> str:
    """`{{ figure|money:offer.currency }}` → `$1,234.50`"""
    return _format(value, currency, CENT)


@register.filter
def money_whole(value: object, currency: str = "USD") -> str:
    """`{{ figure|money_whole:offer.currency }}` → `$1,235` (rounded half up)"""
    return _format(value, currency, WHOLE)


@register.filter
def tokens(value: int | None) -> str:
    """Whole tokens for people: `114,942,528` → `about 115 million`."""
    if value is None:
        return "—"
    if value >= 1_000_000_000:
        return f"about {round_money(Decimal(value) / 1_000_000_000, places=Decimal('0.1'))} billion"
    if value >= 1_000_000:
        return f"about {round_money(Decimal(value) / 1_000_000, places=WHOLE)} million"
    return f"{value:,}"


@register.filter
def per_million(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"${value.normalize():f}"
