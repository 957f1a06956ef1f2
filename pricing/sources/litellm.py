"""LiteLLM's model_prices_and_context_window.json: one object keyed by model id, USD per token."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from pricing.sources import Parsed, PayloadError, PriceRow, RowError, per_million

NAME = "litellm"
DEFAULT_URL = (
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
)
NON_MODEL_KEYS = {"sample_spec", "last_updated"}
TEXT_MODES = {"chat", "completion", "responses", None}
LONG_CONTEXT_KEY = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")


def parse(raw: bytes) -> Parsed:
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise PayloadError(f"not valid JSON: {error}") from None
    if not isinstance(payload, dict):
        raise PayloadError("expected one JSON object keyed by model id")
    parsed = Parsed()
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


def row(model_id: str, entry: dict[str, object]) -> PriceRow:
    if "output_cost_per_token" not in entry:
        raise RowError("no output price")

    def optional(key: str) -> Decimal | None:
        value = entry.get(key)
        return None if value is None else per_million(value, what=key)

    threshold = None
    long_input = long_output = None
    for key in entry:
        match = LONG_CONTEXT_KEY.match(key)
        if match:
            threshold = int(match.group(1)) * 1000
            long_input = per_million(entry[key], what=key)
            output_key = f"output_cost_per_token_above_{match.group(1)}k_tokens"
            long_output = optional(output_key)
            break
    context = entry.get("max_input_tokens")
    return PriceRow(
        provider=str(entry.get("litellm_provider") or model_id.split("/")[0]),
        model_id=model_id,
        display_name=model_id.rsplit("/", 1)[-1],
        input_per_million=per_million(entry["input_cost_per_token"], what="input price"),
        output_per_million=per_million(entry["output_cost_per_token"], what="output price"),
        cached_input_per_million=optional("cache_read_input_token_cost"),
        cache_write_per_million=optional("cache_creation_input_token_cost"),
        context_window=context if isinstance(context, int) and context > 0 else None,
        long_context_threshold=threshold,
        long_context_input_per_million=long_input,
        long_context_output_per_million=long_output,
    )
