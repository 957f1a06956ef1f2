"""genai-prices (pydantic/genai-prices): the embedded default and the primary source.

The package ships its price data, so a fresh install values tokens offline; the same data is
published as `prices/new_data/v2/data.json` (USD per 1M tokens), which a refresh can fetch or a
file import can read. The package's own types parse and resolve it: dated price changes
(`constraint.start_date`), long-context tiers (`tiers[].start`), and service tiers
(`price_variants`: `processing=batch`, `service_tier=priority|flex`).

Prices are resolved as of the data's date; every dated change after it is kept in
`price_changes` (the standard prices, tiers and peak hours in force from that day), so the prices
in force on a later day are the row with the changes up to that day applied (`ModelPrice.rates`).
Time-of-day prices (DeepSeek's peak hours) are kept as `peak_hours`: UTC windows with their
standard prices; the row's own prices are the off-peak ones.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from pricing import catalogue
from pricing.sources import (
    Parsed,
    PayloadError,
    PriceRow,
    RowError,
    checked_per_million,
    tier_values,
)

NAME = "genai-prices"
DEFAULT_URL = (
    "https://raw.githubusercontent.com/pydantic/genai-prices/refs/heads/main/"
    "prices/new_data/v2/data.json"
)
# The package data carries no date of its own: it is as of the release of the version installed
# (upload dates of the wheels pinned in uv.lock). A test fails when the lock moves to a version
# missing here, so the date is never guessed.
RELEASES = {"0.2.3": datetime.date(2026, 11, 10)}

# Service tiers as genai-prices names them in `price_variants[].when`.
TIER_CONTEXTS = {
    "batch": {"processing": "batch"},
    "priority": {"service_tier": "priority"},
    "flex": {"service_tier": "flex"},
}
CLASS_KEYS = {
    "fresh_input": "input_mtok",
    "output": "output_mtok",
    "cache_read": "cache_read_mtok",
    "cache_write": "cache_write_mtok",  # 5-minute cache writes, the default
}


def package_version() -> str:
    return importlib.metadata.version("genai-prices")


def package_as_of() -> datetime.date:
    version = package_version()
    if version not in RELEASES:
        raise PayloadError(
            f"genai-prices {version} is installed but its release date is not recorded in "
            "pricing/sources/genai_prices.py RELEASES: add it (the wheel's upload date in uv.lock)"
        )
    return RELEASES[version]


def package_providers() -> list[Any]:
    from genai_prices import data

    return list(data.providers)


def load(raw: bytes) -> list[Any]:
    """The providers of a v2 data.json payload, parsed and checked by the package's own types."""
    from genai_prices.types import _providers_from_raw

    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise PayloadError(f"not valid JSON: {error}") from None
    if not isinstance(payload, list):
        raise PayloadError("expected a JSON list of providers (genai-prices v2 data.json)")
    try:
        return list(_providers_from_raw(payload))
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        raise PayloadError(f"not genai-prices data: {str(error)[:500]}") from None


def parse(raw: bytes, *, as_of: datetime.date | None = None) -> Parsed:
    return parse_providers(load(raw), as_of=as_of or datetime.date.today())


def parse_package() -> Parsed:
    as_of = package_as_of()
    parsed = parse_providers(package_providers(), as_of=as_of)
    parsed.as_of = as_of
    return parsed


# Makers that sell the same model under one name from more than one region, each at its own
# price: the first provider listed keeps the plain id, the others are labelled by region.
PROVIDER_REGIONS = {"zhipuai": "China"}


def parse_providers(providers: list[Any], *, as_of: datetime.date) -> Parsed:
    parsed = Parsed()
    seen: set[str] = set()
    listed: set[tuple[str, str]] = set()
    for provider in providers:
        for model in provider.models:
            if (provider.id, model.id) in listed:
                continue  # a provider listing one id twice: the first entry wins
            listed.add((provider.id, model.id))
            try:
                row_ = row(provider, model, as_of=as_of)
            except RowError as error:
                parsed.rejected.append((f"{provider.id}/{model.id}", str(error)))
                continue
            if row_ is None:
                parsed.skipped += 1
                continue
            if row_.model_id in seen:
                # The maker sells it from another region too (GLM-5.3 from Z.AI and from
                # Zhipu AI in China): kept under the provider's id, labelled by its region.
                row_ = replace(
                    row_,
                    model_id=f"{provider.id}/{model.id}",
                    region=PROVIDER_REGIONS.get(provider.id, provider.name),
                )
            seen.add(row_.model_id)
            parsed.rows.append(row_)
    return parsed


def _moment(day: datetime.date) -> datetime.datetime:
    # The end of the day: a change starting that day is in force on it.
    return datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=datetime.UTC)


def _split(price: Any, *, what: str) -> tuple[Decimal | None, Decimal | None, int | None]:
    """(base, long-context, threshold) of a price that may be tiered by prompt length."""
    if price is None:
        return None, None, None
    tiers = getattr(price, "tiers", None)
    if tiers is None:
        return checked_per_million(Decimal(price), what=what), None, None
    base = checked_per_million(Decimal(price.base), what=what)
    if not tiers:
        return base, None, None
    first = min(tiers, key=lambda tier: tier.start)
    return base, checked_per_million(Decimal(first.price), what=what), int(first.start)


