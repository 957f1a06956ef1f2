"""The sums: what offers have promised, added up by the database (see the package)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, RowNumber, Substr
from django.utils import timezone

from offers import lifecycle
from offers.lifecycle import Status
from offers.models import Department, Offer, TokenAllocation
from offers.roles import is_recruiter
from pricing import catalogue
from pricing.hours import WorkingHours
from pricing.models import ModelPrice, PriceSnapshot
from pricing.residency import residency_uplift
from pricing.valuation import PROFILES, ModelShare, TokenLine, UsageMix, ValuationError
from pricing.valuation import value_token_line as value

COMMITTED = lifecycle.COMMITTED
PENDING = lifecycle.PROMISED
STATUS_CHOICES = [
    ("", "Committed and pending"),
    (Status.ACCEPTED, "Accepted (committed)"),
    (Status.APPROVED, "Approved, not sent"),
    (Status.SENT, "Sent, not answered"),
]
MONTHS_BACK = MONTHS_AHEAD = 12
ZERO = Decimal(0)
MONEY = DecimalField(max_digits=18, decimal_places=2)
# A year of an offer's budget: its dollars a day times its own working days.
YEAR = ExpressionWrapper(F("listed_token_usd_per_day") * F("working_days"), output_field=MONEY)
ALLOCATION_YEAR = ExpressionWrapper(
    F("listed_usd_per_day") * F("offer__working_days"), output_field=MONEY
)


def scope(user: User) -> QuerySet[Offer] | None:
    """The offers whose commitments this person may see: every department's with the
    permission, their own departments' for a recruiter; None for anyone else."""
    if user.has_perm("offers.view_token_commitments"):
        return Offer.objects.all()
    if is_recruiter(user):
        return Offer.objects.filter(department__recruiters=user)
    return None


def departments_in_scope(user: User) -> QuerySet[Department]:
    """The departments this person's figures may be filtered by: every one with the
    permission, a recruiter's own otherwise (`scope`)."""
    if user.has_perm("offers.view_token_commitments"):
        return Department.objects.all()
    return Department.objects.filter(recruiters=user)


@dataclass(frozen=True)
class Filters:
    start_from: datetime.date | None = None
    start_to: datetime.date | None = None
    department: Department | None = None
    status: str = ""

    def apply(self, offers: QuerySet[Offer]) -> QuerySet[Offer]:
        statuses = [self.status] if self.status else [*COMMITTED, *PENDING]
        offers = offers.filter(status__in=statuses)
        if self.start_from:
            offers = offers.filter(start_date__gte=self.start_from)
        if self.start_to:
            offers = offers.filter(start_date__lte=self.start_to)
        if self.department:
            offers = offers.filter(department=self.department)
        return offers


@dataclass
class Sums:
    offers: int = 0
    usd_per_day: Decimal = ZERO
    usd_per_year: Decimal = ZERO


@dataclass
class Row:
    """One line of a table: committed and pending apart."""

    name: str
    committed: Sums = field(default_factory=Sums)
    pending: Sums = field(default_factory=Sums)


@dataclass
class ModelRow(Row):
    model_id: str = ""
    provider: str = ""
    tokens_per_day: int = 0  # committed, at the prices the offers were approved with
    tokens_today: int | None = None  # the same committed dollars at today's prices
    today_problem: str = ""  # why they cannot be valued at today's prices

    @property
    def tokens_change_percent(self) -> Decimal | None:
        if self.tokens_today is None or not self.tokens_per_day:
            return None
        return (Decimal(self.tokens_today) / self.tokens_per_day - 1) * 100


@dataclass(frozen=True)
class Month:
    month: datetime.date
    starting: Decimal  # yearly cost of the accepted offers starting this month
    in_force: Decimal  # yearly cost of every accepted offer started by the month's end
    offers_starting: int
    is_current: bool


@dataclass(frozen=True)
class Spread:
    """Token budgets per day of one level: nearest-rank median and 90th percentile."""

    level: str
    offers: int
    median: Decimal
    p90: Decimal
    maximum: Decimal


@dataclass
class Commitments:
    total: Row
    departments: list[Row]
    levels: list[Row]
    models: list[ModelRow]
    months: list[Month]
    spreads: list[Spread]
    today: PriceSnapshot | None
    unvalued: int  # offers whose token line could not be valued: left out of every sum


def _both(prefix: str = "", year: Any = YEAR) -> dict[str, Any]:
    """Offers, dollars a day and dollars a year, committed and pending, as aggregates; with
    `prefix` "offer__", over token models (each offer counted once however many it has)."""
    per_day = "listed_usd_per_day" if prefix else "listed_token_usd_per_day"
    aggregates: dict[str, Any] = {}
    for key, statuses in [("committed", COMMITTED), ("pending", PENDING)]:
        when = Q(**{f"{prefix}status__in": statuses})
        aggregates[f"{key}_offers"] = Count(f"{prefix}id", filter=when, distinct=bool(prefix))
        aggregates[f"{key}_day"] = Coalesce(
            Sum(per_day, filter=when), Value(ZERO), output_field=MONEY
        )
        aggregates[f"{key}_year"] = Coalesce(
            Sum(year, filter=when), Value(ZERO), output_field=MONEY
        )
    return aggregates


