"""The one door for a signature's state (`signing/lifecycle.py`), and the jobs it sends."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from offers.services import audit
from signing import lifecycle as signature_lifecycle
from signing.models import Signature

logger = logging.getLogger(__name__)


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
        transaction.on_commit(partial(enqueue, move.job, signature.pk))
    return True


def void(signature: Signature, *, reason: str) -> None:
    signature_move(
        signature, "void", fields={"voided_at": timezone.now(), "void_reason": reason}, note=reason
    )


STALE = "The offer changed after signing began: its letter is new."


def enqueue(task_name: str, signature_id: int) -> None:
    from ops.services import publish_from_web
    from signing import tasks

    task = {
        "signing.tasks.seal_signature": tasks.seal_signature_task,
        "signing.tasks.countersign": tasks.countersign_task,
        "signing.tasks.presign": tasks.presign_task,
    }[task_name]
    error = publish_from_web(task, (signature_id,))
    if error:
        logger.warning(
            "Signature %s: the broker did not take its job (%s); the sweep sends it again",
            signature_id,
            type(error).__name__,
        )
