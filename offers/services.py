"""Offer workflows with side effects: each writes the offer and its audit event together.

Every state change has one shape: lock the row, guard (raise `OfferError` with a sentence for
the person who clicked), a conditional update so two clicks cannot both win, an audit event,
and emails sent once the transaction has committed.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import time
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import DecimalField, F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from offers import notifications
from offers.letters import LetterCannotRender, letter_render_pdf
from offers.models import (
    APPROVED_TERMS,
    PRICED_TERMS,
    CandidateLink,
    Letter,
    Offer,
    OfferEvent,
    TokenAllocation,
)
from offers.rules import rule_breaks
from pricing.models import PriceSnapshot

Status = Offer.Status
logger = logging.getLogger(__name__)


class OfferError(Exception):
    """A transition that is not allowed now; the message is for the person who asked."""


class NotAllowed(OfferError):
    """The person lacks the role or the assignment for this transition."""


@dataclass(frozen=True)
class Allocation:
    model_id: str
    display_name: str
    share_percent: Decimal
    tier: str = "standard"
    long_context_percent: Decimal = Decimal(0)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _as_stored(field: str, value: Any) -> Any:
    """The value as the database will hold it: 200000 typed is 200000.00, the same amount."""
    model_field = Offer._meta.get_field(field)
    if isinstance(value, Decimal) and isinstance(model_field, DecimalField):
        return value.quantize(Decimal(1).scaleb(-(model_field.decimal_places or 0)))
    return value


def _allocations_text(offer: Offer) -> str:
    return ", ".join(
        f"{a.model_id} {a.share_percent}% {a.tier}"
        + (f" {a.long_context_percent}% long" if a.long_context_percent else "")
        for a in offer.allocations.all()
    )


def _write_allocations(offer: Offer, allocations: list[Allocation]) -> None:
    offer.allocations.all().delete()
    TokenAllocation.objects.bulk_create(
        TokenAllocation(
            offer=offer,
            position=index,
            model_id=a.model_id,
            display_name=a.display_name,
            share_percent=a.share_percent,
            tier=a.tier,
            long_context_percent=a.long_context_percent,
        )
        for index, a in enumerate(allocations)
    )


def offer_create(*, data: dict[str, Any], allocations: list[Allocation], by: User) -> Offer:
    with transaction.atomic():
        offer = Offer.objects.create(
            **data, created_by=by, price_snapshot=PriceSnapshot.objects.current()
        )
        _write_allocations(offer, allocations)
        OfferEvent.objects.create(
            offer=offer, actor=by, action="created", from_status="", to_status=offer.status
        )
    return offer


def offer_update(
    *, offer: Offer, data: dict[str, Any], allocations: list[Allocation], by: User
) -> Offer:
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer.pk)
        if not offer.is_editable:
            raise OfferError(
                f"This offer is {offer.get_status_display().lower()}: it can no longer be edited."
            )
        before = {field: _text(getattr(offer, field)) for field in data}
        before_allocations = _allocations_text(offer)
        for field, value in data.items():
            setattr(offer, field, _as_stored(field, value))
        _write_allocations(offer, allocations)
        changes = {
            field: [before[field], _text(getattr(offer, field))]
            for field in data
            if before[field] != _text(getattr(offer, field))
        }
        after_allocations = _allocations_text(offer)
        if before_allocations != after_allocations:
            changes["token models"] = [before_allocations, after_allocations]
        terms_changed = any(f in changes for f in [*APPROVED_TERMS, "token models"])
        if terms_changed:
            offer.version += 1  # letters of the version before are superseded
        if any(f in changes for f in [*PRICED_TERMS, "token models"]):
            # Figures are valued with today's prices from the moment they change; a new role
            # title alone keeps the prices the figures were valued with.
            offer.price_snapshot = PriceSnapshot.objects.current()
        from_status = offer.status
        note = note_links = ""
        if terms_changed and offer.status in {
            Status.APPROVED,
            Status.SENT,
            Status.PENDING_EXCEPTION,
        }:
            # Any approval given was for other figures: the approvals start again.
            if offer.status == Status.SENT:
                # The candidate must not read figures nobody approved: their link stops.
                offer.links.filter(revoked_at__isnull=True).update(
                    revoked_at=timezone.now(), revoked_by=by
                )
                note_links = " The candidate's link was revoked."
            offer.status = Status.PENDING_APPROVAL
            offer.approved_by = offer.exception_approved_by = None
            offer.approved_at = offer.exception_approved_at = None
            note = "Approved terms changed: needs approval again." + note_links
        elif offer.status == Status.REJECTED:
            offer.status = Status.DRAFT
        if terms_changed and offer.status == Status.PENDING_APPROVAL:
            _refresh_valuation(offer)
            offer.rule_breaks = rule_breaks(offer)
        offer.save()
        if changes or from_status != offer.status:
            OfferEvent.objects.create(
                offer=offer,
                actor=by,
                action="edited",
                from_status=from_status,
                to_status=offer.status,
                note=note,
                changes=changes,
            )
        if from_status != offer.status and offer.status == Status.PENDING_APPROVAL:
            notifications.awaiting_approval(offer)
    return offer


def _refresh_valuation(offer: Offer) -> None:
    for cached in ("token_valuation", "package"):
        offer.__dict__.pop(cached, None)


def _locked(offer: Offer) -> Offer:
    return Offer.objects.select_for_update().get(pk=offer.pk)


def _move(
    offer: Offer,
    *,
    to: str,
    by: User | None,
    action: str,
    note: str = "",
    changes: dict[str, Any] | None = None,
    **fields: Any,
) -> Offer:
    """Change the status only if nobody changed the offer since it was read, and audit it."""
    from_status = offer.status
    moved = Offer.objects.filter(pk=offer.pk, status=from_status, version=offer.version).update(
        status=to, updated_at=timezone.now(), **fields
    )
    if not moved:
        raise OfferError("Someone changed this offer at the same moment: reload it and try again.")
    offer.refresh_from_db()
    OfferEvent.objects.create(
        offer=offer,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=to,
        note=note,
        changes=changes or {},
    )
    return offer


def offer_submit(*, offer: Offer, by: User) -> Offer:
    """A recruiter asks the hiring manager to approve the offer's figures."""
    with transaction.atomic():
        offer = _locked(offer)
        if not offer.can_be_submitted:
            raise OfferError(
                f"This offer is {offer.get_status_display().lower()}: only a draft or a "
                "rejected offer can be submitted for approval."
            )
        if offer.expires_on < timezone.localdate():
            raise OfferError("The offer's expiry date has passed: edit it before submitting.")
        if offer.token_valuation is None and offer.allocation_list():
            raise OfferError("The token line cannot be valued: edit the offer's models.")
        offer = _move(
            offer,
            to=Status.PENDING_APPROVAL,
            by=by,
            action="submitted",
            submitted_by=by,
            submitted_at=timezone.now(),
            rule_breaks=rule_breaks(offer),
            approved_by=None,
            approved_at=None,
            exception_approved_by=None,
            exception_approved_at=None,
        )
        notifications.awaiting_approval(offer)
    return offer


