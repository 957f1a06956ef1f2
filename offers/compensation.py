"""The figures of a package of pay: pure Decimal arithmetic, rounded only for display."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
YEARS_SHOWN = 4
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "annually": 12}


@dataclass(frozen=True)
class Equity:
    kind: str  # "none", "rsu" or "options"
    units: int
    price_per_unit: Decimal
    strike_price: Decimal
    vesting_years: int
    cliff_months: int
    frequency: str

    @property
    def value_per_unit(self) -> Decimal:
        return self.value_at(self.price_per_unit)

    def value_at(self, share_price: Decimal) -> Decimal:
        """An RSU is worth the share price; an option its spread over the strike (never < 0)."""
        if self.kind == "options":
            return max(share_price - self.strike_price, ZERO)
        if self.kind == "rsu":
            return share_price
        return ZERO

    def units_vested_by(self, month: int) -> Decimal:
        """Units vested at the end of a month since the start, the cliff respected."""
        total_months = self.vesting_years * 12
        if self.kind == "none" or not self.units or total_months == 0 or month < self.cliff_months:
            return ZERO
        period = PERIOD_MONTHS[self.frequency]
        months_vested = min(month, total_months) // period * period
        return Decimal(self.units) * months_vested / total_months

    def units_by_year(self, years: int = YEARS_SHOWN) -> list[Decimal]:
        return [
            self.units_vested_by(12 * year) - self.units_vested_by(12 * (year - 1))
            for year in range(1, years + 1)
        ]

    def value_by_year(self, years: int = YEARS_SHOWN) -> list[Decimal]:
        return [units * self.value_per_unit for units in self.units_by_year(years)]


@dataclass(frozen=True)
class Year:
    number: int
    base: Decimal
    bonus: Decimal
    sign_on: Decimal
    equity: Decimal
    tokens: Decimal

    @property
    def total(self) -> Decimal:
        return self.base + self.bonus + self.sign_on + self.equity + self.tokens


@dataclass(frozen=True)
class Package:
    base_salary: Decimal
    target_bonus_percent: Decimal
    sign_on_bonus: Decimal
    equity: Equity
    tokens_per_year: Decimal  # in the offer's currency

    @property
    def bonus_at_target(self) -> Decimal:
        return self.base_salary * self.target_bonus_percent / HUNDRED

    def years(self, count: int = YEARS_SHOWN) -> list[Year]:
        equity = self.equity.value_by_year(count)
        return [
            Year(
                number=index + 1,
                base=self.base_salary,
                bonus=self.bonus_at_target,
                sign_on=self.sign_on_bonus if index == 0 else ZERO,
                equity=equity[index],
                tokens=self.tokens_per_year,
            )
            for index in range(count)
        ]

    @property
    def first_year_total(self) -> Decimal:
        return self.years(1)[0].total

    @property
    def four_year_total(self) -> Decimal:
        return sum((year.total for year in self.years(YEARS_SHOWN)), ZERO)
