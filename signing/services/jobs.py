"""The worker's jobs: seal the candidate's letter, countersign, countersign first; the sweep."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from offers.languages import candidate_language, letter_language
from offers.letters import StaticOnlyFetcher, render_document
from signing import pdf
from signing.lifecycle import State
from signing.models import Signature
from signing.services.certificate import certificate_html, certificate_lines
from signing.services.company import tell_countersigners
from signing.services.moves import signature_move

logger = logging.getLogger(__name__)


def _record(
    signature: Signature,
    move: str,
    *,
    stem: str,
    data: bytes,
    file_field: str,
    sha_field: str,
    by: User | None = None,
    note: str = "",
    changes: Any = None,
    **fields: Any,
) -> bool:
    """Store a signed PDF and record it on the signature through the door (`move`, whose audit
    event gets `changes(sha256)` and `note`); call it inside a transaction. The file's name is
    this attempt's own: two deliveries of one job (a worker killed, the sweep) never write over
    each other, and the one that is not recorded deletes its file. False when another delivery
    recorded first."""
    name = default_storage.save(f"{stem}-{secrets.token_hex(4)}.pdf", ContentFile(data))
    sha256 = hashlib.sha256(data).hexdigest()
    moved = signature_move(
        signature,
        move,
        by=by,
        fields={"last_error": "", file_field: name, sha_field: sha256, **fields},
        changes=changes(sha256) if changes else None,
        note=note,
    )
    if not moved:
        transaction.on_commit(partial(default_storage.delete, name))
    return moved


def _read(field: Any, sha256: str) -> bytes:
    with field.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise pdf.SealError(f"{field.name} is not the file that was signed: its SHA-256 differs")
    return data


def _sealed(signature: Signature) -> bytes:
    """The candidate's signed letter's bytes: their signature and the completion certificate
    (in the active language) added to the approved letter, sealed."""
    reason = _("{name} signs and accepts this offer of employment").format(
        name=signature.typed_name
    )
    signed_at = signature.signed_at or timezone.now()
    if signature.countersigned_first:
        return pdf.seal_after_presign(
            _read(signature.countersigned_file, signature.countersigned_sha256),
            typed_name=signature.typed_name,
            signed_at=signed_at,
            reason=reason,
            certificate=certificate_lines(signature),
        )
    certificate = render_document(certificate_html(signature), StaticOnlyFetcher()).write_pdf()
    return pdf.seal_candidate(
        _read(signature.letter.file, signature.letter_sha256),
        certificate_pdf=certificate,
        typed_name=signature.typed_name,
        signed_at=signed_at,
        reason=reason,
    )


def seal(*, signature_id: int) -> Signature | None:
    """The candidate's signed letter: the approved PDF, its completion certificate page and the
    candidate's visible signature, sealed; stored, recorded and audited. Safe to run twice."""
    signature = Signature.objects.select_related("offer", "letter", "link").get(pk=signature_id)
    if signature.state != State.SIGNED:
        return None
    Signature.objects.filter(pk=signature.pk).update(seal_attempts=signature.seal_attempts + 1)
    # The pages and words added to the letter are in the letter's language.
    with translation.override(letter_language(signature.offer)):
        sealed = _sealed(signature)
    with transaction.atomic():
        recorded = _record(
            signature,
            # Countersigned first, the candidate's signature completes the letter.
            "seal_complete" if signature.countersigned_first else "seal",
            stem=f"letters/offer-{signature.offer_id}/signed-{signature.pk}",
            data=sealed,
            file_field="file",
            sha_field="sha256",
            changes=lambda sha256: {"signed letter sha-256": sha256},
            sealed_at=timezone.now(),
        )
        if not recorded:
            return None
        if signature.countersigned_first:
            transaction.on_commit(partial(_send_signed_letter, signature.pk, sealed))
        else:
            tell_countersigners(signature)
    return signature


def seal_failed(*, signature_id: int, reason: str, final: bool) -> None:
    signature = Signature.objects.select_related("offer").get(pk=signature_id)
    logger.warning("Signature %s: sealing failed (%s)", signature_id, reason)
    with transaction.atomic():
        if final:
            signature_move(
                signature, "fail", fields={"last_error": reason[:2000]}, note=reason[:2000]
            )
        else:  # tried again: no change of state
            Signature.objects.filter(pk=signature_id).update(last_error=reason[:2000])