def decision_refusal(*, offer: Offer, by: User) -> str | None:
    """Why `by` may not approve or reject `offer` as it stands, or None if they may."""
    if by.pk in {offer.created_by_id, offer.submitted_by_id} and (
        offer.status in Offer.AWAITING_STATUSES
    ):
        return (
            "You created or submitted this offer, so someone else must approve or reject it "
            "(separation of duties), whatever your roles."
        )
    if offer.status == Status.PENDING_APPROVAL:
        if not by.has_perm("offers.approve_offer"):
            return "You do not have permission to approve offers."
        if not by.is_superuser and offer.hiring_manager_id != by.pk:
            return "Only the offer's hiring manager can approve or reject it."
        return None
    if offer.status == Status.PENDING_EXCEPTION:
        if not by.has_perm("offers.approve_exceptions"):
            return (
                "This offer is outside an exception rule: its second approval needs "
                "someone who approves exceptions."
            )
        if offer.approved_by_id == by.pk:
            return "The second approval must come from someone other than the first approver."
        return None
    return (
        f"This offer is {offer.get_status_display().lower()}: only an offer awaiting "
        "approval can be approved or rejected."
    )


def _guard_decision(offer: Offer, by: User, expected_version: int | None) -> None:
    refusal = decision_refusal(offer=offer, by=by)
    if refusal:
        permitted = offer.status in Offer.AWAITING_STATUSES
        raise (NotAllowed if permitted else OfferError)(refusal)
    if expected_version is not None and expected_version != offer.version:
        raise OfferError(
            "The figures changed since you opened this offer: review them and decide again."
        )


