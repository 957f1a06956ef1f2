"""Charts as server-rendered SVG: the offer's four years (one stacked bar per year, one colour
per pillar) and the token commitments by month."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from offers.compensation import Year

if TYPE_CHECKING:
    from offers.commitments import Month

PILLARS = [
    ("base", "Base salary", "#2457c5"),
    ("bonus", "Bonus at target", "#6c8fe0"),
    ("sign_on", "Sign-on bonus", "#f0a53a"),
    ("equity", "Equity", "#1f9d6b"),
    ("tokens", "AI token budget", "#8a4fd1"),
]
# Wide enough that a year's total in bold beneath its bar ("₹99,999,999") keeps to its slot.
WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 600, 240, 16, 28, 8


@dataclass(frozen=True)
class Bar:
    x: int
    width: int
    segments: list[tuple[str, str, int, int, Decimal]]  # label, colour, y, height, amount
    label: str
    total: Decimal

    @property
    def center(self) -> int:
        return self.x + self.width // 2


def bars(years: list[Year]) -> list[Bar]:
    top = max((year.total for year in years), default=Decimal(0)) or Decimal(1)
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT * 2) // max(len(years), 1)
    result = []
    for index, year in enumerate(years):
        y = HEIGHT - BOTTOM
        segments = []
        for field, label, colour in PILLARS:
            amount: Decimal = getattr(year, field)
            height = int(amount / top * plot)
            if height > 0:
                y -= height
                segments.append((label, colour, y, height, amount))
        result.append(
            Bar(
                x=LEFT + index * slot + slot // 6,
                width=slot * 2 // 3,
                segments=segments,
                label=f"Year {year.number}",
                total=year.total,
            )
        )
    return result


MONTH_WIDTH, MONTH_HEIGHT, MONTH_TOP, MONTH_BOTTOM, MONTH_RIGHT = 600, 200, 20, 24, 28


@dataclass(frozen=True)
class MonthBar:
    x: int
    y: int
    width: int
    height: int
    label: str  # shown under every third month and the current one
    title: str  # the bar's figure, for a pointer and a screen reader
    ahead: bool  # a month still to come
    current: bool


def month_bars(months: list[Month]) -> list[MonthBar]:
    """The yearly cost in force at the end of each month: one bar a month."""
    top = max((m.in_force for m in months), default=Decimal(0)) or Decimal(1)
    plot = MONTH_HEIGHT - MONTH_TOP - MONTH_BOTTOM
    slot = (MONTH_WIDTH - MONTH_RIGHT) // max(len(months), 1)
    current = next((i for i, m in enumerate(months) if m.is_current), 0)
    result = []
    for index, month in enumerate(months):
        height = int(month.in_force / top * plot)
        labelled = (index - current) % 3 == 0
        result.append(
            MonthBar(
                x=index * slot + 2,
                y=MONTH_HEIGHT - MONTH_BOTTOM - height,
                width=slot - 4,
                height=height,
                label=f"{month.month:%b %y}" if labelled else "",
                title=f"{month.month:%b %Y}: ${month.in_force:,.0f} a year in force",
                ahead=index > current,
                current=month.is_current,
            )
        )
    return result
