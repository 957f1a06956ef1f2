"""An accepted offer gets its budget grant, waiting for the start date; an erased one loses it
(while a gateway is set)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from offers import lifecycle
from offers.actions import Action
from offers.models import OfferEvent


@receiver(post_save, sender=OfferEvent)
def erased(sender: Any, instance: OfferEvent, created: bool, **kwargs: Any) -> None:
    """Erasure revokes the budget once the erasure commits (the hourly job retries a refusal)."""
    if not created or instance.action != Action.ANONYMIZED or not settings.TOKEN_GATEWAY:
        return
    from budgets.services import budgets_revoke_erased

    transaction.on_commit(budgets_revoke_erased)


@receiver(post_save, sender=OfferEvent)
def accepted(sender: Any, instance: OfferEvent, created: bool, **kwargs: Any) -> None:
    if not created or instance.action != lifecycle.MOVES["accept"].action:
        return
    if not settings.TOKEN_GATEWAY:
        return
    from budgets.services import grant_of

    grant_of(instance.offer, gateway=settings.TOKEN_GATEWAY)