def offer_approve(
    *, offer: Offer, by: User, note: str = "", expected_version: int | None = None
) -> Offer:
    """The hiring manager's approval, then (outside a rule) the exception approver's."""
    with transaction.atomic():
        offer = _locked(offer)
        _guard_decision(offer, by, expected_version)
        now = timezone.now()
        if offer.status == Status.PENDING_APPROVAL and offer.rule_breaks:
            offer = _move(
                offer,
                to=Status.PENDING_EXCEPTION,
                by=by,
                action="approved by hiring manager",
                note=note,
                changes={"rules broken": " ".join(offer.rule_breaks)},
                approved_by=by,
                approved_at=now,
            )
            notifications.awaiting_approval(offer)
            return offer
        stage: dict[str, Any] = (
            {"exception_approved_by": by, "exception_approved_at": now}
            if offer.status == Status.PENDING_EXCEPTION
            else {"approved_by": by, "approved_at": now}
        )
        # The audit keeps what this approval accepted that the last one had not.
        since_last = {
            name: [then, now]
            for name, then, now, changed in offer.changes_since_approval()
            if changed
        }
        offer = _move(
            offer,
            to=Status.APPROVED,
            by=by,
            action="approved" if offer.status == Status.PENDING_APPROVAL else "exceptions approved",
            note=note,
            changes=since_last,
            approved_version=offer.version,
            approved_figures=offer.figures_record(),
            **stage,
        )
        notifications.decided(offer, approved=True, note=note, by=by)
    return offer


def offer_reject(
    *, offer: Offer, by: User, note: str, expected_version: int | None = None
) -> Offer:
    note = note.strip()
    with transaction.atomic():
        offer = _locked(offer)
        _guard_decision(offer, by, expected_version)
        if not note:
            raise OfferError("Say why you reject the offer: the recruiter reads your note.")
        offer = _move(offer, to=Status.REJECTED, by=by, action="rejected", note=note)
        notifications.decided(offer, approved=False, note=note, by=by)
    return offer


def offer_withdraw(*, offer: Offer, by: User, note: str = "") -> Offer:
    """The recruiter takes the offer back; it can no longer be approved, sent or answered."""
    with transaction.atomic():
        offer = _locked(offer)
        if not offer.can_be_withdrawn:
            raise OfferError(
                f"This offer is {offer.get_status_display().lower()}: it cannot be withdrawn."
            )
        return _move(offer, to=Status.WITHDRAWN, by=by, action="withdrawn", note=note.strip())


# Letters -------------------------------------------------------------------------------------


def letter_request(*, offer: Offer, by: User) -> Letter:
    """Ask for a letter: the row is the outbox, its job is queued once the row is committed."""
    if not offer.can_have_letter:
        raise OfferError(
            f"This offer is {offer.get_status_display().lower()}: it gets no more letters."
        )
    with transaction.atomic():
        letter = Letter.objects.create(
            offer=offer,
            offer_version=offer.version,
            draft=not offer.figures_approved,
            requested_by=by,
            queued_at=timezone.now(),
        )
        transaction.on_commit(partial(letter_enqueue, letter.pk))
    return letter


BROKER_REFUSED = "The broker did not take its job"


