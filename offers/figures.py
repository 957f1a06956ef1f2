"""What a page needs to show an offer's figures: the builder, the offer page, the admin."""

from __future__ import annotations

from typing import Any

from offers import charts
from offers.models import Offer
from pricing.valuation import PROFILES


def figures_context(offer: Offer | None) -> dict[str, Any]:
    if offer is None:
        return {"years": [], "bars": [], "pillars": charts.PILLARS, "valuation": None}
    years = offer.package.years()
    return {
        "years": years,
        "bars": charts.bars(years),
        "pillars": charts.PILLARS,
        "chart": {"width": charts.WIDTH, "height": charts.HEIGHT},
        "valuation": offer.token_valuation,
        "profile": PROFILES[offer.token_profile],
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
