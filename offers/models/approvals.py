"""The rules that decide approvals: the exception rules and the salary bands."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from offers.models.offer import Offer, money_field


class ApprovalPolicy(models.Model):
    """The exception rules: an offer outside one needs a second approval after the manager's.

    One row, edited in the admin; an empty cap is no rule.
    """

    max_token_usd_per_day = models.DecimalField(
        "cap on the token budget (USD per day)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    max_token_share_of_base_percent = models.DecimalField(
        "cap on the token line (% of base salary)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="the token budget per year in the offer's currency, as a share of base",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "exception rules"
        verbose_name_plural = "exception rules"

    def __str__(self) -> str:
        return "Exception rules"

    @classmethod
    def current(cls) -> ApprovalPolicy:
        return cls.objects.order_by("pk").first() or cls()


class SalaryBand(models.Model):
    """The base salary range of a level in one currency; outside it is an exception."""

    level = models.CharField(max_length=40)
    currency = models.CharField(max_length=3, choices=Offer.Currency.choices)
    min_base = money_field(verbose_name="minimum base")
    max_base = money_field(verbose_name="maximum base")

    class Meta:
        ordering = ["level", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["level", "currency"], name="one_band_per_level"),
            models.CheckConstraint(
                condition=Q(min_base__lte=models.F("max_base")), name="band_min_below_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.currency}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (
            self.min_base is not None
            and self.max_base is not None
            and self.min_base > self.max_base
        ):
            raise ValidationError({"max_base": "The maximum is below the minimum."})
