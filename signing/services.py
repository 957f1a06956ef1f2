"""Signing, step by step: consent, a one-time code, the signature (which accepts the offer),
the seal made by a worker, the countersignature, and the signed PDF kept and sent.

Each step has the shape of the offers' workflows (`offers.services`): lock the row, guard with a
sentence for the person (`OfferError`), change, audit, and send email or jobs once the
transaction commits. A refusal that must still count (a wrong code) is recorded first and
raised after the transaction commits.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass
from functools import partial
from types import EllipsisType
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.http import FileResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from offers import lifecycle
from offers.actions import Action
from offers.letters import StaticOnlyFetcher, pdf_file_response, render_document
from offers.models import CandidateLink, Letter, Offer
from offers.roles import people_with_perm, person_name
from offers.services import OfferError, audit, locked, names_match, offer_accept
from signing import consent, pdf
from signing import lifecycle as signature_lifecycle
from signing.certificates import company, signing_enabled
from signing.models import Signature

logger = logging.getLogger(__name__)
State = Signature.State
CODE_DIGITS = 6


def signature_move(
    signature: Signature,
    name: str,
    *,
    by: User | None = None,
    fields: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> bool:
    """The one door for a signature's state (`signing/lifecycle.py`'s MOVES): a conditional
    update from the states the move comes from (with `fields`), then its audit event, then its
    worker job once the transaction commits. False, and nothing written, when the signature is
    no longer where the move starts (another request or delivery moved it first)."""
    move = signature_lifecycle.MOVES[name]
    updated = Signature.objects.filter(pk=signature.pk, state__in=move.sources).update(
        state=move.to, **(fields or {})
    )
    if not updated:
        return False
    signature.refresh_from_db()
    if move.action is not None:
        offer = signature.offer
        audit(
            offer, by=by, action=move.action, from_status=offer.status, changes=changes, note=note
        )
    if move.job is not None:
        transaction.on_commit(partial(_enqueue, move.job, signature.pk))
    return True


def person(user: User | None) -> str:
    return person_name(user) if user is not None else "the system"


def masked(email: str) -> str:
    """c•••@example.com: enough for the candidate to know where to look."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def consent_text(offer: Offer) -> str:
    recruiter = offer.created_by
    contact = person(recruiter) + (f" ({recruiter.email})" if recruiter.email else "")
    return consent.text(
        company=settings.COMPANY_NAME, contact=contact, email=masked(offer.candidate_email)
    )


# Finding the signature -----------------------------------------------------------------------


def _is_current(signature: Signature, offer: Offer, letter: Letter | None) -> bool:
    """It names the letter the candidate is asked to sign now (`offer.approved_letter()`): the
    same bytes of the same version (a letter made again, byte for byte the same, is the same)."""
    return (
        letter is not None
        and offer.version == signature.offer_version
        and letter.sha256 == signature.letter_sha256
    )


def _void(signature: Signature, *, reason: str) -> None:
    signature_move(
        signature, "void", fields={"voided_at": timezone.now(), "void_reason": reason}, note=reason
    )


def _latest(offer: Offer, letter: Letter | None | EllipsisType) -> tuple[Signature | None, bool]:
    """The offer's newest signature that is not void or failed, and whether it is stale: in
    progress on a letter other than the one to sign now."""
    signature = (
        Signature.objects.filter(offer=offer)
        .exclude(state__in=[State.VOID, State.FAILED])
        .select_related("offer", "letter")
        .first()
    )
    if signature is None or signature.state not in signature_lifecycle.VOIDABLE:
        return signature, False
    if letter is ...:
        letter = offer.approved_letter()
    return signature, not _is_current(signature, offer, letter)


def offer_signature(
    offer: Offer, *, letter: Letter | None | EllipsisType = ...
) -> Signature | None:
    """The offer's signature as every page shows it, read without writing (the API's reader):
    none that is void or failed, none in progress on a letter that is no longer the one to
    sign. `letter`: the offer's approved letter, when the caller has read it already."""
    signature, stale = _latest(offer, letter)
    return None if stale else signature


