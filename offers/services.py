"""Offer workflows with side effects: each writes the offer and its audit event together."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from offers.models import Offer, OfferEvent, TokenAllocation
from pricing.models import PriceSnapshot

# Every field that changes what the candidate is offered; a change to one after approval
# needs a new approval.
FIGURE_FIELDS = [
    "currency",
    "base_salary",
    "target_bonus_percent",
    "sign_on_bonus",
    "equity_type",
    "equity_units",
    "equity_price_per_unit",
    "equity_strike_price",
    "vesting_years",
    "cliff_months",
    "vesting_frequency",
    "token_budget_unit",
    "token_usd_per_day",
    "token_tokens_per_day",
    "token_profile",
    "working_days",
    "usd_exchange_rate",
    "start_date",
    "expires_on",
]


@dataclass(frozen=True)
class Allocation:
    model_id: str
    display_name: str
    share_percent: Decimal


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _allocations_text(offer: Offer) -> str:
    return ", ".join(f"{a.model_id} {a.share_percent}%" for a in offer.allocations.all())


def _write_allocations(offer: Offer, allocations: list[Allocation]) -> None:
    offer.allocations.all().delete()
    TokenAllocation.objects.bulk_create(
        TokenAllocation(
            offer=offer,
            position=index,
            model_id=a.model_id,
            display_name=a.display_name,
            share_percent=a.share_percent,
        )
        for index, a in enumerate(allocations)
    )


def offer_create(*, data: dict[str, Any], allocations: list[Allocation], by: User) -> Offer:
    with transaction.atomic():
        offer = Offer.objects.create(
            **data, created_by=by, price_snapshot=PriceSnapshot.objects.current()
        )
        _write_allocations(offer, allocations)
        OfferEvent.objects.create(
            offer=offer, actor=by, action="created", from_status="", to_status=offer.status
        )
    return offer


def offer_update(
    *, offer: Offer, data: dict[str, Any], allocations: list[Allocation], by: User
) -> Offer:
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer.pk)
        before = {field: _text(getattr(offer, field)) for field in data}
        before_allocations = _allocations_text(offer)
        for field, value in data.items():
            setattr(offer, field, value)
        _write_allocations(offer, allocations)
        changes = {
            field: [before[field], _text(getattr(offer, field))]
            for field in data
            if before[field] != _text(getattr(offer, field))
        }
        after_allocations = _allocations_text(offer)
        if before_allocations != after_allocations:
            changes["token models"] = [before_allocations, after_allocations]
        figures_changed = any(f in changes for f in [*FIGURE_FIELDS, "token models"])
        if figures_changed:
            # Figures are valued with today's prices from the moment they change.
            offer.price_snapshot = PriceSnapshot.objects.current()
            offer.version += 1
        from_status = offer.status
        if figures_changed and offer.status in {Offer.Status.APPROVED, Offer.Status.SENT}:
            offer.status = Offer.Status.PENDING_APPROVAL
        elif offer.status == Offer.Status.REJECTED:
            offer.status = Offer.Status.DRAFT
        offer.save()
        if changes or from_status != offer.status:
            OfferEvent.objects.create(
                offer=offer,
                actor=by,
                action="edited",
                from_status=from_status,
                to_status=offer.status,
                note="Figures changed after approval: needs approval again."
                if from_status != offer.status and figures_changed
                else "",
                changes=changes,
            )
    return offer
