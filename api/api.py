"""The JSON API, `/api/v1/`, with django-ninja: OpenAPI at `/api/v1/openapi.json`, docs at
`/api/v1/docs`.

A key (`Authorization: Bearer ofk_…`) acts for its user: it sees the offers that user sees and
writes through the same services as the builder, audited as that user. Errors are
`application/problem+json` (RFC 9457), naming the field where there is one. Writes take an
`Idempotency-Key`; a PATCH needs `If-Match` with the offer's ETag (its version).
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from ninja import Field, NinjaAPI, Query, Schema

from api import errors
from api.auth import KeyAuth, etag, need, offer_of, visible, writer
from api.errors import PROBLEM, PROBLEMS, WRITE_PROBLEMS, Problem
from api.idempotency import idempotent
from api.inputs import Instant, OfferFields, Text, base_data, form_data, validated
from api.models import ApiKey, ExternalReference, WebhookEvent
from api.representations import (
    EventPage,
    OfferOut,
    OfferPage,
    json_response,
    offer_detail,
    offer_summary,
)
from offers.actions import Action
from offers.letters import letter_file_response
from offers.models import APPROVED_TERMS, Offer
from offers.services import OfferError, offer_create, offer_submit, offer_update

MAX_LIMIT = 100


class OfferApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """As ninja writes it, with the errors' media type: application/problem+json."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status).startswith("4") and "application/json" in content:
                        content[PROBLEM] = content.pop("application/json")
        return schema


api = OfferApi(
    title="Offer builder API",
    version="1",
    urls_namespace="api-1",
    auth=KeyAuth(),
    description=__doc__ or "",
)


errors.install(api)


# Offers ------------------------------------------------------------------------------------------


class OfferFilters(Schema):
    status: Text | None = None
    updated_after: Instant | None = None
    created_after: Instant | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = None


def _cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"o{pk}".encode()).decode().rstrip("=")


