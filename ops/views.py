from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops.models import WorkerHeartbeat
from ops.services import broker_check, database_check


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = database_check()
    broker = broker_check()
    healthy = database.ok and broker.ok
    body: dict[str, object] = {
        "status": "ok" if healthy else "unavailable",
        "database": {"ok": database.ok, "detail": database.detail},
        "broker": {"ok": broker.ok, "detail": broker.detail},
    }
    if database.ok:
        last = WorkerHeartbeat.objects.first()
        body["worker_last_seen"] = last.last_seen.isoformat() if last else None
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
