"""The audit trail: one event per change of an offer, and how people read it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from offers.models.offer import Offer
from offers.roles import person_name

EVENT_SENTENCES = {
    "created": "created the offer as a draft",
    "submitted": "submitted it for approval",
    "approved": "approved it",
    "approved by hiring manager": "approved it; as it is outside an exception rule, an "
    "exception approver approves it next",
    "exceptions approved": "approved its exceptions",
    "rejected": "rejected it",
    "sent": "sent it: the candidate's link was created",
    "link reissued": "created a new candidate link; the earlier one stopped working",
    "link revoked": "revoked the candidate's link",
    "accepted": "accepted the offer",
    "declined": "declined the offer",
    "withdrawn": "withdrew it",
    "expired": "marked it expired",
    "edited": "edited it",
    "anonymized": "removed the candidate's personal data",
    "legal hold set": "put it under a legal hold",
    "legal hold released": "released its legal hold",
    # Signing (the signing app): the candidate's steps, then the worker's and the company's.
    "consented to sign": "agreed to sign the letter electronically",
    "signing code sent": "emailed the candidate a code to sign with",
    "signing code wrong": "entered a wrong signing code",
    "signing code verified": "entered the signing code emailed to them",
    "signed the letter": "signed the letter",
    "signed letter sealed": "sealed the signed letter with the company's certificate",
    "signed letter failed": "could not seal the signed letter",
    "signature voided": "voided the signature in progress: the letter changed",
    "countersigned": "countersigned the letter for the company",
}
# Events the candidate caused, through their link (no account: no actor).
CANDIDATE_ACTIONS = frozenset(
    {
        "accepted",
        "declined",
        "consented to sign",
        "signing code wrong",
        "signing code verified",
        "signed the letter",
    }
)


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
        sentence = f"{who} {EVENT_SENTENCES.get(self.action, self.action)}"
        if self.action == "edited" and self.from_status != self.to_status and self.to_status:
            sentence += f"; it is now {self.get_to_status_display().lower()}"
        return sentence + "."
