"""The candidate's steps: consent, the one-time code, the signature (which accepts)."""

from __future__ import annotations

import datetime
import logging
import secrets
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from offers.actions import Action
from offers.models import CandidateLink, Offer
from offers.services import (
    OfferError,
    audit,
    candidate_can,
    locked,
    names_match,
    offer_accept,
)
from signing import consent
from signing.certificates import signing_enabled
from signing.lifecycle import State
from signing.models import Signature
from signing.services.moves import STALE, signature_move, void
from signing.services.selectors import consent_text, current_signature, is_current, person

logger = logging.getLogger(__name__)
CODE_DIGITS = 6


def _guard_open(link: CandidateLink, offer: Offer) -> None:
    if not signing_enabled():
        raise OfferError(_("Signing is not available: accept the offer by typing your name."))
    candidate_can(link, offer, move="accept", verb="signed")


def consent_give(
    *, link: CandidateLink, agreed: bool, ip: str, user_agent: str, shown_version: str = ""
) -> Signature:
    """The candidate agrees to sign electronically: a signature begins, and a code is sent.
    The consent stored is the active language's (the candidate's page's); `shown_version`, the
    version the page showed, must be it (a page in one language, a post in another: refused)."""
    if not agreed:
        raise OfferError(_("Tick the box to agree to sign electronically, or ask for paper."))
    if shown_version and shown_version != consent.version():
        raise OfferError(
            _("The words of the consent changed since you read them: read them again and agree.")
        )
    with transaction.atomic():
        offer = locked(link.offer)
        _guard_open(link, offer)
        letter = offer.approved_letter()
        if letter is None:
            raise OfferError(_("Your letter is being prepared: reload this page in a minute."))
        signature = current_signature(offer)
        if signature and signature.is_signed:
            raise OfferError(_("You have already signed this letter."))
        if signature and signature.state == State.PRESIGNING:
            raise OfferError(_("Your letter is being prepared: reload this page in a minute."))
        words = consent_text(offer)
        now = timezone.now()
        if signature is not None and signature.state == State.PRESIGNED:
            # The company signed first: the candidate's steps begin on the same record.
            signature_move(
                signature,
                "consent",
                fields={
                    "link": link,
                    "consent_version": consent.version(),
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
                consent_version=consent.version(),
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
                "consent version": consent.version(),
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
        if not signature.in_progress or not is_current(signature, offer, offer.approved_letter()):
            raise OfferError(_("This signature is no longer in progress: reload the page."))
        now = timezone.now()
        if signature.codes_sent >= settings.SIGNING_CODE_SENDS:
            raise OfferError(
                _(
                    "{count} codes have been sent for this letter, the most we send: ask {who} "
                    "for help."
                ).format(count=signature.codes_sent, who=person(offer.created_by))
            )
        if signature.code_sent_at:
            waited = (now - signature.code_sent_at).total_seconds()
            wait = int(settings.SIGNING_CODE_RESEND_SECONDS - waited)
            if wait > 0:
                raise OfferError(
                    _(
                        "A code was sent a moment ago: check your email, or ask for a new code "
                        "in {seconds} seconds."
                    ).format(seconds=wait)
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
        subject = _("Your code to sign your offer from {company}").format(
            company=settings.COMPANY_NAME
        )
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
        current = is_current(signature, offer, offer.approved_letter())
        if signature.state != State.CODE_SENT or not current:
            raise OfferError(_("This signature is no longer in progress: reload the page."))
        if not signature.code_hash:
            problem = _("Too many wrong codes: ask for a new code.")
        elif timezone.now() > (signature.code_expires_at or timezone.now()):
            problem = _("The code has expired: ask for a new one.")
        elif not constant_time_compare(signature.code_hash, _code_hash(signature, code)):
            signature.code_attempts += 1
            left = settings.SIGNING_CODE_ATTEMPTS - signature.code_attempts
            if left <= 0:
                signature.code_hash = ""  # locked: only a new code can be entered now
                problem = _("That code is not right, and it was the last try: ask for a new code.")
            else:
                problem = ngettext(
                    "That code is not right: {left} try left.",
                    "That code is not right: {left} tries left.",
                    left,
                ).format(left=left)
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
        if not is_current(signature, offer, offer.approved_letter()):
            void(signature, reason=STALE)
            raise OfferError(
                _("The offer changed while you were signing: read the new letter and sign again.")
            )
        if signature.state != State.VERIFIED:
            raise OfferError(_("Enter the code we emailed you before you sign."))
        if not names_match(typed_name, offer.candidate_name):
            raise OfferError(
                _(
                    "The name you typed does not match the name on the offer: type your full "
                    "name as it appears at the top of this page."
                )
            )
        typed_name = " ".join(typed_name.split())  # as it matched: spaces folded
        if len(typed_name) > Signature._meta.get_field("typed_name").max_length:  # type: ignore[operator]
            raise OfferError(_("Type your full name as it appears at the top of this page."))
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
