"""OpenRouter's GET /api/v1/models: `data[].pricing.*` are decimal strings in USD per token."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urljoin

from pricing import catalogue
from pricing.sources import (
    Parsed,
    PayloadError,
    PriceRow,
    RowError,
    parse_date,
    per_million,
    to_decimal,
)

NAME = "openrouter"
DEFAULT_URL = "https://openrouter.ai/api/v1/models"
UNKNOWN = Decimal(-1)
CLASS_KEYS = {k: k for k in ("prompt", "completion", "input_cache_read", "input_cache_write")}


def load(raw: bytes) -> dict[str, object]:
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise PayloadError(f"not valid JSON: {error}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise PayloadError('expected an object with a "data" list of models')
    return payload


def next_page(raw: bytes, url: str) -> str | None:
    links = load(raw).get("links")
    following = links.get("next") if isinstance(links, dict) else None
    return urljoin(url, following) if isinstance(following, str) and following else None


def parse(raw: bytes) -> Parsed:
    parsed = Parsed()
    for model in load(raw)["data"]:  # type: ignore[attr-defined]
        model_id = str(model.get("id", "")) if isinstance(model, dict) else ""
        if not model_id:
            parsed.rejected.append(("(no id)", "model without an id"))
            continue
        pricing = model.get("pricing")
        if not isinstance(pricing, dict) or "prompt" not in pricing:
            parsed.skipped += 1
            continue
        try:
            parsed.rows.append(row(model_id, model, pricing))
        except RowError as error:
            parsed.rejected.append((model_id, str(error)))
    return parsed


def price(pricing: dict[str, object], key: str, *, free: bool) -> Decimal | None:
    if free:
        return Decimal(0)
    value = pricing.get(key)
    if value is None:
        return None
    if to_decimal(value, what=key) == UNKNOWN:
        return None
    return per_million(value, what=key)


def row(model_id: str, model: dict[str, object], pricing: dict[str, object]) -> PriceRow:
    free = model_id.endswith(":free")
    input_price = price(pricing, "prompt", free=free)
    output_price = price(pricing, "completion", free=free)
    if input_price is None or output_price is None:
        raise RowError("price unknown (-1): a router that picks a model per request")
    threshold = None
    long: dict[str, Decimal | None] = {}
    overrides = pricing.get("overrides")
    if isinstance(overrides, list):
        # Long-context rates: the override with the lowest prompt-length threshold.
        tiers = [o for o in overrides if isinstance(o, dict)]
        tiers = [o for o in tiers if isinstance(o.get("min_prompt_tokens"), int)]
        if tiers:
            first = min(tiers, key=lambda o: o["min_prompt_tokens"])
            threshold = first["min_prompt_tokens"]
            for name, key in CLASS_KEYS.items():
                long[name] = price(first, key, free=free)
    context = model.get("context_length")
    name = str(model.get("name") or model_id)
    vendor = model_id.split("/")[0] if "/" in model_id else "openrouter"
    canonical = catalogue.canonical_id(model_id)
    deprecated_on = parse_date(model.get("expiration_date"))
    return PriceRow(
        provider=vendor,
        model_id=model_id,
        canonical_id=canonical,
        # "Anthropic: Claude Sonnet 4.5" → "Claude Sonnet 4.5"
        display_name=name.split(": ", 1)[-1],
        # OpenRouter resells at the maker's list price; its rows count as the maker's.
        first_party=catalogue.is_first_party(vendor, canonical),
        host="OpenRouter",
        deprecated_on=deprecated_on,
        input_per_million=input_price,
        output_per_million=output_price,
        cached_input_per_million=price(pricing, "input_cache_read", free=free),
        cache_write_per_million=price(pricing, "input_cache_write", free=free),
        context_window=context if isinstance(context, int) and context > 0 else None,
        long_context_threshold=threshold,
        long_context_input_per_million=long.get("prompt"),
        long_context_output_per_million=long.get("completion"),
        long_context_cache_read_per_million=long.get("input_cache_read"),
        long_context_cache_write_per_million=long.get("input_cache_write"),
    )
