"""Finding an offer's signature (reads that write nothing), and what holds a link back."""

from __future__ import annotations

from types import EllipsisType

from django.conf import settings
from django.contrib.auth.models import User

from offers import lifecycle
from offers.models import Letter, Offer
from offers.roles import person_name
from signing import consent
from signing import lifecycle as signature_lifecycle
from signing.certificates import signing_enabled
from signing.lifecycle import State
from signing.models import Signature
from signing.services.moves import STALE, void


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


def is_current(signature: Signature, offer: Offer, letter: Letter | None) -> bool:
    """It names the letter the candidate is asked to sign now (`offer.approved_letter()`): the
    same bytes of the same version (a letter made again, byte for byte the same, is the same)."""
    return (
        letter is not None
        and offer.version == signature.offer_version
        and letter.sha256 == signature.letter_sha256
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
    return signature, not is_current(signature, offer, letter)


def offer_signature(
    offer: Offer, *, letter: Letter | None | EllipsisType = ...
) -> Signature | None:
    """The offer's signature as every page shows it, read without writing (the API's reader):
    none that is void or failed, none in progress on a letter that is no longer the one to
    sign. `letter`: the offer's approved letter, when the caller has read it already."""
    signature, stale = _latest(offer, letter)
    return None if stale else signature


def current_signature(offer: Offer) -> Signature | None:
    """For the steps that start something (consent, countersigning first): `offer_signature`,
    after voiding one left in progress on a letter that is no longer the one to sign (the
    receivers void it when the letter changes; this covers rows from before them)."""
    signature, stale = _latest(offer, ...)
    if signature is not None and stale:
        void(signature, reason=STALE)
        return None
    return signature


def void_stale(offer: Offer) -> int:
    """Void the offer's signatures in progress on a letter that is no longer the one to sign:
    run when the letter changes (`signing.receivers`). The voided."""
    in_progress = list(
        Signature.objects.filter(
            offer=offer, state__in=signature_lifecycle.VOIDABLE
        ).select_related("offer")
    )
    if not in_progress:
        return 0  # most edits: nothing being signed, no letter read
    letter = offer.approved_letter()
    voided = 0
    for signature in in_progress:
        if not is_current(signature, offer, letter):
            void(signature, reason=STALE)
            voided += 1
    return voided


def signed_signature(offer: Offer) -> Signature | None:
    signature = offer_signature(offer)
    return signature if signature and signature.is_signed else None


def can_sign(offer: Offer, letter: Letter | None) -> bool:
    """The candidate can sign now: signing is on, the offer awaits an answer, its approved
    letter (`offer.approved_letter()`) is ready."""
    return signing_enabled() and lifecycle.allows("accept", offer.status) and letter is not None


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
