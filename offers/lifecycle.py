"""An offer's lifecycle: its statuses, the moves between them and who makes each (`MOVES`,
`allows`), and the named sets of statuses that services, views, queries and templates ask
instead of comparing status strings. Every status change is a move (`offers.services.move`).

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

from offers.actions import Action


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


# Named sets: services, views, templates and queries ask these, never a status string.
FINAL = frozenset({Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN, Status.EXPIRED})
# Never submitted: the rules are today's, not those the submission recorded.
DRAFTS = frozenset({Status.DRAFT})
# Not answered, withdrawn or expired: it can still be edited and moved on.
OPEN = frozenset(Status) - FINAL
AWAITING = frozenset({Status.PENDING_APPROVAL, Status.PENDING_EXCEPTION})
ANSWERED = frozenset({Status.ACCEPTED, Status.DECLINED})
# Approved as it stands, if its version is the approved one (a letter of it is no draft).
APPROVED_STATES = frozenset({Status.APPROVED, Status.SENT, Status.ACCEPTED, Status.DECLINED})
# An approval was given and still stands, fully or (awaiting exceptions) in part.
SHOWS_APPROVAL = frozenset({Status.APPROVED, Status.SENT, Status.PENDING_EXCEPTION})
# A first candidate link (approved) or a new one (sent), for terms approved as they stand.
LINKABLE = frozenset({Status.APPROVED, Status.SENT})
# The candidate's link answers with the offer: it can be revoked.
LINK_LIVE = frozenset({Status.SENT})
# Answered: a fresh link shows the candidate their offer and signed letter for a while.
RELINKABLE = ANSWERED
# Its letter can still be made and read.
LETTERABLE = frozenset(Status) - {Status.WITHDRAWN, Status.EXPIRED}
# Money the company has promised (accepted) and may yet promise (approved or sent).
COMMITTED = frozenset({Status.ACCEPTED})
PROMISED = LINKABLE
# Over without an employee: the candidate's data is kept for the shorter period.
ENDED = frozenset({Status.DECLINED, Status.EXPIRED, Status.WITHDRAWN, Status.REJECTED})


@dataclass(frozen=True)
class Move:
    action: Action  # as the audit trail names it
    sources: frozenset[str]
    to: str
    by: Actor


MOVES: dict[str, Move] = {
    "submit": Move(
        Action.SUBMITTED,
        frozenset({Status.DRAFT, Status.REJECTED}),
        Status.PENDING_APPROVAL,
        Actor.RECRUITER,
    ),
    "approve": Move(
        Action.APPROVED, frozenset({Status.PENDING_APPROVAL}), Status.APPROVED, Actor.HIRING_MANAGER
    ),
    # The manager approves an offer outside an exception rule: a second approval follows.
    "escalate": Move(
        Action.ESCALATED,
        frozenset({Status.PENDING_APPROVAL}),
        Status.PENDING_EXCEPTION,
        Actor.HIRING_MANAGER,
    ),
    "approve_exceptions": Move(
        Action.EXCEPTIONS_APPROVED,
        frozenset({Status.PENDING_EXCEPTION}),
        Status.APPROVED,
        Actor.EXCEPTION_APPROVER,
    ),
    "reject": Move(Action.REJECTED, AWAITING, Status.REJECTED, Actor.HIRING_MANAGER),
    "send": Move(Action.SENT, frozenset({Status.APPROVED}), Status.SENT, Actor.RECRUITER),
    "accept": Move(Action.ACCEPTED, frozenset({Status.SENT}), Status.ACCEPTED, Actor.CANDIDATE),
    "decline": Move(Action.DECLINED, frozenset({Status.SENT}), Status.DECLINED, Actor.CANDIDATE),
    "withdraw": Move(Action.WITHDRAWN, OPEN, Status.WITHDRAWN, Actor.RECRUITER),
    "expire": Move(
        Action.EXPIRED,
        frozenset(
            {Status.PENDING_APPROVAL, Status.PENDING_EXCEPTION, Status.APPROVED, Status.SENT}
        ),
        Status.EXPIRED,
        Actor.SYSTEM,
    ),
    # Edits: approved terms changed after an approval, or a rejected offer edited.
    "reopen": Move(
        Action.EDITED,
        frozenset({Status.APPROVED, Status.SENT, Status.PENDING_EXCEPTION}),
        Status.PENDING_APPROVAL,
        Actor.RECRUITER,
    ),
    "redraft": Move(Action.EDITED, frozenset({Status.REJECTED}), Status.DRAFT, Actor.RECRUITER),
}


def allows(move: str, status: str) -> bool:
    return status in MOVES[move].sources


def gone_reason(
    status: str, *, link_revoked: bool, link_expired: bool, revising: bool = False
) -> str | None:
    """Why a candidate's link shows no offer ("withdrawn", "revising", "revoked", "expired"), or
    None. `revising`: the offer was amended after the candidate asked for a change, and its new
    terms have not reached them yet (its link stopped when it was amended)."""
    if status == Status.WITHDRAWN:
        return "withdrawn"
    if revising and status not in LINK_LIVE | ANSWERED:
        return "revising"
    if link_revoked:
        return "revoked"
    if status == Status.EXPIRED or (status in LINK_LIVE and link_expired):
        return "expired"
    if status in ANSWERED and link_expired:
        return "closed"  # the window to read an answered offer is over
    if status not in LINK_LIVE | ANSWERED:
        return "revoked"  # its terms are being approved again
    return None
