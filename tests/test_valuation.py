from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.valuation import (
    PROFILES,
    ModelRates,
    ModelShare,
    TierRates,
    TokenLine,
    UsageMix,
    ValuationError,
    compare_budget,
    split_to_cents,
    value_token_line,
)

SONNET = ModelRates(
    "claude-sonnet-4-5",
    "Claude Sonnet 4.5",
    tiers={
        "standard": TierRates(
            fresh_input=Decimal("3"),
            output=Decimal("15"),
            cache_read=Decimal("0.3"),
            cache_write=Decimal("3.75"),
            long_fresh_input=Decimal("6"),
            long_output=Decimal("22.5"),
            long_cache_read=Decimal("0.6"),
            long_cache_write=Decimal("7.5"),
        ),
        "batch": TierRates(
            fresh_input=Decimal("1.5"),
            output=Decimal("7.5"),
            cache_read=Decimal("0.15"),
            cache_write=Decimal("1.875"),
        ),
    },
    long_context_threshold=200_000,
)
GPT5 = ModelRates(
    "gpt-5",
    "GPT-5",
    tiers={
        "standard": TierRates(Decimal("1.25"), Decimal("10"), cache_read=Decimal("0.125")),
        "priority": TierRates(Decimal("2.5"), Decimal("20"), cache_read=Decimal("0.25")),
    },
)
NO_CACHE = ModelRates(
    "mistral-large-3",
    "Mistral Large 3",
    tiers={"standard": TierRates(Decimal("0.5"), Decimal("1.5"))},
)
AGENTIC = PROFILES["agentic-coding"]


def line(
    *models: ModelShare,
    usd: str | None = "150",
    tokens: int | None = None,
    mix: UsageMix | None = None,
    profile: str = "agentic-coding",
    working_days: int = 230,
) -> TokenLine:
    return TokenLine(
        models=models,
        profile=PROFILES[profile],
        mix=mix or PROFILES[profile].mix,
        usd_per_day=Decimal(usd) if usd is not None else None,
        tokens_per_day=tokens,
        working_days=working_days,
    )


def flat(price: str) -> ModelRates:
    """A model with the same price in every class, tier and request length."""
    p = Decimal(price)
    return ModelRates(
        "flat", "Flat", tiers={"standard": TierRates(p, p, cache_read=p, cache_write=p)}
    )


def test_agentic_coding_preset_is_the_mean_of_the_three_published_logs() -> None:
    logs = [
        (Decimal("0.14"), Decimal("7.67"), Decimal("91.46"), Decimal("0.74")),
        (Decimal("11.46"), Decimal("11.42"), Decimal("75.67"), Decimal("1.46")),
        (Decimal("6.60"), Decimal("0"), Decimal("92.42"), Decimal("0.99")),
    ]
    means = [sum(column) / 3 for column in zip(*logs, strict=True)]
    preset = AGENTIC.mix.percent()
    for mean, name in zip(
        means, ["fresh_input", "cache_write", "cache_read", "output"], strict=True
    ):
        assert abs(preset[name] - mean) <= Decimal("0.5"), name
    assert sum(preset.values()) == 100


def test_budget_on_one_model_matches_a_hand_computed_figure() -> None:
    valuation = value_token_line(line(ModelShare(SONNET, Decimal(1))))
    only = valuation.lines[0]
    # 0.06 x 3 + 0.065 x 3.75 + 0.865 x 0.3 + 0.01 x 15 = 0.18 + 0.24375 + 0.2595 + 0.15
    assert only.blended_per_million == Decimal("0.83325")
    # 150 / 0.83325 x 1M = 180,018,001.8… → whole tokens, rounded down.
    assert only.tokens_per_day == 180_018_001
    assert valuation.usd_per_year == Decimal("34500")  # 150 x 230
    assert valuation.notes == []
    # 180M tokens / (13.3M an hour x 8 hours) = 1.69 coding agents kept busy all day.
    assert only.agents is not None and only.agents.quantize(Decimal("0.01")) == Decimal("1.69")
    assert only.agent_hours is None


def test_a_model_with_one_price_for_every_class_buys_the_same_tokens_whatever_the_mix() -> None:
    mixes = [
        AGENTIC.mix,
        PROFILES["chat"].mix,
        UsageMix.from_percent(Decimal(0), Decimal(100), Decimal(0), Decimal(0)),
        UsageMix.from_percent(Decimal(25), Decimal(25), Decimal(25), Decimal(25)),
    ]
    tokens = {
        value_token_line(line(ModelShare(flat("2"), Decimal(1)), mix=mix)).lines[0].tokens_per_day
        for mix in mixes
    }
    assert tokens == {75_000_000}  # $150 / $2 per 1M


