"""Time-of-day prices spread over a person's working hours.

Some makers charge more at busy hours of their own clock (DeepSeek: twice the price from 01:00 to
04:00 and from 06:00 to 10:00 UTC, api-docs.deepseek.com/quick_start/pricing). A budget used
evenly over the working day in the person's time zone pays each price for the share of those
hours it covers; the valuation takes that mean price. Daylight saving moves the working hours
against UTC, so the share is taken on the day being valued.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pricing.valuation import TierRates


@dataclass(frozen=True)
class WorkingHours:
    time_zone: str  # an IANA name: "Europe/Berlin"
    starts: datetime.time
    ends: datetime.time
    zone_assumed: bool = False  # UTC, as neither a chosen zone nor the location names one

    @classmethod
    def of(
        cls, *, time_zone: str, location: str, starts: datetime.time, ends: datetime.time
    ) -> WorkingHours:
        """An offer's working hours: its chosen zone, else the one its location names, else
        UTC (and says so)."""
        zone = time_zone or zone_for_place(location or "")
        return cls(zone or "UTC", starts, ends, zone_assumed=zone is None)

    def __str__(self) -> str:
        return f"{self.starts:%H:%M}–{self.ends:%H:%M} {self.time_zone}"

    def minutes_utc(self, day: datetime.date) -> list[datetime.time]:
        """Each working minute of `day`, as a UTC time of day."""
        zone = ZoneInfo(self.time_zone)
        start = datetime.datetime.combine(day, self.starts, tzinfo=zone)
        end = datetime.datetime.combine(day, self.ends, tzinfo=zone)
        if end <= start:
            end += datetime.timedelta(days=1)  # a night shift
        # Wall-clock minutes through UTC: a day when the clocks change keeps its real length.
        start_utc, end_utc = start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)
        count = int((end_utc - start_utc).total_seconds() // 60)
        return [(start_utc + datetime.timedelta(minutes=m)).time() for m in range(count)]


def _inside(moment: datetime.time, start: datetime.time, end: datetime.time) -> bool:
    if end <= start:
        return moment >= start or moment < end
    return start <= moment < end


def peak_minutes(peak: list[dict[str, Any]], hours: WorkingHours, day: datetime.date) -> list[int]:
    """Working minutes of `day` in each peak window, and last, the minutes outside them all."""
    spans = [
        (datetime.time.fromisoformat(str(w["from"])), datetime.time.fromisoformat(str(w["to"])))
        for w in peak
    ]
    counts = [0] * (len(peak) + 1)
    for moment in hours.minutes_utc(day):
        index = next((i for i, span in enumerate(spans) if _inside(moment, *span)), len(peak))
        counts[index] += 1
    return counts


def spread_over_hours(
    standard: TierRates,
    peak: list[dict[str, Any]],
    hours: WorkingHours,
    *,
    on: datetime.date | None,
) -> tuple[TierRates, Decimal]:
    """The standard prices as the mean over the working hours of `on` (today if None), and
    the share of those hours at peak prices."""
    day = on or datetime.date.today()
    counts = peak_minutes(peak, hours, day)
    total = sum(counts)
    if not total or counts[-1] == total:
        return standard, Decimal(0)
    mean: dict[str, Decimal | None] = {}
    for field in fields(TierRates):
        base = getattr(standard, field.name)
        if base is None:
            mean[field.name] = None
            continue
        weighted = base * counts[-1]
        for window, minutes in zip(peak, counts, strict=False):
            value = window["rates"].get(field.name)
            weighted += (Decimal(value) if value is not None else base) * minutes
        mean[field.name] = weighted / total
    return replace(standard, **mean), Decimal(total - counts[-1]) / total  # type: ignore[arg-type]


# Places offers name, and their time zone; a location naming none of them is valued in UTC
# unless the recruiter picks a zone.
ZONES_BY_PLACE = {
    "amsterdam": "Europe/Amsterdam",
    "austin": "America/Chicago",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "berlin": "Europe/Berlin",
    "boston": "America/New_York",
    "chicago": "America/Chicago",
    "dublin": "Europe/Dublin",
    "hamburg": "Europe/Berlin",
    "hyderabad": "Asia/Kolkata",
    "lisbon": "Europe/Lisbon",
    "london": "Europe/London",
    "madrid": "Europe/Madrid",
    "montreal": "America/Toronto",
    "mumbai": "Asia/Kolkata",
    "munich": "Europe/Berlin",
    "new york": "America/New_York",
    "paris": "Europe/Paris",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "singapore": "Asia/Singapore",
    "sydney": "Australia/Sydney",
    "tokyo": "Asia/Tokyo",
    "toronto": "America/Toronto",
    "vancouver": "America/Vancouver",
    "warsaw": "Europe/Warsaw",
    "zurich": "Europe/Zurich",
    "münchen": "Europe/Berlin",
}


def zone_for_place(place: str) -> str | None:
    text = place.casefold()
    return next((zone for name, zone in ZONES_BY_PLACE.items() if name in text), None)
