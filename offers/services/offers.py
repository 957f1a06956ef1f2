"""Offers and their approvals: build, edit, submit, approve, reject, withdraw, expire."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import DecimalField
from django.utils import timezone

from offers import lifecycle, notifications
from offers.actions import Action
from offers.models import (
    APPROVED_TERMS,
    PRICED_TERMS,
    Offer,
    TokenAllocation,
)
from offers.rules import rule_breaks
from offers.services.templates import RULE_INPUTS, choose_letter_version
from offers.services.workflow import NotAllowed, OfferError, audit, locked, move
from offers.token_line import saved_figures
from pricing.models import PriceSnapshot

Status = Offer.Status
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Allocation:
    model_id: str
    display_name: str
    share_percent: Decimal
    tier: str = "standard"
    long_context_percent: Decimal = Decimal(0)
    regional: bool = False


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _as_stored(field: str, value: Any) -> Any:
    """The value as the database will hold it: 200000 typed is 200000.00, the same amount."""
    model_field = Offer._meta.get_field(field)
    if isinstance(value, Decimal) and isinstance(model_field, DecimalField):
        return value.quantize(Decimal(1).scaleb(-(model_field.decimal_places or 0)))
    return value


def _allocations_text(offer: Offer) -> str:
    return ", ".join(
        f"{a.model_id} {a.share_percent}% {a.tier}"
        + (f" {a.long_context_percent}% long" if a.long_context_percent else "")
        + (" regional" if a.regional else "")
        for a in offer.allocations.all()
    )


def _write_allocations(offer: Offer, allocations: list[Allocation]) -> None:
    offer.allocations.all().delete()
    TokenAllocation.objects.bulk_create(
        TokenAllocation(
            offer=offer,
            position=index,
            model_id=a.model_id,
            display_name=a.display_name,
            share_percent=a.share_percent,
            tier=a.tier,
            long_context_percent=a.long_context_percent,
            regional=a.regional,
        )
        for index, a in enumerate(allocations)
    )


def offer_create(*, data: dict[str, Any], allocations: list[Allocation], by: User) -> Offer:
    with transaction.atomic():
        offer = Offer(
            **data,
            created_by=by,
            price_snapshot=PriceSnapshot.objects.current(),
            token_priced_on=timezone.localdate(),
        )
        choose_letter_version(offer, data.get("letter_template_version"))
        offer.save()
        _write_allocations(offer, allocations)
        offer.save(update_fields=offer.store_figures(saved_figures(offer)))
        audit(offer, by=by, action=Action.CREATED, from_status="")
    return offer


def offer_update(
    *, offer: Offer, data: dict[str, Any], allocations: list[Allocation], by: User
) -> Offer:
    with transaction.atomic():
        offer = locked(offer)
        if not offer.is_editable:
            raise OfferError(
                f"This offer is {offer.get_status_display().lower()}: it can no longer be edited."
            )
        before = {field: _text(getattr(offer, field)) for field in data}
        before_version = offer.letter_template_version
        before_rules = {name: getattr(offer, name) for name in RULE_INPUTS}
        before_allocations = _allocations_text(offer)
        for field, value in data.items():
            setattr(offer, field, _as_stored(field, value))
        if "letter_template_version" in data:
            offer.letter_template_version = before_version
            choose_letter_version(
                offer,
                data["letter_template_version"],
                rules_again=any(getattr(offer, name) != before_rules[name] for name in RULE_INPUTS),
            )
        _write_allocations(offer, allocations)
        changes = {
            field: [before[field], _text(getattr(offer, field))]
            for field in data
            if before[field] != _text(getattr(offer, field))
        }
        after_allocations = _allocations_text(offer)
        if before_allocations != after_allocations:
            changes["token models"] = [before_allocations, after_allocations]
        terms_changed = any(f in changes for f in [*APPROVED_TERMS, "token models"])
        if terms_changed:
            offer.version += 1  # letters of the version before are superseded
        if any(f in changes for f in [*PRICED_TERMS, "token models"]):
            # Figures are valued with today's prices from the moment they change; a new role
            # title alone keeps the prices the figures were valued with.
            offer.price_snapshot = PriceSnapshot.objects.current()
            offer.token_priced_on = timezone.localdate()
        from_status = offer.status
        reopen = terms_changed and lifecycle.allows("reopen", from_status)
        step = "reopen" if reopen else "redraft" if lifecycle.allows("redraft", from_status) else ""
        to_status = lifecycle.MOVES[step].to if step else from_status
        figures = saved_figures(offer)  # valued once, with the models just written
        if terms_changed and lifecycle.allows("approve", to_status):
            offer.rule_breaks = rule_breaks(offer, figures)
        offer.store_figures(figures)
        offer.save()
        note = ""
        fields: dict[str, Any] = {}
        if reopen:
            # Any approval given was for other terms: the approvals start again.
            note = "Approved terms changed: needs approval again."
            if offer.link_is_live:
                # The candidate must not read figures nobody approved: their link stops.
                offer.links.filter(revoked_at__isnull=True).update(
                    revoked_at=timezone.now(), revoked_by=by
                )
                note += " The candidate's link was revoked."
            fields = {
                "approved_by": None,
                "exception_approved_by": None,
                "approved_at": None,
                "exception_approved_at": None,
            }
        if step:
            offer = move(offer, step, by=by, note=note, changes=changes, **fields)
        elif changes:
            audit(offer, by=by, action=Action.EDITED, from_status=from_status, changes=changes)
        if from_status != offer.status and offer.is_awaiting:
            notifications.awaiting_approval(offer)
    return offer


def offer_submit(*, offer: Offer, by: User) -> Offer:
    """A recruiter asks the hiring manager to approve the offer's figures."""
    with transaction.atomic():
        offer = locked(offer)
        if not offer.can_be_submitted:
            raise OfferError(
                f"This offer is {offer.get_status_display().lower()}: only a draft or a "
                "rejected offer can be submitted for approval."
            )
        if offer.expires_on < timezone.localdate():
            raise OfferError("The offer's expiry date has passed: edit it before submitting.")
        if offer.figures.valuation is None and offer.figures.allocations:
            raise OfferError("The token line cannot be valued: edit the offer's models.")
        offer = move(
            offer,
            "submit",
            by=by,
            submitted_by=by,
            submitted_at=timezone.now(),
            rule_breaks=rule_breaks(offer, offer.figures),
            approved_by=None,
            approved_at=None,
            exception_approved_by=None,
            exception_approved_at=None,
        )
        notifications.awaiting_approval(offer)
    return offer


