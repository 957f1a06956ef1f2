"""LiteLLM's model_prices_and_context_window.json: one object keyed by model id, USD per token."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from pricing import catalogue
from pricing.sources import (
    Parsed,
    PayloadError,
    PriceRow,
    RowError,
    parse_date,
    per_million,
    tier_values,
)

NAME = "litellm"
DEFAULT_URL = (
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
)
NON_MODEL_KEYS = {"sample_spec", "last_updated"}
TEXT_MODES = {"chat", "completion", "responses", None}
LONG_CONTEXT_KEY = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")
# LiteLLM's key for each token class; a tier adds `_batches`, `_priority` or `_flex`.
CLASS_KEYS = {
    "fresh_input": "input_cost_per_token",
    "output": "output_cost_per_token",
    "cache_read": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
}
TIER_SUFFIXES = {"batch": "_batches", "priority": "_priority", "flex": "_flex"}
HOSTS = {
    "bedrock": "AWS Bedrock",
    "bedrock_converse": "AWS Bedrock",
    "azure": "Microsoft Azure",
    "azure_ai": "Azure AI Foundry",
    "vertex_ai": "Google Vertex AI",
    "openrouter": "OpenRouter",
    "together_ai": "Together AI",
    "groq": "Groq",
    "fireworks_ai": "Fireworks",
}
REGION = re.compile(r"^(us|eu|apac|global|au|jp)\.")


def parse(raw: bytes) -> Parsed:
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise PayloadError(f"not valid JSON: {error}") from None
    if not isinstance(payload, dict):
        raise PayloadError("expected one JSON object keyed by model id")
    parsed = Parsed()
    parsed.as_of = parse_date(payload.get("last_updated"))
    for model_id, entry in payload.items():
        if model_id in NON_MODEL_KEYS:
            continue
        if not isinstance(entry, dict):
            parsed.rejected.append((model_id, "entry is not an object"))
            continue
        if entry.get("mode") not in TEXT_MODES or "input_cost_per_token" not in entry:
            parsed.skipped += 1  # images, audio, embeddings…: not priced per text token
            continue
        try:
            parsed.rows.append(row(model_id, entry))
        except RowError as error:
            parsed.rejected.append((model_id, str(error)))
    return parsed


def _classes(entry: dict[str, object], suffix: str = "") -> dict[str, Decimal | None]:
    """One tier's prices per class, its long-context prices too, per 1M tokens."""

    def optional(key: str, what: str) -> Decimal | None:
        value = entry.get(key)
        return None if value is None else per_million(value, what=what)

    threshold = next((m.group(1) for key in entry if (m := LONG_CONTEXT_KEY.match(key))), None)
    values: dict[str, Decimal | None] = {}
    tier = f" ({suffix.strip('_')})" if suffix else ""
    for name, key in CLASS_KEYS.items():
        what = name.replace("fresh_", "").replace("_", " ") + " price" + tier
        values[name] = optional(key + suffix, what)
        values[f"long_{name}"] = (
            optional(f"{key}_above_{threshold}k_tokens{suffix}", f"long-context {what}")
            if threshold
            else None
        )
    return values


def row(model_id: str, entry: dict[str, object]) -> PriceRow:
    if "output_cost_per_token" not in entry:
        raise RowError("no output price")
    standard = _classes(entry)
    if standard["fresh_input"] is None or standard["output"] is None:
        raise RowError("input or output price is missing (null)")
    tiers = {}
    for tier, suffix in TIER_SUFFIXES.items():
        values = _classes(entry, suffix)
        if values["fresh_input"] is None and values["output"] is None:
            continue
        # LiteLLM gives a tier's changed prices only; the others are the standard ones.
        for name in ("fresh_input", "output"):
            values[name] = values[name] if values[name] is not None else standard[name]
        tiers[tier] = tier_values(**values)
    threshold_match = next((m for key in entry if (m := LONG_CONTEXT_KEY.match(key))), None)
    provider = str(entry.get("litellm_provider") or model_id.split("/")[0])
    canonical = catalogue.canonical_id(model_id)
    first_party = catalogue.is_first_party(provider, canonical)
    parts = model_id.split("/")
    region = "/".join(parts[1:-1]) if len(parts) > 2 else ""
    if not region and (match := REGION.match(parts[-1])):
        region = match.group(1)
    deprecated_on = parse_date(entry.get("deprecation_date"))
    context = entry.get("max_input_tokens")
    return PriceRow(
        provider=provider,
        model_id=model_id,
        canonical_id=canonical,
        display_name=parts[-1],
        first_party=first_party and not region,
        host="" if first_party else HOSTS.get(provider, provider),
        region=region,
        deprecated_on=deprecated_on,
        input_per_million=standard["fresh_input"],  # type: ignore[arg-type]
        output_per_million=standard["output"],  # type: ignore[arg-type]
        cached_input_per_million=standard["cache_read"],
        cache_write_per_million=standard["cache_write"],
        context_window=context if isinstance(context, int) and context > 0 else None,
        long_context_threshold=int(threshold_match.group(1)) * 1000 if threshold_match else None,
        long_context_input_per_million=standard["long_fresh_input"],
        long_context_output_per_million=standard["long_output"],
        long_context_cache_read_per_million=standard["long_cache_read"],
        long_context_cache_write_per_million=standard["long_cache_write"],
        tiers=tiers,
    )
