"""Key authentication: a key (`Authorization: Bearer ofk_…`) acts for its user, within its
scopes and the offers that user sees, at the rate its settings allow."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from ninja.security import HttpBearer

from api.errors import Problem
from api.keys import key_find
from api.models import ApiKey
from offers.models import Offer
from offers.roles import is_recruiter


class KeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = key_find(token)
        if key is None:
            return None
        usage = get_usage(
            request,
            group="api",
            key=lambda group, request: f"key-{key.pk}",
            rate=settings.API_RATE_LIMIT,
            increment=True,
        )
        if usage is not None and usage["should_limit"]:
            raise Problem(
                429,
                "Too many requests",
                f"This key is limited to {settings.API_RATE_LIMIT}.",
                headers={"Retry-After": str(max(1, int(usage["time_left"])))},
            )
        return key


class KeyRequest(HttpRequest):
    """A request the API let in: `auth` is the key it came with (ninja sets it)."""

    auth: ApiKey


def key_of(request: HttpRequest) -> ApiKey:
    return cast(KeyRequest, request).auth


def need(request: HttpRequest, scope: str) -> ApiKey:
    key = key_of(request)
    if scope not in key.scopes:
        raise Problem(403, "Forbidden", f"This key lacks the scope {scope}.")
    return key


def visible(key: ApiKey) -> Any:
    return Offer.objects.visible_to(key.user)


def offer_of(key: ApiKey, offer_id: int) -> Offer:
    offer = (
        visible(key)
        .filter(pk=offer_id)
        .select_related("department", "hiring_manager", "price_snapshot", "letter_template_version")
        .first()
    )
    if offer is None:
        raise Problem(404, "Not found", f"No offer {offer_id} that this key may see.")
    return offer


def etag(offer: Offer) -> str:
    """The offer's version; with the candidate's newest request for a change and its state
    once there is one (a request arriving or answered changes what a read gives)."""
    newest = offer.change_requests.values_list("pk", "state").first()
    if newest is None:
        return f'"{offer.version}"'
    return f'"{offer.version}-{newest[0]}{newest[1]}"'


def writer(request: HttpRequest) -> ApiKey:
    key = need(request, "offers:write")
    if not (key.user.is_superuser or is_recruiter(key.user)):
        raise Problem(
            403, "Forbidden", "This key's user is not a recruiter: it cannot write offers."
        )
    return key
