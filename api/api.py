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
import hashlib
import json
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django_ratelimit.core import get_usage
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import AfterValidator

from api.keys import key_find
from api.models import ApiKey, ExternalReference, IdempotentRequest, WebhookEvent
from offers.actions import Action
from offers.forms import MODEL_SLOTS, OfferForm
from offers.letters import letter_file_response
from offers.lifecycle import Status
from offers.models import APPROVED_TERMS, Offer
from offers.roles import is_recruiter
from offers.services import OfferError, offer_create, offer_submit, offer_update
from signing.services import offer_signature

PROBLEM = "application/problem+json"
MAX_LIMIT = 100
IDEMPOTENCY_HOURS = 24
# Our statuses as Merge's unified Offer model names them.
MERGE_STATUS: dict[str, str] = {
    Status.DRAFT: "DRAFT",
    Status.PENDING_APPROVAL: "APPROVAL-SENT",
    Status.PENDING_EXCEPTION: "APPROVAL-SENT",
    Status.APPROVED: "APPROVED",
    Status.SENT: "SENT",
    Status.ACCEPTED: "SIGNED",
    Status.DECLINED: "DENIED",
    Status.REJECTED: "DENIED",
    Status.WITHDRAWN: "DEPRECATED",
    Status.EXPIRED: "DEPRECATED",
}


class Problem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or []
        self.headers = headers or {}


def problem_response(problem: Problem) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail or problem.title,
    }
    if problem.errors:
        body["errors"] = problem.errors
    response = HttpResponse(json.dumps(body), status=problem.status, content_type=PROBLEM)
    for header, value in problem.headers.items():
        response[header] = value
    return response


# Text the database can store (PostgreSQL refuses NUL in text and in jsonb), and instants it can
# compare: pydantic takes offsets up to ±23:59, PostgreSQL up to ±15:59, so filters go in UTC.


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


def _in_utc(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


Text = Annotated[str, AfterValidator(_storable)]
Instant = Annotated[datetime.datetime, AfterValidator(_in_utc)]


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


@api.exception_handler(Problem)
def _problem(request: HttpRequest, problem: Problem) -> HttpResponse:
    return problem_response(problem)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: Exception) -> HttpResponse:
    response = problem_response(
        Problem(401, "Unauthorized", "Send a live API key: Authorization: Bearer <key>.")
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    def field(location: list[Any]) -> str:
        # ["body", "fields", "models", 0, "share_percent"] → "models.0.share_percent"
        parts = [str(part) for part in location]
        if parts[:1] and parts[0] in {"body", "query", "path"}:
            parts = parts[1:]
        if parts[:1] and parts[0] in {"fields", "filters"}:
            parts = parts[1:]
        return ".".join(parts) or "body"

    errors = [
        {"field": field(list(e.get("loc", []))), "message": str(e.get("msg", ""))}
        for e in error.errors
    ]
    return problem_response(
        Problem(422, "Invalid request", "The request does not validate.", errors)
    )


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, error: Exception) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem_response(
        Problem(413, "Request too large", f"The body is too large: at most {limit} bytes.")
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem_response(Problem(error.status_code, str(error)))


def _key(request: HttpRequest) -> ApiKey:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _need(request: HttpRequest, scope: str) -> ApiKey:
    key = _key(request)
    if scope not in key.scopes:
        raise Problem(403, "Forbidden", f"This key lacks the scope {scope}.")
    return key


def _visible(key: ApiKey) -> Any:
    return Offer.objects.visible_to(key.user)


def _offer(key: ApiKey, offer_id: int) -> Offer:
    offer = (
        _visible(key)
        .filter(pk=offer_id)
        .select_related("department", "hiring_manager", "price_snapshot", "letter_template_version")
        .first()
    )
    if offer is None:
        raise Problem(404, "Not found", f"No offer {offer_id} that this key may see.")
    return offer


def etag(offer: Offer) -> str:
    return f'"{offer.version}"'


# Responses, as the OpenAPI document gives them ---------------------------------------------------


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


class OfferOut(Schema):
    """An offer (the list gives the summary's fields; one offer adds the rest)."""

    model_config = {"extra": "allow"}
    id: int
    version: int
    status: str
    merge_status: str


class OfferPage(Schema):
    data: list[OfferOut]
    next: str | None


class EventPage(Schema):
    data: list[dict[str, Any]]
    next_after: str | None


PROBLEMS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 422, 429), ProblemOut)
WRITE_PROBLEMS: dict[int, Any] = {**PROBLEMS, 412: ProblemOut, 428: ProblemOut}


