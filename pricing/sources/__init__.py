"""Price sources: each module turns one raw payload into validated rows (USD per 1M tokens)."""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

MILLION = Decimal(1_000_000)
# A price above this (USD per 1M tokens) is taken for a unit error in the source, not a price.
ABSURD_PER_MILLION = Decimal(1000)


class PayloadError(Exception):
    """The whole payload is unusable: nothing from it may be written."""


class RowError(ValueError):
    """One row is unusable: it is rejected alone, with this reason."""


@dataclass(frozen=True)
class PriceRow:
    provider: str
    model_id: str
    display_name: str
    input_per_million: Decimal
    output_per_million: Decimal
    cached_input_per_million: Decimal | None = None
    cache_write_per_million: Decimal | None = None
    context_window: int | None = None
    long_context_threshold: int | None = None
    long_context_input_per_million: Decimal | None = None
    long_context_output_per_million: Decimal | None = None
    long_context_cache_read_per_million: Decimal | None = None
    long_context_cache_write_per_million: Decimal | None = None
    canonical_id: str = ""
    first_party: bool = False
    host: str = ""
    region: str = ""
    deprecated: bool = False
    deprecated_on: datetime.date | None = None
    # Other service tiers and announced price changes, as decimal strings (see ModelPrice).
    tiers: dict[str, dict[str, str]] = field(default_factory=dict)
    # [{"from": "01:00", "to": "04:00", "rates": {…}}]: UTC hours with other standard prices.
    peak_hours: list[dict[str, object]] = field(default_factory=list)
    price_changes: list[dict[str, object]] = field(default_factory=list)

    def canonical(self) -> str:
        """A stable text form of the row, for the snapshot's content hash."""
        return json.dumps(self.__dict__, sort_keys=True, default=str)


@dataclass
class Parsed:
    rows: list[PriceRow] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (model id, reason)
    skipped: int = 0  # entries that are not token-priced text models (images, audio, …)
    as_of: datetime.date | None = None  # the data's own date, where it states one

    def extend(self, other: Parsed) -> None:
        self.rows.extend(other.rows)
        self.rejected.extend(other.rejected)
        self.skipped += other.skipped
        self.as_of = self.as_of or other.as_of


def parse_date(value: object) -> datetime.date | None:
    """A date a source wrote as text (`2026-08-01` or a timestamp starting so), else None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def tier_values(**prices: Decimal | None) -> dict[str, str]:
    """A tier's prices as decimal strings for JSON, leaving out those not given."""
    return {name: format(value, "f") for name, value in prices.items() if value is not None}


def to_decimal(value: object, *, what: str) -> Decimal:
    """A price as the source wrote it (int, float or decimal string) as an exact Decimal."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise RowError(f"{what} is not a number: {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise RowError(f"{what} is not a finite number: {value!r}")
    try:
        # str() first: Decimal(3e-06) would carry the float's binary error into the price.
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RowError(f"{what} is not a number: {value!r}") from None
    if not number.is_finite():
        raise RowError(f"{what} is not a finite number: {value!r}")
    return number


def per_million(value: object, *, what: str) -> Decimal:
    """Convert a USD-per-token price to USD per 1M tokens, checking it is sane."""
    return checked_per_million(to_decimal(value, what=what) * MILLION, what=what)


def checked_per_million(number: Decimal, *, what: str) -> Decimal:
    if number < 0:
        raise RowError(f"{what} is negative: {number.normalize():f} per 1M tokens")
    if number > ABSURD_PER_MILLION:
        raise RowError(
            f"{what} is absurd: ${number.normalize():f} per 1M tokens (over ${ABSURD_PER_MILLION})"
        )
    return number.normalize() if number else Decimal(0)
