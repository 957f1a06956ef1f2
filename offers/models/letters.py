"""Letters and the People team's templates of their wording."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.db import models

from offers.models.offer import Department, Offer


class Letter(models.Model):
    """One request for an offer letter, and the outbox row its rendering job is queued from."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="letters")
    offer_version = models.PositiveIntegerField(help_text="the version of the figures it renders")
    template_version = models.ForeignKey(
        "LetterTemplateVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
        help_text="the wording it was rendered with",
    )
    draft = models.BooleanField(help_text="the figures were not approved: marked DRAFT")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    file = models.FileField(upload_to="letters/%Y/%m/", blank=True)
    size = models.PositiveIntegerField(null=True, blank=True, help_text="bytes")
    sha256 = models.CharField(max_length=64, blank=True, help_text="of the PDF file")
    fingerprint = models.CharField(
        max_length=20, blank=True, help_text="of the figures, printed in the letter's footer"
    )
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="letters_requested"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(help_text="when its job was last sent to the broker")
    enqueued = models.BooleanField(
        default=False, help_text="the broker took its job (else the sweep sends it again)"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["state", "queued_at"])]

    def __str__(self) -> str:
        return f"Letter {self.pk} for offer {self.offer_id} v{self.offer_version}: {self.state}"

    @property
    def is_pending(self) -> bool:
        return self.state in {self.State.QUEUED, self.State.RENDERING}

    @property
    def is_superseded(self) -> bool:
        """The offer's approved terms changed after this letter's version."""
        return self.offer_version != self.offer.version

    @property
    def download_name(self) -> str:
        slug = "".join(c if c.isalnum() else "-" for c in self.offer.candidate_name).strip("-")
        draft = "-DRAFT" if self.draft else ""
        return f"offer-{slug or self.offer_id}-v{self.offer_version}{draft}.pdf"


class LetterTemplate(models.Model):
    """A letter's wording, written by the People team. Each edit makes a new version; offers
    keep the version they were built (and approved) with."""

    name = models.CharField(max_length=100, unique=True)
    # The rules: a template whose every filled rule matches an offer is a candidate for it; the
    # one with the most rules wins, then the default.
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letter_templates",
        help_text="only for offers of this department (blank: any)",
    )
    location_contains = models.CharField(
        max_length=100,
        blank=True,
        help_text="only for offers whose location contains this, e.g. Germany (blank: any)",
    )
    level = models.CharField(
        max_length=40, blank=True, help_text="only for offers of this level (blank: any)"
    )
    is_default = models.BooleanField(
        "default", default=False, help_text="used when no other template's rules match"
    )
    active = models.BooleanField(default=True, help_text="offered in the builder")
    countersigner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="who countersigns letters the candidate has signed; blank: anyone who may "
        "countersign (the permission 'Can countersign offer letters for the company')",
    )

    class CountersignOrder(models.TextChoices):
        AFTER = "after", "After the candidate signs"
        BEFORE = "before", "Before the link is sent to the candidate"

    countersign_order = models.CharField(
        max_length=10,
        choices=CountersignOrder.choices,
        default=CountersignOrder.AFTER,
        help_text="when the company countersigns a letter, where candidates sign",
    )

    class Meta:
        ordering = ["name"]
        permissions = [("manage_letter_templates", "Can write and preview letter templates")]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def current_version(self) -> LetterTemplateVersion | None:
        return self.versions.order_by("-number").first()

    def rules_text(self) -> str:
        rules = [
            f"department {self.department}" if self.department_id else "",
            f"location contains “{self.location_contains}”" if self.location_contains else "",
            f"level {self.level}" if self.level else "",
        ]
        said = ", ".join(rule for rule in rules if rule)
        if self.is_default:
            return f"{said}; the default" if said else "the default"
        return said or "no rules: chosen by hand only"


class LetterTemplateVersion(models.Model):
    """The wording of one template as it was at one edit: never changed once saved."""

    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    language = models.CharField(
        max_length=10, help_text="dates, numbers and money are written for this language"
    )
    body = models.TextField()
    token_terms = models.TextField(blank=True)
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_title = models.CharField(max_length=200)
    note = models.CharField("what changed", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="one_number_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.template.name}, version {self.number}"


class TemplatePreview(models.Model):
    """A PDF of a template version with a sample offer, made by a worker like any letter."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    version = models.ForeignKey(
        LetterTemplateVersion, on_delete=models.CASCADE, related_name="previews"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    file = models.FileField(upload_to="previews/%Y/%m/", blank=True)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Preview {self.pk} of {self.version}: {self.state}"

    @property
    def too_long(self) -> bool:
        return (self.pages or 0) > 2