def decision_refusal(*, offer: Offer, by: User) -> str | None:
    """Why `by` may not approve or reject `offer` as it stands, or None if they may."""
    if by.pk in {offer.created_by_id, offer.submitted_by_id} and offer.is_awaiting:
        return (
            "You created or submitted this offer, so someone else must approve or reject it "
            "(separation of duties), whatever your roles."
        )
    if lifecycle.allows("approve", offer.status):
        if not by.has_perm("offers.approve_offer"):
            return "You do not have permission to approve offers."
        if not by.is_superuser and offer.hiring_manager_id != by.pk:
            return "Only the offer's hiring manager can approve or reject it."
        return None
    if lifecycle.allows("approve_exceptions", offer.status):
        if not by.has_perm("offers.approve_exceptions"):
            return (
                "This offer is outside an exception rule: its second approval needs "
                "someone who approves exceptions."
            )
        if offer.approved_by_id == by.pk:
            return "The second approval must come from someone other than the first approver."
        return None
    return (
        f"This offer is {offer.get_status_display().lower()}: only an offer awaiting "
        "approval can be approved or rejected."
    )


def _guard_decision(offer: Offer, by: User, expected_version: int | None) -> None:
    refusal = decision_refusal(offer=offer, by=by)
    if refusal:
        raise (NotAllowed if offer.is_awaiting else OfferError)(refusal)
    if expected_version is not None and expected_version != offer.version:
        raise OfferError(
            "The figures changed since you opened this offer: review them and decide again."
        )


def offer_approve(
    *, offer: Offer, by: User, note: str = "", expected_version: int | None = None
) -> Offer:
    """The hiring manager's approval, then (outside a rule) the exception approver's."""
    with transaction.atomic():
        offer = locked(offer)
        _guard_decision(offer, by, expected_version)
        now = timezone.now()
        if lifecycle.allows("escalate", offer.status) and offer.rule_breaks:
            offer = move(
                offer,
                "escalate",
                by=by,
                note=note,
                changes={"rules broken": " ".join(offer.rule_breaks)},
                approved_by=by,
                approved_at=now,
            )
            notifications.awaiting_approval(offer)
            return offer
        second = lifecycle.allows("approve_exceptions", offer.status)
        stage: dict[str, Any] = (
            {"exception_approved_by": by, "exception_approved_at": now}
            if second
            else {"approved_by": by, "approved_at": now}
        )
        # The audit keeps what this approval accepted that the last one had not.
        since_last = {
            name: [then, now]
            for name, then, now, changed in offer.changes_since_approval()
            if changed
        }
        offer = move(
            offer,
            "approve_exceptions" if second else "approve",
            by=by,
            note=note,
            changes=since_last,
            approved_version=offer.version,
            approved_figures=offer.figures_record(),
            **stage,
        )
        notifications.decided(offer, approved=True, note=note, by=by)
        # Amended after the candidate asked for a change: the new letter goes to them now.
        from offers.services.changes import change_amendment_deliver

        change_amendment_deliver(offer, by=by)
    return offer


def offer_reject(
    *, offer: Offer, by: User, note: str, expected_version: int | None = None
) -> Offer:
    note = note.strip()
    with transaction.atomic():
        offer = locked(offer)
        _guard_decision(offer, by, expected_version)
        if not note:
            raise OfferError("Say why you reject the offer: the recruiter reads your note.")
        offer = move(offer, "reject", by=by, note=note)
        notifications.decided(offer, approved=False, note=note, by=by)
    return offer


def offer_withdraw(*, offer: Offer, by: User, note: str = "") -> Offer:
    """The recruiter takes the offer back; it can no longer be approved, sent or answered."""
    with transaction.atomic():
        offer = locked(offer)
        if not offer.can_be_withdrawn:
            raise OfferError(
                f"This offer is {offer.get_status_display().lower()}: it cannot be withdrawn."
            )
        return move(offer, "withdraw", by=by, note=note.strip())


def offers_expire() -> int:
    """Offers past their expiry date that were never answered become "expired" (audited)."""
    today = timezone.localdate()
    expired = 0
    expiring = lifecycle.MOVES["expire"].sources
    for offer in Offer.objects.filter(status__in=expiring, expires_on__lt=today):
        with transaction.atomic():
            current = locked(offer)
            if current.status not in expiring or current.expires_on >= today:
                continue
            move(
                current,
                "expire",
                by=None,
                note=f"The offer was open until {current.expires_on:%Y-%m-%d}.",
            )
            expired += 1
    if expired:
        logger.info("%s offer(s) expired", expired)
    return expired
