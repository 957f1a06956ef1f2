"""A signature: one candidate signing one approved letter, and the company countersigning it.

A row is made when the candidate consents; it records every step (consent, code sent and
verified, signed, sealed, countersigned) with its time, and holds the signed PDFs. A change to
the offer makes the letter it names no longer the latest approved one: the row is then void,
and signing starts again from consent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from offers.models import CandidateLink, Letter, Offer
from signing import lifecycle


class Signature(models.Model):
    State = lifecycle.State

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="signatures")
    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="signatures")
    link = models.ForeignKey(
        CandidateLink,
        on_delete=models.PROTECT,
        related_name="signatures",
        null=True,
        blank=True,
        help_text="the link the candidate signed through (none yet when the company signs first)",
    )
    offer_version = models.PositiveIntegerField()
    letter_sha256 = models.CharField(max_length=64, help_text="of the letter signed, before")
    state = models.CharField(max_length=20, choices=State.choices, default=State.CONSENTED)
    created_at = models.DateTimeField(auto_now_add=True)

    consent_version = models.CharField(max_length=20, blank=True)
    consent_sha256 = models.CharField(max_length=64, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)

    code_hash = models.CharField(max_length=128, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    code_attempts = models.PositiveSmallIntegerField(default=0, help_text="wrong, this code")
    code_sent_to = models.EmailField(blank=True)
    code_verified_at = models.DateTimeField(null=True, blank=True)

    typed_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    file = models.FileField(blank=True, help_text="the letter signed by the candidate, sealed")
    sha256 = models.CharField(max_length=64, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)
    seal_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    countersigner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="countersignatures",
    )
    countersigner_name = models.CharField(max_length=200, blank=True)
    countersigner_title = models.CharField(max_length=200, blank=True)
    countersign_asked_at = models.DateTimeField(null=True, blank=True)
    countersigned_at = models.DateTimeField(null=True, blank=True)
    countersigned_file = models.FileField(blank=True)
    countersigned_sha256 = models.CharField(max_length=64, blank=True)
    countersigned_first = models.BooleanField(
        default=False,
        help_text="the company signed before the link was sent; the candidate's signature then "
        "completes the file",
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("countersign_offer", "Can countersign offer letters for the company")]
        constraints = [
            # One live signature per offer: two tabs cannot start two.
            models.UniqueConstraint(
                fields=["offer"],
                condition=~models.Q(state__in=["void", "failed"]),
                name="one_live_signature_per_offer",
            )
        ]

    def __str__(self) -> str:
        return f"Signature {self.pk} of offer {self.offer_id} ({self.get_state_display()})"

    # What pages ask of a signature: one line over a named set or a state (signing/lifecycle.py).
    @property
    def in_progress(self) -> bool:
        return self.state in lifecycle.IN_PROGRESS

    @property
    def is_signed(self) -> bool:
        return self.state in lifecycle.SIGNED

    @property
    def is_being_sealed(self) -> bool:
        return self.state == lifecycle.State.SIGNED

    @property
    def awaits_countersignature(self) -> bool:
        return self.state == lifecycle.State.SEALED

    @property
    def is_countersigning(self) -> bool:
        return self.state == lifecycle.State.COUNTERSIGNING

    @property
    def is_complete(self) -> bool:
        return self.state == lifecycle.State.COMPLETE

    @property
    def is_presigning(self) -> bool:
        return self.state == lifecycle.State.PRESIGNING

    @property
    def is_presigned(self) -> bool:
        return self.state == lifecycle.State.PRESIGNED

    @property
    def is_failed(self) -> bool:
        return self.state == lifecycle.State.FAILED

    @property
    def final_file(self) -> models.fields.files.FieldFile | None:
        """The latest PDF the candidate has signed: countersigned if it is, else theirs alone.
        (Countersigned first, the company's file is not yet signed by the candidate.)"""
        if self.countersigned_first:
            return self.file or None
        if self.countersigned_file:
            return self.countersigned_file
        return self.file or None

    @property
    def final_sha256(self) -> str:
        if self.countersigned_first:
            return self.sha256
        return self.countersigned_sha256 or self.sha256

    @property
    def download_name(self) -> str:
        part = "signed-countersigned" if self.countersigned_at else "signed"
        name = "".join(c if c.isalnum() else "-" for c in self.offer.candidate_name).strip("-")
        return f"offer-{self.offer_id}-{name or 'candidate'}-{part}.pdf"