def _current_signature(offer: Offer) -> Signature | None:
    """For the steps that start something (consent, countersigning first): `offer_signature`,
    after voiding one left in progress on a letter that is no longer the one to sign (the
    receivers void it when the letter changes; this covers rows from before them)."""
    signature, stale = _latest(offer, ...)
    if signature is not None and stale:
        _void(signature, reason=STALE)
        return None
    return signature


STALE = "The offer changed after signing began: its letter is new."


def void_stale(offer: Offer) -> int:
    """Void the offer's signatures in progress on a letter that is no longer the one to sign:
    run when the letter changes (`signing.receivers`). The voided."""
    letter = offer.approved_letter()
    voided = 0
    for signature in Signature.objects.filter(
        offer=offer, state__in=signature_lifecycle.VOIDABLE
    ).select_related("offer"):
        if not _is_current(signature, offer, letter):
            _void(signature, reason=STALE)
            voided += 1
    return voided


def signed_file_response(signature: Signature | None) -> FileResponse | None:
    """The latest signed PDF as a download: the same stored bytes for everyone; None when
    there is none yet (or its file is missing from storage, which is logged)."""
    field = signature.final_file if signature else None
    if signature is None or not field:
        return None
    return pdf_file_response(
        field,
        filename=signature.download_name,
        missing=f"Signature {signature.pk}'s signed letter is missing from storage",
    )


def signed_signature(offer: Offer) -> Signature | None:
    signature = offer_signature(offer)
    return signature if signature and signature.is_signed else None


def can_sign(offer: Offer, letter: Letter | None) -> bool:
    """The candidate can sign now: signing is on, the offer awaits an answer, its approved
    letter (`offer.approved_letter()`) is ready."""
    return signing_enabled() and lifecycle.allows("accept", offer.status) and letter is not None


def _guard_open(link: CandidateLink, offer: Offer) -> None:
    if not signing_enabled():
        raise OfferError("Signing is not available: accept the offer by typing your name.")
    if link.is_revoked:
        raise OfferError("This link no longer works: ask your recruiter for a new one.")
    if link.is_expired() or offer.expires_on < timezone.localdate():
        raise OfferError("This offer has expired and can no longer be signed.")
    if offer.is_answered:
        raise OfferError(
            f"You have already {offer.get_status_display().lower()} this offer; the answer is "
            "final."
        )
    if not lifecycle.allows("accept", offer.status):
        raise OfferError("This offer can no longer be signed.")


# Consent and the code ------------------------------------------------------------------------


def consent_give(*, link: CandidateLink, agreed: bool, ip: str, user_agent: str) -> Signature:
    """The candidate agrees to sign electronically: a signature begins, and a code is sent."""
    if not agreed:
        raise OfferError("Tick the box to agree to sign electronically, or ask for paper.")
    with transaction.atomic():
        offer = locked(link.offer)
        _guard_open(link, offer)
        letter = offer.approved_letter()
        if letter is None:
            raise OfferError("Your letter is being prepared: reload this page in a minute.")
        signature = _current_signature(offer)
        if signature and signature.is_signed:
            raise OfferError("You have already signed this letter.")
        if signature and signature.state == State.PRESIGNING:
            raise OfferError("Your letter is being prepared: reload this page in a minute.")
        words = consent_text(offer)
        now = timezone.now()
        if signature is not None and signature.state == State.PRESIGNED:
            # The company signed first: the candidate's steps begin on the same record.
            signature_move(
                signature,
                "consent",
                fields={
                    "link": link,
                    "consent_version": consent.VERSION,
                    "consent_sha256": consent.sha256(words),
                    "consented_at": now,
                },
            )
        elif signature is None:
            signature = Signature.objects.create(
                offer=offer,
                letter=letter,
                link=link,
                offer_version=offer.version,
                letter_sha256=letter.sha256,
                consent_version=consent.VERSION,
                consent_sha256=consent.sha256(words),
                consented_at=now,
            )
        else:
            signature.consented_at = now
            signature.save(update_fields=["consented_at"])
        audit(
            offer,
            by=None,
            action=Action.CONSENTED,
            from_status=offer.status,
            changes={
                "consent version": consent.VERSION,
                "consent sha-256": consent.sha256(words),
                "ip address": ip,
                "user agent": user_agent[:500],
            },
        )
    code_send(signature=signature)
    return signature