def letter_enqueue(letter_id: int) -> bool:
    """Send the letter's job to the broker; if it is unreachable the sweep tries again later."""
    from offers.tasks import render_letter_task
    from ops.services import web_broker_connection

    try:
        with web_broker_connection() as connection:
            # `connection` is a Celery publish option the type stubs do not list.
            render_letter_task.apply_async(  # type: ignore[call-arg]
                (letter_id,),
                # The limits travel with the job: the worker applies the sender's settings.
                soft_time_limit=settings.LETTER_SOFT_TIME_LIMIT,
                time_limit=settings.LETTER_TIME_LIMIT,
                # One try with short socket timeouts: a hung broker costs a request about a
                # second, and the sweep queues the letter again.
                connection=connection,
                retry=False,
            )
    except Exception as error:  # kombu raises OperationalError, redis ConnectionError, OSError…
        Letter.objects.filter(pk=letter_id, state=Letter.State.QUEUED).update(
            enqueued=False,
            last_error=f"{BROKER_REFUSED} ({type(error).__name__}); "
            "it is sent again within a minute.",
        )
        logger.warning(
            "Letter %s stays queued: the broker did not take its job (%s); "
            "the sweep sends it again.",
            letter_id,
            error,
        )
        return False
    sent = Letter.objects.filter(pk=letter_id, state=Letter.State.QUEUED)
    sent.update(enqueued=True)
    sent.filter(last_error__startswith=BROKER_REFUSED).update(last_error="")
    return True


def letter_fail(*, letter_id: int, reason: str) -> Letter:
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter_id)
        if letter.state != Letter.State.READY:
            letter.state = Letter.State.FAILED
            letter.last_error = reason
            letter.finished_at = timezone.now()
            letter.save(update_fields=["state", "last_error", "finished_at"])
    logger.warning("Letter %s failed: %s", letter_id, reason)
    return letter


def letter_retry_later(*, letter_id: int, error: BaseException) -> None:
    """An error that can pass: back to queued with the reason, for the task's retry."""
    Letter.objects.filter(pk=letter_id, state=Letter.State.RENDERING).update(
        state=Letter.State.QUEUED,
        last_error=f"Will retry: {type(error).__name__}: {error}"[:2000],
        queued_at=timezone.now(),
    )


def letter_render(*, letter_id: int) -> Letter | None:
    """Render one letter and store it; a letter already ready or failed is left as it is."""
    with transaction.atomic():
        letter = Letter.objects.select_for_update().filter(pk=letter_id).first()
        if letter is None or letter.state in {Letter.State.READY, Letter.State.FAILED}:
            return letter  # a second delivery of the same job: nothing to do
        give_up = letter.attempts >= settings.LETTER_MAX_ATTEMPTS
        if not give_up:
            letter.state = Letter.State.RENDERING
            letter.attempts += 1
            letter.started_at = timezone.now()
            letter.save(update_fields=["state", "attempts", "started_at"])
    if give_up:
        last = letter.last_error or (
            "the rendering process stopped without finishing each time (killed, out of "
            "memory, or past the time limit)"
        )
        return letter_fail(
            letter_id=letter_id, reason=f"Gave up after {letter.attempts} attempts: {last}"
        )
    pause = getattr(settings, "LETTER_RENDER_PAUSE_SECONDS", 0)
    if pause:
        time.sleep(pause)  # tests only: a window in which to kill the worker mid-render
    offer = Offer.objects.select_related("department", "price_snapshot").get(pk=letter.offer_id)
    if not offer.can_have_letter:
        return letter_fail(
            letter_id=letter_id, reason=f"The offer was {offer.get_status_display().lower()}."
        )
    draft = not offer.figures_approved
    try:
        rendered = letter_render_pdf(offer, version=letter.offer_version, draft=draft)
    except LetterCannotRender as error:
        return letter_fail(letter_id=letter_id, reason=str(error))
    if rendered.refused:
        logger.warning("Letter %s: refused to fetch %s", letter_id, rendered.refused)
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter_id)
        if letter.state == Letter.State.READY:
            return letter  # another delivery finished first
        name = default_storage.save(
            f"letters/offer-{offer.pk}/letter-{letter.pk}-v{letter.offer_version}.pdf",
            ContentFile(rendered.pdf),
        )
        letter.file.name = name
        letter.size = len(rendered.pdf)
        letter.sha256 = hashlib.sha256(rendered.pdf).hexdigest()
        letter.fingerprint = rendered.fingerprint
        letter.pages = rendered.pages
        letter.draft = draft
        letter.state = Letter.State.READY
        letter.last_error = ""
        letter.finished_at = timezone.now()
        letter.save()
    return letter


