"""genai-prices (pydantic/genai-prices): the embedded default and the primary source.

The package ships its price data, so a fresh install values tokens offline; the same data is
published as `prices/new_data/v2/data.json` (USD per 1M tokens), which a refresh can fetch or a
file import can read. The package's own types parse and resolve it: dated price changes
(`constraint.start_date`), long-context tiers (`tiers[].start`), and service tiers
(`price_variants`: `processing=batch`, `service_tier=priority|flex`).

Prices are resolved as of the data's date; changes announced after it are kept as
`price_changes` so the builder can show them.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
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


def parse_providers(providers: list[Any], *, as_of: datetime.date) -> Parsed:
    parsed = Parsed()
    seen: set[str] = set()
    for provider in providers:
        for model in provider.models:
            try:
                row_ = row(provider, model, as_of=as_of)
            except RowError as error:
                parsed.rejected.append((f"{provider.id}/{model.id}", str(error)))
                continue
            if row_ is None:
                parsed.skipped += 1
                continue
            if row_.model_id in seen:
                continue  # a provider listing one id twice: the first entry wins
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


def row(provider: Any, model: Any, *, as_of: datetime.date) -> PriceRow | None:
    moment = _moment(as_of)
    standard = model.get_prices(moment)
    if standard.input_mtok is None or standard.output_mtok is None:
        return None  # embeddings, images, audio, speech: not priced per text token in and out
    values, threshold = _classes(standard)
    tiers = {}
    for tier, context in TIER_CONTEXTS.items():
        variant = model.get_prices(moment, context)
        if variant == standard or variant.__dict__ == standard.__dict__:
            continue  # the data has no such tier for this model
        tier_prices, _ = _classes(variant)
        tiers[tier] = tier_values(**tier_prices)
    changes = []
    if isinstance(model.prices, list):
        for conditional in model.prices:
            start = getattr(conditional.constraint, "start_date", None)
            if start is not None and start > as_of:
                later, _ = _classes(conditional.prices)
                if later["fresh_input"] is not None and later["output"] is not None:
                    changes.append({"starts_on": start.isoformat(), "rates": tier_values(**later)})
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
        price_changes=sorted(changes, key=lambda change: str(change["starts_on"])),
    )
