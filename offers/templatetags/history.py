"""How an audit event's recorded changes read on the offer page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def change_text(change: object) -> str:
    """`["150.00", "200"]` → `150.00 → 200`; any other recorded value as it is."""
    if isinstance(change, list | tuple) and len(change) == 2:
        before, after = (str(part) if part not in (None, "") else "—" for part in change)
        return f"{before} → {after}"
    if isinstance(change, list | tuple):
        return "; ".join(str(part) for part in change)
    return str(change)


# What each audit action says, after the person's name (or "The candidate", "The system").
SENTENCES = {
    "created": "created the offer as a draft",
    "submitted": "submitted it for approval",
    "approved": "approved it",
    "approved by hiring manager": "approved it; as it is outside an exception rule, an "
    "exception approver approves it next",
    "exceptions approved": "approved its exceptions",
    "rejected": "rejected it",
    "sent": "sent it: the candidate's link was created",
    "link reissued": "created a new candidate link; the earlier one stopped working",
    "link revoked": "revoked the candidate's link",
    "accepted": "accepted the offer",
    "declined": "declined the offer",
    "withdrawn": "withdrew it",
    "expired": "marked it expired",
    "edited": "edited it",
}
# Recorded for the audit, too technical to show: the browser's full identification string.
HIDDEN_CHANGES = {"user agent", "by"}


@register.filter
def event_sentence(event: Any) -> str:
    """`Riley Recruiter submitted it for approval.`, `The candidate accepted the offer.`"""
    if event.actor is not None:
        who = event.actor.get_full_name() or event.actor.get_username()
    elif event.action in {"accepted", "declined"}:
        who = "The candidate"
    else:
        who = "The system"
    sentence = f"{who} {SENTENCES.get(event.action, event.action)}"
    if event.action == "edited" and event.from_status != event.to_status and event.to_status:
        sentence += f"; it is now {event.get_to_status_display().lower()}"
    return sentence + "."


@register.filter
def shown_changes(changes: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in changes.items() if name not in HIDDEN_CHANGES}
