"""What a page needs to show an offer's figures: the builder, the offer page, the admin."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from offers import charts
from offers.models import Offer
from pricing.valuation import compare_budget


def figures_context(offer: Offer | None) -> dict[str, Any]:
    if offer is None:
        return {"years": [], "bars": [], "pillars": charts.PILLARS, "valuation": None}
    valuation = offer.token_valuation
    return {
        **chart_context(offer),
        "token_problem": None if valuation else offer.token_valuation_error(),
        **token_context(offer),
    }


def chart_context(offer: Offer) -> dict[str, Any]:
    """The four years, their chart and the token valuation: what the letter shows (it needs
    none of the comparisons, price changes and disagreements the team's pages add)."""
    years = offer.package.years()
    return {
        "years": years,
        "bars": charts.bars(years),
        "pillars": charts.PILLARS,
        "chart": {"width": charts.WIDTH, "height": charts.HEIGHT},
        "valuation": offer.token_valuation,
    }


def token_context(offer: Offer) -> dict[str, Any]:
    """What the people who build and approve offers see beside the token line."""
    valuation = offer.token_valuation
    if valuation is None:
        return {
            "comparisons": [],
            "changes_ahead": [],
            "peak_hours": [],
            "not_cross_checked": [],
            "residency": [],
            "disagreements": [],
            "deprecated": [],
        }
    return {
        "comparisons": compare_budget(
            usd_per_day=valuation.usd_per_day,
            working_days=valuation.working_days,
            reference_usd_per_day=settings.TOKEN_REFERENCE_USD_PER_DAY,
            reference_label=settings.TOKEN_REFERENCE_LABEL,
            seat_usd_per_year=settings.TOKEN_SEAT_PLAN_USD_PER_YEAR,
            seat_label=settings.TOKEN_SEAT_PLAN_LABEL,
        ),
        "changes_ahead": offer.price_changes_ahead(),
        "peak_hours": offer.peak_hours_effects(),
        "disagreements": offer.price_disagreements(),
        "not_cross_checked": offer.not_cross_checked(),
        "residency": offer.residency_choices(),
        "deprecated": offer.deprecated_models(),
    }


def equity_vesting(offer: Offer) -> list[dict[str, Any]]:
    """Units vesting and their value at today's price, year by year over the whole schedule."""
    equity = offer.equity
    if equity.kind == "none" or not equity.units:
        return []
    return [
        {"year": year, "units": units, "value": units * equity.value_per_unit}
        for year, units in enumerate(equity.units_by_year(equity.vesting_years), start=1)
    ]
