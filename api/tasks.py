"""Webhook deliveries: one job per endpoint drains what is due, in order; beat sweeps retries.
Tasks are named `*_task` and import their service inside the body."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="api.tasks.deliver_endpoint", acks_late=True, reject_on_worker_lost=True)
def deliver_endpoint_task(endpoint_id: int) -> int:
    from api import webhooks

    return webhooks.deliver_due(endpoint_id)


@shared_task(name="api.tasks.deliver_due")
def deliver_due_task() -> int:
    """Every endpoint with a delivery due (retries, and jobs the broker did not take)."""
    from django.utils import timezone

    from api import webhooks
    from api.models import WebhookDelivery

    endpoints = (
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=timezone.now()
        )
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
    return sum(webhooks.deliver_due(endpoint_id) for endpoint_id in endpoints)
