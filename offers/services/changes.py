"""The candidate asks for a change; the recruiter sees what it costs and answers (issue 38).

One open request per offer (a second replaces the first). What a request would cost is worked
out by the builder's own valuation (`offers.token_line.value_offer`, with the offer's own
snapshot of prices) on a copy of the offer with the asked terms, and checked against the
builder's own exception rules (`offers.rules.rule_breaks`). Answers: amend (the builder opened
with the asked terms; saving sends the offer back for approval as any change does, and once it
is approved a new link goes to the candidate with the recruiter's note), or keep the offer as it
is, with a message. Every step is audited; the webhooks follow the audit trail.
"""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from offers import lifecycle, notifications
from offers.actions import Action
from offers.letters.format import format_money
from offers.models import CandidateLink, ChangeRequest, Offer
from offers.rules import rule_breaks
from offers.services.links import candidate_can, candidate_link_create
from offers.services.workflow import OfferError, audit, locked
from offers.token_line import Figures
from pricing.money import CENT, WHOLE, round_money

State = ChangeRequest.State
MILLION = Decimal(1_000_000)
# The offer's fields a request may change (the token budget is asked in dollars a day).
ASKABLE = ("base_salary", "sign_on_bonus", "equity_units", "start_date")


@dataclass(frozen=True)
class Ask:
    """What the candidate asked, as their form gave it (None: not asked)."""

    token_usd_per_day: Decimal | None = None
    token_tokens_per_day: int | None = None
    token_model_id: str = ""
    base_salary: Decimal | None = None
    sign_on_bonus: Decimal | None = None
    equity_units: int | None = None
    start_date: datetime.date | None = None
    message: str = ""


def usd_for_tokens(figures: Figures, model_id: str, tokens_per_day: int) -> Decimal | None:
    """The dollars a day that buy `tokens_per_day` of one of the offer's models at its prices
    and usage mix (the blended price per million tokens the letter's table shows)."""
    valuation = figures.valuation
    line = next(
        (line for line in (valuation.lines if valuation else ()) if line.model_id == model_id),
        None,
    )
    if line is None:
        return None
    return round_money(Decimal(tokens_per_day) * line.blended_per_million / MILLION, places=CENT)


def asked_offer(offer: Offer, request: ChangeRequest | Ask) -> Offer:
    """An unsaved copy of the offer with the asked terms in place (never saved); its
    `figures` are valued afresh, with the offer's models at its own snapshot's prices."""
    asked = copy.copy(offer)
    asked.__dict__.pop("figures", None)  # the original's, cached: not the asked terms'
    for name in ASKABLE:
        value = getattr(request, name)
        if value is not None:
            setattr(asked, name, value)
    if request.token_usd_per_day is not None:
        asked.token_budget_unit = Offer.TokenBudgetUnit.USD
        asked.token_usd_per_day = request.token_usd_per_day
    return asked


@dataclass(frozen=True)
class Review:
    """A request beside the current terms, as the recruiter and the hiring manager read it."""

    request: ChangeRequest
    rows: list[tuple[str, str, str]]  # (term, now, asked)
    now: Figures
    asked: Figures
    first_year_difference: Decimal
    four_year_difference: Decimal
    # The employer's fully loaded yearly token cost: every working day's budget spent.
    token_cost_now: Decimal
    token_cost_asked: Decimal
    rule_breaks: list[str]  # the rules the asked terms would break

    @property
    def currency(self) -> str:
        return self.request.offer.currency


def review(request: ChangeRequest) -> Review:
    offer = request.offer
    now = offer.figures
    asked_terms = asked_offer(offer, request)
    asked = asked_terms.figures
    currency = offer.currency
    rows = []
    if request.token_usd_per_day is not None:
        asked_text = f"{format_money(request.token_usd_per_day, 'USD')} a day"
        if request.token_tokens_per_day:
            asked_text += (
                f" ({request.token_tokens_per_day:,} tokens a day of {request.token_model_name})"
            )
        rows.append(
            ("AI token budget", f"{format_money(now.usd_per_day, 'USD')} a day", asked_text)
        )
    if request.base_salary is not None:
        rows.append(
            (
                "Base salary",
                format_money(offer.base_salary, currency, places=WHOLE),
                format_money(request.base_salary, currency, places=WHOLE),
            )
        )
    if request.sign_on_bonus is not None:
        rows.append(
            (
                "Sign-on bonus",
                format_money(offer.sign_on_bonus, currency, places=WHOLE),
                format_money(request.sign_on_bonus, currency, places=WHOLE),
            )
        )
    if request.equity_units is not None:
        rows.append(("Equity units", f"{offer.equity_units:,}", f"{request.equity_units:,}"))
    if request.start_date is not None:
        rows.append(
            ("Start date", f"{offer.start_date:%-d %B %Y}", f"{request.start_date:%-d %B %Y}")
        )
    return Review(
        request=request,
        rows=rows,
        now=now,
        asked=asked,
        first_year_difference=asked.first_year_total - now.first_year_total,
        four_year_difference=asked.four_year_total - now.four_year_total,
        token_cost_now=now.per_year_in_currency,
        token_cost_asked=asked.per_year_in_currency,
        rule_breaks=rule_breaks(asked_terms, asked),
    )


