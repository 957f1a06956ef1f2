"""An offer's figures with its token line valued: explicit inputs, one value out.

`value_offer(offer, prices=..., allocations=...)` builds the token line of `pricing.valuation`
from the offer's terms, its models and their prices, values it once, and returns `Figures`:
the valuation (or why there is none), the package with the token line in it, and the totals.
Everything else here reads a `Figures`: what today's prices would make of the line
(`price_drift`), the changes the price data announce within the first year
(`price_changes_ahead`), the models' busy hours (`peak_hours`), and what the price sources
do not settle (`disagreements`, `not_cross_checked`, `deprecated_models`).

A saved offer's figures are `Offer.figures` (its saved models, its own snapshot's prices);
the builder's live totals and the letter template preview value an unsaved offer with the
models and prices they hold (`Preview`). Nothing here writes to the offer.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from offers.compensation import Package
from pricing.catalogue import canonical_id
from pricing.models import ModelPrice, PriceSnapshot
from pricing.residency import Residency, residency_for, residency_uplift
from pricing.services import disagreements_for, equivalent, single_source_models
from pricing.valuation import (
    HUNDRED,
    PROFILES,
    ModelShare,
    TokenLine,
    Valuation,
    ValuationError,
    value_token_line,
)

if TYPE_CHECKING:
    from offers.models import Offer, TokenAllocation

# A price change of more than this share makes the offer page say so.
PRICE_DRIFT_NOTICE = Decimal("0.05")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Figures:
    """An offer's figures as valued once: what every page, the letter and the API show."""

    valuation: Valuation | None
    problem: str | None  # why the token line cannot be valued, for the recruiter
    allocations: tuple[TokenAllocation, ...]
    prices: Mapping[str, ModelPrice]  # by model id; empty when a model has no price
    package: Package
    usd_exchange_rate: Decimal
    base_salary: Decimal

    @property
    def usd_per_day(self) -> Decimal:
        return self.valuation.usd_per_day if self.valuation else ZERO

    @property
    def usd_per_year(self) -> Decimal:
        return self.valuation.usd_per_year if self.valuation else ZERO

    @property
    def per_year_in_currency(self) -> Decimal:
        """The token line a year in the offer's currency: also what it costs the employer a
        year if every working day's budget is used."""
        return self.usd_per_year * self.usd_exchange_rate

    @property
    def first_year_total(self) -> Decimal:
        return self.package.first_year_total

    @property
    def four_year_total(self) -> Decimal:
        return self.package.four_year_total

    @property
    def share_of_base_percent(self) -> Decimal:
        if not self.base_salary:
            return ZERO
        return self.per_year_in_currency / self.base_salary * 100


@dataclass(frozen=True)
class Preview:
    """An unsaved offer as typed and its figures: the builder's live totals, a template's
    sample letter."""

    offer: Offer
    figures: Figures


def stored_prices(offer: Offer, allocations: Sequence[TokenAllocation]) -> dict[str, ModelPrice]:
    """The rows of the offer's own snapshot for these models (never a newer snapshot's)."""
    if offer.price_snapshot_id is None or not allocations:
        return {}
    return {
        price.model_id: price
        for price in ModelPrice.objects.filter(
            snapshot_id=offer.price_snapshot_id,
            model_id__in=[a.model_id for a in allocations],
        )
    }


def saved_figures(offer: Offer) -> Figures:
    """A saved offer's figures as its rows stand now: its models, its own snapshot's prices."""
    allocations = list(offer.allocations.all())
    return value_offer(offer, prices=stored_prices(offer, allocations), allocations=allocations)


def token_line(
    offer: Offer,
    *,
    prices: Mapping[str, ModelPrice],
    allocations: Sequence[TokenAllocation],
    on: datetime.date | None = None,
) -> TokenLine:
    """Every input of the offer's token valuation, with these prices as in force on `on` (the
    offer's own prices day by default), over its working hours."""
    day = on or offer.token_prices_day
    hours = offer.working_hours if offer.token_priced_on else None
    in_tokens = offer.token_budget_unit == offer.TokenBudgetUnit.TOKENS
    return TokenLine(
        models=tuple(
            ModelShare(
                rates=prices[a.model_id].rates(on=day, hours=hours),
                share=a.share_percent / HUNDRED,
                tier=a.tier,
                long_context_share=a.long_context_percent / HUNDRED,
                residency_uplift=residency_uplift(a.model_id, regional=a.regional),
            )
            for a in allocations
        ),
        profile=PROFILES[offer.token_profile],
        mix=offer.token_mix,
        usd_per_day=None if in_tokens else offer.token_usd_per_day,
        tokens_per_day=offer.token_tokens_per_day if in_tokens else None,
        working_days=offer.working_days,
        agent_hours_per_day=settings.TOKEN_AGENT_HOURS_PER_DAY,
    )


