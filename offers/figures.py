"""What a page needs to show an offer's figures: the builder, the offer page, the admin."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from offers import charts, token_line
from offers.models import Offer
from offers.token_line import Figures
from pricing.valuation import compare_budget


def figures_context(offer: Offer | None, figures: Figures | None) -> dict[str, Any]:
    if offer is None or figures is None:
        return {"years": [], "bars": [], "pillars": charts.PILLARS, "valuation": None}
    return {
        **chart_context(figures),
        "token_problem": None if figures.valuation else figures.problem,
        **token_context(offer, figures),
    }


def chart_context(figures: Figures) -> dict[str, Any]:
    """The figures, their four years and chart, and the token valuation: what the letter shows
    (it needs none of the comparisons, price changes and disagreements the team's pages add)."""
    years = figures.package.years()
    return {
        "figures": figures,
        "years": years,
        "bars": charts.bars(years),
        "pillars": charts.PILLARS,
        "chart": {"width": charts.WIDTH, "height": charts.HEIGHT},
        "valuation": figures.valuation,
    }


def token_context(offer: Offer, figures: Figures) -> dict[str, Any]:
    """What the people who build and approve offers see beside the token line."""
    valuation = figures.valuation
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
        "changes_ahead": token_line.price_changes_ahead(offer, figures),
        "peak_hours": token_line.peak_hours(offer, figures),
        "disagreements": token_line.disagreements(figures),
        "not_cross_checked": token_line.not_cross_checked(figures),
        "residency": token_line.residency_choices(figures),
        "deprecated": token_line.deprecated_models(figures),
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
