from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from pricing import catalogue
from pricing.sources import PayloadError, genai_prices, litellm, openrouter

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
    assert sonnet.long_context_cache_read_per_million == Decimal("0.6")
    assert sonnet.long_context_cache_write_per_million is None
    assert sonnet.tiers == {"batch": {"fresh_input": "1.5", "output": "7.5"}}
    assert sonnet.first_party and sonnet.canonical_id == "claude-sonnet-4-5"
    # Tiers (_flex, _batches) do not replace the standard price; a tier gives what it changes.
    assert rows["gpt-5"].input_per_million == Decimal("1.25")
    assert rows["gpt-5"].cache_write_per_million is None
    assert rows["gpt-5"].tiers["flex"]["fresh_input"] == "0.625"
    assert rows["gpt-5"].tiers["batch"] == {"fresh_input": "1.25", "output": "5"}
    # Hosts and regions are named; deprecation dates are kept.
    azure = rows["azure/eu/gpt-5"]
    assert (azure.first_party, azure.host, azure.region) == (False, "Microsoft Azure", "eu")
    assert rows["gpt-4-0613"].deprecated_on is not None
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
    assert len(parsed.rows) == 8


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
    assert sonnet.display_name == "Claude Sonnet 4.5"
    assert sonnet.first_party and sonnet.host == "OpenRouter"
    assert sonnet.canonical_id == "claude-sonnet-4-5"
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


def test_genai_prices_package_data_imports_offline_with_its_release_date() -> None:
    parsed = genai_prices.parse_package()
    assert parsed.as_of == genai_prices.RELEASES[genai_prices.package_version()]
    assert len(parsed.rows) > 1000
    assert parsed.rejected == []
    rows = by_id(parsed.rows)
    featured = {row.canonical_id for row in parsed.rows if row.first_party}
    missing = set(catalogue.FEATURED) - featured
    assert not missing, f"featured models the package does not price: {missing}"
    sonnet = rows["claude-sonnet-4-5"]
    assert sonnet.display_name == "Claude Sonnet 4.5"
    assert "batch" in sonnet.tiers


def test_the_installed_genai_prices_version_has_a_recorded_release_date() -> None:
    # A lock upgrade must record the new version's release date: it is the prices' "as of".
    assert genai_prices.package_version() in genai_prices.RELEASES


def test_genai_prices_file_tiers_long_context_dated_changes_and_hosts() -> None:
    import datetime

    raw = (FIXTURES / "genai_prices_small.json").read_bytes()
    parsed = genai_prices.parse(raw, as_of=datetime.date(2026, 11, 29))
    rows = by_id(parsed.rows)
    sonnet = rows["claude-sonnet-4-5"]
    assert (sonnet.input_per_million, sonnet.long_context_input_per_million) == (
        Decimal("3"),
        Decimal("6"),
    )
    assert sonnet.long_context_threshold == 200000
    assert sonnet.long_context_cache_read_per_million == Decimal("0.6")
    assert sonnet.cache_write_per_million == Decimal("3.75")  # the 5-minute write, not the 1-hour
    assert sonnet.tiers["batch"]["fresh_input"] == "1.5"
    assert sonnet.tiers["batch"]["long_output"] == "11.25"
    assert set(rows["gpt-5"].tiers) == {"batch", "priority", "flex"}
    assert rows["deepseek-v4-flash"].tiers == {}
    # An introductory price in force, and the announced change kept for later.
    intro = rows["claude-sonnet-5"]
    assert intro.input_per_million == Decimal("2")
    assert intro.price_changes == [
        {
            "starts_on": "2099-01-01",
            "rates": {
                "fresh_input": "3",
                "output": "15",
                "cache_read": "0.3",
                "cache_write": "3.75",
            },
        }
    ]
    # A host's copy of a model is named by host, not taken for the maker's.
    bedrock = rows["aws/eu.anthropic.claude-sonnet-4-5"]
    assert (bedrock.first_party, bedrock.host, bedrock.canonical_id) == (
        False,
        "AWS Bedrock",
        "claude-sonnet-4-5",
    )
    assert rows["claude-3-opus"].deprecated is True
    assert parsed.skipped == 1  # the embedding model


def test_genai_prices_resolves_dated_prices_as_of_the_data_date() -> None:
    import datetime

    raw = (FIXTURES / "genai_prices_small.json").read_bytes()
    later = by_id(genai_prices.parse(raw, as_of=datetime.date(2099, 6, 1)).rows)
    assert later["claude-sonnet-5"].input_per_million == Decimal("3")
    assert later["claude-sonnet-5"].price_changes == []


@pytest.mark.parametrize("payload", [b"{}", b"not json", b'[{"id": "x"}]'])
def test_genai_prices_garbage_is_a_payload_error(payload: bytes) -> None:
    with pytest.raises(PayloadError):
        genai_prices.parse(payload)


