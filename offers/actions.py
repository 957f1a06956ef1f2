"""The audit trail's one vocabulary: every action an event can name (`Action`, whose values are
the strings stored in `OfferEvent.action`), how people read it, and who causes it. The moves
(`lifecycle.MOVES`), the event sentences, the candidate's actions and the webhooks' event types
are all keyed by it, so that a misspelt action is an error, not a silent gap."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_noop as _


class Action(StrEnum):
    CREATED = "created"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    ESCALATED = "approved by hiring manager"
    EXCEPTIONS_APPROVED = "exceptions approved"
    REJECTED = "rejected"
    SENT = "sent"
    LINK_REISSUED = "link reissued"
    LINK_REVOKED = "link revoked"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    EDITED = "edited"
    ANONYMIZED = "anonymized"
    LEGAL_HOLD_SET = "legal hold set"
    LEGAL_HOLD_RELEASED = "legal hold released"
    # The candidate asks for a change, the recruiter answers (issue 38).
    CHANGE_REQUESTED = "change requested"
    CHANGE_ANSWERED = "change answered"
    # Signing (the signing app): the candidate's steps, then the worker's and the company's.
    CONSENTED = "consented to sign"
    CODE_SENT = "signing code sent"
    CODE_WRONG = "signing code wrong"
    CODE_VERIFIED = "signing code verified"
    SIGNED = "signed the letter"
    SEALED = "signed letter sealed"
    SEAL_FAILED = "signed letter failed"
    SIGNATURE_VOIDED = "signature voided"
    COUNTERSIGNED = "countersigned"
    # The token budget after hire (the budgets app).
    BUDGET_PROVISIONED = "budget provisioned"
    BUDGET_CREDENTIAL_SHOWN = "budget credential shown"
    BUDGET_CREDENTIAL_ROTATED = "budget credential rotated"
    BUDGET_END_SET = "budget end set"
    BUDGET_CAP_REACHED = "budget cap reached"
    BUDGET_REVOKED = "budget revoked"


# In English, marked for translation: `OfferEvent.sentence` reads them in the active language
# (the completion certificate of a German letter in German).
SENTENCES: dict[Action, str] = {
    Action.CREATED: _("created the offer as a draft"),
    Action.SUBMITTED: _("submitted it for approval"),
    Action.APPROVED: _("approved it"),
    Action.ESCALATED: _(
        "approved it; as it is outside an exception rule, an exception approver approves it next"
    ),
    Action.EXCEPTIONS_APPROVED: _("approved its exceptions"),
    Action.REJECTED: _("rejected it"),
    Action.SENT: _("sent it: the candidate's link was created"),
    Action.LINK_REISSUED: _("created a new candidate link; the earlier one stopped working"),
    Action.LINK_REVOKED: _("revoked the candidate's link"),
    Action.ACCEPTED: _("accepted the offer"),
    Action.DECLINED: _("declined the offer"),
    Action.WITHDRAWN: _("withdrew it"),
    Action.EXPIRED: _("marked it expired"),
    Action.EDITED: _("edited it"),
    Action.ANONYMIZED: _("removed the candidate's personal data"),
    Action.LEGAL_HOLD_SET: _("put it under a legal hold"),
    Action.LEGAL_HOLD_RELEASED: _("released its legal hold"),
    Action.CHANGE_REQUESTED: _("asked for a change to the offer"),
    Action.CHANGE_ANSWERED: _("answered the candidate's request for a change"),
    Action.CONSENTED: _("agreed to sign the letter electronically"),
    Action.CODE_SENT: _("emailed the candidate a code to sign with"),
    Action.CODE_WRONG: _("entered a wrong signing code"),
    Action.CODE_VERIFIED: _("entered the signing code emailed to them"),
    Action.SIGNED: _("signed the letter"),
    Action.SEALED: _("sealed the signed letter with the company's certificate"),
    Action.SEAL_FAILED: _("could not seal the signed letter"),
    Action.SIGNATURE_VOIDED: _("voided the signature in progress: the letter changed"),
    Action.COUNTERSIGNED: _("countersigned the letter for the company"),
    Action.BUDGET_PROVISIONED: _(
        "gave the new hire their AI token budget in the company's gateway"
    ),
    Action.BUDGET_CREDENTIAL_SHOWN: _("took their gateway credential from their link (shown once)"),
    Action.BUDGET_CREDENTIAL_ROTATED: _("replaced the new hire's gateway credential"),
    Action.BUDGET_END_SET: _("set the employee's last day (the token budget ends after it)"),
    Action.BUDGET_CAP_REACHED: _("recorded that the day's token budget was reached in the gateway"),
    Action.BUDGET_REVOKED: _("revoked the token budget in the company's gateway"),
}

# Events the candidate caused, through their link (no account: no actor).
CANDIDATE_ACTIONS = frozenset(
    {
        Action.ACCEPTED,
        Action.DECLINED,
        Action.CHANGE_REQUESTED,
        Action.CONSENTED,
        Action.CODE_WRONG,
        Action.CODE_VERIFIED,
        Action.SIGNED,
        Action.BUDGET_CREDENTIAL_SHOWN,
    }
)


def action_of(value: str) -> Action | None:
    """The stored string as an `Action`, or None for one this vocabulary does not know."""
    try:
        return Action(value)
    except ValueError:
        return None
