from __future__ import annotations

from celery import shared_task

from ops import services


@shared_task(name="ops.tasks.heartbeat")
def heartbeat() -> None:
    services.heartbeat_record(hostname=services.this_hostname())