def _code_hash(signature: Signature, code: str) -> str:
    return salted_hmac("signing.code", f"{signature.pk}:{code}").hexdigest()


def code_send(*, signature: Signature) -> Signature:
    """A new one-time code to the candidate's email (the earlier one stops working)."""
    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update().select_related("offer").get(pk=signature.pk)
        )
        offer = locked(signature.offer)
        if not signature.in_progress or not _is_current(signature, offer, offer.approved_letter()):
            raise OfferError("This signature is no longer in progress: reload the page.")
        now = timezone.now()
        if signature.codes_sent >= settings.SIGNING_CODE_SENDS:
            raise OfferError(
                f"{signature.codes_sent} codes have been sent for this letter, the most we send: "
                f"ask {person(offer.created_by)} for help."
            )
        if signature.code_sent_at:
            waited = (now - signature.code_sent_at).total_seconds()
            wait = int(settings.SIGNING_CODE_RESEND_SECONDS - waited)
            if wait > 0:
                raise OfferError(
                    f"A code was sent a moment ago: check your email, or ask for a new code in "
                    f"{wait} seconds."
                )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        signature_move(
            signature,
            "send_code",
            fields={
                "code_hash": _code_hash(signature, code),
                "code_sent_at": now,
                "code_expires_at": now + datetime.timedelta(minutes=settings.SIGNING_CODE_MINUTES),
                "code_attempts": 0,
                "codes_sent": signature.codes_sent + 1,
                "code_sent_to": offer.candidate_email,
            },
            changes={"to": offer.candidate_email, "codes sent": str(signature.codes_sent + 1)},
        )
        body = render_to_string(
            "signing/email/code.txt",
            {
                "offer": offer,
                "code": code,
                "minutes": settings.SIGNING_CODE_MINUTES,
                "company_name": settings.COMPANY_NAME,
            },
        )
        subject = f"Your code to sign your offer from {settings.COMPANY_NAME}"
        transaction.on_commit(
            partial(_send_code, signature.pk, subject, body, offer.candidate_email)
        )
    return signature


def _send_code(signature_id: int, subject: str, body: str, to: str) -> None:
    """Send the code; if the mail server refuses, say so in the log (never the code) and let
    the candidate ask again at once."""
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception as error:  # smtplib, socket, or the backend's own errors
        logger.warning(
            "Signature %s: the code's email could not be sent (%s)",
            signature_id,
            type(error).__name__,
        )
        Signature.objects.filter(pk=signature_id).update(code_sent_at=None)