def value_offer(
    offer: Offer,
    *,
    prices: Mapping[str, ModelPrice],
    allocations: Sequence[TokenAllocation],
) -> Figures:
    """The offer's figures, its token line valued with these prices of its models."""
    allocations = tuple(allocations)
    valuation: Valuation | None = None
    problem: str | None = None
    known = all(a.model_id in prices for a in allocations)
    if allocations and (offer.price_snapshot_id is None or not known):
        problem = "A model of this budget is not in the offer's prices."
    elif allocations:
        try:
            valuation = value_token_line(token_line(offer, prices=prices, allocations=allocations))
        except ValuationError as error:
            problem = str(error)[:1].upper() + str(error)[1:] + "."
    usd_per_year = valuation.usd_per_year if valuation else ZERO
    package = Package(
        base_salary=offer.base_salary,
        target_bonus_percent=offer.target_bonus_percent,
        sign_on_bonus=offer.sign_on_bonus,
        equity=offer.equity,
        tokens_per_year=usd_per_year * offer.usd_exchange_rate,
    )
    return Figures(
        valuation=valuation,
        problem=problem,
        allocations=allocations,
        prices=(
            {a.model_id: prices[a.model_id] for a in allocations}
            if known and offer.price_snapshot_id is not None
            else {}
        ),
        package=package,
        usd_exchange_rate=offer.usd_exchange_rate,
        base_salary=offer.base_salary,
    )


@dataclass(frozen=True)
class PeakHours:
    display_name: str
    windows: str  # "01:00–04:00 and 06:00–10:00 UTC"
    share: Decimal  # of the working day's minutes in those windows
    hours: str  # "09:00–17:00 Asia/Kolkata"
    zone_assumed: bool = False  # UTC, as neither the offer nor its location names a zone

    @property
    def share_percent(self) -> Decimal:
        return (self.share * 100).quantize(Decimal(1))


@dataclass(frozen=True)
class PriceChangeAhead:
    display_name: str
    starts_on: datetime.date
    tokens_before: int
    tokens_after: int
    usd_per_day: Decimal

    @property
    def change_percent(self) -> Decimal:
        if not self.tokens_before:
            return ZERO
        return (Decimal(self.tokens_after) / self.tokens_before - 1) * 100


@dataclass(frozen=True)
class PriceDrift:
    snapshot: PriceSnapshot
    usd_per_day: Decimal | None  # the same tokens a day at today's prices
    change: Decimal | None  # as a fraction: 0.12 is 12% dearer
    missing: list[str]  # models today's prices no longer list
    problem: str = ""  # today's prices cannot value the line (a tier they lack, say)

    @property
    def change_percent(self) -> Decimal | None:
        return None if self.change is None else self.change * 100


def price_drift(
    offer: Offer, figures: Figures, *, today: PriceSnapshot | None
) -> PriceDrift | None:
    """What today's prices would make of this token line, when they differ by over 5%.

    The offer keeps the snapshot it was valued with (and approved with); this only says what a
    re-valuation would change.
    """
    valuation = figures.valuation
    if valuation is None or today is None:
        return None
    # Today's prices: the newest snapshot's, as in force today (or on the start date).
    day = max(timezone.localdate(), offer.start_date or timezone.localdate())
    if today.pk == offer.price_snapshot_id and day == offer.token_prices_day:
        return None
    then = figures.prices
    now = {model_id: equivalent(today, price) for model_id, price in then.items()}
    missing = [then[m].display_name for m, price in now.items() if price is None]
    if missing:
        return PriceDrift(snapshot=today, usd_per_day=None, change=None, missing=missing)
    # The same tokens a day of each model, valued at today's prices.
    usd_per_day = ZERO
    try:
        for line, allocation in zip(valuation.lines, figures.allocations, strict=True):
            single = TokenLine(
                models=(
                    ModelShare(
                        rates=now[line.model_id].rates(  # type: ignore[union-attr]
                            on=day, hours=offer.working_hours
                        ),
                        share=Decimal(1),
                        tier=allocation.tier,
                        long_context_share=allocation.long_context_percent / HUNDRED,
                        residency_uplift=residency_uplift(
                            allocation.model_id, regional=allocation.regional
                        ),
                    ),
                ),
                profile=valuation.profile,
                mix=valuation.mix,
                tokens_per_day=line.tokens_per_day,
                working_days=valuation.working_days,
            )
            usd_per_day += value_token_line(single).usd_per_day
    except ValuationError as error:
        return PriceDrift(
            snapshot=today, usd_per_day=None, change=None, missing=[], problem=str(error)
        )
    if not valuation.usd_per_day:
        return None
    change = usd_per_day / valuation.usd_per_day - 1
    if abs(change) <= PRICE_DRIFT_NOTICE:
        return None
    return PriceDrift(snapshot=today, usd_per_day=usd_per_day, change=change, missing=[])


