"""The company's side: who may countersign, countersigning after or before the candidate."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from offers.models import Offer
from offers.roles import people_with_perm
from offers.services import OfferError, locked
from signing.lifecycle import State
from signing.models import Signature
from signing.services.moves import enqueue, signature_move
from signing.services.selectors import countersigns_first, current_signature, person


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


def tell_countersigners(signature: Signature) -> None:
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
        signature = current_signature(offer)
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
        transaction.on_commit(partial(enqueue, "signing.tasks.presign", signature.pk))
    return signature