def code_verify(*, signature: Signature, code: str) -> Signature:
    """The code typed matches the last one sent, in time and within the attempts allowed."""
    code = "".join(code.split())
    problem = None
    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update().select_related("offer").get(pk=signature.pk)
        )
        offer = locked(signature.offer)
        if signature.state == State.VERIFIED:
            return signature  # a second click
        current = _is_current(signature, offer, offer.approved_letter())
        if signature.state != State.CODE_SENT or not current:
            raise OfferError("This signature is no longer in progress: reload the page.")
        if not signature.code_hash:
            problem = "Too many wrong codes: ask for a new code."
        elif timezone.now() > (signature.code_expires_at or timezone.now()):
            problem = "The code has expired: ask for a new one."
        elif not constant_time_compare(signature.code_hash, _code_hash(signature, code)):
            signature.code_attempts += 1
            left = settings.SIGNING_CODE_ATTEMPTS - signature.code_attempts
            if left <= 0:
                signature.code_hash = ""  # locked: only a new code can be entered now
                problem = "That code is not right, and it was the last try: ask for a new code."
            else:
                problem = f"That code is not right: {left} tr{'y' if left == 1 else 'ies'} left."
            signature.save(update_fields=["code_attempts", "code_hash"])
            audit(
                offer,
                by=None,
                action=Action.CODE_WRONG,
                from_status=offer.status,
                changes={"wrong tries": str(signature.code_attempts)},
            )
        else:
            signature_move(
                signature,
                "verify",
                fields={"code_verified_at": timezone.now(), "code_hash": ""},  # used once
            )
    if problem:
        raise OfferError(problem)
    return signature


# The signature -------------------------------------------------------------------------------


def sign(
    *, link: CandidateLink, signature: Signature, typed_name: str, ip: str, user_agent: str
) -> Signature:
    """The candidate adopts their typed name as their signature on the letter, and so accepts
    the offer; the seal follows on a worker. Twice (a double click, two tabs): one signature."""
    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update().select_related("offer").get(pk=signature.pk)
        )
        if signature.is_signed:
            return signature
        offer = locked(signature.offer)
        _guard_open(link, offer)
        if not _is_current(signature, offer, offer.approved_letter()):
            _void(signature, reason=STALE)
            raise OfferError(
                "The offer changed while you were signing: read the new letter and sign again."
            )
        if signature.state != State.VERIFIED:
            raise OfferError("Enter the code we emailed you before you sign.")
        if not names_match(typed_name, offer.candidate_name):
            raise OfferError(
                "The name you typed does not match the name on the offer: type your full name as "
                "it appears at the top of this page."
            )
        typed_name = " ".join(typed_name.split())  # as it matched: spaces folded
        if len(typed_name) > Signature._meta.get_field("typed_name").max_length:  # type: ignore[operator]
            raise OfferError("Type your full name as it appears at the top of this page.")
        offer_accept(
            link=link,
            full_name=typed_name,
            confirmed=True,
            ip=ip,
            user_agent=user_agent,
            signature_id=signature.pk,
            extra={
                "signed electronically": f"signature {signature.pk}",
                "letter sha-256": signature.letter_sha256,
            },
        )
        signature_move(
            signature,
            "sign",
            fields={
                "typed_name": typed_name,
                "signed_at": timezone.now(),
                "ip_address": ip,
                "user_agent": user_agent[:500],
            },
            changes={"name adopted as signature": typed_name},
        )
    return signature


def _enqueue(task_name: str, signature_id: int) -> None:
    from ops.services import publish_from_web
    from signing import tasks

    task = {
        "signing.tasks.seal_signature": tasks.seal_signature,
        "signing.tasks.countersign": tasks.countersign,
        "signing.tasks.presign": tasks.presign,
    }[task_name]
    error = publish_from_web(task, (signature_id,))
    if error:
        logger.warning(
            "Signature %s: the broker did not take its job (%s); the sweep sends it again",
            signature_id,
            type(error).__name__,
        )


# The seal (on a worker) ------------------------------------------------------------------------


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


