"""An employee's token budget in the company's LLM gateway, and what they spent each day."""

from __future__ import annotations

from django.db import models

from offers.models import Offer

GATEWAYS = {"mlflow": "MLflow AI Gateway", "litellm": "LiteLLM proxy", "openrouter": "OpenRouter"}


class BudgetGrant(models.Model):
    """One per accepted offer: the employee's identity in the gateway, its daily cap and where
    provisioning stands. The credential is never kept: only its first characters, to recognise
    it."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for the start date"
        ACTIVE = "active", "Active"
        FAILED = "failed", "Failed: will be tried again"
        REVOKED = "revoked", "Revoked"

    offer = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="budget_grant")
    gateway = models.CharField(max_length=20)
    identity = models.CharField(max_length=63, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    usd_per_day = models.DecimalField(max_digits=12, decimal_places=2)
    model_names = models.JSONField(default=list, help_text="the gateway's names of the models")
    missing_models = models.JSONField(default=list, help_text="asked for, not served")
    cap_id = models.CharField(max_length=100, blank=True)
    credential_prefix = models.CharField(max_length=12, blank=True)
    credential_handed_at = models.DateTimeField(null=True, blank=True)
    active_since = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)
    ends_on = models.DateField(
        null=True,
        blank=True,
        verbose_name="last day of employment",
        help_text="the budget is revoked after this day (set by the People team or the API)",
    )
    spend_read_at = models.DateTimeField(null=True, blank=True)
    spend_stale_since = models.DateTimeField(
        null=True, blank=True, help_text="the gateway did not answer a spend read since then"
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.identity} ({self.get_state_display()})"

    @property
    def gateway_label(self) -> str:
        return GATEWAYS.get(self.gateway, self.gateway)

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def is_revoked(self) -> bool:
        return self.state == self.State.REVOKED


class DailySpend(models.Model):
    """What the gateway counted for one employee on one UTC day, at the gateway's prices, beside
    the cap in force that day; written again when a later read corrects it. A day the budget was
    active with no calls has a row of zero, so that "promised" counts it."""

    grant = models.ForeignKey(BudgetGrant, on_delete=models.CASCADE, related_name="spend")
    day = models.DateField()
    usd = models.DecimalField(max_digits=12, decimal_places=4)
    cap_usd = models.DecimalField(max_digits=12, decimal_places=2)
    capped = models.BooleanField(
        default=False, help_text="spend reached the cap: the gateway refused calls that day"
    )
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grant", "day"], name="one_spend_per_grant_per_day")
        ]
        ordering = ["grant", "day"]

    def __str__(self) -> str:
        return f"{self.grant.identity} {self.day}: ${self.usd}"


class ModelSpend(models.Model):
    """The same day's spend split by the gateway's model, where the gateway says (the cap is one
    for all of a person's models)."""

    grant = models.ForeignKey(BudgetGrant, on_delete=models.CASCADE, related_name="model_spend")
    day = models.DateField()
    model = models.CharField(max_length=200)
    usd = models.DecimalField(max_digits=12, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "day", "model"], name="one_spend_per_grant_day_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grant.identity} {self.day} {self.model}: ${self.usd}"
