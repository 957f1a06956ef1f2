"""Figures for the pages: money through the one formatter (`offers.letters.format.format_money`,
Babel), always with its currency; it refuses floats."""

from __future__ import annotations

from decimal import Decimal

from django import template

from offers.letters.format import format_money, page_date, page_format
from pricing.money import CENT, WHOLE, round_money
from pricing.valuation import CLASS_LABELS

register = template.Library()


@register.filter
def money(value: object, currency: str) -> str:
    """`{{ figure|money:offer.currency }}` → `$1,234.50`"""
    return format_money(value, currency, places=CENT)


@register.filter
def long_date(value: object) -> str:
    """`{{ offer.start_date|long_date }}` → `1 December 2026`, `1. Dezember 2026` (the active
    language's long date, Babel); a moment → its date in the server's time zone."""
    return page_date(value)  # type: ignore[arg-type]


@register.filter
def long_datetime(value: object) -> str:
    """`{{ event.at|long_datetime }}` → `1 December 2026, 14:30`, `1. Dezember 2026, 14:30`."""
    return page_date(value, with_time=True)  # type: ignore[arg-type]


@register.filter
def number(value: object) -> str:
    """A whole count as the active language writes it: `1,200`, `1.200`."""
    if value is None or value == "":
        return "—"
    return page_format("USD").number(value)  # type: ignore[arg-type]


@register.filter
def money_whole(value: object, currency: str) -> str:
    """`{{ figure|money_whole:offer.currency }}` → `$1,235` (rounded half up)"""
    return format_money(value, currency, places=WHOLE)


# The pages' figures are English; a letter writes the same ones in its own language.
ENGLISH = page_format("USD")


@register.filter
def tokens(value: int | None) -> str:
    """Whole tokens for people: `114,942,528` → `about 115 million`."""
    return "—" if value is None else ENGLISH.tokens_words(value)


@register.filter
def per_million(value: Decimal | None) -> str:
    """A price per 1M tokens with one precision: `$0.833`, `$15.000`; tiny ones `$0.0028`."""
    return "—" if value is None else ENGLISH.usd_per_million(value)


@register.filter
def about(value: Decimal | None) -> str:
    """A count of agents or hours for people: one decimal under 10 (`1.7`), whole above (`71`)."""
    return "—" if value is None else ENGLISH.about(value)


@register.filter
def percent(value: Decimal | None) -> str:
    """A fraction as a percentage: `0.865` → `86.5%`."""
    if value is None:
        return "—"
    return f"{(value * 100).normalize():f}%"


@register.filter
def token_class(name: str) -> str:
    """A token class for people: `cache_read` → `cache read`."""
    return CLASS_LABELS.get(name, name)


@register.filter
def signed_percent(value: Decimal | None) -> str:
    """A change in percent, whole, with its sign: `+12%`, `−8%`, `0%`."""
    if value is None:
        return "—"
    whole = round_money(value, places=WHOLE)
    if whole == 0:
        return "0%"
    return f"{'+' if whole > 0 else '−'}{abs(whole)}%"
