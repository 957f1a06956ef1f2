from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing.valuation import (
    PROFILES,
    ModelRates,
    UsageProfile,
    ValuationError,
    value_budget,
    value_tokens,
)

SONNET = ModelRates(
    "claude-sonnet-4-5", "Claude Sonnet 4.5", Decimal("3"), Decimal("15"), Decimal("0.3")
)
GPT5 = ModelRates("gpt-5", "GPT-5", Decimal("1.25"), Decimal("10"), Decimal("0.125"))
NO_CACHE = ModelRates("mistral-large-3", "Mistral Large 3", Decimal("0.5"), Decimal("1.5"))
AGENTIC = PROFILES["agentic-coding"]


def test_budget_on_one_model_matches_a_hand_computed_figure() -> None:
    # Agentic coding on Sonnet: 0.10 x 3 + 0.85 x 0.3 + 0.05 x 15 = $1.305 per 1M tokens.
    valuation = value_budget(
        usd_per_day=Decimal("150"), allocations=[(SONNET, Decimal(1))], profile=AGENTIC
    )
    line = valuation.lines[0]
    assert line.blended_per_million == Decimal("1.305")
    # 150 / 1.305 x 1M = 114,942,528.7… → whole tokens, rounded down.
    assert line.tokens_per_day == 114_942_528
    assert valuation.usd_per_year == Decimal("34500")  # 150 x 230
    assert valuation.working_days == 230
    assert valuation.notes == []


def test_budget_split_across_models_by_share() -> None:
    valuation = value_budget(
        usd_per_day=Decimal("200"),
        allocations=[(SONNET, Decimal("0.75")), (GPT5, Decimal("0.25"))],
        profile=PROFILES["chat"],
        working_days=220,
    )
    sonnet, gpt5 = valuation.lines
    # Chat: 0.6 x 3 + 0.2 x 0.3 + 0.2 x 15 = 4.86; 150 / 4.86 x 1M = 30,864,197.5…
    assert sonnet.usd_per_day == Decimal("150.00")
    assert sonnet.tokens_per_day == 30_864_197
    # Chat on GPT-5: 0.75 + 0.025 + 2 = 2.775; 50 / 2.775 x 1M = 18,018,018.0…
    assert gpt5.tokens_per_day == 18_018_018
    assert valuation.usd_per_year == Decimal("44000")
    assert valuation.tokens_per_day == 30_864_197 + 18_018_018


def test_missing_cache_price_falls_back_to_input_and_says_so() -> None:
    valuation = value_budget(
        usd_per_day=Decimal("10"), allocations=[(NO_CACHE, Decimal(1))], profile=AGENTIC
    )
    # 0.10 x 0.5 + 0.85 x 0.5 + 0.05 x 1.5 = 0.55
    assert valuation.lines[0].blended_per_million == Decimal("0.55")
    assert valuation.lines[0].cache_price_assumed is True
    assert valuation.notes == [
        "Mistral Large 3 has no cached-input price in this snapshot; "
        "cached input is valued at the input price."
    ]
    batch = value_budget(
        usd_per_day=Decimal("10"), allocations=[(NO_CACHE, Decimal(1))], profile=PROFILES["batch"]
    )
    assert batch.notes == []  # the batch profile uses no cached input


def test_budget_in_tokens_is_valued_in_dollars() -> None:
    valuation = value_tokens(tokens_per_day=40_000_000, rates=SONNET, profile=AGENTIC)
    # 40M x 1.305 / 1M = $52.20 a day; x 230 = $12,006 a year.
    assert valuation.usd_per_day == Decimal("52.2")
    assert valuation.usd_per_year == Decimal("12006")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"usd_per_day": Decimal("-1")}, "zero or more"),
        ({"allocations": [(SONNET, Decimal("0.5"))]}, "sum to 100%"),
        ({"allocations": []}, "at least one model"),
        ({"working_days": 0}, "between 1 and 366"),
        ({"usd_per_day": 150.0}, "Decimal"),
    ],
)
def test_invalid_budgets_are_refused(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "usd_per_day": Decimal("100"),
        "allocations": [(SONNET, Decimal(1))],
        "profile": AGENTIC,
    }
    arguments.update(kwargs)
    with pytest.raises(ValuationError, match=message):
        value_budget(**arguments)  # type: ignore[arg-type]


def test_profile_shares_must_sum_to_one() -> None:
    with pytest.raises(ValuationError, match="sum to 1"):
        UsageProfile("x", "x", Decimal("0.5"), Decimal("0.5"), Decimal("0.5"), why="")


def test_every_profile_documents_where_its_numbers_come_from() -> None:
    assert all(len(profile.why) > 40 for profile in PROFILES.values())


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
price = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=4)


@given(budget=money, input_price=price, output_price=price, cached=price)
def test_doubling_the_budget_doubles_the_tokens(budget, input_price, output_price, cached) -> None:  # type: ignore[no-untyped-def]
    rates = ModelRates("m", "M", input_price, output_price, cached)
    one = value_budget(usd_per_day=budget, allocations=[(rates, Decimal(1))], profile=AGENTIC)
    two = value_budget(usd_per_day=budget * 2, allocations=[(rates, Decimal(1))], profile=AGENTIC)
    # Each figure is rounded down to whole tokens, so doubling may differ by the one lost token.
    assert two.tokens_per_day - 2 * one.tokens_per_day in (0, 1)


@given(budget=money, split=st.integers(min_value=0, max_value=100))
def test_shares_that_sum_to_one_spend_the_whole_budget_and_no_float_appears(budget, split) -> None:  # type: ignore[no-untyped-def]
    share = Decimal(split) / 100
    valuation = value_budget(
        usd_per_day=budget,
        allocations=[(SONNET, share), (GPT5, 1 - share)],
        profile=PROFILES["chat"],
    )
    assert sum(line.usd_per_day for line in valuation.lines) == budget
    figures = [valuation.usd_per_day, valuation.usd_per_year]
    for line in valuation.lines:
        figures += [line.usd_per_day, line.usd_per_year, line.blended_per_million, line.share]
    assert all(isinstance(figure, Decimal) for figure in figures)
    assert all(isinstance(line.tokens_per_day, int) for line in valuation.lines)
