"""Money formatting: the one filter every figure goes through. It refuses floats."""

from __future__ import annotations

from decimal import Decimal

from django import template

from pricing.money import CENT, WHOLE, format_money, round_money

register = template.Library()


@register.filter
def money(value: object, currency: str = "USD") -> str:
    """`{{ figure|money:offer.currency }}` → `$1,234.50`"""
    return format_money(value, currency, places=CENT)


@register.filter
def money_whole(value: object, currency: str = "USD") -> str:
    """`{{ figure|money_whole:offer.currency }}` → `$1,235` (rounded half up)"""
    return format_money(value, currency, places=WHOLE)


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
