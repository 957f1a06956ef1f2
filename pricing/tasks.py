from __future__ import annotations

from celery import shared_task
from django.conf import settings

from pricing import services


@shared_task(name="pricing.tasks.refresh_prices")
def refresh_prices() -> str:
    result = services.prices_refresh(source=settings.PRICES_SOURCE)
    return result.outcome