def seal(*, signature_id: int) -> Signature | None:
    """The candidate's signed letter: the approved PDF, its completion certificate page and the
    candidate's visible signature, sealed; stored, recorded and audited. Safe to run twice."""
    signature = Signature.objects.select_related("offer", "letter", "link").get(pk=signature_id)
    if signature.state != State.SIGNED:
        return None
    Signature.objects.filter(pk=signature.pk).update(seal_attempts=signature.seal_attempts + 1)
    reason = f"{signature.typed_name} signs and accepts this offer of employment"
    signed_at = signature.signed_at or timezone.now()
    if signature.countersigned_first:
        sealed = pdf.seal_after_presign(
            _read(signature.countersigned_file, signature.countersigned_sha256),
            typed_name=signature.typed_name,
            signed_at=signed_at,
            reason=reason,
            certificate=certificate_lines(signature),
        )
    else:
        certificate = render_document(certificate_html(signature), StaticOnlyFetcher()).write_pdf()
        sealed = pdf.seal_candidate(
            _read(signature.letter.file, signature.letter_sha256),
            certificate_pdf=certificate,
            typed_name=signature.typed_name,
            signed_at=signed_at,
            reason=reason,
        )
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
            _tell_countersigners(signature)
    return signature


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


# Countersigning ------------------------------------------------------------------------------


def countersigners(signature: Signature) -> list[User]:
    """Who may countersign: the person the letter template names, else anyone with the
    permission (superusers are not asked by email)."""
    template = signature.offer.letter_template_version
    named = template.template.countersigner if template else None
    if named is not None:
        return [named] if named.is_active else []
    return list(people_with_perm("signing.countersign_offer"))


def may_countersign(user: User, signature: Signature) -> bool:
    if not user.is_active or not user.has_perm("signing.countersign_offer"):
        return False
    template = signature.offer.letter_template_version
    named = template.template.countersigner_id if template else None
    return named is None or named == user.pk


def _tell_countersigners(signature: Signature) -> None:
    from django.urls import reverse

    link = settings.SITE_URL + reverse("signing:countersign", args=[signature.pk])
    to = sorted({person.email for person in countersigners(signature) if person.email})
    if not to:
        return
    offer = signature.offer
    body = render_to_string(
        "signing/email/countersign.txt",
        {"offer": offer, "signature": signature, "link": link},
    )
    subject = " ".join(f"Offer letter signed by {offer.candidate_name}: countersign it".split())
    transaction.on_commit(partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, to))


def countersign_request(*, signature: Signature, by: User, title: str, agreed: bool) -> Signature:
    if not may_countersign(by, signature):
        raise OfferError("You may not countersign this letter.")
    if not agreed:
        raise OfferError("Tick the box to countersign the letter for the company.")
    title = " ".join(title.split())[:200]
    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update().select_related("offer").get(pk=signature.pk)
        )
        if signature.state in {State.COUNTERSIGNING, State.COMPLETE}:
            raise OfferError(
                f"{person(signature.countersigner)} has already countersigned this letter."
            )
        if signature.state != State.SEALED:
            raise OfferError("The candidate's signed letter is not ready to countersign yet.")
        signature_move(
            signature,
            "ask_countersign",
            fields={
                "countersigner": by,
                "countersigner_name": person(by),
                "countersigner_title": title,
                "countersign_asked_at": timezone.now(),
            },
        )
    return signature


def countersigns_first(offer: Offer) -> bool:
    """The offer's letter template asks for the company's signature before the link is sent."""
    from offers.models import LetterTemplate

    wording = offer.letter_template_version
    return bool(
        signing_enabled()
        and wording is not None
        and wording.template.countersign_order == LetterTemplate.CountersignOrder.BEFORE
    )


def link_refusal(offer: Offer, *, signature: Signature | None | EllipsisType = ...) -> str | None:
    """Why the candidate's link cannot be sent yet (countersigned first, and not yet).
    `signature`: the offer's live signature, when the caller has read it already."""
    if not countersigns_first(offer):
        return None
    if signature is ...:
        signature = offer_signature(offer)
    if signature is None or signature.state == State.VOID:
        return (
            "This offer's letter template asks for the company's countersignature before the "
            "link is sent: someone who may countersign does so at "
            f"{settings.SITE_URL}/signing/countersign/ first."
        )
    if signature.state == State.PRESIGNING:
        return "The company's countersignature is being sealed: try again in a minute."
    return None


