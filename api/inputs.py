"""What the API takes: text the database can store, instants in UTC, and the offer's fields
translated to the builder's form (the one validation)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator

from api.errors import Problem
from offers.forms import MODEL_SLOTS, OfferForm
from offers.models import Offer

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


def form_data(fields: OfferFields, *, base: dict[str, Any]) -> dict[str, Any]:
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


def base_data(offer: Offer) -> dict[str, Any]:
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


def validated(data: dict[str, Any], *, instance: Offer, by: Any) -> OfferForm:
    form = OfferForm(data, instance=instance, builder=by)
    if not form.is_valid():
        errors = [
            {"field": "body" if field == "__all__" else field, "message": str(message)}
            for field, messages in form.errors.items()
            for message in messages
        ]
        raise Problem(422, "Invalid offer", "The offer does not validate.", errors)
    return form
