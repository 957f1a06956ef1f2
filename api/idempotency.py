"""Idempotency-Key: a write run once per key and body, its response kept for a day."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from api.errors import Problem, problem_response
from api.models import ApiKey, IdempotentRequest

IDEMPOTENCY_HOURS = 24


# Idempotency -----------------------------------------------------------------------------------


def idempotent(request: HttpRequest, key: ApiKey, make: Any) -> HttpResponse:
    """Run `make` once per Idempotency-Key: the same key and body get the stored response
    again; the same key with another body 422; while the first is still running, 409."""
    name = request.headers.get("Idempotency-Key")
    if not name:
        return make()  # type: ignore[no-any-return]
    if len(name) > 255:
        raise Problem(400, "Bad Idempotency-Key", "An Idempotency-Key is at most 255 characters.")
    digest = hashlib.sha256(
        f"{request.method} {request.path}\n".encode() + request.body
    ).hexdigest()
    cutoff = timezone.now() - datetime.timedelta(hours=IDEMPOTENCY_HOURS)
    IdempotentRequest.objects.filter(api_key=key, key=name, created_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(api_key=key, key=name, request_sha256=digest)
    except IntegrityError:
        earlier = IdempotentRequest.objects.filter(api_key=key, key=name).first()
        if earlier is None:
            raise Problem(409, "Conflict", "Try again.") from None
        if not earlier.done:
            raise Problem(
                409, "Request in progress", "A request with this Idempotency-Key is still running."
            ) from None
        if earlier.request_sha256 != digest:
            raise Problem(
                422,
                "Idempotency-Key reused",
                "This Idempotency-Key was used with another request: use a new key.",
            ) from None
        replay = HttpResponse(
            bytes(earlier.body),
            status=earlier.status or 200,
            content_type=earlier.headers.get("Content-Type"),
        )
        for header, value in earlier.headers.items():
            replay[header] = value
        replay["Idempotent-Replayed"] = "true"
        return replay
    try:
        response = make()
    except Problem as problem:
        response = problem_response(problem)
    except Exception:
        record.delete()  # a crash is not an answer to replay: the client may try again
        raise
    if response.status_code >= 500:
        record.delete()
        return response  # type: ignore[no-any-return]
    kept = {h: response[h] for h in ("Content-Type", "ETag", "Location") if response.has_header(h)}
    IdempotentRequest.objects.filter(pk=record.pk).update(
        done=True, status=response.status_code, body=response.content, headers=kept
    )
    return response  # type: ignore[no-any-return]
