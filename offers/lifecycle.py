"""An offer's lifecycle: its statuses, the moves between them and who makes each, and the named
checks that services, views and templates ask instead of comparing status strings.

    draft ──submit──▶ pending approval ──approve──▶ approved ──send──▶ sent ──accept──▶ accepted
      ▲                 │    │                         │                 └──decline──▶ declined
      └──(edit)─ rejected ◀─reject   └─escalate▶ awaiting exception approval ─approve exceptions─┘
    any open status ──withdraw──▶ withdrawn;   awaiting, approved or sent ──expire──▶ expired
    approved terms edited while approved, sent or awaiting exceptions ──reopen──▶ pending approval
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    PENDING_EXCEPTION = "pending_exception", "Awaiting exception approval"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"


class Actor(StrEnum):
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring manager"
    EXCEPTION_APPROVER = "exception approver"
    CANDIDATE = "candidate"
    SYSTEM = "the system"


FINAL = frozenset({Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN, Status.EXPIRED})
OPEN = frozenset(Status) - FINAL
AWAITING = frozenset({Status.PENDING_APPROVAL, Status.PENDING_EXCEPTION})
APPROVED_STATES = frozenset({Status.APPROVED, Status.SENT, Status.ACCEPTED, Status.DECLINED})
ANSWERED = frozenset({Status.ACCEPTED, Status.DECLINED})


@dataclass(frozen=True)
class Move:
    action: str  # as the audit trail names it
    sources: frozenset[str]
    to: str
    by: Actor


MOVES: dict[str, Move] = {
    "submit": Move(
        "submitted",
        frozenset({Status.DRAFT, Status.REJECTED}),
        Status.PENDING_APPROVAL,
        Actor.RECRUITER,
    ),
    "approve": Move(
        "approved", frozenset({Status.PENDING_APPROVAL}), Status.APPROVED, Actor.HIRING_MANAGER
    ),
    # The manager approves an offer outside an exception rule: a second approval follows.
    "escalate": Move(
        "approved by hiring manager",
        frozenset({Status.PENDING_APPROVAL}),
        Status.PENDING_EXCEPTION,
        Actor.HIRING_MANAGER,
    ),
    "approve_exceptions": Move(
        "exceptions approved",
        frozenset({Status.PENDING_EXCEPTION}),
        Status.APPROVED,
        Actor.EXCEPTION_APPROVER,
    ),
    "reject": Move("rejected", AWAITING, Status.REJECTED, Actor.HIRING_MANAGER),
    "send": Move("sent", frozenset({Status.APPROVED}), Status.SENT, Actor.RECRUITER),
    "accept": Move("accepted", frozenset({Status.SENT}), Status.ACCEPTED, Actor.CANDIDATE),
    "decline": Move("declined", frozenset({Status.SENT}), Status.DECLINED, Actor.CANDIDATE),
    "withdraw": Move("withdrawn", OPEN, Status.WITHDRAWN, Actor.RECRUITER),
    "expire": Move(
        "expired",
        frozenset(
            {Status.PENDING_APPROVAL, Status.PENDING_EXCEPTION, Status.APPROVED, Status.SENT}
        ),
        Status.EXPIRED,
        Actor.SYSTEM,
    ),
    # Edits: approved terms changed after an approval, or a rejected offer edited.
    "reopen": Move(
        "edited",
        frozenset({Status.APPROVED, Status.SENT, Status.PENDING_EXCEPTION}),
        Status.PENDING_APPROVAL,
        Actor.RECRUITER,
    ),
    "redraft": Move("edited", frozenset({Status.REJECTED}), Status.DRAFT, Actor.RECRUITER),
}


def allows(move: str, status: str) -> bool:
    return status in MOVES[move].sources


# Named checks ------------------------------------------------------------------------------------


def is_open(status: str) -> bool:
    """Not answered, withdrawn or expired: it can still be edited and moved on."""
    return status in OPEN


def is_awaiting(status: str) -> bool:
    return status in AWAITING


def is_answered(status: str) -> bool:
    return status in ANSWERED


def has_live_approval(status: str, *, approved_version: int | None, version: int) -> bool:
    """The terms as they stand are the approved ones (a letter of them is no draft)."""
    return status in APPROVED_STATES and approved_version == version


def shows_approval(status: str) -> bool:
    """An approval was given and still stands, fully or (awaiting exceptions) in part."""
    return status in {Status.APPROVED, Status.SENT, Status.PENDING_EXCEPTION}


def can_send_link(status: str, *, live_approval: bool) -> bool:
    """A first link (approved) or a new one (sent) for terms that are approved as they stand."""
    return live_approval and status in {Status.APPROVED, Status.SENT}


def link_is_live(status: str) -> bool:
    """The candidate's link answers with the offer: it can be revoked."""
    return status == Status.SENT


def can_have_letter(status: str) -> bool:
    return status not in {Status.WITHDRAWN, Status.EXPIRED}


def gone_reason(status: str, *, link_revoked: bool, link_expired: bool) -> str | None:
    """Why a candidate's link shows no offer ("withdrawn", "revoked", "expired"), or None."""
    if status == Status.WITHDRAWN:
        return "withdrawn"
    if link_revoked:
        return "revoked"
    if status == Status.EXPIRED or (status == Status.SENT and link_expired):
        return "expired"
    if status not in {Status.SENT, *ANSWERED}:
        return "revoked"  # its terms are being approved again
    return None


def reopens_on_change(status: str) -> bool:
    """Changing an approved term in this status takes the offer back to the hiring manager."""
    return allows("reopen", status)