def _classes(prices: Any) -> tuple[dict[str, Decimal | None], int | None]:
    values: dict[str, Decimal | None] = {}
    threshold = None
    for name, key in CLASS_KEYS.items():
        base, long, start = _split(getattr(prices, key, None), what=key)
        values[name] = base
        values[f"long_{name}"] = long
        threshold = threshold or start
    return values, threshold


def _time_windows(model: Any) -> list[Any]:
    """The time-of-day constraints of a model's prices (peak hours), in the data's order."""
    if not isinstance(model.prices, list):
        return []
    return [
        c.constraint
        for c in model.prices
        if c.constraint is not None and hasattr(c.constraint, "start_time")
    ]


def _off_peak(day: datetime.date, windows: list[Any]) -> datetime.datetime:
    """A moment of `day` outside every time-of-day window (the end of the day if it can be)."""
    for hour, minute in [(23, 59), *((h, 30) for h in range(24))]:
        moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)
        if not any(window.active(moment) for window in windows):
            return moment
    return _moment(day)


def _resolved(
    model: Any, day: datetime.date, windows: list[Any]
) -> tuple[dict[str, Decimal | None], int | None, dict[str, dict[str, str]], list[dict[str, Any]]]:
    """A model's prices in force on `day`: standard (off-peak) classes, the long-context
    threshold, other service tiers, and the time-of-day windows with their standard prices."""
    moment = _off_peak(day, windows)
    standard = model.get_prices(moment)
    values, threshold = _classes(standard)
    tiers = {}
    for tier, context in TIER_CONTEXTS.items():
        variant = model.get_prices(moment, context)
        if variant == standard or variant.__dict__ == standard.__dict__:
            continue  # the data has no such tier for this model
        tier_prices, _ = _classes(variant)
        tiers[tier] = tier_values(**tier_prices)
    peak = []
    for window in windows:
        start = window.start_time.replace(tzinfo=None)
        inside = datetime.datetime.combine(day, start, tzinfo=datetime.UTC)
        window_prices, _ = _classes(model.get_prices(inside + datetime.timedelta(minutes=1)))
        if window_prices == values:
            continue
        peak.append(
            {
                "from": start.strftime("%H:%M"),
                "to": window.end_time.replace(tzinfo=None).strftime("%H:%M"),
                "rates": tier_values(**window_prices),
            }
        )
    return values, threshold, tiers, peak


def _start_dates(model: Any) -> set[datetime.date]:
    """Every day on which a price or a tier's price of the model changes."""
    found = set()
    constrained = [*(model.prices if isinstance(model.prices, list) else [])]
    constrained += list(model.price_variants or [])
    for item in constrained:
        start = getattr(item.constraint, "start_date", None)
        if start is not None:
            found.add(start)
    return found


def row(provider: Any, model: Any, *, as_of: datetime.date) -> PriceRow | None:
    windows = _time_windows(model)
    values, threshold, tiers, peak = _resolved(model, as_of, windows)
    if values["fresh_input"] is None or values["output"] is None:
        return None  # embeddings, images, audio, speech: not priced per text token in and out
    # Every dated change after the data's date, as the whole of what is in force from then on
    # (standard prices, service tiers, peak hours), so a later day's prices are one lookup.
    changes = []
    before = (values, tiers, peak)
    for start in sorted(day for day in _start_dates(model) if day > as_of):
        later, _, later_tiers, later_peak = _resolved(model, start, windows)
        if (later, later_tiers, later_peak) == before:
            continue
        before = (later, later_tiers, later_peak)
        if later["fresh_input"] is None or later["output"] is None:
            continue
        change: dict[str, object] = {"starts_on": start.isoformat(), "rates": tier_values(**later)}
        if later_tiers != tiers:
            change["tiers"] = later_tiers
        if later_peak != peak:
            change["peak"] = later_peak
        changes.append(change)
    canonical = catalogue.canonical_id(model.id)
    first_party = catalogue.is_first_party(provider.id, canonical)
    return PriceRow(
        provider=provider.id,
        model_id=model.id if first_party else f"{provider.id}/{model.id}",
        canonical_id=canonical,
        display_name=model.name or model.id,
        first_party=first_party,
        host="" if first_party else provider.name,
        deprecated=bool(model.deprecated),
        input_per_million=values["fresh_input"],  # type: ignore[arg-type]
        output_per_million=values["output"],  # type: ignore[arg-type]
        cached_input_per_million=values["cache_read"],
        cache_write_per_million=values["cache_write"],
        context_window=model.context_window,
        long_context_threshold=threshold,
        long_context_input_per_million=values["long_fresh_input"],
        long_context_output_per_million=values["long_output"],
        long_context_cache_read_per_million=values["long_cache_read"],
        long_context_cache_write_per_million=values["long_cache_write"],
        tiers=tiers,
        peak_hours=peak,
        price_changes=changes,
    )
