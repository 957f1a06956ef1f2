"""Who awaits what in the admin: the offers awaiting a person's decision (the project's admin
site, `config.admin`, leads its home with them)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from offers import lifecycle
from offers.models import Offer


def can_approve_anything(user: Any) -> bool:
    return bool(user.has_perm("offers.approve_offer") or user.has_perm("offers.approve_exceptions"))


def awaiting(user: Any) -> Q:
    """Offers waiting for this person's decision."""
    if user.is_superuser:
        return Q(status__in=lifecycle.AWAITING)
    mine = Q(status__in=lifecycle.MOVES["approve"].sources, hiring_manager=user)
    if user.has_perm("offers.approve_exceptions"):
        mine |= Q(status__in=lifecycle.MOVES["approve_exceptions"].sources) & ~Q(approved_by=user)
    return mine


def awaiting_list(user: Any) -> list[Offer]:
    """What awaits this person, oldest first, with the figures the admin home shows."""
    return list(
        Offer.objects.filter(awaiting(user))
        .exclude(created_by=user)
        .exclude(submitted_by=user)
        .order_by("submitted_at", "pk")[:50]
    )
