"""A candidate's request for a change to their offer (issue 38): what they asked, term by term,
and how the recruiter answered. The asked terms and the message are the candidate's personal
data (export and erasure cover them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _

from offers.models.links import CandidateLink
from offers.models.offer import Offer, money_field


class ChangeRequestQuerySet(models.QuerySet["ChangeRequest"]):
    def open(self) -> ChangeRequestQuerySet:
        """Waiting for the recruiter's answer (sent, being considered)."""
        return self.filter(state__in=ChangeRequest.OPEN)

    def awaiting_delivery(self) -> ChangeRequestQuerySet:
        """Answered by amending the offer, whose new terms have not reached the candidate yet."""
        return self.filter(state=ChangeRequest.State.AMENDED, delivered_at__isnull=True)

    def shown(self) -> ChangeRequestQuerySet:
        """What the candidate and the API see: every request but those replaced by a newer."""
        return self.exclude(state=ChangeRequest.State.REPLACED)


class ChangeRequest(models.Model):
    class State(models.TextChoices):
        SENT = "sent", "Sent"  # the recruiter has not opened it yet
        CONSIDERING = "considering", "Being considered"  # the recruiter has read it
        AMENDED = "amended", "Amended"  # answered: the offer was changed and is re-approved
        KEPT = "kept", "Kept as it is"  # answered: the offer stays as it is
        REPLACED = "replaced", "Replaced"  # the candidate asked again
        CLOSED = "closed", "Closed"  # the offer was answered, withdrawn or expired first

    OPEN = (State.SENT, State.CONSIDERING)
    ANSWERED = (State.AMENDED, State.KEPT)

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="change_requests")
    link = models.ForeignKey(
        CandidateLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.SENT)
    offer_version = models.PositiveIntegerField()  # the terms the candidate read
    # What was asked; None: not asked. A budget asked in tokens keeps both: the tokens a day of
    # one of the offer's models, and the dollars a day they cost at the offer's prices.
    token_usd_per_day = money_field(null=True, blank=True)
    token_tokens_per_day = models.PositiveBigIntegerField(null=True, blank=True)
    token_model_id = models.CharField(max_length=200, blank=True)
    base_salary = money_field(null=True, blank=True)
    sign_on_bonus = money_field(null=True, blank=True)
    equity_units = models.PositiveIntegerField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer_message = models.TextField(blank=True)
    # Amended: set once the approved new letter's link went to the candidate.
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer"],
                condition=models.Q(state__in=["sent", "considering"]),
                name="one_open_change_request_per_offer",
            )
        ]

    def __str__(self) -> str:
        return f"Change request {self.pk} on offer {self.offer_id}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN

    @property
    def is_answered(self) -> bool:
        return self.state in self.ANSWERED

    @property
    def candidate_state(self) -> str:
        """The state as the candidate reads it: sent, being considered, answered."""
        if self.state == self.State.SENT:
            return _("Sent")
        if self.state == self.State.CONSIDERING:
            return _("Being considered")
        if self.state == self.State.AMENDED and self.delivered_at is None:
            return _("Answered: the offer is being changed")
        if self.state == self.State.AMENDED:
            return _("Answered: the offer was changed")
        if self.state == self.State.KEPT:
            return _("Answered: the offer stays as it is")
        return _("Closed")

    @property
    def token_model_name(self) -> str:
        """The asked tokens' model by the name the offer gives it (its id if it has none)."""
        found = self.offer.allocations.filter(model_id=self.token_model_id).first()
        return found.display_name if found else self.token_model_id
