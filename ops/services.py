from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from kombu import Connection
from kombu.exceptions import OperationalError as KombuOperationalError

from ops.models import WorkerHeartbeat


def heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    # One transaction: nobody sees the row before its count includes this beat.
    with transaction.atomic():
        heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
            hostname=hostname,
            defaults={"last_seen": timezone.now()},
        )
        WorkerHeartbeat.objects.filter(pk=heartbeat.pk).update(beats=models.F("beats") + 1)
    heartbeat.refresh_from_db()
    return heartbeat


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return Check(ok=False, detail=f"database unreachable: {error}")
    return Check(ok=True, detail=connection.vendor)


def web_broker_connection() -> Connection:
    """A broker connection for web requests: every socket operation gives up after
    `BROKER_WEB_TIMEOUT` seconds, so a broker that accepts and never answers cannot hold a
    request (workers keep the longer timeouts their blocking reads need)."""
    timeout = settings.BROKER_WEB_TIMEOUT
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        # One try: Kombu would otherwise retry a refused connection for two seconds.
        options.update(socket_timeout=timeout, socket_connect_timeout=timeout, max_retries=0)
    return Connection(
        settings.CELERY_BROKER_URL, transport_options=options, connect_timeout=timeout
    )


def publish_from_web(task: Any, args: tuple[Any, ...], **options: Any) -> Exception | None:
    """Send a task's job from a web request: one try over `web_broker_connection`, so a hung
    broker costs the request about a second. The error if the broker did not take it."""
    try:
        with web_broker_connection() as broker:
            task.apply_async(args, connection=broker, retry=False, **options)
    except Exception as error:  # kombu raises OperationalError, redis ConnectionError, OSError…
        return error
    return None


def broker_check() -> Check:
    url = settings.CELERY_BROKER_URL
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    if url.startswith("filesystem://"):
        folder = str(options["data_folder_in"])
        if not os.access(folder, os.W_OK):
            return Check(ok=False, detail=f"broker folder {folder} is not writable")
        return Check(ok=True, detail="filesystem")
    timeout = settings.BROKER_WEB_TIMEOUT
    broker = web_broker_connection()
    errors: tuple[type[BaseException], ...] = (
        OSError,
        KombuOperationalError,
        *broker.connection_errors,
    )
    try:
        broker.ensure_connection(max_retries=1, timeout=timeout)
    except errors as error:
        return Check(ok=False, detail=f"broker unreachable: {error}")
    finally:
        broker.release()
    return Check(ok=True, detail=broker.transport_cls)


def cache_check() -> Check:
    """Whether the shared cache answers. Without it pages still work (ops.cache): the
    candidate-link guess limit counts per process until it is back."""
    from django.core.cache import caches

    from ops.cache import UNREACHABLE, ResilientRedisCache

    cache = caches["default"]
    if not isinstance(cache, ResilientRedisCache):
        return Check(ok=True, detail=f"{type(cache).__name__} (each process its own)")
    try:
        cache.ping()
    except UNREACHABLE as error:
        return Check(
            ok=False,
            detail=f"cache unreachable: {error}; the candidate-link guess limit counts per "
            "process until it is back",
        )
    return Check(ok=True, detail="redis")


def this_hostname() -> str:
    return socket.gethostname()
