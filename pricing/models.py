from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import RowNumber
from django.utils import timezone

from pricing.hours import WorkingHours, spread_over_hours
from pricing.valuation import ModelRates, TierRates


def price_field(*, optional: bool = False, **kwargs: Any) -> models.DecimalField:  # type: ignore[type-arg]
    """USD per 1M tokens, exact to 1e-8 (1e-14 per token)."""
    return models.DecimalField(
        max_digits=18, decimal_places=8, null=optional, blank=optional, **kwargs
    )


# Newest first by the prices' own date (an old file imported today is not newer).
NEWEST_FIRST = (models.F("taken_on").desc(nulls_last=True), models.F("fetched_at").desc(), "-pk")


class PriceSnapshotQuerySet(models.QuerySet["PriceSnapshot"]):
    def newest(self) -> PriceSnapshot | None:
        """The newest prices by their own date (an old file imported today is not newer)."""
        return self.order_by(*NEWEST_FIRST).first()

    def newest_of_each_source(self) -> list[PriceSnapshot]:
        """`newest()` of every source, in one query (the builder's cross-check note asks it on
        every keystroke)."""
        rank = models.Window(
            RowNumber(), partition_by="source", order_by=[*NEWEST_FIRST[:2], models.F("pk").desc()]
        )
        return list(self.annotate(rank=rank).filter(rank=1))

    def current(self) -> PriceSnapshot | None:
        """The snapshot in force: the primary source's, or a fallback's (see `prices_in_force`)."""
        from pricing.services import prices_in_force

        return prices_in_force().snapshot


class PriceSnapshot(models.Model):
    """Every price of one source as read at one moment. Never changed after it is written."""

    class Source(models.TextChoices):
        GENAI_PRICES = "genai-prices", "genai-prices"
        LITELLM = "litellm", "LiteLLM"
        OPENROUTER = "openrouter", "OpenRouter"
        # Snapshots of the hand-copied list this project shipped until 2026-11; kept for offers
        # valued with them, never read again.
        BUNDLED = "bundled", "Bundled list prices (retired)"

    source = models.CharField(max_length=20, choices=Source.choices)
    location = models.CharField(max_length=500, help_text="URL or file the prices were read from")
    fetched_at = models.DateTimeField(default=timezone.now, db_index=True)
    taken_on = models.DateField(
        "prices as of",
        null=True,
        blank=True,
        help_text="the data's own date: a file's stated date, a package's release, else the fetch",
    )
    content_hash = models.CharField(max_length=64)
    models_accepted = models.PositiveIntegerField()
    models_rejected = models.PositiveIntegerField()
    models_skipped = models.PositiveIntegerField(default=0)
    rejections = models.JSONField(default=list, blank=True)
    settled_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settlements",
        help_text="the imported snapshot this one repeats with prices a person confirmed",
    )
    settlement_note = models.TextField(blank=True)

    objects = PriceSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-fetched_at", "-pk"]
        get_latest_by = "fetched_at"

    def __str__(self) -> str:
        settled = " (with settled prices)" if self.settled_from_id else ""
        return f"{self.get_source_display()}, as of {self.prices_as_of:%-d %b %Y}{settled}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("A price snapshot is immutable: write a new one instead.")
        super().save(*args, **kwargs)

    @property
    def prices_as_of(self) -> datetime.datetime:
        """When the prices were true: the data's own date where it has one, else the fetch."""
        if self.taken_on:
            return datetime.datetime.combine(self.taken_on, datetime.time(), tzinfo=datetime.UTC)
        return self.fetched_at

    @property
    def is_stale(self) -> bool:
        age = timezone.now() - self.prices_as_of
        return age > datetime.timedelta(hours=settings.PRICES_STALE_AFTER_HOURS)


class ModelPriceQuerySet(models.QuerySet["ModelPrice"]):
    def offered(self, on: datetime.date | None = None) -> ModelPriceQuerySet:
        """Models a recruiter may still pick: not deprecated, not past a deprecation date."""
        on = on or timezone.localdate()
        return self.filter(deprecated=False).exclude(deprecated_on__lte=on)

    def for_picker(self) -> ModelPriceQuerySet:
        """First-party models first, then hosts; names in order."""
        return self.order_by("-first_party", "display_name", "host", "region", "model_id")