def _row(name: str, values: Mapping[str, Any], cls: type[Row] = Row, **extra: Any) -> Any:
    row = cls(name=name, **extra)
    _add(row, values)
    return row


def _add(row: Row, values: Mapping[str, Any]) -> None:
    for key, sums in [("committed", row.committed), ("pending", row.pending)]:
        sums.offers += values[f"{key}_offers"]
        sums.usd_per_day += values[f"{key}_day"]
        sums.usd_per_year += values[f"{key}_year"]


def commitments(
    offers: QuerySet[Offer], *, today: datetime.date, prices_today: PriceSnapshot | None
) -> Commitments:
    """Every table of the page for these offers (already scoped and filtered).

    The total, departments, levels and months come from one query grouped by all three (a row
    per department, level and month of start that has offers), added up here.
    """
    groups = (
        # "2026-11": the month as text, which every database computes natively (SQLite's date
        # functions are Python callbacks, run once a row).
        offers.annotate(month=Substr(Cast("start_date", CharField()), 1, 7))
        .values("department__name", "level", "month")
        .annotate(**_both())
        .order_by()
    )
    total = Row(name="All")
    departments: dict[str, Row] = {}
    levels: dict[str, Row] = {}
    by_month: dict[datetime.date, Sums] = defaultdict(Sums)
    for values in cast(Iterable[Mapping[str, Any]], groups):
        _add(total, values)
        name, level = values["department__name"], values["level"]
        _add(departments.setdefault(name, Row(name=name)), values)
        _add(levels.setdefault(level, Row(name=level)), values)
        month = by_month[datetime.date.fromisoformat(f"{values['month']}-01")]
        month.offers += values["committed_offers"]
        month.usd_per_year += values["committed_year"]
    return Commitments(
        total=total,
        departments=[departments[name] for name in sorted(departments)],
        levels=[levels[name] for name in sorted(levels)],
        models=_models(offers, prices_today),
        months=_months(by_month, today),
        spreads=spreads(offers),
        today=prices_today,
        unvalued=TokenAllocation.objects.filter(
            offer__in=offers.values("pk"), listed_usd_per_day__isnull=True
        )
        .values("offer_id")
        .distinct()
        .count(),
    )


def _models(offers: QuerySet[Offer], prices_today: PriceSnapshot | None) -> list[ModelRow]:
    # A model with no dollars of the budget (an offer without a token line) buys nothing.
    allocations = TokenAllocation.objects.filter(
        offer__in=offers.values("pk"), listed_usd_per_day__gt=0
    )
    committed = Q(offer__status__in=COMMITTED)
    rows: dict[str, ModelRow] = {}
    for values in (
        allocations.values("model_id")
        .annotate(
            **_both("offer__", ALLOCATION_YEAR),
            display_name=Max("display_name"),
            tokens=Coalesce(Sum("listed_tokens_per_day", filter=committed), Value(0)),
        )
        .order_by("model_id")
    ):
        rows[values["model_id"]] = _row(
            values["display_name"],
            values,
            ModelRow,
            model_id=values["model_id"],
            tokens_per_day=values["tokens"],
        )
    # The committed dollars of each model at today's prices: grouped by what the valuation
    # depends on (tier, long requests, the mix of tokens), so each group is valued once.
    groups = (
        allocations.filter(committed)
        .values(
            "model_id",
            "tier",
            "long_context_percent",
            "regional",
            "offer__token_profile",
            "offer__token_mix_fresh_input",
            "offer__token_mix_cache_write",
            "offer__token_mix_cache_read",
            "offer__token_mix_output",
            # Working hours, for models priced by time of day.
            "offer__time_zone",
            "offer__location",
            "offer__work_starts",
            "offer__work_ends",
        )
        .annotate(usd_per_day=Sum("listed_usd_per_day"))
        .order_by()
    )
    today_rows = _today_rows(prices_today, list(rows))
    for model_id, row in rows.items():
        price = today_rows.get(model_id)
        row.provider = (
            price.seller if price else (catalogue.maker(catalogue.canonical_id(model_id)) or "")
        )
        if prices_today is not None and price is None and row.tokens_per_day:
            row.today_problem = "not in today's prices"
        elif price is not None and row.tokens_per_day:
            row.tokens_today = 0
    for group in groups:
        row = rows[group["model_id"]]
        price = today_rows.get(group["model_id"])
        if price is None or row.today_problem:
            continue
        try:
            valued = value(
                TokenLine(
                    models=(
                        ModelShare(
                            rates=price.rates(
                                on=timezone.localdate(),
                                hours=WorkingHours.of(
                                    time_zone=group["offer__time_zone"],
                                    location=group["offer__location"],
                                    starts=group["offer__work_starts"],
                                    ends=group["offer__work_ends"],
                                ),
                            ),
                            share=Decimal(1),
                            tier=group["tier"],
                            long_context_share=group["long_context_percent"] / 100,
                            residency_uplift=residency_uplift(
                                group["model_id"], regional=group["regional"]
                            ),
                        ),
                    ),
                    profile=PROFILES[group["offer__token_profile"]],
                    mix=UsageMix.from_percent(
                        group["offer__token_mix_fresh_input"],
                        group["offer__token_mix_cache_write"],
                        group["offer__token_mix_cache_read"],
                        group["offer__token_mix_output"],
                    ),
                    usd_per_day=group["usd_per_day"],
                )
            )
        except ValuationError as error:
            row.today_problem, row.tokens_today = str(error), None
            continue
        row.tokens_today = (row.tokens_today or 0) + valued.lines[0].tokens_per_day
    return sorted(
        rows.values(), key=lambda r: (-r.committed.usd_per_day, -r.pending.usd_per_day, r.name)
    )