def price_changes_ahead(offer: Offer, figures: Figures) -> list[PriceChangeAhead]:
    """Price changes the data announce for the offer's models after the day its line is valued
    at and within its first year (from its start date, or today before one is typed)."""
    valuation = figures.valuation
    snapshot = offer.price_snapshot
    if valuation is None or not figures.prices or snapshot is None:
        return []
    valued_on = offer.token_prices_day or snapshot.prices_as_of.date()
    start = offer.start_date or timezone.localdate()
    first_year_ends = start + datetime.timedelta(days=365)
    ahead = []
    for line in valuation.lines:
        for starts_on in figures.prices[line.model_id].changes_after(valued_on):
            if starts_on > first_year_ends:
                continue
            try:
                later = value_token_line(
                    token_line(
                        offer, prices=figures.prices, allocations=figures.allocations, on=starts_on
                    )
                )
            except ValuationError:
                continue
            after = next(x for x in later.lines if x.model_id == line.model_id)
            if after.tokens_per_day == line.tokens_per_day:
                continue  # a change of another tier than this model's
            ahead.append(
                PriceChangeAhead(
                    display_name=line.display_name,
                    starts_on=starts_on,
                    tokens_before=line.tokens_per_day,
                    tokens_after=after.tokens_per_day,
                    usd_per_day=line.usd_per_day,
                )
            )
    return sorted(ahead, key=lambda change: change.starts_on)


def peak_hours(offer: Offer, figures: Figures) -> list[PeakHours]:
    """The offer's models priced by time of day, and how much of its working day falls in their
    peak hours (the valuation's own share: the figures are valued over that mix)."""
    valuation = figures.valuation
    if valuation is None or not figures.prices or offer.token_priced_on is None:
        return []
    hours = offer.working_hours
    effects = []
    for allocation, line in zip(figures.allocations, valuation.lines, strict=True):
        price = figures.prices[allocation.model_id]
        _, _, peak = price.in_force(offer.token_prices_day)
        if not peak or allocation.tier != "standard":
            continue
        windows = " and ".join(f"{w['from']}–{w['to']}" for w in peak)
        effects.append(
            PeakHours(
                display_name=price.display_name,
                windows=f"{windows} UTC",
                share=line.peak_share,
                hours=str(hours),
                zone_assumed=hours.zone_assumed,
            )
        )
    return effects


def disagreements(figures: Figures) -> list[Any]:
    """Unsettled disagreements between price sources about the offer's models."""
    return disagreements_for({canonical_id(a.model_id) for a in figures.allocations})


def not_cross_checked(figures: Figures) -> list[str]:
    """The offer's models no second source prices on the cross-check's day."""
    by_canonical = {
        price.canonical_id or canonical_id(model_id): price.display_name
        for model_id, price in figures.prices.items()
    }
    single = single_source_models(set(by_canonical))
    return sorted(name for canonical, name in by_canonical.items() if canonical in single)


def residency_choices(figures: Figures) -> list[tuple[str, Residency, bool]]:
    """(model, what its maker charges for regional processing, whether it is valued in)."""
    return [
        (a.display_name, found, a.regional)
        for a in figures.allocations
        if (found := residency_for(a.model_id)) is not None
    ]


def deprecated_models(figures: Figures) -> list[str]:
    return [p.display_name for p in figures.prices.values() if p.is_deprecated()]
