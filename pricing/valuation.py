"""What a daily AI token budget buys and costs: pure Decimal arithmetic, no Django needed.

A budget in USD per day is split across models by share. Each model is used with a profile of
fresh input, cached input and output tokens; its blended price per token is the share-weighted
sum of its prices, and tokens per day = that model's dollars per day / blended price (whole
tokens, rounded down). Yearly cost = USD per day x working days per year. The reverse values a
budget stated in tokens per day of one model.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

MILLION = Decimal(1_000_000)
ONE = Decimal(1)
DEFAULT_WORKING_DAYS = 230


class ValuationError(ValueError):
    pass


@dataclass(frozen=True)
class UsageProfile:
    key: str
    label: str
    fresh_input: Decimal
    cached_input: Decimal
    output: Decimal
    why: str
    # For candidates: about how many tokens an hour of this kind of use goes through, and
    # what to call that hour ("of an agentic coding session"). The team's estimates.
    tokens_per_hour: int = 1_000_000
    hour_of: str = "of use"

    def __post_init__(self) -> None:
        shares = (self.fresh_input, self.cached_input, self.output)
        if any(not isinstance(s, Decimal) or s < 0 for s in shares):
            raise ValuationError("usage shares must be Decimals of zero or more")
        if sum(shares) != ONE:
            raise ValuationError(
                f"usage shares must sum to 1 (100%), not {sum(shares)}: "
                "fresh input + cached input + output"
            )


PROFILES: dict[str, UsageProfile] = {
    profile.key: profile
    for profile in [
        UsageProfile(
            key="agentic-coding",
            label="Agentic coding",
            fresh_input=Decimal("0.10"),
            cached_input=Decimal("0.85"),
            output=Decimal("0.05"),
            why=(
                "A coding agent re-sends its whole context (files, tool results, history) on "
                "every turn and providers serve the repeated part from the prompt cache, so "
                "most tokens are cached input and few are output. These shares are the team's "
                "estimate of that shape, not a measurement of any one tool."
            ),
            # About one agent turn a minute re-sending some 60,000 tokens of context.
            tokens_per_hour=3_600_000,
            hour_of="of an agentic coding session",
        ),
        UsageProfile(
            key="chat",
            label="Chat assistant",
            fresh_input=Decimal("0.60"),
            cached_input=Decimal("0.20"),
            output=Decimal("0.20"),
            why=(
                "Conversations with short prompts and replies of similar length; some history "
                "is cached between turns. The team's estimate."
            ),
            # About twenty exchanges an hour of some 2,000 tokens each.
            tokens_per_hour=40_000,
            hour_of="of chatting with an assistant",
        ),
        UsageProfile(
            key="batch",
            label="Batch processing",
            fresh_input=Decimal("0.75"),
            cached_input=Decimal("0"),
            output=Decimal("0.25"),
            why=(
                "Documents read once and summarised or transformed: new input every request, "
                "no cache, output about a third of input. The team's estimate."
            ),
            # A pipeline working through documents of some 10,000 tokens, a few a minute.
            tokens_per_hour=2_000_000,
            hour_of="of batch document processing",
        ),
    ]
}
DEFAULT_PROFILE = "agentic-coding"


@dataclass(frozen=True)
class ModelRates:
    """One model's prices in USD per 1M tokens."""

    model_id: str
    display_name: str
    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None

    def blended_per_million(self, profile: UsageProfile) -> tuple[Decimal, bool]:
        """The profile-weighted price per 1M tokens, and whether the cache price was missing."""
        cache_missing = self.cached_input is None
        cached = self.input if self.cached_input is None else self.cached_input
        blended = (
            profile.fresh_input * self.input
            + profile.cached_input * cached
            + profile.output * self.output
        )
        return blended, cache_missing and profile.cached_input > 0


@dataclass(frozen=True)
class ModelLine:
    model_id: str
    display_name: str
    share: Decimal
    usd_per_day: Decimal
    usd_per_year: Decimal
    tokens_per_day: int
    blended_per_million: Decimal
    cache_price_assumed: bool  # no cache price in the source: cached input valued at input price


