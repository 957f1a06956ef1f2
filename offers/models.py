from __future__ import annotations

from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from offers.compensation import Equity, Package
from pricing.models import ModelPrice, PriceSnapshot
from pricing.valuation import (
    DEFAULT_PROFILE,
    DEFAULT_WORKING_DAYS,
    PROFILES,
    Valuation,
    ValuationError,
    value_budget,
    value_tokens,
)


def money_field(**kwargs: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class Department(models.Model):
    name = models.CharField(max_length=100, unique=True)
    recruiters = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="recruiting_departments",
        help_text="Recruiters who see and edit every offer of this department.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OfferQuerySet(models.QuerySet["Offer"]):
    def visible_to(self, user: User) -> OfferQuerySet:
        """Offers a recruiter owns or that belong to a department they are assigned to."""
        if user.is_superuser:
            return self
        assigned = Department.recruiters.through.objects.filter(
            department_id=OuterRef("department_id"), user_id=user.pk
        )
        return self.filter(Q(created_by=user) | Exists(assigned))


class Offer(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING_APPROVAL = "pending_approval", "Pending approval"
        APPROVED = "approved", "Approved"
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    class Currency(models.TextChoices):
        USD = "USD", "USD — US dollar"
        EUR = "EUR", "EUR — euro"
        GBP = "GBP", "GBP — pound sterling"
        CAD = "CAD", "CAD — Canadian dollar"
        INR = "INR", "INR — Indian rupee"

    class EquityType(models.TextChoices):
        NONE = "none", "No equity"
        RSU = "rsu", "RSUs"
        OPTIONS = "options", "Stock options"

    class VestingFrequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        ANNUALLY = "annually", "Annually"

    class TokenBudgetUnit(models.TextChoices):
        USD = "usd", "USD per day"
        TOKENS = "tokens", "Tokens per day"

    candidate_name = models.CharField(max_length=200)
    candidate_email = models.EmailField()
    role_title = models.CharField(max_length=200)
    level = models.CharField(max_length=40)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="offers")
    location = models.CharField(max_length=200)
    hiring_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="offers_to_approve",
        limit_choices_to={"groups__name": "Hiring managers"},
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    base_salary = money_field()
    target_bonus_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    sign_on_bonus = money_field(default=Decimal(0))

    equity_type = models.CharField(max_length=10, choices=EquityType.choices, default="none")
    equity_units = models.PositiveIntegerField(default=0)
    equity_price_per_unit = models.DecimalField(
        max_digits=12, decimal_places=4, default=Decimal(0), help_text="share or preferred price"
    )
    equity_strike_price = models.DecimalField(
        max_digits=12, decimal_places=4, default=Decimal(0), help_text="options only"
    )
    vesting_years = models.PositiveSmallIntegerField(default=4)
    cliff_months = models.PositiveSmallIntegerField(default=12)
    vesting_frequency = models.CharField(
        max_length=10, choices=VestingFrequency.choices, default=VestingFrequency.MONTHLY
    )

    token_budget_unit = models.CharField(
        max_length=10, choices=TokenBudgetUnit.choices, default=TokenBudgetUnit.USD
    )
    token_usd_per_day = money_field(default=Decimal(0))
    token_tokens_per_day = models.PositiveBigIntegerField(default=0)
    token_profile = models.CharField(
        max_length=30,
        choices=[(key, profile.label) for key, profile in PROFILES.items()],
        default=DEFAULT_PROFILE,
    )
    working_days = models.PositiveSmallIntegerField(default=DEFAULT_WORKING_DAYS)
    price_snapshot = models.ForeignKey(
        PriceSnapshot, on_delete=models.PROTECT, null=True, blank=True, related_name="offers"
    )
    usd_exchange_rate = models.DecimalField(
        max_digits=14,
        decimal_places=6,
        default=Decimal(1),
        help_text="units of the offer's currency for one US dollar",
    )

    start_date = models.DateField()
    expires_on = models.DateField()
    internal_notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="offers_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        permissions = [("approve_offer", "Can approve offers")]
        indexes = [models.Index(fields=["status", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.candidate_name} — {self.role_title}"

    def get_absolute_url(self) -> str:
        return reverse("offers:detail", args=[self.pk])

    # Figures ---------------------------------------------------------------------------------

    # Set on an unsaved preview (the live totals) or by `with_figures` on a list page.
    pending_allocations: list[TokenAllocation] | None = None
    price_cache: dict[str, ModelPrice] | None = None

    def allocation_list(self) -> list[TokenAllocation]:
        if self.pending_allocations is not None:
            return self.pending_allocations
        return list(self.allocations.all())

    @cached_property
    def token_valuation(self) -> Valuation | None:
        """The token line valued against the offer's own snapshot (never a newer one)."""
        allocations = self.allocation_list()
        if self.price_snapshot_id is None or not allocations:
            return None
        if self.price_cache is not None:
            prices = self.price_cache
        else:
            prices = {
                price.model_id: price
                for price in ModelPrice.objects.filter(
                    snapshot_id=self.price_snapshot_id,
                    model_id__in=[a.model_id for a in allocations],
                )
            }
        if any(a.model_id not in prices for a in allocations):
            return None
        profile = PROFILES[self.token_profile]
        try:
            if self.token_budget_unit == self.TokenBudgetUnit.TOKENS:
                return value_tokens(
                    tokens_per_day=self.token_tokens_per_day,
                    rates=prices[allocations[0].model_id].rates(),
                    profile=profile,
                    working_days=self.working_days,
                )
            return value_budget(
                usd_per_day=self.token_usd_per_day,
                allocations=[
                    (prices[a.model_id].rates(), a.share_percent / 100) for a in allocations
                ],
                profile=profile,
                working_days=self.working_days,
            )
        except ValuationError:
            return None

    @property
    def token_usd_per_year(self) -> Decimal:
        valuation = self.token_valuation
        return valuation.usd_per_year if valuation else Decimal(0)

    @property
    def token_usd_per_day_valued(self) -> Decimal:
        valuation = self.token_valuation
        return valuation.usd_per_day if valuation else Decimal(0)

    @property
    def token_per_year_in_currency(self) -> Decimal:
        return self.token_usd_per_year * self.usd_exchange_rate

    @property
    def token_fully_loaded_yearly_cost(self) -> Decimal:
        """What the token line costs the employer a year if every working day's budget is used."""
        return self.token_per_year_in_currency

    @property
    def equity(self) -> Equity:
        return Equity(
            kind=self.equity_type,
            units=self.equity_units,
            price_per_unit=self.equity_price_per_unit,
            strike_price=self.equity_strike_price,
            vesting_years=self.vesting_years,
            cliff_months=self.cliff_months,
            frequency=self.vesting_frequency,
        )

    @cached_property
    def package(self) -> Package:
        """Built once per instance: a page reads several figures of the same package."""
        return Package(
            base_salary=self.base_salary,
            target_bonus_percent=self.target_bonus_percent,
            sign_on_bonus=self.sign_on_bonus,
            equity=self.equity,
            tokens_per_year=self.token_per_year_in_currency,
        )

    @property
    def first_year_total(self) -> Decimal:
        return self.package.first_year_total

    @property
    def four_year_total(self) -> Decimal:
        return self.package.four_year_total


class TokenAllocation(models.Model):
    """One model of an offer's token budget and its share of the dollars."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="allocations")
    position = models.PositiveSmallIntegerField(default=0)
    model_id = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255)
    share_percent = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.display_name} {self.share_percent}%"


class OfferEvent(models.Model):
    """The audit trail: every change of an offer's state or figures, by whom and when."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status or '—'} → {self.to_status}"


def with_figures(offers: list[Offer]) -> list[Offer]:
    """Load what the figures of many offers need in a fixed number of queries."""
    snapshot_ids = {offer.price_snapshot_id for offer in offers if offer.price_snapshot_id}
    # Allocations are prefetched by the caller. One query for every price any offer needs
    # (a few extra rows at most, far cheaper to build than one condition per offer).
    model_ids = {a.model_id for offer in offers for a in offer.allocations.all()}
    prices: dict[tuple[int, str], ModelPrice] = {
        (price.snapshot_id, price.model_id): price
        for price in ModelPrice.objects.filter(snapshot_id__in=snapshot_ids, model_id__in=model_ids)
    }
    for offer in offers:
        offer.price_cache = {
            model_id: price
            for (snapshot_id, model_id), price in prices.items()
            if snapshot_id == offer.price_snapshot_id
        }
    return offers