@pytest.mark.parametrize("price_class", ["fresh_input", "cache_write", "cache_read", "output"])
def test_each_class_price_changes_the_result_by_its_share(price_class: str) -> None:
    base = value_token_line(line(ModelShare(SONNET, Decimal(1)))).lines[0]
    standard = SONNET.tiers["standard"]
    dearer = ModelRates(
        "x",
        "X",
        tiers={
            "standard": TierRates(
                **{
                    **{name: getattr(standard, name) for name in standard.__dataclass_fields__},
                    price_class: getattr(standard, price_class) + 1,
                }
            )
        },
    )
    changed = value_token_line(line(ModelShare(dearer, Decimal(1)))).lines[0]
    assert changed.blended_per_million - base.blended_per_million == getattr(
        AGENTIC.mix, price_class
    )
    assert changed.tokens_per_day < base.tokens_per_day


def test_cache_writes_use_the_cache_write_price_or_the_input_price_and_say_which() -> None:
    sonnet = value_token_line(line(ModelShare(SONNET, Decimal(1)))).lines[0]
    write = next(c for c in sonnet.classes if c.name == "cache_write")
    assert write.usd_per_million == Decimal("3.75")
    gpt = value_token_line(line(ModelShare(GPT5, Decimal(1)))).lines[0]
    write = next(c for c in gpt.classes if c.name == "cache_write")
    assert write.usd_per_million == Decimal("1.25")  # GPT-5's input price
    assert "no cache write price given" in write.basis
    assert gpt.notes == (
        "GPT-5 (standard): cache write valued at the input price (no cache write price given).",
    )


def test_missing_cache_prices_fall_back_to_input_and_say_so() -> None:
    valuation = value_token_line(line(ModelShare(NO_CACHE, Decimal(1)), usd="10"))
    assert valuation.lines[0].blended_per_million == Decimal("0.51")  # 0.99 x 0.5 + 0.01 x 1.5
    assert len(valuation.notes) == 2
    batch = value_token_line(line(ModelShare(NO_CACHE, Decimal(1)), usd="10", profile="batch"))
    assert batch.notes == []  # the batch preset sends no cached tokens


# Work that can wait, with the agentic mix so the figures compare with the other tests'.
WAITING_WORK: dict[str, Any] = {"profile": "batch", "mix": PROFILES["agentic-coding"].mix}


def test_batch_at_half_price_doubles_the_tokens() -> None:
    standard = value_token_line(line(ModelShare(SONNET, Decimal(1)), **WAITING_WORK)).lines[0]
    batch = value_token_line(
        line(ModelShare(SONNET, Decimal(1), tier="batch"), **WAITING_WORK)
    ).lines[0]
    assert batch.blended_per_million * 2 == standard.blended_per_million
    assert abs(batch.tokens_per_day - 2 * standard.tokens_per_day) <= 1
    assert batch.tier == "batch"


def test_priority_tier_is_dearer_and_a_tier_the_data_lacks_is_refused() -> None:
    standard = value_token_line(line(ModelShare(GPT5, Decimal(1)))).lines[0]
    priority = value_token_line(line(ModelShare(GPT5, Decimal(1), tier="priority"))).lines[0]
    assert priority.tokens_per_day < standard.tokens_per_day
    with pytest.raises(ValuationError, match="GPT-5 has no batch prices.*standard, priority"):
        value_token_line(line(ModelShare(GPT5, Decimal(1), tier="batch"), **WAITING_WORK))


@pytest.mark.parametrize("tier", ["batch", "flex"])
@pytest.mark.parametrize("profile", ["agentic-coding", "chat"])
def test_tiers_for_work_that_can_wait_are_refused_where_someone_waits(
    tier: str, profile: str
) -> None:
    with pytest.raises(ValuationError, match=f"the {tier} tier is for work that can wait"):
        value_token_line(line(ModelShare(SONNET, Decimal(1), tier=tier), profile=profile))


def test_long_context_share_uses_the_long_context_rates() -> None:
    short = value_token_line(line(ModelShare(SONNET, Decimal(1)))).lines[0]
    all_long = value_token_line(
        line(ModelShare(SONNET, Decimal(1), long_context_share=Decimal(1)))
    ).lines[0]
    # Every long-context price of Sonnet 4.5 is double, but output is 1.5x: 0.06x6 + 0.065x7.5
    # + 0.865x0.6 + 0.01x22.5 = 0.36 + 0.4875 + 0.519 + 0.225 = 1.5915
    assert all_long.blended_per_million == Decimal("1.5915")
    half = value_token_line(
        line(ModelShare(SONNET, Decimal(1), long_context_share=Decimal("0.5")))
    ).lines[0]
    assert half.blended_per_million == (short.blended_per_million + Decimal("1.5915")) / 2


def test_long_context_share_on_a_model_with_one_price_says_so() -> None:
    valuation = value_token_line(
        line(ModelShare(GPT5, Decimal(1), long_context_share=Decimal("0.3")))
    )
    plain = value_token_line(line(ModelShare(GPT5, Decimal(1))))
    assert valuation.lines[0].tokens_per_day == plain.lines[0].tokens_per_day
    assert any("one price whatever the request length" in note for note in valuation.notes)


