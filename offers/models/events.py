"""The audit trail: one event per change of an offer, and how people read it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from offers.actions import CANDIDATE_ACTIONS, SENTENCES, Action, action_of
from offers.models.offer import Offer
from offers.roles import person_name

# The statuses as an edit's sentence names them ("; it is now pending approval"), for makemessages.
STATUS_WORDS = [
    gettext_noop("draft"),
    gettext_noop("pending approval"),
    gettext_noop("awaiting exception approval"),
    gettext_noop("approved"),
    gettext_noop("sent"),
    gettext_noop("accepted"),
    gettext_noop("declined"),
    gettext_noop("rejected"),
    gettext_noop("withdrawn"),
    gettext_noop("expired"),
]


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
        """`Riley Recruiter submitted it for approval.`, `The candidate accepted the offer.`
        In the active language: the completion certificate of a German letter reads them in
        German."""
        if self.actor is not None:
            who = person_name(self.actor)
        elif self.action in CANDIDATE_ACTIONS:
            who = _("The candidate")
        else:
            who = _("The system")
        action = action_of(self.action)
        sentence = f"{who} {_(SENTENCES[action]) if action else self.action}"
        if self.action == Action.EDITED and self.from_status != self.to_status and self.to_status:
            status = _(str(self.get_to_status_display()).lower())
            sentence += _("; it is now {status}").format(status=status)
        return sentence + "."
