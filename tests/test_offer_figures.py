from __future__ import annotations

from decimal import Decimal

import pytest

from offers.compensation import Equity, Package
from tests import factories

pytestmark = pytest.mark.django_db


def rsu(**kwargs) -> Equity:  # type: ignore[no-untyped-def]
    values = {
        "kind": "rsu",
        "units": 4800,
        "price_per_unit": Decimal("50"),
        "strike_price": Decimal(0),
        "vesting_years": 4,
        "cliff_months": 12,
        "frequency": "monthly",
    }
    values.update(kwargs)
    return Equity(**values)  # type: ignore[arg-type]


def test_rsus_with_a_one_year_cliff_vest_a_quarter_at_the_cliff_then_monthly() -> None:
    equity = rsu()
    assert equity.units_vested_by(11) == 0
    assert equity.units_vested_by(12) == 1200
    assert equity.units_vested_by(13) == 1300
    assert equity.units_by_year() == [1200, 1200, 1200, 1200]
    assert equity.value_by_year()[0] == Decimal("60000")


def test_quarterly_vesting_with_a_six_month_cliff() -> None:
    equity = rsu(cliff_months=6, frequency="quarterly")
    assert equity.units_vested_by(5) == 0
    assert equity.units_vested_by(6) == 600
    assert equity.units_vested_by(8) == 600  # next vest is at month 9
    assert equity.units_vested_by(9) == 900


def test_options_are_worth_their_spread_over_the_strike() -> None:
    options = rsu(
        kind="options", units=10000, price_per_unit=Decimal("9"), strike_price=Decimal("2.50")
    )
    assert options.value_per_unit == Decimal("6.50")
    assert options.value_by_year()[0] == Decimal("16250")  # 2,500 units x 6.50
    underwater = rsu(kind="options", price_per_unit=Decimal("2"), strike_price=Decimal("3"))
    assert underwater.value_by_year() == [0, 0, 0, 0]


def test_package_totals_by_hand() -> None:
    package = Package(
        base_salary=Decimal("200000"),
        target_bonus_percent=Decimal("10"),
        sign_on_bonus=Decimal("20000"),
        equity=rsu(),
        tokens_per_year=Decimal("34500"),
    )
    assert package.bonus_at_target == Decimal("20000")
    # 200,000 + 20,000 + 20,000 + 60,000 + 34,500
    assert package.first_year_total == Decimal("334500")
    # year 1 as above; years 2-4 without sign-on: 314,500 each
    assert package.four_year_total == Decimal("334500") + 3 * Decimal("314500")


def test_offer_token_line_in_usd_per_day() -> None:
    offer = factories.offer(by=factories.user("r1"))
    valuation = offer.figures.valuation
    assert valuation is not None
    assert valuation.usd_per_year == Decimal("34500")
    assert valuation.lines[0].tokens_per_day == 180_018_001  # 150 / 0.83325 per 1M
    assert offer.figures.first_year_total == Decimal("334500")


def test_offer_token_line_in_tokens_per_day() -> None:
    offer = factories.offer(
        by=factories.user("r1"),
        token_budget_unit="tokens",
        token_tokens_per_day=40_000_000,
        token_usd_per_day=Decimal(0),
    )
    assert offer.figures.usd_per_day == Decimal("33.33")  # 40M x $0.83325 per 1M
    assert offer.figures.usd_per_year == Decimal("7665.90")  # the day rounded up to the cent, x 230


def test_non_usd_offer_converts_the_token_line_with_its_exchange_rate() -> None:
    offer = factories.offer(
        by=factories.user("r1"),
        currency="EUR",
        usd_exchange_rate=Decimal("0.92"),
        base_salary=Decimal("100000"),
        target_bonus_percent=Decimal("0"),
        sign_on_bonus=Decimal("0"),
        equity_type="none",
        equity_units=0,
    )
    assert offer.figures.per_year_in_currency == Decimal("31740")  # 34,500 USD x 0.92
    assert offer.figures.first_year_total == Decimal("131740")


def test_split_budget_across_two_models() -> None:
    offer = factories.offer(
        by=factories.user("r1"), models=[("claude-sonnet-4-5", "60"), ("gpt-5", "40")]
    )
    valuation = offer.figures.valuation
    assert valuation is not None
    assert [line.usd_per_day for line in valuation.lines] == [Decimal("90"), Decimal("60")]
