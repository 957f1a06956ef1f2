"""The worker's part of signing: seal the candidate's letter, add the countersignature."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, connections

from signing import services
from signing.pdf import SealError

# The database or the storage briefly away, or the timestamp authority not answering.
TRANSIENT = (DatabaseError, OSError, SealError)


def _run(task, step, signature_id: int) -> None:  # type: ignore[no-untyped-def]
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
def seal_signature(self, signature_id: int) -> None:  # type: ignore[no-untyped-def]
    _run(self, services.seal, signature_id)


@shared_task(
    name="signing.tasks.countersign",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.SIGNING_MAX_ATTEMPTS - 1,
)
def countersign(self, signature_id: int) -> None:  # type: ignore[no-untyped-def]
    _run(self, services.countersign_seal, signature_id)


@shared_task(
    name="signing.tasks.presign",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.SIGNING_MAX_ATTEMPTS - 1,
)
def presign(self, signature_id: int) -> None:  # type: ignore[no-untyped-def]
    _run(self, services.presign, signature_id)


@shared_task(name="signing.tasks.sweep_signatures")
def sweep_signatures() -> int:
    return services.signatures_sweep()
