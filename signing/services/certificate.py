"""The completion certificate: the facts of a signing, as a page and as lines of text."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from signing.certificates import company
from signing.models import Signature


@dataclass(frozen=True)
class CertificateFacts:
    """What a completion certificate states, written once: `certificate.html` lays it out on a
    page of its own, `certificate_lines` as the text of a signature field (countersigned
    first)."""

    heading: str
    rows: list[tuple[str, str]]  # (what, the fact)
    times: list[tuple[str, datetime.datetime | None]]  # in UTC; None: not recorded
    events: list[tuple[datetime.datetime, str]]  # the offer's audit trail, as sentences


def certificate_facts(signature: Signature) -> CertificateFacts:
    """The facts in the active language (the letter's: `signing.services.jobs` sets it)."""
    offer, link = signature.offer, signature.link
    approved = _("approved and countersigned") if signature.countersigned_first else _("approved")
    times: list[tuple[str, datetime.datetime | None]] = []
    if signature.countersigned_first:
        times.append(
            (
                _("Countersigned before sending, by {name}").format(
                    name=signature.countersigner_name
                ),
                signature.countersigned_at,
            )
        )
    times += [
        (_("Link sent"), link.created_at if link else None),
        (_("First viewed"), link.first_viewed_at if link else None),
        (_("Consented"), signature.consented_at),
        (_("Code sent"), signature.code_sent_at),
        (_("Code verified"), signature.code_verified_at),
        (_("Signed"), signature.signed_at),
    ]
    return CertificateFacts(
        heading=_("{company} · offer {offer}, version {version} · signature {signature}").format(
            company=settings.COMPANY_NAME,
            offer=offer.pk,
            version=signature.offer_version,
            signature=signature.pk,
        ),
        rows=[
            (
                _("Document"),
                _(
                    "Offer of employment for {name}, {role}: the pages before this one, exactly "
                    "as {approved}."
                ).format(name=offer.candidate_name, role=offer.role_title, approved=approved),
            ),
            (_("Its SHA-256 before signing"), signature.letter_sha256),
            (
                _("Signed by"),
                _("{name}, who typed this name as their signature").format(
                    name=signature.typed_name
                ),
            ),
            (
                _("Verified by"),
                _(
                    "a one-time code emailed to {email} and entered on the candidate's private link"
                ).format(email=signature.code_sent_to),
            ),
            (_("IP address"), signature.ip_address or _("not known")),
            (_("Browser"), signature.user_agent or _("not known")),
            (
                _("Consent"),
                _("to electronic records and signatures, version {version} (SHA-256 {sha})").format(
                    version=signature.consent_version, sha=signature.consent_sha256
                ),
            ),
        ],
        times=times,
        events=[
            (event.at, event.sentence)
            for event in offer.events.select_related("actor").order_by("at", "pk")
        ],
    )


def certificate_html(signature: Signature) -> str:
    signer = company()
    return render_to_string(
        "signing/certificate.html",
        {
            "facts": certificate_facts(signature),
            "company_name": settings.COMPANY_NAME,
            "test_certificate": bool(signer and signer.is_test),
            "certificate_subject": signer.subject if signer else "",
        },
    )


def certificate_lines(signature: Signature) -> list[str]:
    """The completion certificate as lines of text, for the field the company's revision left
    for it (countersigned first): the facts `certificate.html` shows on a page of its own."""
    facts = certificate_facts(signature)

    def when(moment: datetime.datetime | None) -> str:
        return (
            f"{moment.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC"
            if moment
            else _("not recorded")
        )

    def wrapped(label: str, value: str) -> list[str]:
        words, lines, line = value.split(), [], f"{label}: "
        for word in words:
            if len(line) + len(word) > 100:
                lines.append(line.rstrip())
                line = "    "
            line += word + " "
        return [*lines, line.rstrip()]

    lines = [facts.heading, ""]
    for label, fact in facts.rows:
        lines += wrapped(label, fact)
    lines.append("")
    lines += [f"{label}: {when(moment)}" for label, moment in facts.times]
    lines += ["", _("Event log:")]
    for moment, sentence in facts.events:
        lines += wrapped(when(moment), sentence)
    return lines
