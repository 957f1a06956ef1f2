"""What every offer workflow shares: its errors, the row lock, the move and the audit event."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from offers import lifecycle
from offers.actions import Action
from offers.models import (
    ChangeRequest,
    Offer,
    OfferEvent,
)

Status = Offer.Status
logger = logging.getLogger(__name__)


class OfferError(Exception):
    """A transition that is not allowed now; the message is for the person who asked."""


class NotAllowed(OfferError):
    """The person lacks the role or the assignment for this transition."""


def locked(offer: Offer) -> Offer:
    """The offer's row, locked until the transaction ends."""
    return Offer.objects.select_for_update().get(pk=offer.pk)


def audit(
    offer: Offer,
    *,
    by: User | None,
    action: Action,
    from_status: str,
    to_status: str | None = None,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> OfferEvent:
    """The one way an event enters the audit trail: who, when, from, to, note, changes.
    A note is typed by a person (a manager's reason, a candidate's): a NUL byte in it, which
    nobody can see and PostgreSQL refuses to store, is dropped."""
    return OfferEvent.objects.create(
        offer=offer,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=to_status or offer.status,
        note=note.replace("\x00", ""),
        changes=changes or {},
    )


def move(
    offer: Offer,
    name: str,
    *,
    by: User | None,
    note: str = "",
    changes: dict[str, Any] | None = None,
    **fields: Any,
) -> Offer:
    """Make one move of the lifecycle table, only if the offer's status allows it and nobody
    changed the offer since it was read (two clicks: one wins), and audit it."""
    step = lifecycle.MOVES[name]
    from_status = offer.status
    if from_status not in step.sources:
        raise OfferError(
            f"This offer is {offer.get_status_display().lower()}: it cannot be {step.action}."
        )
    moved = Offer.objects.filter(pk=offer.pk, status=from_status, version=offer.version).update(
        status=step.to, updated_at=timezone.now(), **fields
    )
    if not moved:
        raise OfferError("Someone changed this offer at the same moment: reload it and try again.")
    offer.refresh_from_db()
    audit(offer, by=by, action=step.action, from_status=from_status, note=note, changes=changes)
    if step.to not in lifecycle.OPEN:
        # Answered, withdrawn or expired: a request for a change left open closes unanswered.
        offer.change_requests.open().update(state=ChangeRequest.State.CLOSED)
    return offer