# Representations -------------------------------------------------------------------------------


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def offer_summary(offer: Offer) -> dict[str, Any]:
    """What the list shows: stored figures only, no valuation per row."""
    external = getattr(offer, "external", None)
    return {
        "id": offer.pk,
        "version": offer.version,
        "status": offer.status,
        "merge_status": MERGE_STATUS.get(offer.status, "DRAFT"),
        "candidate_name": offer.candidate_name,
        "candidate_email": offer.candidate_email,
        "role_title": offer.role_title,
        "level": offer.level,
        "department": offer.department.name,
        "location": offer.location,
        "currency": offer.currency,
        "base_salary": _money(offer.base_salary),
        "first_year_total": _money(offer.listed_first_year_total),
        "token_usd_per_day": _money(offer.listed_token_usd_per_day),
        "start_date": offer.start_date.isoformat(),
        "expires_on": offer.expires_on.isoformat(),
        "created_at": offer.created_at.isoformat(),
        "updated_at": offer.updated_at.isoformat(),
        "external": external.data if external else {},
    }


# Terms the representation gives in their own fields (by name, not by id).
SHOWN_APART = {
    "candidate_name",
    "candidate_email",
    "department",
    "hiring_manager",
    "letter_template_version",
}


def offer_detail(offer: Offer) -> dict[str, Any]:
    """Every term, the figures, the token line with its prices and date, approvals, letters."""
    figures = offer.figures
    valuation = figures.valuation
    snapshot = offer.price_snapshot
    letter = offer.approved_letter()
    signed = offer_signature(offer, letter=letter)
    terms = {
        name: (str(value) if value is not None else None)
        for name in [*APPROVED_TERMS, "letter_language"]
        if name not in SHOWN_APART
        for value in [getattr(offer, name)]
    }
    return {
        **offer_summary(offer),
        "terms": terms,
        "department_id": offer.department_id,
        "hiring_manager": offer.hiring_manager.get_username(),
        "figures": {
            "bonus_at_target": _money(figures.package.bonus_at_target),
            "first_year_total": _money(figures.first_year_total),
            "four_year_total": _money(figures.four_year_total),
            "token_per_year_in_currency": _money(figures.per_year_in_currency),
        },
        "token_line": {
            "usd_per_day": _money(valuation.usd_per_day) if valuation else None,
            "usd_per_year": _money(valuation.usd_per_year) if valuation else None,
            "prices_source": snapshot.source if snapshot else None,
            "prices_as_of": snapshot.prices_as_of.isoformat() if snapshot else None,
            "prices_in_force_on": (
                offer.token_prices_date.isoformat() if offer.token_prices_date else None
            ),
            "models": [
                {
                    "model_id": a.model_id,
                    "display_name": a.display_name,
                    "share_percent": str(a.share_percent),
                    "tier": a.tier,
                    "regional": a.regional,
                }
                for a in figures.allocations
            ],
        },
        "approval": {
            "approved_version": offer.approved_version,
            "approved_by": offer.approved_by.get_username() if offer.approved_by else None,
            "approved_at": offer.approved_at.isoformat() if offer.approved_at else None,
            "exception_approved_by": (
                offer.exception_approved_by.get_username() if offer.exception_approved_by else None
            ),
        },
        "letter": {"id": letter.pk, "sha256": letter.sha256} if letter else None,
        "signed_letter": (
            {"state": signed.state, "sha256": signed.final_sha256 or None} if signed else None
        ),
    }


# Inputs ------------------------------------------------------------------------------------------


class ModelShare(Schema):
    model_id: Text
    share_percent: Decimal
    tier: Text = "standard"
    long_context_percent: Decimal | None = None
    regional: bool = False


