"""What the API gives: an offer's summary and detail, as JSON with its ETag."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Schema

from api.auth import etag
from offers.lifecycle import Status
from offers.models import APPROVED_TERMS, Offer
from signing.services import offer_signature

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


# Responses, as the OpenAPI document gives them ---------------------------------------------------


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


# Representations -------------------------------------------------------------------------------


def money_text(value: Decimal | None) -> str | None:
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
        "base_salary": money_text(offer.base_salary),
        "first_year_total": money_text(offer.listed_first_year_total),
        "token_usd_per_day": money_text(offer.listed_token_usd_per_day),
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
            "bonus_at_target": money_text(figures.package.bonus_at_target),
            "first_year_total": money_text(figures.first_year_total),
            "four_year_total": money_text(figures.four_year_total),
            "token_per_year_in_currency": money_text(figures.per_year_in_currency),
        },
        "token_line": {
            "usd_per_day": money_text(valuation.usd_per_day) if valuation else None,
            "usd_per_year": money_text(valuation.usd_per_year) if valuation else None,
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
        "change_request": change_request(offer),
    }


def change_request(offer: Offer) -> dict[str, Any] | None:
    """The candidate's newest request for a change (issue 38), open or answered; None."""
    request = offer.change_requests.shown().first()
    if request is None:
        return None
    return {
        "id": request.pk,
        "state": request.state,
        "open": request.is_open,
        "asked_at": request.created_at.isoformat(),
        "offer_version": request.offer_version,
        "asked": {
            "token_usd_per_day": money_text(request.token_usd_per_day),
            "token_tokens_per_day": request.token_tokens_per_day,
            "token_model_id": request.token_model_id or None,
            "base_salary": money_text(request.base_salary),
            "sign_on_bonus": money_text(request.sign_on_bonus),
            "equity_units": request.equity_units,
            "start_date": request.start_date.isoformat() if request.start_date else None,
        },
        "message": request.message,
        "answered_at": request.answered_at.isoformat() if request.answered_at else None,
        "answer_message": request.answer_message,
    }


def json_response(body: Any, *, status: int = 200, offer: Offer | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    if offer is not None:
        response["ETag"] = etag(offer)
    return response