@pytest.mark.parametrize(
    ("model_id", "canonical"),
    [
        ("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("eu.anthropic.claude-sonnet-4-5-v1:0", "claude-sonnet-4-5"),
        ("azure/eu/gpt-5.6-sol", "gpt-5-6-sol"),
        ("xai/grok-4.5", "grok-4-5"),
        ("GLM-5.3", "glm-5-3"),
    ],
)
def test_one_model_is_recognised_across_sources(model_id: str, canonical: str) -> None:
    assert catalogue.canonical_id(model_id) == canonical


@needs_shared
def test_litellm_real_file_imports_thousands_of_models() -> None:
    parsed = litellm.parse((SHARED / "litellm_2026-08-01.json").read_bytes())
    assert len(parsed.rows) > 2000
    rows = by_id(parsed.rows)
    assert rows["claude-sonnet-4-5"].input_per_million == Decimal("3")
    assert all(row.input_per_million <= 1000 for row in parsed.rows)
    # The same model under many keys: the maker's own row is first-party, hosts are named.
    assert rows["gpt-5.6-sol"].first_party and rows["gpt-5.6-sol"].tiers["priority"]
    assert not rows["azure/eu/gpt-5.6-sol"].first_party
    assert rows["azure/eu/gpt-5.6-sol"].region == "eu"
    assert any("absurd" in reason for _, reason in parsed.rejected)


@needs_shared
def test_openrouter_real_response_imports() -> None:
    raw = (SHARED / "openrouter_models_2026-08-01.json").read_bytes()
    parsed = openrouter.parse(raw)
    assert len(parsed.rows) > 300
    assert openrouter.next_page(raw, "https://openrouter.ai/api/v1/models") is None
    assert any(row.long_context_threshold for row in parsed.rows)
    assert all(isinstance(row.input_per_million, Decimal) for row in parsed.rows)


@needs_shared
def test_genai_prices_real_file_imports() -> None:
    import datetime

    raw = (SHARED / "genai_prices_v2_2026-08-21.json").read_bytes()
    parsed = genai_prices.parse(raw, as_of=datetime.date(2026, 8, 21))
    assert len(parsed.rows) > 1000
    rows = by_id(parsed.rows)
    # Claude Sonnet 5's introductory $2 ran to 31 Aug; $3 from 1 Sep was announced.
    assert rows["claude-sonnet-5"].input_per_million == Decimal("2")
    assert rows["claude-sonnet-5"].price_changes[0]["starts_on"] == "2026-09-01"


def test_a_model_its_maker_sells_from_two_regions_keeps_both_prices_labelled_by_region() -> None:
    """GLM-5.3 is sold by Z.AI and, at other prices, by Zhipu AI in China: neither is dropped."""
    from genai_prices import data

    rows = [
        r
        for r in genai_prices.parse_package().rows
        if r.canonical_id == "glm-5-3" and r.first_party
    ]
    by_provider = {r.provider: r for r in rows}
    assert set(by_provider) == {"zai", "zhipuai"}
    china = next(p for p in data.providers if p.id == "zhipuai")
    listed = next(m for m in china.models if m.id == "GLM-5.3")
    moment = datetime.datetime.combine(
        genai_prices.package_as_of(), datetime.time(23, 59), tzinfo=datetime.UTC
    )
    assert by_provider["zhipuai"].input_per_million == listed.get_prices(moment).input_mtok
    assert by_provider["zhipuai"].input_per_million != by_provider["zai"].input_per_million
    assert (by_provider["zai"].model_id, by_provider["zai"].region) == ("GLM-5.3", "")
    assert (by_provider["zhipuai"].model_id, by_provider["zhipuai"].region) == (
        "zhipuai/GLM-5.3",
        "China",
    )


@pytest.mark.django_db
def test_the_models_open_offers_use_are_cross_checked_and_pricing_imports_no_offers(
    recruiter: User, manager: User
) -> None:
    import pathlib

    from pricing.services import checked_models
    from tests import factories

    open_offer = factories.offer(
        by=recruiter, hiring_manager=manager, models=[("mistral-large-3", "100")]
    )
    answered = factories.accepted(
        factories.offer(by=recruiter, hiring_manager=manager, models=[("gpt-4.1-mini", "100")]),
        recruiter=recruiter,
        manager=manager,
    )
    checked = checked_models()
    assert "mistral-large-3" in checked and open_offer.status == "draft"
    assert "gpt-4.1-mini" not in checked and answered.status == "accepted"
    sources = pathlib.Path(__file__).resolve().parents[1] / "pricing"
    assert not any(
        line.strip().startswith(("from offers", "import offers"))
        for path in sources.rglob("*.py")
        for line in path.read_text().splitlines()
    )
