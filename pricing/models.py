from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from pricing.valuation import ModelRates


def price_field(*, optional: bool = False) -> models.DecimalField:  # type: ignore[type-arg]
    """USD per 1M tokens, exact to 1e-8 (1e-14 per token)."""
    return models.DecimalField(max_digits=18, decimal_places=8, null=optional, blank=optional)


class PriceSnapshotQuerySet(models.QuerySet["PriceSnapshot"]):
    def current(self) -> PriceSnapshot | None:
        """The newest accepted snapshot, from any source."""
        return self.order_by("-fetched_at", "-pk").first()


class PriceSnapshot(models.Model):
    """Every price of one source as read at one moment. Never changed after it is written."""

    class Source(models.TextChoices):
        LITELLM = "litellm", "LiteLLM"
        OPENROUTER = "openrouter", "OpenRouter"
        BUNDLED = "bundled", "Bundled list prices"

    source = models.CharField(max_length=20, choices=Source.choices)
    location = models.CharField(max_length=500, help_text="URL or file the prices were read from")
    fetched_at = models.DateTimeField(default=timezone.now, db_index=True)
    taken_on = models.DateField(
        null=True, blank=True, help_text="The date the prices were published, where it differs"
    )
    content_hash = models.CharField(max_length=64)
    models_accepted = models.PositiveIntegerField()
    models_rejected = models.PositiveIntegerField()
    models_skipped = models.PositiveIntegerField(default=0)
    rejections = models.JSONField(default=list, blank=True)

    objects = PriceSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-fetched_at", "-pk"]
        get_latest_by = "fetched_at"

    def __str__(self) -> str:
        return f"{self.get_source_display()} prices of {self.prices_as_of:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("A price snapshot is immutable: write a new one instead.")
        super().save(*args, **kwargs)

    @property
    def prices_as_of(self) -> datetime.datetime:
        """When the prices were true: the publication date of bundled prices, else the fetch."""
        if self.taken_on:
            return datetime.datetime.combine(self.taken_on, datetime.time(), tzinfo=datetime.UTC)
        return self.fetched_at

    @property
    def is_stale(self) -> bool:
        age = timezone.now() - self.prices_as_of
        return age > datetime.timedelta(hours=settings.PRICES_STALE_AFTER_HOURS)


class ModelPrice(models.Model):
    """One model's prices in one snapshot, in USD per 1M tokens."""

    snapshot = models.ForeignKey(PriceSnapshot, on_delete=models.PROTECT, related_name="prices")
    provider = models.CharField(max_length=100)
    model_id = models.CharField(max_length=255, help_text="as the source names it")
    display_name = models.CharField(max_length=255)
    input_per_million = price_field()
    output_per_million = price_field()
    cached_input_per_million = price_field(optional=True)
    cache_write_per_million = price_field(optional=True)
    context_window = models.PositiveIntegerField(null=True, blank=True)
    long_context_threshold = models.PositiveIntegerField(null=True, blank=True)
    long_context_input_per_million = price_field(optional=True)
    long_context_output_per_million = price_field(optional=True)

    class Meta:
        ordering = ["provider", "model_id"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "model_id"], name="one_price_per_model")
        ]
        indexes = [models.Index(fields=["snapshot", "provider"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.provider})"

    def rates(self) -> ModelRates:
        return ModelRates(
            model_id=self.model_id,
            display_name=self.display_name,
            input=self.input_per_million,
            output=self.output_per_million,
            cached_input=self.cached_input_per_million,
        )