class OfferFields(Schema):
    """The builder's fields (README, "Offers"). POST needs what the builder needs; PATCH sends
    only what changes. `department` and `hiring_manager` by name and username."""

    candidate_name: Text | None = None
    candidate_email: Text | None = None
    role_title: Text | None = None
    level: Text | None = None
    department: Text | None = None
    location: Text | None = None
    hiring_manager: Text | None = None
    currency: Text | None = None
    usd_exchange_rate: Decimal | None = None
    base_salary: Decimal | None = None
    target_bonus_percent: Decimal | None = None
    sign_on_bonus: Decimal | None = None
    equity_type: Text | None = None
    equity_units: int | None = None
    equity_price_per_unit: Decimal | None = None
    equity_strike_price: Decimal | None = None
    vesting_years: int | None = None
    cliff_months: int | None = None
    vesting_frequency: Text | None = None
    token_budget_unit: Text | None = None
    token_usd_per_day: Decimal | None = None
    token_tokens_per_day: int | None = None
    token_profile: Text | None = None
    working_days: int | None = None
    start_date: datetime.date | None = None
    expires_on: datetime.date | None = None
    internal_notes: Text | None = None
    models: list[ModelShare] | None = None
    external: dict[Text, Text] | None = Field(
        None, description="the ATS's ids: candidate_id, application_id, job_id…"
    )


def _form_data(fields: OfferFields, *, base: dict[str, Any]) -> dict[str, Any]:
    """The builder's form data: `base` (the offer as it stands) with the fields sent."""
    from django.contrib.auth import get_user_model

    from offers.models import Department

    data = dict(base)
    sent = fields.dict(exclude_unset=True)
    errors = []
    for name, value in sent.items():
        if name in {"models", "external"}:
            continue
        if name == "department" and value is not None:
            department = Department.objects.filter(name=value).first()
            if department is None:
                errors.append({"field": "department", "message": f"No department {value!r}."})
                continue
            value = department.pk
        if name == "hiring_manager" and value is not None:
            manager = get_user_model().objects.filter(username=value).first()
            if manager is None:
                errors.append({"field": "hiring_manager", "message": f"No user {value!r}."})
                continue
            value = manager.pk
        data[name] = "" if value is None else str(value)
    if errors:
        raise Problem(422, "Invalid offer", "Some fields are not valid.", errors)
    if "models" in sent:
        for slot in range(1, MODEL_SLOTS + 1):
            for prefix in ("model_", "share_", "tier_", "long_", "region_"):
                data.pop(f"{prefix}{slot}", None)
        for slot, share in enumerate(fields.models or [], start=1):
            data[f"model_{slot}"] = share.model_id
            data[f"share_{slot}"] = str(share.share_percent)
            data[f"tier_{slot}"] = share.tier
            if share.long_context_percent is not None:
                data[f"long_{slot}"] = str(share.long_context_percent)
            if share.regional:
                data[f"region_{slot}"] = "on"
    return data


def _base_data(offer: Offer) -> dict[str, Any]:
    """The offer as its builder form would post it now."""
    form = OfferForm(instance=offer)
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif hasattr(value, "isoformat"):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    return data


def _validated(data: dict[str, Any], *, instance: Offer, by: Any) -> OfferForm:
    form = OfferForm(data, instance=instance, builder=by)
    if not form.is_valid():
        errors = [
            {"field": "body" if field == "__all__" else field, "message": str(message)}
            for field, messages in form.errors.items()
            for message in messages
        ]
        raise Problem(422, "Invalid offer", "The offer does not validate.", errors)
    return form


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


