"""An accepted offer gets its budget grant, waiting for the start date (when a gateway is set)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from offers import lifecycle
from offers.models import OfferEvent


@receiver(post_save, sender=OfferEvent)
def accepted(sender: Any, instance: OfferEvent, created: bool, **kwargs: Any) -> None:
    if not created or instance.action != lifecycle.MOVES["accept"].action:
        return
    if not settings.TOKEN_GATEWAY:
        return
    from budgets.models import BudgetGrant
    from budgets.services import identity_of, promised_usd_per_day

    offer = instance.offer
    BudgetGrant.objects.get_or_create(
        offer=offer,
        defaults={
            "gateway": settings.TOKEN_GATEWAY,
            "identity": identity_of(offer),
            "usd_per_day": promised_usd_per_day(offer),
        },
    )
