from __future__ import annotations

from celery import shared_task
from django.conf import settings

from pricing import services


@shared_task(name="pricing.tasks.refresh_prices")
def refresh_prices() -> str:
    """Fetch the primary source's published prices (genai-prices too: its data.json on the web,
    which is newer than the installed package's)."""
    source = settings.PRICES_SOURCE
    url = settings.PRICES_URLS.get(source) or services.SOURCES[source].DEFAULT_URL
    result = services.prices_refresh(source=source, url=url)
    return result.outcome