class ModelPrice(models.Model):
    """One model's prices in one snapshot, in USD per 1M tokens."""

    snapshot = models.ForeignKey(PriceSnapshot, on_delete=models.PROTECT, related_name="prices")
    provider = models.CharField(max_length=100)
    model_id = models.CharField(max_length=255, help_text="as the source names it")
    canonical_id = models.CharField(
        max_length=255,
        default="",
        db_index=True,
        help_text="the model's name without host or version date, for comparing sources",
    )
    display_name = models.CharField(max_length=255)
    first_party = models.BooleanField(
        default=False, help_text="sold by the company that makes the model"
    )
    host = models.CharField(max_length=100, blank=True, help_text="who sells it, if not the maker")
    region = models.CharField(max_length=50, blank=True)
    deprecated = models.BooleanField(default=False)
    deprecated_on = models.DateField(null=True, blank=True)
    input_per_million = price_field()
    output_per_million = price_field()
    cached_input_per_million = price_field(optional=True, verbose_name="cache read per million")
    cache_write_per_million = price_field(optional=True)
    context_window = models.PositiveIntegerField(null=True, blank=True)
    long_context_threshold = models.PositiveIntegerField(null=True, blank=True)
    long_context_input_per_million = price_field(optional=True)
    long_context_output_per_million = price_field(optional=True)
    long_context_cache_read_per_million = price_field(optional=True)
    long_context_cache_write_per_million = price_field(optional=True)
    # {"batch": {"fresh_input": "1.5", "output": "7.5", "cache_read": …, "long_output": …}, …}
    tiers = models.JSONField(default=dict, blank=True, help_text="prices of other service tiers")
    # [{"from": "01:00", "to": "04:00", "rates": {"fresh_input": "1.32", …}}]: UTC hours of the
    # day whose standard prices differ (peak hours); the prices above are the other hours'.
    peak_hours = models.JSONField(default=list, blank=True)
    # [{"starts_on": "2026-09-01", "rates": {"fresh_input": "3", …}, "tiers": {…}, "peak": […]}]:
    # dated changes after the data's date, each the whole of what is in force from that day
    # ("tiers" and "peak" only where they change).
    price_changes = models.JSONField(default=list, blank=True)

    objects = ModelPriceQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "model_id"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "model_id"], name="one_price_per_model")
        ]
        indexes = [models.Index(fields=["snapshot", "provider"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.seller})"

    @property
    def seller(self) -> str:
        where = f", {self.region}" if self.region else ""
        return (self.host or self.provider) + where

    @property
    def picker_label(self) -> str:
        if self.first_party and not self.region:
            return self.display_name
        return f"{self.display_name} · {self.seller}"

    def is_deprecated(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.deprecated or (self.deprecated_on is not None and self.deprecated_on <= on)

    def standard_rates(self) -> TierRates:
        return TierRates(
            fresh_input=self.input_per_million,
            output=self.output_per_million,
            cache_read=self.cached_input_per_million,
            cache_write=self.cache_write_per_million,
            long_fresh_input=self.long_context_input_per_million,
            long_output=self.long_context_output_per_million,
            long_cache_read=self.long_context_cache_read_per_million,
            long_cache_write=self.long_context_cache_write_per_million,
        )

    def in_force(
        self, on: datetime.date | None
    ) -> tuple[TierRates, dict[str, dict[str, str]], list[dict[str, Any]]]:
        """(standard, other tiers, peak hours) in force on a day: the row with every dated
        change starting on or before it applied; the row alone when `on` is None."""
        standard = self.standard_rates()
        tiers, peak = dict(self.tiers), list(self.peak_hours)
        for change in self.price_changes:
            if on is None or datetime.date.fromisoformat(change["starts_on"]) > on:
                break
            standard = tier_rates(change["rates"])
            tiers = change.get("tiers", tiers)
            peak = change.get("peak", peak)
        return standard, tiers, peak

    def changes_after(self, day: datetime.date) -> list[datetime.date]:
        return [
            starts_on
            for change in self.price_changes
            if (starts_on := datetime.date.fromisoformat(change["starts_on"])) > day
        ]

    def rates(
        self, *, on: datetime.date | None = None, hours: WorkingHours | None = None
    ) -> ModelRates:
        """The model's prices in force on a day, as the valuation takes them. With peak hours
        and `hours`, the standard prices are the mean over those working hours on that day."""
        standard, tiers, peak = self.in_force(on)
        peak_share = Decimal(0)
        if peak and hours is not None:
            standard, peak_share = spread_over_hours(standard, peak, hours, on=on)
        all_tiers = {"standard": standard}
        all_tiers.update({name: tier_rates(values) for name, values in tiers.items()})
        return ModelRates(
            model_id=self.model_id,
            display_name=self.display_name,
            tiers=all_tiers,
            long_context_threshold=self.long_context_threshold,
            peak_share=peak_share,
        )


def tier_rates(values: dict[str, str]) -> TierRates:
    """A tier stored as decimal strings (JSON) back as Decimals."""

    def number(key: str) -> Decimal | None:
        value = values.get(key)
        return None if value is None else Decimal(value)

    return TierRates(
        fresh_input=Decimal(values["fresh_input"]),
        output=Decimal(values["output"]),
        cache_read=number("cache_read"),
        cache_write=number("cache_write"),
        long_fresh_input=number("long_fresh_input"),
        long_output=number("long_output"),
        long_cache_read=number("long_cache_read"),
        long_cache_write=number("long_cache_write"),
    )


class PriceRefresh(models.Model):
    """One attempt to refresh a source, kept so a primary that keeps failing can be told."""

    source = models.CharField(max_length=20, choices=PriceSnapshot.Source.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=10)  # created, unchanged, rejected
    message = models.TextField(blank=True)
    snapshot = models.ForeignKey(PriceSnapshot, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "price refreshes"

    def __str__(self) -> str:
        return f"{self.source} {self.outcome} at {self.at:%Y-%m-%d %H:%M}"


class PriceDisagreement(models.Model):
    """Sources that price one class of one model more than 5% apart, and how it was settled.

    Found by the cross-check after every refresh; never settled by a vote. A person with
    `pricing.settle_prices` confirms one value with a note and a reference; from then on the
    current prices carry that value until a source's prices of the model change.
    """

    canonical_id = models.CharField(max_length=255, db_index=True)
    display_name = models.CharField(max_length=255)
    price_class = models.CharField(max_length=20)
    # [{"source": "litellm", "model_id": "…", "value": "0.5", "as_of": "2026-08-01", "snapshot": 3}]
    values = models.JSONField()
    signature = models.CharField(max_length=64, help_text="hash of the values compared")
    spread = models.DecimalField(max_digits=12, decimal_places=4, help_text="highest / lowest - 1")
    active = models.BooleanField(default=True, help_text="found by the latest cross-check")
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    settled_value = price_field(optional=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_note = models.TextField(blank=True)
    settled_reference = models.URLField(max_length=500, blank=True)
    settled_snapshot = models.ForeignKey(
        PriceSnapshot, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-active", "settled_at", "canonical_id", "price_class"]
        permissions = [("settle_prices", "Can settle price disagreements")]
        constraints = [
            models.UniqueConstraint(
                fields=["canonical_id", "price_class", "signature"], name="one_per_disagreement"
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} {self.class_label}: {self.spread_percent:.0f}% apart"

    @property
    def is_settled(self) -> bool:
        return self.settled_at is not None

    @property
    def class_label(self) -> str:
        from pricing.valuation import CLASS_LABELS

        return CLASS_LABELS.get(self.price_class, self.price_class)

    @property
    def spread_percent(self) -> Decimal:
        return self.spread * 100

    def values_text(self) -> str:
        return "; ".join(
            f"{v['source']} ${Decimal(v['value']).normalize():f} (as of {v['as_of']})"
            for v in self.values
        )