def _today_rows(snapshot: PriceSnapshot | None, model_ids: list[str]) -> dict[str, ModelPrice]:
    """Each model in today's prices: the same id, else the maker's own row of the same model."""
    if snapshot is None or not model_ids:
        return {}
    from pricing.services import makers_rows

    found = {p.model_id: p for p in snapshot.prices.filter(model_id__in=model_ids)}
    missing = {m: catalogue.canonical_id(m) for m in model_ids if m not in found}
    if missing:
        makers = makers_rows(
            snapshot.prices.filter(canonical_id__in=set(missing.values()), first_party=True)
        )
        for model_id, canonical in missing.items():
            if canonical in makers:
                found[model_id] = makers[canonical]
    return found


def month_starts(today: datetime.date) -> list[datetime.date]:
    first = today.replace(day=1)
    index = first.year * 12 + first.month - 1
    return [
        datetime.date((index + step) // 12, (index + step) % 12 + 1, 1)
        for step in range(-MONTHS_BACK, MONTHS_AHEAD + 1)
    ]


def _months(by_month: Mapping[datetime.date, Sums], today: datetime.date) -> list[Month]:
    """The committed yearly cost by month of start: what starts that month and what is in
    force by its end (an accepted offer counts from its start date on)."""
    starts = month_starts(today)
    # What started before the chart's first month is already in force when it begins.
    in_force = sum((v.usd_per_year for month, v in by_month.items() if month < starts[0]), ZERO)
    result = []
    for start in starts:
        values = by_month.get(start, Sums())
        in_force += values.usd_per_year
        result.append(
            Month(
                month=start,
                starting=values.usd_per_year,
                in_force=in_force,
                offers_starting=values.offers,
                is_current=start == today.replace(day=1),
            )
        )
    return result


def spreads(offers: QuerySet[Offer]) -> list[Spread]:
    """Median, 90th percentile and maximum token budget per day of each level, by nearest
    rank (the median is the budget of the middle offer, half at or below it), among offers
    with a token budget. One query: the database ranks each level's budgets and returns the
    three ranked rows of each."""
    ranked = (
        offers.filter(listed_token_usd_per_day__gt=0)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("level")],
                order_by=[F("listed_token_usd_per_day").asc(), F("pk").asc()],
            ),
            count=Window(Count("pk"), partition_by=[F("level")]),
        )
        # rank = ⌈n/2⌉, ⌈9n/10⌉ or n: integer division rounds down, so add what rounds it up.
        .filter(
            Q(rank=(F("count") + 1) / 2) | Q(rank=(F("count") * 9 + 9) / 10) | Q(rank=F("count"))
        )
        .values_list("level", "rank", "count", "listed_token_usd_per_day")
    )
    found: dict[str, dict[int, Decimal]] = defaultdict(dict)
    counts: dict[str, int] = {}
    for level, rank, count, usd in ranked:
        found[level][rank] = usd or ZERO
        counts[level] = count
    return [
        Spread(
            level=level,
            offers=n,
            median=found[level][(n + 1) // 2],
            p90=found[level][(n * 9 + 9) // 10],
            maximum=found[level][n],
        )
        for level, n in sorted(counts.items())
    ]


def budget_hint(user: User, level: str) -> Spread | None:
    """What offers of this level usually give, among the offers this person may see."""
    offers = scope(user)
    level = level.strip()
    if offers is None or not level:
        return None
    found = spreads(offers.filter(level=level, status__in=[*COMMITTED, *PENDING]))
    return found[0] if found else None


def initials(name: str) -> str:
    """ "Zoë van der Berg" → "Z.v.d.B.": enough for finance to tell rows apart, not a name."""
    return "".join(f"{part[0]}." for part in name.replace("-", " ").split() if part[0].isalpha())
