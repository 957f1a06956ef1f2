"""Webhooks, after Standard Webhooks (standardwebhooks.com): an outbox written in the same
transaction as the change it announces, delivered by Celery, signed with the endpoint's secret.

Every audited change of an offer (`offers.services.audit`, the one way into the audit trail)
and the two signals of `offers.signals` become a `WebhookEvent` (thin: type, time, the offer's
id, version, status and API address; no pay) and one `WebhookDelivery` per endpoint that wants
it. A delivery is a POST with `webhook-id` (the event's, the same on every retry),
`webhook-timestamp` and `webhook-signature` (every live secret signs, so receivers keep working
through a rotation). 2xx: delivered. 410: the endpoint is disabled. Anything else: tried again
with exponential backoff and jitter for about a day (`Retry-After` honoured), then failed and
replayable from the admin. Each endpoint's events are delivered in order per offer: a later event
of an offer waits for the earlier one.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import logging
import random
import secrets
import socket
import time
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from api.models import EVENT_TYPES, WebhookDelivery, WebhookEndpoint, WebhookEvent
from offers import signals
from offers.actions import Action, action_of
from offers.models import Letter, Offer, OfferEvent

logger = logging.getLogger(__name__)

# The audit trail's actions, as event types (actions not named here announce nothing).
ACTION_EVENTS: dict[Action, str] = {
    Action.CREATED: "offer.created",
    Action.EDITED: "offer.updated",
    Action.SUBMITTED: "offer.submitted",
    Action.APPROVED: "offer.approved",
    Action.EXCEPTIONS_APPROVED: "offer.approved",
    Action.REJECTED: "offer.rejected",
    Action.SENT: "offer.sent",
    Action.LINK_REISSUED: "offer.sent",
    Action.ACCEPTED: "offer.accepted",
    Action.DECLINED: "offer.declined",
    Action.SIGNED: "offer.signed",
    Action.COUNTERSIGNED: "offer.countersigned",
    Action.WITHDRAWN: "offer.withdrawn",
    Action.EXPIRED: "offer.expired",
    # The candidate asks for a change, the recruiter answers: `data.change` says what.
    Action.CHANGE_REQUESTED: "offer.change_requested",
    Action.CHANGE_ANSWERED: "offer.change_answered",
    # The token budget after hire (budgets/): the event's `data.budget` says what changed.
    Action.BUDGET_PROVISIONED: "budget.provisioned",
    Action.BUDGET_REVOKED: "budget.revoked",
    Action.BUDGET_CAP_REACHED: "budget.cap_reached",
}
# Delays before each retry, about a day in all (with up to 20% jitter either way).
RETRY_DELAYS = [30, 60, 120, 300, 900, 1800, 3600, 7200, 14400, 21600, 28800, 21600]
TIMEOUT = httpx.Timeout(5.0, connect=3.0)


# The outbox ------------------------------------------------------------------------------------


def offer_url(offer_id: int) -> str:
    return settings.SITE_URL + reverse("api-1:offer", args=[offer_id])


def emit(event_type: str, offer: Offer, **extra: Any) -> WebhookEvent:
    """Write an event and its deliveries; jobs are queued once the transaction commits."""
    now = timezone.now()
    uid = f"msg_{secrets.token_hex(12)}"
    payload = {
        "type": event_type,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "data": {
            "id": offer.pk,
            "version": offer.version,
            "status": offer.status,
            "url": offer_url(offer.pk),
            **extra,
        },
    }
    event = WebhookEvent.objects.create(uid=uid, type=event_type, offer=offer, payload=payload)
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if e.wants(event_type)]
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now)
        for endpoint in endpoints
    )
    for endpoint in endpoints:
        transaction.on_commit(partial(_queue, endpoint.pk))
    return event


def _queue(endpoint_id: int) -> None:
    from api.tasks import deliver_endpoint_task
    from ops.services import publish_from_web

    error = publish_from_web(deliver_endpoint_task, (endpoint_id,))
    if error:  # the beat's sweep delivers it
        logger.warning(
            "Webhooks: the broker did not take a delivery job (%s)", type(error).__name__
        )


@receiver(post_save, sender=OfferEvent, dispatch_uid="api.webhooks.audited")
def audited(sender: Any, instance: OfferEvent, created: bool, **kwargs: Any) -> None:
    action = action_of(instance.action)
    event_type = ACTION_EVENTS.get(action) if action else None
    if created and event_type:
        extra: dict[str, Any] = (
            {"budget": instance.changes} if event_type.startswith("budget.") else {}
        )
        if event_type.startswith("offer.change_"):
            # What was asked or answered; not who asked from where.
            hidden = {"ip address", "user agent"}
            extra = {"change": {k: v for k, v in instance.changes.items() if k not in hidden}}
        emit(event_type, instance.offer, **extra)


@receiver(signals.offer_viewed, dispatch_uid="api.webhooks.viewed")
def viewed(sender: Any, offer: Offer, **kwargs: Any) -> None:
    with transaction.atomic():
        emit("offer.viewed", offer)


@receiver(signals.letter_ready, dispatch_uid="api.webhooks.letter_ready")
def letter_ready(sender: Any, letter: Letter, offer: Offer, **kwargs: Any) -> None:
    emit("letter.ready", offer, letter_id=letter.pk, draft=letter.draft)


# Endpoints -------------------------------------------------------------------------------------


class EndpointRefused(ValueError):
    pass


# IPv6 ranges that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052 and 8215;
# IPv4-compatible, RFC 4291): the IPv4 address inside is what a packet reaches.
NAT64 = [ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48")]
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one wraps (mapped, 6to4, Teredo, NAT64, IPv4-compatible)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in IPV4_COMPATIBLE or any(ip in network for network in NAT64):
        return ipaddress.IPv4Address(ip.packed[-4:])
    return None


def public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    inner = embedded_ipv4(ip)
    return ip.is_global and (inner is None or inner.is_global)


def resolve(url: str) -> tuple[str, list[ipaddress.IPv4Address | ipaddress.IPv6Address]]:
    """The URL's host name and every address it resolves to now, each one checked: all public,
    unless private ones are allowed (tests, DEBUG)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise EndpointRefused("The URL must start with https:// (or http://) and name a host.")
    default_port = 443 if parts.scheme == "https" else 80
    try:
        found = socket.getaddrinfo(
            parts.hostname, parts.port or default_port, type=socket.SOCK_STREAM
        )
    except OSError as error:
        raise EndpointRefused(f"{parts.hostname} does not resolve: {error}") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        for ip in addresses:
            if not public(ip):
                raise EndpointRefused(
                    f"{parts.hostname} is a private, loopback or reserved address ({ip}): "
                    "refused (WEBHOOK_ALLOW_PRIVATE_URLS allows it)."
                )
    return parts.hostname, addresses