def presign(*, signature_id: int) -> Signature | None:
    """The worker's part of countersigning first: the letter, a page for the certificate, and
    the company's signature; stored, recorded and audited. Safe to run twice."""
    signature = Signature.objects.select_related("offer", "letter", "countersigner").get(
        pk=signature_id
    )
    if signature.state != State.PRESIGNING:
        return None
    with translation.override(letter_language(signature.offer)):  # added to the letter
        cover = render_to_string(
            "signing/certificate_cover.html",
            {"offer": signature.offer, "company_name": settings.COMPANY_NAME},
        )
        signed = pdf.presign(
            _read(signature.letter.file, signature.letter_sha256),
            cover_pdf=render_document(cover, StaticOnlyFetcher()).write_pdf(),
            name=signature.countersigner_name,
            title=signature.countersigner_title,
            company_name=settings.COMPANY_NAME,
            at=signature.countersign_asked_at or timezone.now(),
        )
    with transaction.atomic():
        recorded = _record(
            signature,
            "presign",
            stem=f"letters/offer-{signature.offer_id}/countersigned-{signature.pk}",
            data=signed,
            file_field="countersigned_file",
            sha_field="countersigned_sha256",
            by=signature.countersigner,
            note="Before the link was sent.",
            changes=lambda sha256: {
                "countersigned by": signature.countersigner_name,
                "title": signature.countersigner_title,
                "countersigned letter sha-256": sha256,
            },
            countersigned_at=timezone.now(),
        )
        if not recorded:
            return None
    return signature


def countersign_seal(*, signature_id: int) -> Signature | None:
    """The company's signature added as a new revision; the candidate is sent the letter."""
    signature = Signature.objects.select_related("offer", "countersigner").get(pk=signature_id)
    if signature.state != State.COUNTERSIGNING:
        return None
    signed = _read(signature.file, signature.sha256)
    at = signature.countersign_asked_at or timezone.now()
    with translation.override(letter_language(signature.offer)):  # added to the letter
        final = pdf.countersign(
            signed,
            name=signature.countersigner_name,
            title=signature.countersigner_title,
            company_name=settings.COMPANY_NAME,
            at=at,
        )
    with transaction.atomic():
        recorded = _record(
            signature,
            "countersign",
            stem=f"letters/offer-{signature.offer_id}/signed-{signature.pk}-countersigned",
            data=final,
            file_field="countersigned_file",
            sha_field="countersigned_sha256",
            by=signature.countersigner,
            changes=lambda sha256: {
                "countersigned by": signature.countersigner_name,
                "title": signature.countersigner_title,
                "signed letter sha-256": sha256,
            },
            countersigned_at=timezone.now(),
        )
        if not recorded:
            return None
        transaction.on_commit(partial(_send_signed_letter, signature.pk, final))
    return signature


def _send_signed_letter(signature_id: int, data: bytes) -> None:
    signature = Signature.objects.select_related("offer", "link").get(pk=signature_id)
    offer = signature.offer
    with translation.override(candidate_language(offer, signature.link)):
        body = render_to_string(
            "signing/email/signed.txt",
            {"offer": offer, "signature": signature, "company_name": settings.COMPANY_NAME},
        )
        subject = _("Your signed offer letter from {company}").format(company=settings.COMPANY_NAME)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[offer.candidate_email],
    )
    message.attach(signature.download_name, data, "application/pdf")
    message.send()
    Signature.objects.filter(pk=signature_id).update(emailed_at=timezone.now())


SEND_AGAIN_AFTER = datetime.timedelta(minutes=5)


def signatures_sweep() -> int:
    """Jobs lost on the way (a broker down when the candidate signed): sent again."""
    from signing import tasks

    cutoff = timezone.now() - SEND_AGAIN_AFTER
    lost = [
        (tasks.seal_signature_task, State.SIGNED, "signed_at"),
        (tasks.countersign_task, State.COUNTERSIGNING, "countersign_asked_at"),
        (tasks.presign_task, State.PRESIGNING, "countersign_asked_at"),
    ]
    count = 0
    for task, state, since in lost:
        waiting = Signature.objects.filter(state=state, **{f"{since}__lt": cutoff})
        for pk in waiting.values_list("pk", flat=True):
            task.delay(pk)
            count += 1
    return count
