"""Candidate links: made once, looked up by hash, answered once."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from offers import lifecycle, notifications, signals
from offers.actions import Action
from offers.models import (
    CandidateLink,
    ChangeRequest,
    Letter,
    Offer,
)
from offers.services.letters import letter_request
from offers.services.workflow import OfferError, audit, locked, move

Status = Offer.Status
logger = logging.getLogger(__name__)


TOKEN_BYTES = 32  # 256 bits; the URL carries 43 characters of it


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_expiry(offer: Offer) -> datetime.datetime:
    """The end of the offer's last day, in the site's time zone; for an answered offer, the end
    of the window to read it and download the signed letter, counted from now, or for an
    accepted offer from the start date where that is later (the new hire's first days are on
    the link too: the token budget's credential)."""
    if offer.status in lifecycle.ANSWERED:
        window = datetime.timedelta(days=settings.CANDIDATE_LINK_DAYS_AFTER_ANSWER)
        start = timezone.now()
        if offer.status == Status.ACCEPTED:
            first_day = timezone.make_aware(
                datetime.datetime.combine(offer.start_date, datetime.time())
            )
            start = max(start, first_day)
        return start + window
    last_day = datetime.datetime.combine(
        offer.expires_on + datetime.timedelta(days=1), datetime.time()
    )
    return timezone.make_aware(last_day)


def candidate_link_create(
    *, offer: Offer, by: User, email: bool = False
) -> tuple[CandidateLink, str]:
    """A new private link (older ones revoked); the token is returned once and never stored.
    An answered offer gets a link to read it and its signed letter for a while. The first link
    after an amendment the candidate asked for (issue 38) brings them the new terms: its email
    says so, with the recruiter's note."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        offer = locked(offer)
        if not (offer.can_send_link or offer.can_send_copy_link):
            raise OfferError("Only an approved offer can be sent to the candidate.")
        if not offer.can_send_copy_link:
            _refuse_to_send(offer)
        elif offer.anonymized_at:
            raise OfferError(
                "The candidate's personal data was erased: there is nobody to send to."
            )
        now = timezone.now()
        earlier = offer.links.first()  # the candidate's language choice goes on to the new link
        offer.links.filter(revoked_at__isnull=True).update(revoked_at=now, revoked_by=by)
        link = CandidateLink.objects.create(
            offer=offer,
            token_hash=token_hash(token),
            created_by=by,
            expires_at=link_expiry(offer),
            emailed_to=offer.candidate_email if email else "",
            language=earlier.language if earlier else "",
        )
        if lifecycle.allows("send", offer.status):
            offer = move(offer, "send", by=by)
        else:
            audit(
                offer,
                by=by,
                action=Action.LINK_REISSUED,
                from_status=offer.status,
                note="The earlier link no longer works.",
            )
        if not offer.letters.filter(
            state__in=[Letter.State.QUEUED, Letter.State.RENDERING, Letter.State.READY],
            offer_version=offer.version,
            draft=False,
        ).exists():
            letter_request(offer=offer, by=by)  # the candidate downloads the approved letter
        # Amended after the candidate asked for a change: this link brings them the new terms.
        amended = offer.change_requests.awaiting_delivery().first()
        change_note = None
        if amended is not None:
            ChangeRequest.objects.filter(pk=amended.pk).update(delivered_at=now)
            change_note = amended.answer_message
        if email:
            notifications.candidate_link(
                offer, url=candidate_url(token), change_note=change_note, link=link
            )
    return link, token


def _refuse_to_send(offer: Offer) -> None:
    if offer.expires_on < timezone.localdate():
        raise OfferError("The offer has expired: change its expiry date (and approve it).")
    for _receiver, refusal in signals.link_check.send(sender=Offer, offer=offer):
        if refusal:
            raise OfferError(refusal)
    if offer.expires_on > timezone.localdate() + datetime.timedelta(days=366):
        raise OfferError(
            "The offer's expiry date is more than a year ahead: correct it (and approve it) "
            "before sending."
        )


def candidate_url(token: str) -> str:
    return settings.SITE_URL + reverse("candidate:offer", args=[token])


def candidate_link_revoke(*, link: CandidateLink, by: User) -> CandidateLink:
    with transaction.atomic():
        updated = CandidateLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by
        )
        if updated:
            audit(link.offer, by=by, action=Action.LINK_REVOKED, from_status=link.offer.status)
    link.refresh_from_db()
    return link


def candidate_link_find(token: str) -> CandidateLink | None:
    """Look a token up by its hash: the time taken does not depend on how much of it was right."""
    return (
        CandidateLink.objects.select_related("offer", "offer__created_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def candidate_link_viewed(link: CandidateLink) -> None:
    now = timezone.now()
    CandidateLink.objects.filter(pk=link.pk).update(
        view_count=F("view_count") + 1,
        last_viewed_at=now,
        first_viewed_at=Coalesce("first_viewed_at", Value(now)),
    )
    if (
        link.first_viewed_at is None
        and not link.offer.links.exclude(pk=link.pk).filter(first_viewed_at__isnull=False).exists()
    ):
        signals.offer_viewed.send(sender=Offer, offer=link.offer)


def names_match(typed: str, expected: str) -> bool:
    def normal(name: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", name).casefold().split())

    return bool(typed.strip()) and normal(typed) == normal(expected)


def candidate_can(link: CandidateLink, offer: Offer, *, move: str, verb: str) -> None:
    """The candidate's guards, written once for answering and for signing: the link works, the
    offer has not expired, is not answered, and allows `move`; each refusal is a sentence for
    the candidate (`verb`: how the offer is acted on, "answered", "signed")."""
    if link.is_revoked:
        raise OfferError(_("This link no longer works: ask your recruiter for a new one."))
    if link.is_expired() or offer.expires_on < timezone.localdate():
        raise OfferError(
            _("This offer has expired and can no longer be signed.")
            if verb == "signed"
            else _("This offer has expired and can no longer be answered.")
        )
    if offer.is_answered:
        raise OfferError(
            _("You have already accepted this offer; the answer is final.")
            if offer.is_accepted
            else _("You have already declined this offer; the answer is final.")
        )
    if not lifecycle.allows(move, offer.status):
        raise OfferError(
            _("This offer can no longer be signed.")
            if verb == "signed"
            else _("This offer can no longer be answered.")
        )


def _answer(
    *,
    link: CandidateLink,
    answer: str,
    note: str,
    ip: str,
    user_agent: str,
    extra: dict[str, str],
) -> Offer:
    with transaction.atomic():
        link = CandidateLink.objects.select_for_update().get(pk=link.pk)
        offer = locked(link.offer)
        candidate_can(link, offer, move=answer, verb="answered")
        offer = move(
            offer,
            answer,
            by=None,  # the candidate has no account
            note=note,
            changes={
                "by": "the candidate, through their link",
                "ip address": ip,
                "user agent": user_agent[:500],
                **extra,
            },
        )
        # From now the link shows the answered offer only for a while (link_expiry).
        CandidateLink.objects.filter(pk=link.pk).update(expires_at=link_expiry(offer))
        notifications.candidate_answered(offer, note=note)
    return offer


def accept_refusal(*, offer: Offer, full_name: str, confirmed: bool) -> str | None:
    """Why this acceptance cannot be taken as the candidate's, or None: the box ticked and
    their own name typed."""
    if not confirmed:
        return _("Tick the box to confirm that you accept the offer.")
    if not names_match(full_name, offer.candidate_name):
        return _(
            "The name you typed does not match the name on the offer: type your full name as "
            "it appears at the top of this page."
        )
    return None


def offer_accept(
    *,
    link: CandidateLink,
    full_name: str,
    confirmed: bool,
    ip: str,
    user_agent: str,
    extra: dict[str, str] | None = None,
    signature_id: int | None = None,
) -> Offer:
    refusal = accept_refusal(offer=link.offer, full_name=full_name, confirmed=confirmed)
    if refusal:
        raise OfferError(refusal)
    answers = signals.acceptance_check.send(
        sender=Offer, offer=link.offer, signature_id=signature_id
    )
    for _receiver, refusal in answers:
        if refusal:
            raise OfferError(refusal)
    return _answer(
        link=link,
        answer="accept",
        note="",
        ip=ip,
        user_agent=user_agent,
        extra={"name typed": full_name.strip(), **(extra or {})},
    )


def offer_decline(*, link: CandidateLink, reason: str, ip: str, user_agent: str) -> Offer:
    return _answer(
        link=link,
        answer="decline",
        note=reason.strip()[:2000],
        ip=ip,
        user_agent=user_agent,
        extra={},
    )