def check_url(url: str) -> None:
    """HTTPS (or HTTP) to a public address, unless private ones are allowed."""
    resolve(url)


def pinned(url: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """What to post to deliver to `url`: resolved once, checked, and connected to that very
    address (a name that resolves elsewhere between the check and the connection, DNS
    rebinding, is never contacted): the URL with the address, its Host header, and the name
    TLS checks the certificate against."""
    host, addresses = resolve(url)
    ip = sorted(addresses, key=lambda address: address.version)[0]  # IPv4 first, as curl does
    parts = urlsplit(url)
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = literal + (f":{parts.port}" if parts.port else "")
    host_header = parts.netloc.rpartition("@")[2]
    return (
        parts._replace(netloc=netloc).geturl(),
        {"host": host_header},
        {"sni_hostname": host},
    )


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24).replace("-", "A").replace("_", "B")


def endpoint_add(
    *, url: str, events: list[str], description: str = "", by: Any = None
) -> WebhookEndpoint:
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise EndpointRefused(f"Unknown event type {', '.join(unknown)}.")
    check_url(url)
    return WebhookEndpoint.objects.create(
        url=url,
        events=sorted(set(events)),
        description=description,
        secret=new_secret(),
        created_by=by,
    )


def endpoint_rotate(endpoint: WebhookEndpoint, *, overlap_hours: int = 24) -> str:
    """A new secret; the old one keeps signing beside it for `overlap_hours`."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + datetime.timedelta(hours=overlap_hours)
    endpoint.secret = new_secret()
    endpoint.save()
    return endpoint.secret


# Delivery --------------------------------------------------------------------------------------


def signature_header(endpoint: WebhookEndpoint, uid: str, at: datetime.datetime, body: str) -> str:
    secrets_now = [endpoint.secret]
    if endpoint.previous_secret and (endpoint.previous_secret_until or at) > at:
        secrets_now.append(endpoint.previous_secret)
    return " ".join(Webhook(secret).sign(uid, at, body) for secret in secrets_now)


def _next_delay(attempts: int, retry_after: str | None) -> float | None:
    """Seconds before the next try, None once the retries are spent."""
    if attempts > len(RETRY_DELAYS):
        return None
    delay = RETRY_DELAYS[attempts - 1] * random.uniform(0.8, 1.2)  # noqa: S311 (jitter)
    if retry_after:
        try:
            asked = float(retry_after)
        except ValueError:
            try:
                asked = (parsedate_to_datetime(retry_after) - timezone.now()).total_seconds()
            except (TypeError, ValueError):
                asked = 0
        delay = max(delay, min(asked, 86400))
    return delay


def deliver_due(endpoint_id: int) -> int:
    """Deliver this endpoint's due deliveries, oldest event first; a later event of an offer
    waits while an earlier one is still pending. The number delivered."""
    delivered = 0
    blocked: set[int | None] = set()
    now = timezone.now()
    pending = (
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id, state=WebhookDelivery.State.PENDING)
        .select_related("event", "endpoint")
        .order_by("event_id")
    )
    for delivery in pending:
        offer_id = delivery.event.offer_id
        if offer_id in blocked:
            continue
        if delivery.next_attempt_at > now or not delivery.endpoint.active:
            blocked.add(offer_id)
            continue
        if _attempt(delivery):
            delivered += 1
        else:
            blocked.add(offer_id)
    return delivered


def _attempt(delivery: WebhookDelivery) -> bool:
    with transaction.atomic():
        # One process at a time per delivery: a second job skips it.
        locked = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery.pk, state=WebhookDelivery.State.PENDING)
            .first()
        )
        if locked is None:
            return False
        endpoint, event = delivery.endpoint, delivery.event
        body = json.dumps(event.payload, separators=(",", ":"))
        at = timezone.now()
        headers = {
            "content-type": "application/json",
            "user-agent": "offer-builder-webhooks/1",
            "webhook-id": event.uid,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature_header(endpoint, event.uid, at, body),
        }
        started = time.perf_counter()
        status, retry_after, error = None, None, ""
        try:
            url, host, tls = pinned(endpoint.url)
            with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
                request = client.build_request(
                    "POST", url, content=body, headers={**headers, **host}, extensions=tls
                )
                response = client.send(request)
            status, retry_after = response.status_code, response.headers.get("retry-after")
        except EndpointRefused as refused:
            error = f"Not contacted: {refused}"[:300]
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:300]
        entry = {
            "at": at.isoformat(),
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000),
            **({"error": error} if error else {}),
        }
        locked.attempts += 1
        locked.log = [*locked.log, entry][-30:]
        if status is not None and 200 <= status < 300:
            locked.state = WebhookDelivery.State.DELIVERED
            locked.delivered_at = timezone.now()
        elif status == 410:
            locked.state = WebhookDelivery.State.DROPPED
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                active=False, disabled_reason=f"Answered 410 Gone on {at:%Y-%m-%d %H:%M} UTC"
            )
            endpoint.deliveries.filter(state=WebhookDelivery.State.PENDING).update(
                state=WebhookDelivery.State.DROPPED
            )
            logger.warning("Webhook endpoint %s answered 410: disabled", endpoint.pk)
        else:
            delay = _next_delay(locked.attempts, retry_after)
            if delay is None:
                locked.state = WebhookDelivery.State.FAILED
                logger.warning(
                    "Webhook delivery %s failed after %s attempts", locked.pk, locked.attempts
                )
            else:
                locked.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
        locked.save()
        return locked.state == WebhookDelivery.State.DELIVERED


def replay(delivery: WebhookDelivery) -> None:
    """Deliver a failed or dropped event again (the same webhook-id)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=WebhookDelivery.State.PENDING, next_attempt_at=timezone.now()
    )
    transaction.on_commit(partial(_queue, delivery.endpoint_id))
