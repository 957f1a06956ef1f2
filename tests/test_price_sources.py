from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from pricing.sources import PayloadError, bundled, litellm, openrouter

FIXTURES = Path(__file__).parent / "fixtures" / "prices"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "prices"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/fixtures/prices absent")


def by_id(rows):  # type: ignore[no-untyped-def]
    return {row.model_id: row for row in rows}


def test_litellm_rows_are_converted_to_exact_usd_per_million() -> None:
    parsed = litellm.parse((FIXTURES / "litellm_small.json").read_bytes())
    rows = by_id(parsed.rows)
    sonnet = rows["claude-sonnet-4-5"]
    assert sonnet.provider == "anthropic"
    assert sonnet.input_per_million == Decimal("3")
    assert sonnet.output_per_million == Decimal("15")
    assert sonnet.cached_input_per_million == Decimal("0.3")
    assert sonnet.cache_write_per_million == Decimal("3.75")
    assert sonnet.context_window == 200000
    assert sonnet.long_context_threshold == 200000
    assert sonnet.long_context_input_per_million == Decimal("6")
    assert sonnet.long_context_output_per_million == Decimal("22.5")
    # Tiers (_flex, _batches) do not replace the standard price.
    assert rows["gpt-5"].input_per_million == Decimal("1.25")
    assert rows["gpt-5"].cache_write_per_million is None
    # Ints and tiny floats survive exactly.
    flash = rows["deepseek-v4-flash"]
    assert flash.input_per_million == Decimal("0")
    assert flash.cached_input_per_million == Decimal("0.0028")
    # The same model under many keys stays as the source names it, regional uplift included.
    assert rows["eu.anthropic.claude-sonnet-4-5"].input_per_million == Decimal("3.3")
    assert "openai/gpt-5" in rows


def test_litellm_skips_non_models_and_non_text_and_rejects_bad_rows_alone() -> None:
    parsed = litellm.parse((FIXTURES / "litellm_small.json").read_bytes())
    ids = {row.model_id for row in parsed.rows}
    assert "sample_spec" not in ids and "last_updated" not in ids
    assert parsed.skipped == 2  # the image model and the embedding model
    reasons = dict(parsed.rejected)
    assert set(reasons) == {
        "int-priced-model",
        "negative-model",
        "absurd-model",
        "string-priced-model",
        "nan-model",
        "no-output-model",
    }
    assert "negative" in reasons["negative-model"]
    assert "absurd" in reasons["absurd-model"]
    assert "absurd" in reasons["int-priced-model"]
    assert "not a number" in reasons["string-priced-model"]
    assert "not a finite number" in reasons["nan-model"]
    assert "no output price" in reasons["no-output-model"]
    assert len(parsed.rows) == 6


@pytest.mark.parametrize("payload", [b"", b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_litellm_garbage_is_a_payload_error(payload: bytes) -> None:
    with pytest.raises(PayloadError):
        litellm.parse(payload)


def test_openrouter_strings_unknown_prices_free_models_and_long_context() -> None:
    page = (FIXTURES / "openrouter_page1.json").read_bytes()
    parsed = openrouter.parse(page)
    rows = by_id(parsed.rows)
    sonnet = rows["anthropic/claude-sonnet-4.5"]
    assert sonnet.provider == "anthropic"
    assert sonnet.display_name == "Anthropic: Claude Sonnet 4.5"
    assert sonnet.input_per_million == Decimal("3")
    assert sonnet.cache_write_per_million == Decimal("3.75")
    assert sonnet.long_context_threshold == 200000
    assert sonnet.long_context_output_per_million == Decimal("22.5")
    free = rows["meta-llama/llama-4-maverick:free"]
    assert free.input_per_million == free.output_per_million == Decimal("0")
    assert dict(parsed.rejected)["openrouter/auto"].startswith("price unknown (-1)")
    assert openrouter.next_page(page, "https://openrouter.test/api/v1/models") == (
        "https://openrouter.test/api/v1/models?page=2"
    )
    last = (FIXTURES / "openrouter_page2.json").read_bytes()
    assert openrouter.next_page(last, "https://openrouter.test/api/v1/models?page=2") is None
    assert "not a number" in dict(openrouter.parse(last).rejected)["broken/model"]


def test_openrouter_garbage_is_a_payload_error() -> None:
    with pytest.raises(PayloadError):
        openrouter.parse(json.dumps({"models": []}).encode())


def test_bundled_snapshot_covers_the_current_providers_offline() -> None:
    raw = bundled.PATH.read_bytes()
    parsed = bundled.parse(raw)
    assert parsed.rejected == []
    assert len(parsed.rows) >= 25
    providers = {row.provider.split(" ")[0] for row in parsed.rows}
    assert {"openai", "anthropic", "google", "deepseek", "mistral", "xai", "meta"} <= providers
    assert bundled.taken_on(raw) is not None
    assert len(bundled.flagship_ids(raw)) >= 5


@needs_shared
def test_litellm_real_file_imports_thousands_of_models() -> None:
    parsed = litellm.parse((SHARED / "litellm_2026-08-01.json").read_bytes())
    assert len(parsed.rows) > 2000
    rows = by_id(parsed.rows)
    assert rows["claude-sonnet-4-5"].input_per_million == Decimal("3")
    assert all(row.input_per_million <= 1000 for row in parsed.rows)
    assert any("absurd" in reason for _, reason in parsed.rejected)


@needs_shared
def test_openrouter_real_response_imports() -> None:
    raw = (SHARED / "openrouter_models_2026-08-01.json").read_bytes()
    parsed = openrouter.parse(raw)
    assert len(parsed.rows) > 300
    assert openrouter.next_page(raw, "https://openrouter.ai/api/v1/models") is None
    assert any(row.long_context_threshold for row in parsed.rows)
    assert all(isinstance(row.input_per_million, Decimal) for row in parsed.rows)
