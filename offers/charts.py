"""A four-year chart as server-rendered SVG: one stacked bar per year, one colour per pillar."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from offers.compensation import Year

PILLARS = [
    ("base", "Base salary", "#2457c5"),
    ("bonus", "Bonus at target", "#6c8fe0"),
    ("sign_on", "Sign-on bonus", "#f0a53a"),
    ("equity", "Equity", "#1f9d6b"),
    ("tokens", "AI token budget", "#8a4fd1"),
]
WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 480, 240, 16, 28, 8


@dataclass(frozen=True)
class Bar:
    x: int
    width: int
    segments: list[tuple[str, str, int, int, Decimal]]  # label, colour, y, height, amount
    label: str
    total: Decimal


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