def json_response(body: Any, *, status: int = 200, offer: Offer | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    if offer is not None:
        response["ETag"] = etag(offer)
    return response


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
    key = _need(request, "offers:read")
    rows = _visible(key).filter(pk__gt=_after(filters.cursor))
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
    key = _need(request, "offers:read")
    offer = _offer(key, offer_id)
    if request.headers.get("If-None-Match") == etag(offer):
        response = HttpResponse(status=304)
        response["ETag"] = etag(offer)
        return response
    return json_response(offer_detail(offer), offer=offer)


def _changed(key: ApiKey, change: Any) -> HttpResponse:
    """Make a change through the offers' services (a refusal is 409 with its sentence) and
    answer with the offer as it now stands."""
    try:
        saved = change()
    except OfferError as error:
        raise Problem(409, "Not allowed now", str(error)) from None
    saved = _offer(key, saved.pk)
    return json_response(offer_detail(saved), offer=saved)


def _writer(request: HttpRequest) -> ApiKey:
    key = _need(request, "offers:write")
    if not (key.user.is_superuser or is_recruiter(key.user)):
        raise Problem(
            403, "Forbidden", "This key's user is not a recruiter: it cannot write offers."
        )
    return key


@api.post(
    "/offers",
    url_name="offers_create",
    summary="Draft an offer from the ATS's data",
    response={201: OfferOut, **WRITE_PROBLEMS},
)
def create_offer(request: HttpRequest, fields: OfferFields) -> HttpResponse:
    key = _writer(request)

    def make() -> HttpResponse:
        # What the builder starts from: the model's defaults (4 years' vesting, 230 days…).
        form = _validated(
            _form_data(fields, base=_base_data(Offer())), instance=Offer(), by=key.user
        )
        with transaction.atomic():
            offer = offer_create(data=form.offer_data(), allocations=form.allocations, by=key.user)
            if fields.external:
                ExternalReference.objects.create(offer=offer, data=fields.external)
        offer = _offer(key, offer.pk)
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
    key = _writer(request)

    def make() -> HttpResponse:
        offer = _offer(key, offer_id)
        match = request.headers.get("If-Match")
        if not match:
            raise Problem(
                428, "If-Match required", f"Send If-Match: {etag(offer)} (the offer's ETag)."
            )
        if match != etag(offer):
            raise Problem(
                412, "Changed since read", f"The offer is now at ETag {etag(offer)}: read it again."
            )
        form = _validated(_form_data(fields, base=_base_data(offer)), instance=offer, by=key.user)

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
    key = _writer(request)

    def make() -> HttpResponse:
        offer = _offer(key, offer_id)
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
    key = _need(request, "offers:read")
    return _budget(_offer(key, offer_id), query.days)


@api.put(
    "/offers/{offer_id}/budget/end",
    url_name="offers_budget_end",
    summary="Set the employee's last day (the budget is revoked after it)",
    response={200: BudgetOut, **PROBLEMS},
)
def offer_budget_end(request: HttpRequest, offer_id: int, body: BudgetEndIn) -> HttpResponse:
    from budgets.gateways import GatewayError
    from budgets.services import budget_end_set

    key = _writer(request)
    offer = _offer(key, offer_id)
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
    key = _need(request, "offers:read")
    offer = _offer(key, offer_id)
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
    from signing.services import signed_file_response, signed_signature

    key = _need(request, "offers:read")
    response = signed_file_response(signed_signature(_offer(key, offer_id)))
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
    key = _need(request, "offers:read")
    after = _after(filters.after)
    events = list(
        WebhookEvent.objects.filter(pk__gt=after, offer__in=_visible(key)).order_by("pk")[
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
    key = _need(request, "offers:read")
    offer = _offer(key, offer_id)
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


# Webhook endpoints ----------------------------------------------------------------------------


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

    key = _need(request, "webhooks:manage")
    if key.user.is_superuser:
        return WebhookEndpoint.objects.all()
    return WebhookEndpoint.objects.filter(created_by=key.user)


@api.get("/webhooks", url_name="webhooks", response={200: EndpointPage, **PROBLEMS})
def list_endpoints(request: HttpRequest) -> HttpResponse:
    endpoints = _endpoints(request).order_by("pk")
    return json_response({"data": [_endpoint_body(e) for e in endpoints]})


@api.post("/webhooks", url_name="webhooks_create", response={201: EndpointOut, **PROBLEMS})
def create_endpoint(request: HttpRequest, body: EndpointIn) -> HttpResponse:
    from api.webhooks import EndpointRefused, endpoint_add

    key = _need(request, "webhooks:manage")

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
    response={200: EndpointOut, **PROBLEMS},
)
def rotate_endpoint(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    from api.webhooks import endpoint_rotate

    endpoint = _endpoints(request).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Problem(404, "Not found", f"No webhook endpoint {endpoint_id} this key may manage.")
    secret = endpoint_rotate(endpoint)
    return json_response(_endpoint_body(endpoint, secret=secret))


@api.delete("/webhooks/{endpoint_id}", url_name="webhooks_delete", response={204: None, **PROBLEMS})
def delete_endpoint(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    deleted, _ = _endpoints(request).filter(pk=endpoint_id).delete()
    if not deleted:
        raise Problem(404, "Not found", f"No webhook endpoint {endpoint_id} this key may manage.")
    return HttpResponse(status=204)
