"""A signature's lifecycle: its states, the named sets, and the moves between them (`MOVES`),
as `offers/lifecycle.py` has them for offers. Every change of a signature's state goes through
one door, `signing.services.moves.signature_move`: a conditional update on the states the move
comes from, then its audit event, then its worker job once the transaction commits.

Two states are where a row begins, not moves: CONSENTED (the candidate agrees to sign) and
PRESIGNING (the company countersigns before the link is sent).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from offers.actions import Action


class State(models.TextChoices):
    CONSENTED = "consented", "Consented, no code sent"
    CODE_SENT = "code_sent", "Code sent"
    VERIFIED = "verified", "Code verified"
    SIGNED = "signed", "Signed, being sealed"
    SEALED = "sealed", "Signed by the candidate"
    COUNTERSIGNING = "countersigning", "Being countersigned"
    COMPLETE = "complete", "Signed and countersigned"
    FAILED = "failed", "Sealing failed"
    VOID = "void", "Void"
    # When the letter template asks for the company's signature before the link is sent:
    PRESIGNING = "presigning", "Being countersigned before sending"
    PRESIGNED = "presigned", "Countersigned, awaiting the candidate"


BEGINS = frozenset({State.CONSENTED, State.PRESIGNING})
IN_PROGRESS = frozenset({State.CONSENTED, State.CODE_SENT, State.VERIFIED})
# Tied to one letter and made void when it is no longer the one to sign.
VOIDABLE = IN_PROGRESS | {State.PRESIGNING, State.PRESIGNED}
SIGNED = frozenset({State.SIGNED, State.SEALED, State.COUNTERSIGNING, State.COMPLETE})
# A worker is at it: sealing, countersigning, or countersigning before sending.
AT_WORK = frozenset({State.SIGNED, State.COUNTERSIGNING, State.PRESIGNING})
# Over: no page shows them as the offer's signature.
OVER = frozenset({State.VOID, State.FAILED})


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    to: str
    action: Action | None  # the audit event the door writes (None: the caller writes its own)
    job: str | None = None  # the worker task sent once the transaction commits


MOVES: dict[str, Move] = {
    # The company signed first: the candidate's steps begin on the same row (consent_give
    # audits the consent, as it does for a new row).
    "consent": Move(frozenset({State.PRESIGNED}), State.CONSENTED, None),
    "send_code": Move(
        frozenset({State.CONSENTED, State.CODE_SENT}), State.CODE_SENT, Action.CODE_SENT
    ),
    "verify": Move(frozenset({State.CODE_SENT}), State.VERIFIED, Action.CODE_VERIFIED),
    "sign": Move(
        frozenset({State.VERIFIED}), State.SIGNED, Action.SIGNED, "signing.tasks.seal_signature"
    ),
    "seal": Move(frozenset({State.SIGNED}), State.SEALED, Action.SEALED),
    # Countersigned first: the candidate's sealed signature completes the letter.
    "seal_complete": Move(frozenset({State.SIGNED}), State.COMPLETE, Action.SEALED),
    "ask_countersign": Move(
        frozenset({State.SEALED}), State.COUNTERSIGNING, None, "signing.tasks.countersign"
    ),
    "countersign": Move(frozenset({State.COUNTERSIGNING}), State.COMPLETE, Action.COUNTERSIGNED),
    "presign": Move(frozenset({State.PRESIGNING}), State.PRESIGNED, Action.COUNTERSIGNED),
    "fail": Move(AT_WORK, State.FAILED, Action.SEAL_FAILED),
    "void": Move(VOIDABLE, State.VOID, Action.SIGNATURE_VOIDED),
}


def allows(move: str, state: str) -> bool:
    return state in MOVES[move].sources


def candidate_step(state: str | None) -> str:
    """What the candidate's page asks next, read from the table: consent (no signature yet, or
    the company signed first), the code (one can be sent), the signature, or wait (the company's
    countersignature is being sealed)."""
    if state is None or allows("consent", state):
        return "consent"
    if allows("sign", state):
        return "sign"
    if allows("send_code", state):
        return "code"
    return "wait"