def request_under_review(offer: Offer) -> ChangeRequest | None:
    """The request the offer's page and the approver's admin page show beside the figures: an
    open one, else one answered by amending whose new terms await approval or delivery."""
    requests = offer.change_requests
    return requests.open().first() or requests.awaiting_delivery().first()


def _asked_changes(request: ChangeRequest) -> dict[str, str]:
    """The request as the audit trail and the webhooks record it (the message's length, not
    its words: those are the candidate's, kept on the request and erased with it)."""
    changes: dict[str, str] = {}
    if request.token_usd_per_day is not None:
        changes["token usd per day"] = str(request.token_usd_per_day)
    if request.token_tokens_per_day is not None:
        changes["token tokens per day"] = str(request.token_tokens_per_day)
        changes["token model"] = request.token_model_id
    for name in ASKABLE:
        value = getattr(request, name)
        if value is not None:
            changes[name.replace("_", " ")] = str(value)
    if request.message:
        changes["message"] = f"{len(request.message)} characters"
    return changes


def change_request_make(
    *, link: CandidateLink, ask: Ask, ip: str, user_agent: str
) -> ChangeRequest:
    """The candidate's request: it replaces an open one, is audited, and the recruiter is told."""
    with transaction.atomic():
        link = CandidateLink.objects.select_for_update().get(pk=link.pk)
        offer = locked(link.offer)
        candidate_can(link, offer, move="accept", verb="answered")
        replaced = offer.change_requests.open().update(state=State.REPLACED)

        def cents(value: Decimal | None) -> Decimal | None:
            return None if value is None else round_money(value, places=CENT)

        request = ChangeRequest.objects.create(
            offer=offer,
            link=link,
            offer_version=offer.version,
            token_usd_per_day=cents(ask.token_usd_per_day),
            token_tokens_per_day=ask.token_tokens_per_day,
            token_model_id=ask.token_model_id,
            base_salary=cents(ask.base_salary),
            sign_on_bonus=cents(ask.sign_on_bonus),
            equity_units=ask.equity_units,
            start_date=ask.start_date,
            message=ask.message,
        )
        audit(
            offer,
            by=None,
            action=Action.CHANGE_REQUESTED,
            from_status=offer.status,
            changes={
                **_asked_changes(request),
                "request": str(request.pk),
                **({"replaces an open request": "yes"} if replaced else {}),
                "ip address": ip,
                "user agent": user_agent[:500],
            },
        )
        notifications.change_requested(offer, request)
    return request


def change_request_seen(request: ChangeRequest) -> None:
    """The recruiter has the request in front of them: the candidate reads "being considered"."""
    ChangeRequest.objects.filter(pk=request.pk, state=State.SENT).update(
        state=State.CONSIDERING, seen_at=timezone.now()
    )


def _answer(request: ChangeRequest, *, by: User, state: str, message: str) -> ChangeRequest:
    offer = locked(request.offer)
    moved = (
        ChangeRequest.objects.filter(pk=request.pk)
        .open()
        .update(state=state, answered_by=by, answered_at=timezone.now(), answer_message=message)
    )
    if not moved:
        raise OfferError("This request was answered or replaced already: reload the page.")
    request.refresh_from_db()
    audit(
        offer,
        by=by,
        action=Action.CHANGE_ANSWERED,
        from_status=offer.status,
        note=message,
        changes={
            "request": str(request.pk),
            "answer": "amend the offer" if state == State.AMENDED else "keep the offer as it is",
        },
    )
    return request


def change_request_keep(*, request: ChangeRequest, by: User, message: str) -> ChangeRequest:
    """The recruiter keeps the offer as it is and says why; the candidate reads it on their page
    and is emailed."""
    message = message.strip()
    if not message:
        raise OfferError("Write the candidate a message: they read it on their offer page.")
    with transaction.atomic():
        request = _answer(request, by=by, state=State.KEPT, message=message)
        notifications.change_kept(request.offer, request)
    return request


def change_request_amend(*, request: ChangeRequest, by: User, note: str) -> ChangeRequest:
    """The recruiter saved the offer with (some of) the asked terms: the offer is being approved
    again; once approved, the candidate gets a new link with this note."""
    with transaction.atomic():
        return _answer(request, by=by, state=State.AMENDED, message=note.strip())


def change_amendment_deliver(offer: Offer, *, by: User) -> CandidateLink | None:
    """Once an amended offer is approved: a new link (its approved new letter) to the candidate,
    emailed with the recruiter's note (`candidate_link_create` says so). None when there is
    nothing to deliver, or the link is held back (a countersignature first): the recruiter's
    link, once sent, carries the note the same way."""
    request = offer.change_requests.awaiting_delivery().first()
    if request is None or offer.status != lifecycle.Status.APPROVED or offer.anonymized_at:
        return None
    try:
        link, _token = candidate_link_create(offer=offer, by=by, email=True)
    except OfferError:
        return None  # held back: the recruiter's link, when sent, carries the note
    return link