def test_split_line_dollars_add_up_to_the_budget_to_the_cent() -> None:
    third = Decimal("0.3333")
    valuation = value_token_line(
        line(
            ModelShare(SONNET, third),
            ModelShare(GPT5, third),
            ModelShare(NO_CACHE, Decimal(1) - 2 * third),
        )
    )
    assert [ln.usd_per_day for ln in valuation.lines] == [
        Decimal("50.00"),
        Decimal("49.99"),
        Decimal("50.01"),
    ]
    assert sum(ln.usd_per_day for ln in valuation.lines) == Decimal("150")


@given(
    budget=st.decimals(min_value=0, max_value=10_000, places=2),
    cuts=st.lists(st.integers(min_value=1, max_value=9999), min_size=1, max_size=2, unique=True),
)
def test_splits_always_add_up_to_the_cent(budget: Decimal, cuts: list[int]) -> None:
    points = sorted(cuts)
    edges = [0, *points, 10_000]
    shares = [Decimal(b - a) / 10_000 for a, b in zip(edges, edges[1:], strict=False)]
    shares = [s for s in shares if s > 0]
    shares[-1] = Decimal(1) - sum(shares[:-1])
    parts = split_to_cents(budget, shares)
    assert sum(parts) == budget
    assert all(part == part.quantize(Decimal("0.01")) and part >= 0 for part in parts)


def test_budget_in_tokens_is_valued_in_dollars_rounded_up_to_the_cent() -> None:
    valuation = value_token_line(line(ModelShare(SONNET, Decimal(1)), usd=None, tokens=40_000_000))
    # 40M x 0.83325 / 1M = $33.33 a day (33.33 exactly); x 230 = $7,665.90 a year.
    assert valuation.usd_per_day == Decimal("33.33")
    assert valuation.lines[0].tokens_per_day == 40_000_000
    assert valuation.usd_per_year == Decimal("7665.90")


def test_hours_of_one_agent_only_when_the_budget_buys_less_than_an_agent_day() -> None:
    small = value_token_line(line(ModelShare(SONNET, Decimal(1)), usd="20")).lines[0]
    # 20 / 0.83325 = 24.0M tokens: 1.8 hours of one agent at 13.3M an hour.
    assert small.agents is not None and small.agents < 1
    assert small.agent_hours is not None and small.agent_hours < 8


@given(
    usd=st.decimals(min_value=0, max_value=100_000, places=2),
    price=st.decimals(min_value="0.001", max_value=100, places=3),
)
def test_never_more_hours_than_a_working_day(usd: Decimal, price: Decimal) -> None:
    valuation = value_token_line(line(ModelShare(flat(str(price)), Decimal(1)), usd=str(usd)))
    only = valuation.lines[0]
    if only.agent_hours is not None:
        assert only.agent_hours < valuation.agent_hours_per_day
    else:
        assert only.agents is not None and only.agents >= 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"usd": "-1"}, "zero or more"),
        ({"working_days": 0}, "between 1 and 366"),
        ({"working_days": 400}, "between 1 and 366"),
        ({"usd": "150", "tokens": 5}, "not both"),
        ({"usd": "0.001"}, "whole number of cents"),
    ],
)
def test_invalid_budgets_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValuationError, match=message):
        value_token_line(line(ModelShare(SONNET, Decimal(1)), **kwargs))  # type: ignore[arg-type]


def test_usage_shares_must_add_up_to_100_percent() -> None:
    with pytest.raises(ValuationError, match="add up to 100%, not 99%"):
        UsageMix.from_percent(Decimal(10), Decimal(10), Decimal(70), Decimal(9))


def test_every_profile_says_where_its_numbers_come_from_and_what_is_uncertain() -> None:
    for profile in PROFILES.values():
        assert profile.source and profile.uncertain
    assert "published" in AGENTIC.source
    assert AGENTIC.tokens_per_agent_hour and AGENTIC.agent_source


def test_free_models_cannot_be_bought() -> None:
    with pytest.raises(ValuationError, match="free"):
        value_token_line(line(ModelShare(flat("0"), Decimal(1))))


def test_comparisons_with_typical_spend_and_a_seat_plan() -> None:
    comparisons = compare_budget(
        usd_per_day=Decimal("130"),
        working_days=230,
        reference_usd_per_day=Decimal("13"),
        reference_label="published average",
        seat_usd_per_year=Decimal("2400"),
        seat_label="a $200 plan",
    )
    assert [c.ratio for c in comparisons] == [Decimal(10), Decimal("130") * 230 / 2400]
    assert (
        compare_budget(
            usd_per_day=Decimal(1),
            working_days=230,
            reference_usd_per_day=None,
            reference_label="",
            seat_usd_per_year=None,
            seat_label="",
        )
        == []
    )


@given(budget=st.decimals(min_value=0, max_value=10_000, places=2))
def test_doubling_the_budget_doubles_the_tokens(budget: Decimal) -> None:
    one = value_token_line(line(ModelShare(SONNET, Decimal(1)), usd=str(budget))).lines[0]
    two = value_token_line(line(ModelShare(SONNET, Decimal(1)), usd=str(budget * 2))).lines[0]
    assert abs(two.tokens_per_day - 2 * one.tokens_per_day) <= 1
    assert isinstance(one.usd_per_day, Decimal)
