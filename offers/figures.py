"""What a page needs to show an offer's figures: the builder, the offer page, the admin, the
candidate's page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation

from offers import charts, token_line
from offers.letters.format import LetterFormat, page_format
from offers.letters.wording import block_values, chart_context
from offers.models import Offer
from offers.token_line import Figures
from pricing.valuation import compare_budget


def figures_context(
    offer: Offer | None, figures: Figures | None, *, language: str = "en"
) -> dict[str, Any]:
    """The figures of a page (the builder's panel, the offer page, the admin, the candidate's
    page), written by the letter's own writer (`offers.letters.wording.block_values`): the same
    pay rows, chart, vesting and token words as the letter. In the pages' English, or (the
    candidate's page) in `language`: the letter's own language written as the letter writes
    it (its template's locale, de_DE, de_AT…)."""
    if offer is None or figures is None:
        return {"years": [], "pillars": charts.PILLARS, "valuation": None}
    context = token_context(offer, figures)
    with translation.override(language):
        blocks = block_values(
            offer,
            figures_format(offer, language),
            figures,
            peak_hours=context["peak_hours"],
            changes_ahead=context["changes_ahead"],
        )
    return {
        **chart_context(figures),
        "token_problem": None if figures.valuation else figures.problem,
        "blocks": blocks,
        **context,
    }


def figures_format(offer: Offer, language: str) -> LetterFormat:
    """How a page in `language` writes the offer's figures: English as the pages do; the
    letter's own language as the letter does (its template's locale: de_DE, de_AT…)."""
    version = offer.letter_template_version
    if language != "en" and version and version.language.startswith(language):
        return LetterFormat(version.language, offer.currency)
    return page_format(offer.currency)


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
