"""API keys, idempotent requests, and webhooks: endpoints, the outbox of events, deliveries."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from offers.models import Offer

SCOPES = ("offers:read", "offers:write", "webhooks:manage")


class ApiKey(models.Model):
    """A company API key: shown once, stored as its SHA-256; it acts for `user`."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, help_text="the key's public part")
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text="whose permissions and departments the key has; writes are audited as them",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotentRequest(models.Model):
    """A POST or PATCH sent with an Idempotency-Key, and the response it got (24 hours)."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    request_sha256 = models.CharField(max_length=64)
    done = models.BooleanField(default=False)
    status = models.PositiveSmallIntegerField(null=True)
    body = models.BinaryField(default=b"")
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="one_request_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({'done' if self.done else 'in flight'})"


class ExternalReference(models.Model):
    """The applicant-tracking system's ids for an offer made through the API."""

    offer = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="external")
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"offer {self.offer_id}: {self.data}"


EVENT_TYPES = (
    "offer.created",
    "offer.updated",
    "offer.submitted",
    "offer.approved",
    "offer.rejected",
    "offer.sent",
    "offer.viewed",
    "offer.accepted",
    "offer.declined",
    "offer.signed",
    "offer.countersigned",
    "offer.withdrawn",
    "offer.expired",
    "offer.change_requested",
    "offer.change_answered",
    "letter.ready",
    "budget.provisioned",
    "budget.revoked",
    "budget.cap_reached",
)


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="event types; empty: all")
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Whose key made it through the API: that user's keys (and a superuser's) see, rotate and
    # delete it. Blank: the operator's (`manage.py webhook_endpoint`), for superusers' keys only.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class WebhookEvent(models.Model):
    """The outbox: written in the transaction of the change; also the /events feed."""

    uid = models.CharField(max_length=40, unique=True, help_text="webhook-id, stable")
    type = models.CharField(max_length=40)
    offer = models.ForeignKey(Offer, on_delete=models.SET_NULL, null=True, related_name="+")
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.uid}"


class WebhookDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (replayable)"
        DROPPED = "dropped", "Dropped: the endpoint is gone (410)"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    log = models.JSONField(default=list, help_text="each attempt: time, status, milliseconds")

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="one_delivery_per_event")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint} ({self.state})"
