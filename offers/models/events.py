"""The audit trail: one event per change of an offer, and how people read it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from offers.actions import CANDIDATE_ACTIONS, SENTENCES, Action, action_of
from offers.models.offer import Offer
from offers.roles import person_name


class OfferEvent(models.Model):
    """The audit trail: every change of an offer's state or figures, by whom and when."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True, choices=Offer.Status.choices)
    to_status = models.CharField(max_length=20, choices=Offer.Status.choices)
    note = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.sentence

    @property
    def sentence(self) -> str:
        """`Riley Recruiter submitted it for approval.`, `The candidate accepted the offer.`"""
        if self.actor is not None:
            who = person_name(self.actor)
        elif self.action in CANDIDATE_ACTIONS:
            who = "The candidate"
        else:
            who = "The system"
        action = action_of(self.action)
        sentence = f"{who} {SENTENCES[action] if action else self.action}"
        if self.action == Action.EDITED and self.from_status != self.to_status and self.to_status:
            sentence += f"; it is now {self.get_to_status_display().lower()}"
        return sentence + "."
