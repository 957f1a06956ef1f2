"""Letters: the outbox row, its job on the broker, the render, and the sweep for lost jobs."""

from __future__ import annotations

import datetime
import hashlib
import logging
import time
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from offers import signals
from offers.letters import LetterCannotRender, letter_render_pdf
from offers.models import (
    Letter,
    Offer,
)
from offers.services.workflow import OfferError

Status = Offer.Status
logger = logging.getLogger(__name__)


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
            template_version=offer.letter_template_version,
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
    from ops.services import publish_from_web

    error = publish_from_web(
        render_letter_task,
        (letter_id,),
        # The limits travel with the job: the worker applies the sender's settings.
        soft_time_limit=settings.LETTER_SOFT_TIME_LIMIT,
        time_limit=settings.LETTER_TIME_LIMIT,
    )
    if error is not None:
        # Not taken: the sweep queues the letter again.
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


# What a letter reads of its offer besides the offer's own row: its token models are read
# several times, its own template version is named in the fingerprint.
LETTER_READS = (
    "department",
    "price_snapshot",
    "hiring_manager",
    "created_by",
    "letter_template_version__template",
)


def offer_for_letter(offer_id: int) -> Offer:
    """The offer with everything its letter reads, loaded as a letter's job loads it."""
    return (
        Offer.objects.select_related(*LETTER_READS).prefetch_related("allocations").get(pk=offer_id)
    )


def letter_render(*, letter_id: int) -> Letter | None:
    """Render one letter and store it; a letter already ready or failed is left as it is.

    Each step that changes the letter is one conditional statement, so no lock is held and a
    second delivery of the same job cannot undo the first: the attempt is counted only on a
    letter still to be made and within its attempts, and the file is stored and recorded only
    by the attempt that counted last, on a letter not yet ready. Two writes and five reads in
    all: each is a round trip to a database that may share its machine with the renders, as in
    the letter benchmark."""
    finished = [Letter.State.READY, Letter.State.FAILED]
    marked = (
        Letter.objects.filter(pk=letter_id, attempts__lt=settings.LETTER_MAX_ATTEMPTS)
        .exclude(state__in=finished)
        .update(state=Letter.State.RENDERING, attempts=F("attempts") + 1, started_at=timezone.now())
    )
    try:
        letter = Letter.objects.select_related("template_version__template").get(pk=letter_id)
    except Letter.DoesNotExist:
        return None
    if letter.state in finished:
        return letter  # a second delivery of the same job: nothing to do
    if not marked:
        last = letter.last_error or (
            "the rendering process stopped without finishing each time (killed, out of "
            "memory, or past the time limit)"
        )
        return letter_fail(
            letter_id=letter_id, reason=f"Gave up after {letter.attempts} attempts: {last}"
        )
    # Read apart from the letter: one join of the two is slower to plan on PostgreSQL.
    offer = offer_for_letter(letter.offer_id)
    if not offer.can_have_letter:
        return letter_fail(
            letter_id=letter_id, reason=f"The offer was {offer.get_status_display().lower()}."
        )
    draft = not offer.figures_approved
    render_started = time.perf_counter()
    try:
        rendered = letter_render_pdf(
            offer,
            version=letter.offer_version,
            draft=draft,
            template_version=letter.template_version,
        )
    except LetterCannotRender as error:
        return letter_fail(letter_id=letter_id, reason=str(error))
    render_ms = (time.perf_counter() - render_started) * 1000
    if rendered.refused:
        logger.warning("Letter %s: refused to fetch %s", letter_id, rendered.refused)
    name = letter_file_store(letter, rendered.pdf)
    if name is None:
        return Letter.objects.get(pk=letter_id)  # another delivery took the letter over
    stored: dict[str, Any] = {
        "file": name,
        "size": len(rendered.pdf),
        "sha256": hashlib.sha256(rendered.pdf).hexdigest(),
        "fingerprint": rendered.fingerprint,
        "pages": rendered.pages,
        "draft": draft,
        "state": Letter.State.READY,
        "last_error": "",
        "finished_at": timezone.now(),
    }
    mine = Letter.objects.filter(pk=letter_id, attempts=letter.attempts)
    with transaction.atomic():  # ready, and whoever listens told, in one commit
        if not mine.exclude(state=Letter.State.READY).update(**stored):
            # Another delivery finished first, or took the letter over and writes the same file.
            return Letter.objects.get(pk=letter_id)
        for field, value in stored.items():
            setattr(letter, field, value)
        signals.letter_ready.send(sender=Letter, letter=letter, offer=offer)
    # For the operator: the letter made, and how long the render took apart from the job.
    logger.info(
        "Letter %s ready: %s pages, %s bytes, rendered in %.0f ms",
        letter.pk,
        letter.pages,
        letter.size,
        render_ms,
    )
    return letter


def letter_file_name(letter: Letter) -> str:
    return f"letters/offer-{letter.offer_id}/letter-{letter.pk}-v{letter.offer_version}.pdf"


def letter_file_store(letter: Letter, pdf: bytes) -> str | None:
    """Store the letter's PDF under its own fixed name, replacing what an earlier attempt left
    there (killed between storing and recording it), so a letter has one file in storage under
    any kill, locally and on S3. None, storing nothing, when another delivery has taken the
    letter over since this one counted its attempt (its attempt is the newer, or it is ready)."""
    name = letter_file_name(letter)
    holder = Letter.objects.filter(pk=letter.pk, attempts=letter.attempts)
    if not holder.exclude(state=Letter.State.READY).exists():
        return None
    default_storage.delete(name)
    stored = default_storage.save(name, ContentFile(pdf))
    if stored != name:
        # Something else wrote the name between the two calls: keep no second file.
        default_storage.delete(stored)
        raise OSError(f"Letter {letter.pk}: its file {name} was written by another process")
    return name


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
