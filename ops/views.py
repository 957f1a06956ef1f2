from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops.models import WorkerHeartbeat
from ops.services import broker_check, cache_check, database_check


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Down (503) when the database or the broker is; degraded (200, so a load balancer keeps
    sending traffic) when only the cache is, since every page still works without it."""
    database = database_check()
    broker = broker_check()
    cache = cache_check()
    healthy = database.ok and broker.ok
    status = "unavailable" if not healthy else "ok" if cache.ok else "degraded"
    body: dict[str, object] = {
        "status": status,
        "database": {"ok": database.ok, "detail": database.detail},
        "broker": {"ok": broker.ok, "detail": broker.detail},
        "cache": {"ok": cache.ok, "detail": cache.detail},
    }
    if database.ok:
        last = WorkerHeartbeat.objects.first()
        body["worker_last_seen"] = last.last_seen.isoformat() if last else None
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
