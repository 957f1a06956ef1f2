"""The completion certificate: the facts of a signing, as a page and as lines of text."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

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
    offer, link = signature.offer, signature.link
    approved = "approved and countersigned" if signature.countersigned_first else "approved"
    times: list[tuple[str, datetime.datetime | None]] = []
    if signature.countersigned_first:
        times.append(
            (
                f"Countersigned before sending, by {signature.countersigner_name}",
                signature.countersigned_at,
            )
        )
    times += [
        ("Link sent", link.created_at if link else None),
        ("First viewed", link.first_viewed_at if link else None),
        ("Consented", signature.consented_at),
        ("Code sent", signature.code_sent_at),
        ("Code verified", signature.code_verified_at),
        ("Signed", signature.signed_at),
    ]
    return CertificateFacts(
        heading=f"{settings.COMPANY_NAME} · offer {offer.pk}, version {signature.offer_version}"
        f" · signature {signature.pk}",
        rows=[
            (
                "Document",
                f"Offer of employment for {offer.candidate_name}, {offer.role_title}: the pages "
                f"before this one, exactly as {approved}.",
            ),
            ("Its SHA-256 before signing", signature.letter_sha256),
            ("Signed by", f"{signature.typed_name}, who typed this name as their signature"),
            (
                "Verified by",
                f"a one-time code emailed to {signature.code_sent_to} and entered on the "
                "candidate's private link",
            ),
            ("IP address", signature.ip_address or "not known"),
            ("Browser", signature.user_agent or "not known"),
            (
                "Consent",
                f"to electronic records and signatures, version {signature.consent_version} "
                f"(SHA-256 {signature.consent_sha256})",
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
            f"{moment.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC" if moment else "not recorded"
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
    lines += ["", "Event log:"]
    for moment, sentence in facts.events:
        lines += wrapped(when(moment), sentence)
    return lines
