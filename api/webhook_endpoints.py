"""The API's webhook endpoints: list, create, rotate a secret, delete (a key with the scope
webhooks:manage, for the endpoints its user made). Registered on `api.api.api`, with the
operation ids they had when they lived in that module (the OpenAPI document is unchanged)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema

from api.api import api
from api.auth import need
from api.errors import PROBLEMS, Problem
from api.idempotency import idempotent
from api.inputs import Text
from api.representations import json_response


class EndpointIn(Schema):
    url: Text
    events: list[Text] = Field(default_factory=list, description="event types; empty: all")
    description: Text = ""


class EndpointOut(Schema):
    id: int
    url: str
    events: list[str]
    active: bool
    secret: str | None = Field(None, description="only when made or rotated: shown this once")


class EndpointPage(Schema):
    data: list[EndpointOut]


def _endpoint_body(endpoint: Any, *, secret: str | None = None) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "events": endpoint.events,
        "active": endpoint.active,
        "secret": secret,
    }


def _endpoints(request: HttpRequest) -> Any:
    """The endpoints this key may manage: its user's (a superuser's key: every one)."""
    from api.models import WebhookEndpoint

    key = need(request, "webhooks:manage")
    if key.user.is_superuser:
        return WebhookEndpoint.objects.all()
    return WebhookEndpoint.objects.filter(created_by=key.user)


@api.get(
    "/webhooks",
    url_name="webhooks",
    operation_id="api_api_list_endpoints",
    response={200: EndpointPage, **PROBLEMS},
)
def list_endpoints(request: HttpRequest) -> HttpResponse:
    endpoints = _endpoints(request).order_by("pk")
    return json_response({"data": [_endpoint_body(e) for e in endpoints]})


@api.post(
    "/webhooks",
    url_name="webhooks_create",
    operation_id="api_api_create_endpoint",
    response={201: EndpointOut, **PROBLEMS},
)
def create_endpoint(request: HttpRequest, body: EndpointIn) -> HttpResponse:
    from api.webhooks import EndpointRefused, endpoint_add

    key = need(request, "webhooks:manage")

    def make() -> HttpResponse:
        try:
            endpoint = endpoint_add(
                url=body.url, events=body.events, description=body.description, by=key.user
            )
        except EndpointRefused as error:
            raise Problem(
                422, "Endpoint refused", str(error), [{"field": "url", "message": str(error)}]
            ) from None
        return json_response(_endpoint_body(endpoint, secret=endpoint.secret), status=201)

    return idempotent(request, key, make)


@api.post(
    "/webhooks/{endpoint_id}/rotate",
    url_name="webhooks_rotate",
    operation_id="api_api_rotate_endpoint",
    response={200: EndpointOut, **PROBLEMS},
)
def rotate_endpoint(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    from api.webhooks import endpoint_rotate

    endpoint = _endpoints(request).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Problem(404, "Not found", f"No webhook endpoint {endpoint_id} this key may manage.")
    secret = endpoint_rotate(endpoint)
    return json_response(_endpoint_body(endpoint, secret=secret))


@api.delete(
    "/webhooks/{endpoint_id}",
    url_name="webhooks_delete",
    operation_id="api_api_delete_endpoint",
    response={204: None, **PROBLEMS},
)
def delete_endpoint(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    deleted, _ = _endpoints(request).filter(pk=endpoint_id).delete()
    if not deleted:
        raise Problem(404, "Not found", f"No webhook endpoint {endpoint_id} this key may manage.")
    return HttpResponse(status=204)
