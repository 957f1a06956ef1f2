"""The offer, its department and its token models."""

from __future__ import annotations

import datetime
import unicodedata
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from offers import lifecycle, token_line
from offers.compensation import Equity
from offers.roles import person_name
from offers.terms import APPROVED_TERMS, TERM_LABELS
from pricing.hours import WorkingHours
from pricing.models import PriceSnapshot
from pricing.money import WHOLE, round_money
from pricing.valuation import (
    DEFAULT_PROFILE,
    DEFAULT_WORKING_DAYS,
    PROFILES,
    TIER_LABELS,
    TIERS,
    UsageMix,
)

if TYPE_CHECKING:
    from offers.models.letters import Letter


def search_form(text: str) -> str:
    """Text as searches compare it, on every database: no case, no accents ("Zoë" → "zoe")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def percent_field(verbose_name: str, default: str = "0") -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        verbose_name, max_digits=5, decimal_places=2, default=Decimal(default)
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
        # A test of each offer, not a list of ids: the lists can then read offers in their
        # index's order and stop at the page's end. Counting them reads only the narrow
        # offer_visible_to index, not the rows.
        assigned = Department.recruiters.through.objects.filter(
            department_id=OuterRef("department_id"), user_id=user.pk
        )
        return self.filter(Q(created_by=user) | Exists(assigned))


class Offer(models.Model):
    Status = lifecycle.Status

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
    token_mix_fresh_input = percent_field("fresh input (% of tokens)", "6")
    token_mix_cache_write = percent_field("cache write (% of tokens)", "6.5")
    token_mix_cache_read = percent_field("cache read (% of tokens)", "86.5")
    token_mix_output = percent_field("output (% of tokens)", "1")
    working_days = models.PositiveSmallIntegerField(default=DEFAULT_WORKING_DAYS)
    # When in the day the budget is used: models with time-of-day prices are valued over these
    # hours (pricing.hours). Blank zone: the one its location names, else UTC.
    time_zone = models.CharField(max_length=64, blank=True)
    work_starts = models.TimeField(default=datetime.time(9))
    work_ends = models.TimeField(default=datetime.time(17))
    price_snapshot = models.ForeignKey(
        PriceSnapshot, on_delete=models.PROTECT, null=True, blank=True, related_name="offers"
    )
    # The day the figures took the snapshot's prices; the line is valued with the prices in
    # force on that day or on the start date, whichever is later. Empty on offers valued before
    # dated changes were applied (they keep the snapshot's own prices, as approved).
    token_priced_on = models.DateField(null=True, blank=True, editable=False)
    usd_exchange_rate = models.DecimalField(
        max_digits=14,
        decimal_places=6,
        default=Decimal(1),
        help_text="units of the offer's currency for one US dollar",
    )

    start_date = models.DateField()
    expires_on = models.DateField()
    # The wording of its letter: a version of a template, kept until someone picks another
    # (a new version of an approved offer's template changes nothing until then).
    letter_template_version = models.ForeignKey(
        "LetterTemplateVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name="letter template",
    )
    letter_language = models.CharField(
        "letter language",
        max_length=10,
        blank=True,
        help_text="the candidate's language for the letter: the rules then pick a template "
        "written in it (blank: any)",
    )
    letter_template_by_rules = models.BooleanField(
        default=True, help_text="the template was chosen by the rules, not by the recruiter"
    )
    internal_notes = models.TextField(blank=True)
    # Personal data (offers.services.personal_data): a legal hold stops retention and erasure.
    legal_hold = models.BooleanField(default=False)
    legal_hold_reason = models.TextField(blank=True)
    anonymized_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The figures lists show, stored from the one place that computes them (`store_figures`)
    # whenever the terms change, so a list is one plain query however many offers there are.
    listed_first_year_total = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, editable=False
    )
    listed_four_year_total = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, editable=False
    )
    listed_token_usd_per_day = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, editable=False
    )
    listed_token_per_year_in_currency = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, editable=False
    )
    search_text = models.TextField(
        blank=True, editable=False, help_text="candidate, email and role, for searching"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="offers_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    # Approval: who asked, who approved which version, and the figures they approved.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers_submitted",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers_approved",
        help_text="the hiring manager who approved the current figures",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    exception_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offer_exceptions_approved",
        help_text="the second approver of an offer outside an exception rule",
    )
    exception_approved_at = models.DateTimeField(null=True, blank=True)
    approved_version = models.PositiveIntegerField(null=True, blank=True)
    approved_figures = models.JSONField(
        default=dict, blank=True, help_text="the figures as last fully approved"
    )
    rule_breaks = models.JSONField(
        default=list, blank=True, help_text="exception rules broken when last submitted"
    )

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        permissions = [
            ("approve_offer", "Can approve offers"),
            ("approve_exceptions", "Can approve offers outside the exception rules"),
            ("view_token_commitments", "Can view the token commitments of every department"),
            (
                "manage_personal_data",
                "Can export and erase candidates' personal data and set legal holds",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-updated_at"]),
            # The lists' order: the newest page is read from the index, not sorted from all rows.
            models.Index(fields=["-updated_at", "-id"], name="offer_list_order"),
            # Who may see an offer (OfferQuerySet.visible_to), without reading the offer's row.
            models.Index(fields=["created_by", "department"], name="offer_visible_to"),
            # The admin's "awaiting my approval": a manager's offers in a status, newest
            # submitted first, read in index order.
            models.Index(
                fields=["hiring_manager", "status", "-submitted_at", "-id"],
                name="offer_awaiting_manager",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_name} — {self.role_title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = search_form(
            f"{self.candidate_name} {self.candidate_email} {self.role_title}"
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"candidate_name", "candidate_email", "role_title"} & set(
            update_fields
        ):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("offers:detail", args=[self.pk])

    LISTED_FIGURES = [
        "listed_first_year_total",
        "listed_four_year_total",
        "listed_token_usd_per_day",
        "listed_token_per_year_in_currency",
    ]

    def store_figures(self, figures: token_line.Figures) -> list[str]:
        """Set the listed figures from these figures (valued now); returns the fields set.

        Each saved token model gets its own dollars and tokens a day written at once (the token
        commitments add them up); a model of a line that cannot be valued gets none.
        """
        self.listed_first_year_total = round_money(figures.first_year_total)
        self.listed_four_year_total = round_money(figures.four_year_total)
        self.listed_token_usd_per_day = round_money(figures.usd_per_day)
        self.listed_token_per_year_in_currency = round_money(figures.per_year_in_currency)
        allocations = list(figures.allocations)
        if self.pk is not None and allocations:
            valuation = figures.valuation
            lines = list(valuation.lines) if valuation else [None] * len(allocations)
            for allocation, line in zip(allocations, lines, strict=True):
                allocation.listed_usd_per_day = line.usd_per_day if line else None
                allocation.listed_tokens_per_day = line.tokens_per_day if line else None
            TokenAllocation.objects.bulk_update(
                allocations, ["listed_usd_per_day", "listed_tokens_per_day"]
            )
        return self.LISTED_FIGURES

    # Figures ---------------------------------------------------------------------------------

    @cached_property
    def figures(self) -> token_line.Figures:
        """The saved offer's figures, valued once per instance with its saved models and its
        own snapshot's prices (an unsaved offer is valued by whoever holds its models)."""
        return token_line.saved_figures(self)

    @property
    def token_mix(self) -> UsageMix:
        return UsageMix.from_percent(
            self.token_mix_fresh_input,
            self.token_mix_cache_write,
            self.token_mix_cache_read,
            self.token_mix_output,
        )

    @property
    def working_hours(self) -> WorkingHours:
        return WorkingHours.of(
            time_zone=self.time_zone,
            location=self.location,
            starts=self.work_starts,
            ends=self.work_ends,
        )

    @property
    def token_prices_day(self) -> datetime.date | None:
        """The day whose prices value the token line: the day the figures took their prices,
        or the start date if later (a change before the start is applied, not announced).
        None on offers valued before dated changes were applied."""
        if self.token_priced_on is None:
            return None
        return max(self.token_priced_on, self.start_date or self.token_priced_on)

    @property
    def token_prices_date(self) -> datetime.date | None:
        """The date every token figure names: the day whose prices value it."""
        if self.token_prices_day is not None:
            return self.token_prices_day
        return self.price_snapshot.prices_as_of.date() if self.price_snapshot else None

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

    # Workflow: each a named set of `offers.lifecycle` or a move it allows -------------------

    @property
    def figures_approved(self) -> bool:
        """The terms as they stand are the approved ones (a letter of them is no draft)."""
        return self.status in lifecycle.APPROVED_STATES and self.approved_version == self.version

    @property
    def is_awaiting(self) -> bool:
        return self.status in lifecycle.AWAITING

    @property
    def is_answered(self) -> bool:
        return self.status in lifecycle.ANSWERED

    @property
    def shows_approval(self) -> bool:
        return self.status in lifecycle.SHOWS_APPROVAL

    @property
    def can_send_link(self) -> bool:
        return self.status in lifecycle.LINKABLE and self.figures_approved

    @property
    def link_is_live(self) -> bool:
        return self.status in lifecycle.LINK_LIVE

    @property
    def can_send_copy_link(self) -> bool:
        return self.status in lifecycle.RELINKABLE

    @property
    def reopens_on_change(self) -> bool:
        """Changing an approved term now takes the offer back to the hiring manager."""
        return lifecycle.allows("reopen", self.status)

    @property
    def is_draft(self) -> bool:
        return self.status in lifecycle.DRAFTS

    @property
    def is_accepted(self) -> bool:
        return self.status in lifecycle.COMMITTED

    @property
    def awaits_manager(self) -> bool:
        return lifecycle.allows("approve", self.status)

    @property
    def awaits_exceptions(self) -> bool:
        return lifecycle.allows("approve_exceptions", self.status)

    @property
    def can_have_letter(self) -> bool:
        return self.status in lifecycle.LETTERABLE

    @property
    def is_editable(self) -> bool:
        return self.status in lifecycle.OPEN

    @property
    def can_be_submitted(self) -> bool:
        return lifecycle.allows("submit", self.status)

    @property
    def can_be_withdrawn(self) -> bool:
        return lifecycle.allows("withdraw", self.status)

    def approved_letter(self) -> Letter | None:
        """The finished letter of the figures as approved, which the candidate downloads."""
        from offers.models.letters import Letter

        return self.letters.filter(
            state=Letter.State.READY, offer_version=self.version, draft=False
        ).first()

    def figures_record(self, figures: token_line.Figures | None = None) -> dict[str, str]:
        """Every figure as a person reads it: stored at approval, compared on the next one
        (the saved offer's figures unless others are given)."""
        from offers.letters.format import format_money  # the letters room imports the models

        figures = figures or self.figures
        record = {TERM_LABELS[name]: self.term_text(name) for name in APPROVED_TERMS}
        record["Token models"] = ", ".join(
            f"{a.display_name} {a.share_percent.normalize():f}% ({a.tier}"
            + (f", {a.long_context_percent.normalize():f}% long" if a.long_context_percent else "")
            + ")"
            for a in figures.allocations
        )
        snapshot = self.price_snapshot
        record["Prices"] = (
            f"{snapshot.get_source_display()} as of {snapshot.prices_as_of:%Y-%m-%d}"
            if snapshot
            else "none"
        )
        currency = self.currency
        record["Token budget per day (USD)"] = format_money(figures.usd_per_day, "USD")
        record["Token line per year"] = format_money(
            figures.per_year_in_currency, currency, places=WHOLE
        )
        record["First-year total"] = format_money(figures.first_year_total, currency, places=WHOLE)
        record["Four-year total"] = format_money(figures.four_year_total, currency, places=WHOLE)
        return record

    def term_text(self, name: str) -> str:
        """One approved term as the offer page writes it: $200,000, 10%, 13 Dec 2026."""
        from offers.letters.format import format_money  # the letters room imports the models

        value = getattr(self, name)
        display = getattr(self, f"get_{name}_display", None)
        if display:
            return str(display())
        if value is None or value == "":
            return "—"
        if isinstance(value, User):
            return person_name(value)
        if isinstance(value, datetime.date):
            return f"{value:%-d %b %Y}"
        if name in {"base_salary", "sign_on_bonus"}:
            return format_money(value, self.currency, places=WHOLE)
        if name in {"equity_price_per_unit", "equity_strike_price"}:
            return format_money(value, self.currency)
        if name == "token_usd_per_day":
            return format_money(value, "USD")
        if name.endswith("_percent") or name.startswith("token_mix_"):
            return f"{value.normalize():f}%"
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    def changes_since_approval(self) -> list[tuple[str, str, str, bool]]:
        """(figure, as approved, now, changed) for every figure; empty if never approved."""
        if not self.approved_figures:
            return []
        now = self.figures_record()
        names = list(dict.fromkeys([*now, *self.approved_figures]))
        return [
            (
                name,
                self.approved_figures.get(name, "—"),
                now.get(name, "—"),
                self.approved_figures.get(name) != now.get(name),
            )
            for name in names
        ]


class TokenAllocation(models.Model):
    """One model of an offer's token budget and its share of the dollars."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="allocations")
    position = models.PositiveSmallIntegerField(default=0)
    model_id = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255)
    share_percent = models.DecimalField(max_digits=5, decimal_places=2)
    tier = models.CharField(
        "service tier",
        max_length=10,
        choices=[(tier, TIER_LABELS[tier]) for tier in TIERS],
        default="standard",
    )
    long_context_percent = models.DecimalField(
        "long requests (% of tokens)",
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        help_text="tokens sent in requests above the model's long-context threshold",
    )
    regional = models.BooleanField(
        "regional processing",
        default=False,
        help_text="valued with its maker's data-residency uplift (pricing.residency)",
    )
    # This model's part of the offer's token line, stored with the offer's listed figures
    # (`Offer.store_figures`): None when the line cannot be valued.
    listed_usd_per_day = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, editable=False
    )
    listed_tokens_per_day = models.PositiveBigIntegerField(null=True, editable=False)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.display_name} {self.share_percent}%"


# What each audit action says, after the person's name (or "The candidate", "The system").
