"""Exception rules: which of the configured limits an offer's figures are outside of."""

from __future__ import annotations

from decimal import Decimal

from offers.letters.format import format_money
from offers.models import ApprovalPolicy, Offer, SalaryBand
from offers.token_line import Figures
from pricing.money import WHOLE, round_money

TENTH = Decimal("0.1")


def rule_breaks(offer: Offer, figures: Figures) -> list[str]:
    """One sentence per broken rule of the offer with these figures, as the offer page and the
    admin show it."""
    policy = ApprovalPolicy.current()
    broken = []
    per_day = figures.usd_per_day
    cap = policy.max_token_usd_per_day
    if cap is not None and per_day > cap:
        broken.append(
            f"Token budget {format_money(per_day, 'USD')} a day is over the cap of "
            f"{format_money(cap, 'USD')} a day."
        )
    share_cap = policy.max_token_share_of_base_percent
    share = figures.share_of_base_percent
    if share_cap is not None and share > share_cap:
        broken.append(
            f"Token line is {round_money(share, places=TENTH)}% of base salary, "
            f"over the cap of {share_cap.normalize():f}%."
        )
    band = SalaryBand.objects.filter(level=offer.level, currency=offer.currency).first()
    if band is not None and not band.min_base <= offer.base_salary <= band.max_base:
        where = "below" if offer.base_salary < band.min_base else "above"
        broken.append(
            f"Base salary {format_money(offer.base_salary, offer.currency, places=WHOLE)} is "
            f"{where} the {band.level} band of "
            f"{format_money(band.min_base, offer.currency, places=WHOLE)}–"
            f"{format_money(band.max_base, offer.currency, places=WHOLE)}."
        )
    return broken
