"""An employee's token budget in the company's LLM gateway, and what they spent each day."""

from __future__ import annotations

from django.db import models

from offers.models import Offer


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
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.identity} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def is_revoked(self) -> bool:
        return self.state == self.State.REVOKED


class DailySpend(models.Model):
    """What the gateway counted for one employee on one UTC day, at the gateway's prices;
    written again when a later read corrects it."""

    grant = models.ForeignKey(BudgetGrant, on_delete=models.CASCADE, related_name="spend")
    day = models.DateField()
    usd = models.DecimalField(max_digits=12, decimal_places=4)
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grant", "day"], name="one_spend_per_grant_per_day")
        ]
        ordering = ["grant", "day"]

    def __str__(self) -> str:
        return f"{self.grant.identity} {self.day}: ${self.usd}"
