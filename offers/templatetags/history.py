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


# Recorded for the audit, too technical to show: the browser's full identification string.
HIDDEN_CHANGES = {"user agent", "by"}


@register.filter
def event_sentence(event: Any) -> str:
    """`Riley Recruiter submitted it for approval.`, `The candidate accepted the offer.`"""
    return str(event.sentence)


@register.filter
def shown_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The recorded changes by the names the builder gives the fields ("Base salary")."""
    from offers.models import TERM_LABELS

    return {
        TERM_LABELS.get(name, name.replace("_", " ")): value
        for name, value in changes.items()
        if name not in HIDDEN_CHANGES
    }
