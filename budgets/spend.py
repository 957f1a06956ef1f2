"""Promised against spent after hire, for finance: by department, month and model, added up by
the database from one row per person per day (`DailySpend`), so the page makes the same few
queries for ten people or a thousand with a year each.

What the figures are:
- **Promised**: each day's cap, the offer's dollars a day (at the prices the offer was valued
  and approved with, named on the page), on every UTC day the budget was active, weekends too,
  since the gateway allows it every day. The letter's yearly figure counts the offer's working
  days instead, so a year here is more than the letter's year.
- **Spent**: what the gateway counted, at the gateway's own prices (its model catalog), which
  are not the offer's: the page says both.
- **Capped days**: days spend reached the cap, when the gateway refuses further calls (the call
  that crosses the cap is let through, so a capped day can show a little over).
What they do not know: calls the gateway did not see (a personal key, another tool), days
before the budget was provisioned, and days not yet read (the page says when it last read).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from budgets.models import GATEWAYS, BudgetGrant, DailySpend, ModelSpend
from offers.models import Offer
from pricing.models import PriceSnapshot

ZERO = Decimal(0)
PERIODS = [
    (3, "Last 3 months"),
    (6, "Last 6 months"),
    (12, "Last 12 months"),
    (24, "Last 24 months"),
]


@dataclass(frozen=True)
class Line:
    name: str
    people: int
    days: int
    promised: Decimal
    spent: Decimal
    capped_days: int

    @property
    def utilisation(self) -> Decimal | None:
        """Spent as a percentage of promised, to one decimal; None with nothing promised."""
        if not self.promised:
            return None
        return (self.spent / self.promised * 100).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class ModelLine:
    model: str
    people: int
    spent: Decimal
    share: Decimal | None  # of all spend, in percent


@dataclass
class Spend:
    since: datetime.date
    total: Line
    departments: list[Line] = field(default_factory=list)
    months: list[Line] = field(default_factory=list)
    models: list[ModelLine] = field(default_factory=list)
    promised_prices: list[str] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)
    read_at: datetime.datetime | None = None
    stale: int = 0  # people whose last read failed
    stale_since: datetime.datetime | None = None
    budgets: int = 0
    active: int = 0
    waiting: int = 0
    failed: int = 0
    revoked: int = 0


SUMS: dict[str, Any] = {
    "people": Count("grant", distinct=True),
    "days": Count("pk"),
    "promised": Sum("cap_usd"),
    "spent": Sum("usd"),
    "capped_days": Count("pk", filter=Q(capped=True)),
}


def _line(name: str, row: Mapping[str, Any]) -> Line:
    return Line(
        name=name,
        people=row["people"] or 0,
        days=row["days"] or 0,
        promised=row["promised"] or ZERO,
        spent=row["spent"] or ZERO,
        capped_days=row["capped_days"] or 0,
    )


def days_of(offers: QuerySet[Offer], since: datetime.date) -> QuerySet[DailySpend]:
    return DailySpend.objects.filter(grant__offer__in=offers, day__gte=since)


def spend(offers: QuerySet[Offer], *, since: datetime.date) -> Spend:
    """The page's figures for the offers in the person's scope, from `since` (a UTC day)."""
    rows = days_of(offers, since)
    figures = Spend(since=since, total=_line("In total", rows.aggregate(**SUMS)))
    figures.departments = [
        _line(row["name"], row)
        for row in rows.values(name=F("grant__offer__department__name"))
        .annotate(**SUMS)
        .order_by("name")
    ]
    figures.months = [
        _line(row["month"].strftime("%b %Y"), row)
        for row in rows.annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**SUMS)
        .order_by("month")
    ]
    by_model = list(
        ModelSpend.objects.filter(grant__offer__in=offers, day__gte=since)
        .values("model")
        .annotate(people=Count("grant", distinct=True), spent=Sum("usd"))
        .order_by("-spent", "model")
    )
    everything = sum((row["spent"] or ZERO for row in by_model), ZERO)
    figures.models = [
        ModelLine(
            model=row["model"],
            people=row["people"],
            spent=row["spent"] or ZERO,
            share=((row["spent"] or ZERO) / everything * 100).quantize(Decimal("0.1"))
            if everything
            else None,
        )
        for row in by_model
    ]
    granted = offers.filter(budget_grant__isnull=False)
    figures.promised_prices = [
        str(snapshot)
        for snapshot in PriceSnapshot.objects.filter(pk__in=granted.values("price_snapshot"))
    ]
    grants = BudgetGrant.objects.filter(offer__in=offers)
    state = grants.aggregate(
        read_at=Max("spend_read_at"),
        stale=Count("pk", filter=Q(spend_stale_since__isnull=False)),
        stale_since=Max("spend_stale_since"),
        budgets=Count("pk"),
        active=Count("pk", filter=Q(state=BudgetGrant.State.ACTIVE)),
        waiting=Count("pk", filter=Q(state=BudgetGrant.State.WAITING)),
        failed=Count("pk", filter=Q(state=BudgetGrant.State.FAILED)),
        revoked=Count("pk", filter=Q(state=BudgetGrant.State.REVOKED)),
    )
    figures.waiting, figures.failed, figures.revoked = (
        state["waiting"],
        state["failed"],
        state["revoked"],
    )
    figures.gateways = [
        GATEWAYS.get(name, name)
        for name in grants.order_by("gateway").values_list("gateway", flat=True).distinct()
    ]
    figures.read_at, figures.stale = state["read_at"], state["stale"]
    figures.stale_since, figures.budgets, figures.active = (
        state["stale_since"],
        state["budgets"],
        state["active"],
    )
    return figures


def snapshot_names(offers: QuerySet[Offer]) -> dict[int, str]:
    granted = offers.filter(budget_grant__isnull=False)
    return {
        snapshot.pk: str(snapshot)
        for snapshot in PriceSnapshot.objects.filter(pk__in=granted.values("price_snapshot"))
    }


def person_months(offers: QuerySet[Offer], since: datetime.date) -> Iterable[Mapping[str, Any]]:
    """One row per person per month, for the CSV."""
    return (
        days_of(offers, since)
        .annotate(month=TruncMonth("day"))
        .values(
            "month",
            "grant__offer_id",
            "grant__offer__candidate_name",
            "grant__offer__department__name",
            "grant__gateway",
            "grant__offer__price_snapshot_id",
        )
        .annotate(**SUMS)
        .order_by("month", "grant__offer_id")
        .iterator(chunk_size=2000)
    )


def offer_budget(offer: Offer, *, days: int = 30) -> dict[str, Any] | None:
    """One offer's budget as the API and `token_budget spend` give it: where it stands, and its
    last `days` UTC days of promised against spent, each side with the prices it is at. None
    where the offer has no budget grant."""
    grant = BudgetGrant.objects.filter(offer=offer).select_related("offer__price_snapshot").first()
    if grant is None:
        return None
    today = datetime.datetime.now(datetime.UTC).date()
    since = today - datetime.timedelta(days=days - 1)
    by_model: dict[datetime.date, dict[str, str]] = {}
    for row in grant.model_spend.filter(day__gte=since).order_by("day", "model"):
        by_model.setdefault(row.day, {})[row.model] = str(row.usd)
    gateway = GATEWAYS.get(grant.gateway, grant.gateway)
    return {
        "offer": offer.pk,
        "state": grant.state,
        "gateway": grant.gateway,
        "identity": grant.identity,
        "usd_per_day": str(grant.usd_per_day),
        "window": "UTC day",
        "models": grant.model_names,
        "not_served": grant.missing_models,
        "active_since": _instant(grant.active_since),
        "ends_on": grant.ends_on.isoformat() if grant.ends_on else None,
        "revoked_at": _instant(grant.revoked_at),
        "revoke_reason": grant.revoke_reason or None,
        "spend_read_at": _instant(grant.spend_read_at),
        "spend_stale_since": _instant(grant.spend_stale_since),
        "promised_at": str(grant.offer.price_snapshot or "") or None,
        "spent_at": f"the {gateway}'s own prices (its model catalog)",
        "days": [
            {
                "day": row.day.isoformat(),
                "promised_usd": str(row.cap_usd),
                "spent_usd": str(row.usd),
                "capped": row.capped,
                "models": by_model.get(row.day, {}),
                "read_at": _instant(row.read_at),
            }
            for row in grant.spend.filter(day__gte=since).order_by("day")
        ],
    }


def _instant(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z") if value else None