@dataclass(frozen=True)
class Valuation:
    usd_per_day: Decimal
    usd_per_year: Decimal
    working_days: int
    profile: UsageProfile
    lines: tuple[ModelLine, ...]

    @property
    def tokens_per_day(self) -> int:
        return sum(line.tokens_per_day for line in self.lines)

    @property
    def notes(self) -> list[str]:
        return [
            f"{line.display_name} has no cached-input price in this snapshot; "
            "cached input is valued at the input price."
            for line in self.lines
            if line.cache_price_assumed
        ]


def _context() -> decimal.Context:
    return decimal.Context(
        prec=40, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation]
    )


def _check_working_days(working_days: int) -> None:
    if isinstance(working_days, bool) or not isinstance(working_days, int):
        raise ValuationError("working days per year must be a whole number")
    if not 1 <= working_days <= 366:
        raise ValuationError("working days per year must be between 1 and 366")


def value_budget(
    *,
    usd_per_day: Decimal,
    allocations: list[tuple[ModelRates, Decimal]],
    profile: UsageProfile,
    working_days: int = DEFAULT_WORKING_DAYS,
) -> Valuation:
    """Value a budget of USD per day split across models; shares are fractions summing to 1."""
    if not isinstance(usd_per_day, Decimal) or usd_per_day < 0:
        raise ValuationError("the budget must be a Decimal of zero or more USD per day")
    _check_working_days(working_days)
    if not allocations:
        raise ValuationError("the budget must be split across at least one model")
    if sum(share for _, share in allocations) != ONE:
        raise ValuationError("model shares must sum to 100%")
    lines = []
    with decimal.localcontext(_context()):
        for rates, share in allocations:
            if not isinstance(share, Decimal) or share < 0:
                raise ValuationError("model shares must be Decimals of zero or more")
            blended, assumed = rates.blended_per_million(profile)
            dollars = usd_per_day * share
            if blended == 0:
                raise ValuationError(f"{rates.display_name} is free: a budget cannot buy it")
            tokens = int((dollars * MILLION / blended).to_integral_value(rounding=ROUND_FLOOR))
            lines.append(
                ModelLine(
                    model_id=rates.model_id,
                    display_name=rates.display_name,
                    share=share,
                    usd_per_day=dollars,
                    usd_per_year=dollars * working_days,
                    tokens_per_day=tokens,
                    blended_per_million=blended,
                    cache_price_assumed=assumed,
                )
            )
    return Valuation(
        usd_per_day=usd_per_day,
        usd_per_year=usd_per_day * working_days,
        working_days=working_days,
        profile=profile,
        lines=tuple(lines),
    )


def value_tokens(
    *,
    tokens_per_day: int,
    rates: ModelRates,
    profile: UsageProfile,
    working_days: int = DEFAULT_WORKING_DAYS,
) -> Valuation:
    """Value a budget stated as tokens per day of one model, in USD per day and per year."""
    if (
        isinstance(tokens_per_day, bool)
        or not isinstance(tokens_per_day, int)
        or tokens_per_day < 0
    ):
        raise ValuationError("tokens per day must be a whole number of zero or more")
    _check_working_days(working_days)
    with decimal.localcontext(_context()):
        blended, assumed = rates.blended_per_million(profile)
        dollars = Decimal(tokens_per_day) * blended / MILLION
    line = ModelLine(
        model_id=rates.model_id,
        display_name=rates.display_name,
        share=ONE,
        usd_per_day=dollars,
        usd_per_year=dollars * working_days,
        tokens_per_day=tokens_per_day,
        blended_per_million=blended,
        cache_price_assumed=assumed,
    )
    return Valuation(
        usd_per_day=dollars,
        usd_per_year=dollars * working_days,
        working_days=working_days,
        profile=profile,
        lines=(line,),
    )