def presign_request(*, offer: Offer, by: User, title: str, agreed: bool) -> Signature:
    """Countersigned first: the company signs the approved letter before the link is sent."""
    with transaction.atomic():
        offer = locked(offer)
        if not countersigns_first(offer):
            raise OfferError("This offer's letter is countersigned after the candidate signs.")
        letter = offer.approved_letter()
        if not offer.can_send_link or letter is None:
            raise OfferError(
                "Only the ready letter of an approved offer can be countersigned before sending."
            )
        signature = _current_signature(offer)
        if signature is not None:
            raise OfferError("This letter has already been countersigned.")
        probe = Signature(offer=offer, letter=letter)
        if not may_countersign(by, probe):
            raise OfferError("You may not countersign this letter.")
        if not agreed:
            raise OfferError("Tick the box to countersign the letter for the company.")
        signature = Signature.objects.create(
            offer=offer,
            letter=letter,
            offer_version=offer.version,
            letter_sha256=letter.sha256,
            state=State.PRESIGNING,
            countersigned_first=True,
            countersigner=by,
            countersigner_name=person(by),
            countersigner_title=" ".join(title.split())[:200],
            countersign_asked_at=timezone.now(),
        )
        transaction.on_commit(partial(_enqueue, "signing.tasks.presign", signature.pk))
    return signature


def presign(*, signature_id: int) -> Signature | None:
    """The worker's part of countersigning first: the letter, a page for the certificate, and
    the company's signature; stored, recorded and audited. Safe to run twice."""
    signature = Signature.objects.select_related("offer", "letter", "countersigner").get(
        pk=signature_id
    )
    if signature.state != State.PRESIGNING:
        return None
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
    signature = Signature.objects.select_related("offer").get(pk=signature_id)
    offer = signature.offer
    body = render_to_string(
        "signing/email/signed.txt",
        {"offer": offer, "signature": signature, "company_name": settings.COMPANY_NAME},
    )
    message = EmailMessage(
        subject=f"Your signed offer letter from {settings.COMPANY_NAME}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[offer.candidate_email],
    )
    message.attach(signature.download_name, data, "application/pdf")
    message.send()
    Signature.objects.filter(pk=signature_id).update(emailed_at=timezone.now())


# The sweep -----------------------------------------------------------------------------------

SEND_AGAIN_AFTER = datetime.timedelta(minutes=5)


def signatures_sweep() -> int:
    """Jobs lost on the way (a broker down when the candidate signed): sent again."""
    from signing import tasks

    cutoff = timezone.now() - SEND_AGAIN_AFTER
    lost = [
        (tasks.seal_signature, State.SIGNED, "signed_at"),
        (tasks.countersign, State.COUNTERSIGNING, "countersign_asked_at"),
        (tasks.presign, State.PRESIGNING, "countersign_asked_at"),
    ]
    count = 0
    for task, state, since in lost:
        waiting = Signature.objects.filter(state=state, **{f"{since}__lt": cutoff})
        for pk in waiting.values_list("pk", flat=True):
            task.delay(pk)
            count += 1
    return count


# What the candidate's page shows -------------------------------------------------------------


def candidate_context(offer: Offer, *, letter: Letter | None) -> dict[str, Any]:
    """The signing section of the candidate's page: off, a step to take, or the result.
    `letter`: the offer's approved letter, as the page has read it."""
    signature = offer_signature(offer, letter=letter)
    if signature is None and not can_sign(offer, letter):
        return {"on": False}
    return {
        "on": True,
        "step": signature_lifecycle.candidate_step(signature.state if signature else None),
        "signature": signature,
        "letter": letter,
        "consent_text": consent_text(offer),
        "consent_version": consent.VERSION,
        "email": masked(offer.candidate_email),
        "minutes": settings.SIGNING_CODE_MINUTES,
        "test_certificate": bool((signer := company()) and signer.is_test),
    }