# A letter's first publish happens as its request commits; one not taken after this is resent.
SEND_AGAIN_AFTER = datetime.timedelta(seconds=5)


def letters_sweep() -> int:
    """Send again the jobs the broker never took, and queue again letters whose job was lost.

    A letter whose publish failed (broker down or hung) is sent at every sweep: its job is not
    in the broker, so no letter is rendered twice. One the broker took but nobody finished
    (a worker that died, a queue that was lost) is queued again only after
    `LETTER_REQUEUE_AFTER`, or `LETTER_STUCK_AFTER` once rendering began, longer than the hard
    time limit, so a live render is never doubled.
    """
    now = timezone.now()
    lost = Letter.objects.filter(
        Q(state=Letter.State.QUEUED, enqueued=False, queued_at__lt=now - SEND_AGAIN_AFTER)
        | Q(
            state=Letter.State.QUEUED,
            enqueued=True,
            queued_at__lt=now - datetime.timedelta(seconds=settings.LETTER_REQUEUE_AFTER),
        )
        | Q(
            state=Letter.State.RENDERING,
            started_at__lt=now - datetime.timedelta(seconds=settings.LETTER_STUCK_AFTER),
        )
    )
    requeued = 0
    for letter_id, state in list(lost.values_list("pk", "state")):
        changes: dict[str, Any] = {"state": Letter.State.QUEUED, "queued_at": now}
        if state == Letter.State.RENDERING:
            changes["last_error"] = (
                "The rendering process stopped without finishing (killed, out of memory, or "
                "past the time limit); queued again."
            )
        Letter.objects.filter(pk=letter_id).exclude(
            state__in=[Letter.State.READY, Letter.State.FAILED]
        ).update(**changes)
        if letter_enqueue(letter_id):
            requeued += 1
    if requeued:
        logger.info("Sweep queued %s letter(s) again", requeued)
    return requeued


# Candidate links -----------------------------------------------------------------------------

TOKEN_BYTES = 32  # 256 bits; the URL carries 43 characters of it


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_expiry(offer: Offer) -> datetime.datetime:
    """The end of the offer's last day, in the site's time zone."""
    last_day = datetime.datetime.combine(
        offer.expires_on + datetime.timedelta(days=1), datetime.time()
    )
    return timezone.make_aware(last_day)


