"""Thin Celery tasks: take a primary key, call one service, safe to run twice. Named `*_task`;
each imports its service inside the body (services import no task at import time); the Celery
names are the ones in flight and in the beat's schedule."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

# Errors that can pass: the database or the file storage briefly away.
TRANSIENT = (DatabaseError, OSError)


@shared_task(
    name="offers.tasks.render_letter",
    bind=True,
    # Acknowledged only once done, and given back to the broker if the process running it
    # dies, so a killed worker loses no letter (the service makes a second run harmless).
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.LETTER_SOFT_TIME_LIMIT,
    time_limit=settings.LETTER_TIME_LIMIT,
    max_retries=settings.LETTER_MAX_ATTEMPTS - 1,
)
def render_letter_task(self, letter_id: int) -> None:  # type: ignore[no-untyped-def]
    from offers import services

    try:
        services.letter_render(letter_id=letter_id)
    except SoftTimeLimitExceeded:
        # The limit may have struck mid-query: the failure is written on a new connection.
        connections.close_all()
        services.letter_fail(
            letter_id=letter_id,
            reason=f"Rendering took longer than {settings.LETTER_SOFT_TIME_LIMIT} s and was "
            "stopped; the offer's text may be too long for a letter.",
        )
    except TRANSIENT as error:
        connections.close_all()
        if self.request.retries >= self.max_retries:
            services.letter_fail(letter_id=letter_id, reason=f"{type(error).__name__}: {error}")
            return
        services.letter_retry_later(letter_id=letter_id, error=error)
        delay = min(settings.LETTER_RETRY_BACKOFF_MAX, 5 * 2**self.request.retries)
        raise self.retry(exc=error, countdown=delay) from error
    except Exception as error:
        logger.exception("Letter %s failed", letter_id)
        connections.close_all()
        services.letter_fail(
            letter_id=letter_id, reason=f"Unexpected error: {type(error).__name__}: {error}"
        )


@shared_task(name="offers.tasks.sweep_letters")
def sweep_letters_task() -> int:
    from offers import services

    services.previews_sweep()
    return services.letters_sweep()


@shared_task(name="offers.tasks.expire_offers")
def expire_offers_task() -> int:
    from offers import services

    return services.offers_expire()


@shared_task(name="offers.tasks.apply_retention")
def apply_retention_task() -> int:
    from django.utils import timezone

    from offers.services.personal_data import retention_apply

    return len(retention_apply(today=timezone.localdate()))


@shared_task(name="offers.tasks.render_template_preview", acks_late=True)
def render_template_preview_task(preview_id: int) -> None:
    from offers import services

    services.preview_render(preview_id=preview_id)
