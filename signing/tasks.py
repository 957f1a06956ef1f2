"""The worker's part of signing: seal the candidate's letter, add the countersignature. Tasks
are named `*_task` and import their service inside the body (services import no task module
at import time); their Celery names are the ones messages in flight and the beat carry."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, connections

from signing.pdf import SealError

# The database or the storage briefly away, or the timestamp authority not answering.
TRANSIENT = (DatabaseError, OSError, SealError)


def _run(task, step, signature_id: int) -> None:  # type: ignore[no-untyped-def]
    from signing import services

    try:
        step(signature_id=signature_id)
    except TRANSIENT as error:
        connections.close_all()
        reason = f"{type(error).__name__}: {error}"
        final = task.request.retries >= task.max_retries
        services.seal_failed(signature_id=signature_id, reason=reason, final=final)
        if final:
            return
        raise task.retry(exc=error, countdown=min(300, 5 * 2**task.request.retries)) from error


@shared_task(
    name="signing.tasks.seal_signature",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.SIGNING_MAX_ATTEMPTS - 1,
)
def seal_signature_task(self, signature_id: int) -> None:  # type: ignore[no-untyped-def]
    from signing.services import seal

    _run(self, seal, signature_id)


@shared_task(
    name="signing.tasks.countersign",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.SIGNING_MAX_ATTEMPTS - 1,
)
def countersign_task(self, signature_id: int) -> None:  # type: ignore[no-untyped-def]
    from signing.services import countersign_seal

    _run(self, countersign_seal, signature_id)


@shared_task(
    name="signing.tasks.presign",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.SIGNING_MAX_ATTEMPTS - 1,
)
def presign_task(self, signature_id: int) -> None:  # type: ignore[no-untyped-def]
    from signing.services import presign

    _run(self, presign, signature_id)


@shared_task(name="signing.tasks.sweep_signatures")
def sweep_signatures_task() -> int:
    from signing.services import signatures_sweep

    return signatures_sweep()