def candidate_link_create(
    *, offer: Offer, by: User, email: bool = False
) -> tuple[CandidateLink, str]:
    """A new private link (older ones revoked); the token is returned once and never stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        offer = _locked(offer)
        if offer.status not in {Status.APPROVED, Status.SENT} or not offer.figures_approved:
            raise OfferError("Only an approved offer can be sent to the candidate.")
        if offer.expires_on < timezone.localdate():
            raise OfferError("The offer has expired: change its expiry date (and approve it).")
        if offer.expires_on > timezone.localdate() + datetime.timedelta(days=366):
            raise OfferError(
                "The offer's expiry date is more than a year ahead: correct it (and approve it) "
                "before sending."
            )
        now = timezone.now()
        offer.links.filter(revoked_at__isnull=True).update(revoked_at=now, revoked_by=by)
        link = CandidateLink.objects.create(
            offer=offer,
            token_hash=token_hash(token),
            created_by=by,
            expires_at=link_expiry(offer),
            emailed_to=offer.candidate_email if email else "",
        )
        if offer.status == Status.APPROVED:
            offer = _move(
                offer, to=Status.SENT, by=by, action="sent", note="Candidate link created."
            )
        else:
            OfferEvent.objects.create(
                offer=offer,
                actor=by,
                action="link reissued",
                from_status=offer.status,
                to_status=offer.status,
                note="The earlier link no longer works.",
            )
        if not offer.letters.filter(
            state__in=[Letter.State.QUEUED, Letter.State.RENDERING, Letter.State.READY],
            offer_version=offer.version,
            draft=False,
        ).exists():
            letter_request(offer=offer, by=by)  # the candidate downloads the approved letter
        if email:
            notifications.candidate_link(offer, url=candidate_url(token))
    return link, token


def candidate_url(token: str) -> str:
    return settings.SITE_URL + reverse("candidate:offer", args=[token])


def candidate_link_revoke(*, link: CandidateLink, by: User) -> CandidateLink:
    with transaction.atomic():
        updated = CandidateLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by
        )
        if updated:
            OfferEvent.objects.create(
                offer_id=link.offer_id,
                actor=by,
                action="link revoked",
                from_status=link.offer.status,
                to_status=link.offer.status,
            )
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


def names_match(typed: str, expected: str) -> bool:
    def normal(name: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", name).casefold().split())

    return bool(typed.strip()) and normal(typed) == normal(expected)


def _answer(
    *,
    link: CandidateLink,
    to: str,
    action: str,
    note: str,
    ip: str,
    user_agent: str,
    extra: dict[str, str],
) -> Offer:
    with transaction.atomic():
        link = CandidateLink.objects.select_for_update().get(pk=link.pk)
        offer = _locked(link.offer)
        if link.is_revoked:
            raise OfferError("This link no longer works: ask your recruiter for a new one.")
        if link.is_expired() or offer.expires_on < timezone.localdate():
            raise OfferError("This offer has expired and can no longer be answered.")
        if offer.status in {Status.ACCEPTED, Status.DECLINED}:
            raise OfferError(
                f"You have already {offer.get_status_display().lower()} this offer; "
                "the answer is final."
            )
        if offer.status != Status.SENT:
            raise OfferError("This offer can no longer be answered.")
        offer = _move(
            offer,
            to=to,
            by=None,  # the candidate has no account
            action=action,
            note=note,
            changes={
                "by": "the candidate, through their link",
                "ip address": ip,
                "user agent": user_agent[:500],
                **extra,
            },
        )
        notifications.candidate_answered(offer, note=note)
    return offer


def offer_accept(
    *, link: CandidateLink, full_name: str, confirmed: bool, ip: str, user_agent: str
) -> Offer:
    if not confirmed:
        raise OfferError("Tick the box to confirm that you accept the offer.")
    if not names_match(full_name, link.offer.candidate_name):
        raise OfferError(
            "The name you typed does not match the name on the offer: type your full name as "
            "it appears at the top of this page."
        )
    return _answer(
        link=link,
        to=Status.ACCEPTED,
        action="accepted",
        note="",
        ip=ip,
        user_agent=user_agent,
        extra={"name typed": full_name.strip()},
    )


def offer_decline(*, link: CandidateLink, reason: str, ip: str, user_agent: str) -> Offer:
    return _answer(
        link=link,
        to=Status.DECLINED,
        action="declined",
        note=reason.strip()[:2000],
        ip=ip,
        user_agent=user_agent,
        extra={},
    )


def offers_expire() -> int:
    """Offers past their expiry date that were never answered become "expired" (audited)."""
    today = timezone.localdate()
    expired = 0
    open_statuses = [
        Status.PENDING_APPROVAL,
        Status.PENDING_EXCEPTION,
        Status.APPROVED,
        Status.SENT,
    ]
    for offer in Offer.objects.filter(status__in=open_statuses, expires_on__lt=today):
        with transaction.atomic():
            locked = _locked(offer)
            if locked.status not in open_statuses or locked.expires_on >= today:
                continue
            _move(
                locked,
                to=Status.EXPIRED,
                by=None,
                action="expired",
                note=f"The offer was open until {locked.expires_on:%Y-%m-%d}.",
            )
            expired += 1
    if expired:
        logger.info("%s offer(s) expired", expired)
    return expired
