"""The snapshot bundled with the project, written by the team from published list prices.

Prices in the file are USD per 1M tokens, as decimal strings; `taken_on` is the date they were
read. A fresh install values tokens with it, offline.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from pricing.sources import (
    Parsed,
    PayloadError,
    PriceRow,
    RowError,
    checked_per_million,
    to_decimal,
)

NAME = "bundled"
PATH = Path(__file__).resolve().parent.parent / "data" / "bundled_prices.json"


def load(raw: bytes) -> dict[str, object]:
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise PayloadError(f"not valid JSON: {error}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("models"), list):
        raise PayloadError('expected an object with a "models" list')
    return payload


def taken_on(raw: bytes) -> datetime.date | None:
    value = load(raw).get("taken_on")
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def flagship_ids(raw: bytes) -> list[str]:
    return [m["model_id"] for m in load(raw)["models"] if m.get("flagship")]  # type: ignore[attr-defined]


def display_names(raw: bytes) -> dict[str, str]:
    return {m["model_id"]: m["display_name"] for m in load(raw)["models"]}  # type: ignore[attr-defined]


def parse(raw: bytes) -> Parsed:
    parsed = Parsed()
    for model in load(raw)["models"]:  # type: ignore[attr-defined]
        model_id = str(model.get("model_id", ""))
        try:
            parsed.rows.append(row(model_id, model))
        except RowError as error:
            parsed.rejected.append((model_id or "(no id)", str(error)))
    return parsed


def row(model_id: str, model: dict[str, object]) -> PriceRow:
    if not model_id:
        raise RowError("model without a model_id")

    def rate(key: str, *, required: bool = False):  # type: ignore[no-untyped-def]
        value = model.get(key)
        if value is None:
            if required:
                raise RowError(f"no {key} price")
            return None
        return checked_per_million(to_decimal(value, what=key), what=key)

    context = model.get("context_window")
    return PriceRow(
        provider=str(model.get("provider", "")),
        model_id=model_id,
        display_name=str(model.get("display_name") or model_id),
        input_per_million=rate("input", required=True),
        output_per_million=rate("output", required=True),
        cached_input_per_million=rate("cached_input"),
        cache_write_per_million=rate("cache_write"),
        context_window=context if isinstance(context, int) and context > 0 else None,
    )
