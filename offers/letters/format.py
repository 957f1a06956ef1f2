"""Dates, numbers and money as a language writes them, with Babel (CLDR data): the letter in
its template's language, the pages in English. "1.234,50 €" in German, "₹1,23,456" in Indian
English, no decimals for yen. `format_money` (and the `money` template filters over it) is how
the pages, the admin and the emails write an amount: the one money formatter.

Amounts are rounded once, half up, by `pricing.money.round_money` (as everywhere in the app)
and only then handed to Babel to write.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import (
    NumberPattern,
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    parse_pattern,
)
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pricing.money import CENT, WHOLE, round_money

# The pages, the admin and the emails are in English; the candidate's pages and emails in the
# candidate's language (issue 37), as Django's active language says: its Babel locale here.
PAGES_LANGUAGE = "en_US"
PAGE_LOCALES = {"en": PAGES_LANGUAGE, "de": "de_DE"}


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@cache
def _currency_pattern(code: str, places: int | None) -> NumberPattern:
    """The language's currency pattern with this many decimals ("#,##0.00 ¤" → "#,##0 ¤" for
    none), parsed once: a builder's keystroke writes some fifty amounts."""
    pattern = _locale(code).currency_formats["standard"].pattern
    if places is not None:
        pattern = re.sub(r"\.0+", "." + "0" * places if places else "", pattern)
    return parse_pattern(pattern)


@lru_cache(maxsize=4096)
def _currency_text(
    language: str, currency: str, amount: str, places: int | None, currency_digits: bool
) -> str:
    """Babel's writing of a rounded amount (given as its exact text, so that -0.00 and 0.00
    stay apart). Kept, a few thousand at most: a builder's keystroke writes some sixty amounts,
    nearly all as they were one keystroke before, at about 25 µs each in Babel."""
    return format_currency(
        Decimal(amount),
        currency,
        format=_currency_pattern(language, places),
        locale=_locale(language),
        currency_digits=currency_digits,
    )


def html_lang(language: str) -> str:
    """A Babel locale id as HTML's lang attribute wants it: de_DE → de-DE."""
    return language.replace("_", "-")


@dataclass(frozen=True)
class LetterFormat:
    language: str  # a Babel locale id: en_US, de_DE, en_IN…
    currency: str  # the offer's currency
    date_pattern: str = "long"  # Babel's: the language's long date, or a pattern of our own

    @property
    def lang(self) -> str:
        """The language for HTML's lang attribute: de-DE."""
        return html_lang(self.language)

    @property
    def locale(self) -> Locale:
        return _locale(self.language)

    def money(self, value: Decimal, currency: str | None = None) -> str:
        """To the currency's smallest unit: "1.234,50 €", "$1,234.50", "¥1,235"."""
        currency = currency or self.currency
        places = Decimal(1).scaleb(-get_currency_precision(currency))
        amount = round_money(value, places=places)
        return _currency_text(self.language, currency, str(amount), None, True)

    def money_whole(self, value: Decimal, currency: str | None = None) -> str:
        """Whole units: "1.235 €", "₹1,23,456"."""
        currency = currency or self.currency
        amount = round_money(value, places=WHOLE)
        return _currency_text(self.language, currency, str(amount), 0, False)

    def usd(self, value: Decimal) -> str:
        return self.money(value, "USD")

    def usd_per_million(self, value: Decimal) -> str:
        """A price per 1M tokens with one precision: "$0.833", "0,833 $"; tiny ones "$0.0028"."""
        places = 4 if 0 < value < Decimal("0.01") else 3
        amount = round_money(value, places=Decimal(1).scaleb(-places))
        return _currency_text(self.language, "USD", str(amount), places, False)

    def tokens_words(self, tokens: int) -> str:
        """Whole tokens for people: "about 180 million", "etwa 180 Millionen", "950,000"."""
        if tokens >= 1_000_000_000:
            amount = round_money(Decimal(tokens) / 1_000_000_000, places=Decimal("0.1"))
            return _("about {amount} billion").format(amount=self.number(amount))
        if tokens >= 1_000_000:
            amount = round_money(Decimal(tokens) / 1_000_000, places=WHOLE)
            return _("about {amount} million").format(amount=self.number(amount))
        return self.number(tokens)

    def about(self, value: Decimal) -> str:
        """A count of agents or hours: one decimal under 10 ("1.7"), whole above ("71")."""
        places = Decimal("0.1") if value < 10 else WHOLE
        return self.number(round_money(value, places=places).normalize())

    def about_range(self, low: Any, high: Any, *, whole: bool = False) -> str:
        """A range of counts, low first: "0.7–1.7" (one figure where both read the same)."""
        say = self.number if whole else self.about
        low_text, high_text = say(low), say(high)
        return high_text if low is None or low_text == high_text else f"{low_text}–{high_text}"

    def number(self, value: Decimal | int) -> str:
        return format_decimal(value, locale=self.locale, decimal_quantization=False)

    def percent(self, value: Decimal) -> str:
        """`value` in percent: 12.5 → "12.5%" (English), "12,5 %" (German)."""
        return format_percent(
            value.normalize() / 100, locale=self.locale, decimal_quantization=False
        )

    def date(self, value: datetime.date) -> str:
        """The long date: "1 December 2026", "December 1, 2026", "1. Dezember 2026"."""
        return format_date(value, self.date_pattern, locale=self.locale)


def page_format(currency: str) -> LetterFormat:
    """How the pages write figures in the active language: English with dates day first
    ("1 December 2026"), German as German writes them ("1. Dezember 2026", "1.234 €")."""
    language = (translation.get_language() or "en").split("-")[0]
    locale = PAGE_LOCALES.get(language, PAGES_LANGUAGE)
    if locale == PAGES_LANGUAGE:
        return LetterFormat(PAGES_LANGUAGE, currency, date_pattern="d MMMM y")
    return LetterFormat(locale, currency)


def page_date(value: datetime.date | None, *, with_time: bool = False) -> str:
    """A date (or a moment, in the server's time zone) as the active language writes it:
    "7 December 2026, 17:10", "7. Dezember 2026, 17:10"; "" for none."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        text = page_format("USD").date(value.date())
        return f"{text}, {value:%H:%M}" if with_time else text
    return page_format("USD").date(value)


def format_money(value: object, currency: str, *, places: Decimal = CENT) -> str:
    """An amount as the pages write it, in its currency: "$1,234.50", "€1,235" (whole), "—"
    for none, "−$12.00" with a minus sign. Refuses floats: money is a Decimal."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float) or not isinstance(value, Decimal | int):
        raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
    fmt = page_format(currency)
    amount = Decimal(value)
    text = fmt.money_whole(amount) if places == WHOLE else fmt.money(amount)
    return "−" + text[1:] if text.startswith("-") else text
