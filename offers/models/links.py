"""The candidate's private link."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from offers.models.offer import Offer


class CandidateLink(models.Model):
    """The candidate's private link: only a hash of its token is kept, never the token."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="links_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    emailed_to = models.EmailField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="links_revoked",
    )
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    # The language the candidate chose on the page (the letter's or English); blank: the
    # letter's (`offers.candidate_views.candidate_language`).
    language = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Link {self.pk} to offer {self.offer_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def last_day(self) -> datetime.date:
        """The last day the link works (it expires at the end of it, site time)."""
        return timezone.localtime(self.expires_at - datetime.timedelta(microseconds=1)).date()

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at