def _after(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith("o"):
            return int(text[1:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise Problem(
        400,
        "Bad cursor",
        "The cursor is not one this API gave.",
        [{"field": "cursor", "message": "not a cursor"}],
    )


@api.get(
    "/offers",
    url_name="offers",
    summary="List offers (newest id last), a page at a time",
    response={200: OfferPage, **PROBLEMS},
)
def list_offers(request: HttpRequest, filters: Query[OfferFilters]) -> HttpResponse:
    key = need(request, "offers:read")
    rows = visible(key).filter(pk__gt=_after(filters.cursor))
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.updated_after:
        rows = rows.filter(updated_at__gt=filters.updated_after)
    if filters.created_after:
        rows = rows.filter(created_at__gt=filters.created_after)
    page = list(rows.select_related("department", "external").order_by("pk")[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    following = None
    if more:
        query = request.GET.copy()
        query["cursor"] = _cursor(page[-1].pk)
        query["limit"] = str(filters.limit)
        following = settings.SITE_URL + request.path + "?" + query.urlencode()
    response = json_response({"data": [offer_summary(offer) for offer in page], "next": following})
    if following:
        response["Link"] = f'<{following}>; rel="next"'
    return response


@api.get(
    "/offers/{offer_id}",
    url_name="offer",
    summary="One offer: every term and figure",
    response={200: OfferOut, 304: None, **PROBLEMS},
)
def get_offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    key = need(request, "offers:read")
    offer = offer_of(key, offer_id)
    tag = etag(offer)  # one read of the newest change request
    if request.headers.get("If-None-Match") == tag:
        response = HttpResponse(status=304)
        response["ETag"] = tag
        return response
    return json_response(offer_detail(offer), offer=offer)


def _changed(key: ApiKey, change: Any) -> HttpResponse:
    """Make a change through the offers' services (a refusal is 409 with its sentence) and
    answer with the offer as it now stands."""
    try:
        saved = change()
    except OfferError as error:
        raise Problem(409, "Not allowed now", str(error)) from None
    saved = offer_of(key, saved.pk)
    return json_response(offer_detail(saved), offer=saved)


@api.post(
    "/offers",
    url_name="offers_create",
    summary="Draft an offer from the ATS's data",
    response={201: OfferOut, **WRITE_PROBLEMS},
)
def create_offer(request: HttpRequest, fields: OfferFields) -> HttpResponse:
    key = writer(request)

    def make() -> HttpResponse:
        # What the builder starts from: the model's defaults (4 years' vesting, 230 days…).
        form = validated(form_data(fields, base=base_data(Offer())), instance=Offer(), by=key.user)
        with transaction.atomic():
            offer = offer_create(data=form.offer_data(), allocations=form.allocations, by=key.user)
            if fields.external:
                ExternalReference.objects.create(offer=offer, data=fields.external)
        offer = offer_of(key, offer.pk)
        response = json_response(offer_detail(offer), status=201, offer=offer)
        response["Location"] = settings.SITE_URL + request.path.rstrip("/") + f"/{offer.pk}"
        return response

    return idempotent(request, key, make)


@api.patch(
    "/offers/{offer_id}",
    url_name="offers_update",
    summary="Change an offer (If-Match)",
    response={200: OfferOut, **WRITE_PROBLEMS},
)
def update_offer(request: HttpRequest, offer_id: int, fields: OfferFields) -> HttpResponse:
    key = writer(request)

    def make() -> HttpResponse:
        offer = offer_of(key, offer_id)
        match = request.headers.get("If-Match")
        if not match:
            raise Problem(
                428, "If-Match required", f"Send If-Match: {etag(offer)} (the offer's ETag)."
            )
        if match != etag(offer):
            raise Problem(
                412, "Changed since read", f"The offer is now at ETag {etag(offer)}: read it again."
            )
        form = validated(form_data(fields, base=base_data(offer)), instance=offer, by=key.user)

        def save() -> Offer:
            with transaction.atomic():
                saved = offer_update(
                    offer=offer, data=form.offer_data(), allocations=form.allocations, by=key.user
                )
                if fields.external is not None:
                    ExternalReference.objects.update_or_create(
                        offer=saved, defaults={"data": fields.external}
                    )
            return saved

        return _changed(key, save)

    return idempotent(request, key, make)


@api.post(
    "/offers/{offer_id}/submit",
    url_name="offers_submit",
    summary="Submit for approval",
    response={200: OfferOut, **WRITE_PROBLEMS},
)
def submit_offer(request: HttpRequest, offer_id: int) -> HttpResponse:
    key = writer(request)

    def make() -> HttpResponse:
        offer = offer_of(key, offer_id)
        return _changed(key, lambda: offer_submit(offer=offer, by=key.user))

    return idempotent(request, key, make)


class BudgetOut(Schema):
    """The token budget after hire: where it stands and promised against spent per UTC day."""

    model_config = {"extra": "allow"}
    offer: int
    state: str
    usd_per_day: str
    days: list[dict[str, Any]]


class BudgetQuery(Schema):
    days: int = Field(30, ge=1, le=366, description="how many UTC days back, today included")


class BudgetEndIn(Schema):
    ends_on: datetime.date | None = Field(
        description="the employee's last day; the budget is revoked after it (null: not leaving)"
    )


def _budget(offer: Offer, days: int = 30) -> HttpResponse:
    from budgets.spend import offer_budget

    body = offer_budget(offer, days=days)
    if body is None:
        raise Problem(
            404,
            "No budget",
            "This offer has no token budget: it is given when an offer is accepted while an "
            "LLM gateway is configured.",
        )
    return json_response(body)


@api.get(
    "/offers/{offer_id}/budget",
    url_name="offers_budget",
    summary="The token budget after hire: state, and promised against spent per day",
    response={200: BudgetOut, **PROBLEMS},
)
def offer_budget_get(
    request: HttpRequest, offer_id: int, query: Query[BudgetQuery]
) -> HttpResponse:
    key = need(request, "offers:read")
    return _budget(offer_of(key, offer_id), query.days)


@api.put(
    "/offers/{offer_id}/budget/end",
    url_name="offers_budget_end",
    summary="Set the employee's last day (the budget is revoked after it)",
    response={200: BudgetOut, **PROBLEMS},
)
def offer_budget_end(request: HttpRequest, offer_id: int, body: BudgetEndIn) -> HttpResponse:
    from budgets.gateways import GatewayError
    from budgets.services import budget_end_set

    key = writer(request)
    offer = offer_of(key, offer_id)
    try:
        budget_end_set(offer=offer, ends_on=body.ends_on, by=key.user)
    except OfferError as error:
        raise Problem(409, "Not allowed now", str(error)) from None
    except GatewayError:
        pass  # the last day is kept; the hourly job revokes once the gateway answers
    return _budget(offer)


@api.get(
    "/offers/{offer_id}/letter.pdf",
    url_name="offers_letter",
    summary="The approved letter (application/pdf)",
    response={200: None, **PROBLEMS},
)
def offer_letter(request: HttpRequest, offer_id: int) -> HttpResponseBase:
    key = need(request, "offers:read")
    offer = offer_of(key, offer_id)
    letter = offer.approved_letter()
    response = letter_file_response(letter) if letter else None
    if response is None:
        raise Problem(404, "No letter", "This offer has no approved letter yet.")
    return response


@api.get(
    "/offers/{offer_id}/signed-letter.pdf",
    url_name="offers_signed_letter",
    summary="The signed letter (application/pdf)",
    response={200: None, **PROBLEMS},
)
def offer_signed_letter(request: HttpRequest, offer_id: int) -> HttpResponseBase:
    from signing.pages import signed_file_response
    from signing.services import signed_signature

    key = need(request, "offers:read")
    response = signed_file_response(signed_signature(offer_of(key, offer_id)))
    if response is None:
        raise Problem(404, "No signed letter", "This offer has no signed letter yet.")
    return response


# Events (for systems that poll) -----------------------------------------------------------------


class EventFilters(Schema):
    after: str | None = None
    limit: int = Field(100, ge=1, le=MAX_LIMIT)


@api.get(
    "/events",
    url_name="events",
    summary="The webhook events, for systems that poll",
    response={200: EventPage, **PROBLEMS},
)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> HttpResponse:
    key = need(request, "offers:read")
    after = _after(filters.after)
    events = list(
        WebhookEvent.objects.filter(pk__gt=after, offer__in=visible(key)).order_by("pk")[
            : filters.limit
        ]
    )
    body = {
        "data": [{"id": e.uid, **e.payload} for e in events],
        "next_after": _cursor(events[-1].pk) if events else filters.after,
    }
    return json_response(body)


# Versions ----------------------------------------------------------------------------------------


class VersionPage(Schema):
    data: list[dict[str, Any]]


@api.get(
    "/offers/{offer_id}/versions",
    url_name="offers_versions",
    summary="The offer's versions: when each began, by whom, what changed",
    response={200: VersionPage, **PROBLEMS},
)
def offer_versions(request: HttpRequest, offer_id: int) -> HttpResponse:
    """A version begins when the offer is created and with every edit that changes a term
    (the builder's rule: `offers.services.offer_update`); the audit trail holds each."""
    key = need(request, "offers:read")
    offer = offer_of(key, offer_id)
    terms = {*APPROVED_TERMS, "token models"}
    versions: list[dict[str, Any]] = []
    for event in offer.events.select_related("actor").order_by("at", "pk"):
        changed = event.action == Action.EDITED and terms & set(event.changes or {})
        if event.action != "created" and not changed:
            continue
        versions.append(
            {
                "version": len(versions) + 1,
                "began_at": event.at.isoformat(),
                "by": event.actor.get_username() if event.actor else None,
                "changes": event.changes if changed else {},
                "approved": offer.approved_version == len(versions) + 1,
            }
        )
    return json_response({"data": versions})


# The webhook endpoints' own operations register on `api` from their module.
from api import webhook_endpoints  # noqa: E402, F401
