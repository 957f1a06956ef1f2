"""The candidate asks for a change on their page (issue 38): the request, and while they type,
what the asked token budget buys in the letter's words."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import get_usage

from offers.candidate_views import (
    candidate_link_required,
    candidate_page,
    candidate_render,
    private_response,
)
from offers.figures import figures_format
from offers.forms import ChangeRequestForm
from offers.languages import candidate_language
from offers.letters.wording import block_values
from offers.models import CandidateLink, Offer
from offers.services import OfferError
from offers.services.changes import (
    Ask,
    asked_offer,
    change_request_make,
    usd_for_tokens,
)


def change_context(offer: Offer, form: ChangeRequestForm | None = None) -> dict[str, Any]:
    """The "Ask for a change" part of the candidate's page (in the active language)."""
    shown = offer.change_requests.shown().first()
    return {
        "change_request": shown,
        "change_form": form or ChangeRequestForm(offer=offer),
        "can_ask": offer.link_is_live and not offer.is_answered,
    }


def _ask(offer: Offer, form: ChangeRequestForm) -> Ask:
    data = form.cleaned_data
    usd, tokens, model = data.get("token_usd_per_day"), data.get("token_tokens_per_day"), ""
    if tokens:
        model = data["token_model"]
        usd = usd_for_tokens(offer.figures, model, tokens)
        if usd is None:
            raise OfferError(_("That model is not one of this offer's models."))
    return Ask(
        token_usd_per_day=usd,
        token_tokens_per_day=tokens,
        token_model_id=model,
        base_salary=data.get("base_salary"),
        sign_on_bonus=data.get("sign_on_bonus"),
        equity_units=data.get("equity_units"),
        start_date=data.get("start_date"),
        message=data.get("message") or "",
    )


def _limited(request: HttpRequest, token: str) -> int | None:
    """Seconds until this link may ask again, past CANDIDATE_CHANGE_RATE; None while it may."""
    usage = get_usage(
        request,
        group="candidate-change",
        key=lambda group, request: token,
        rate=settings.CANDIDATE_CHANGE_RATE,
        increment=True,
    )
    if usage is None or usage["count"] <= usage["limit"]:
        return None
    return max(1, int(usage["time_left"]))


@csrf_exempt  # as the answer form: the secret token is in the URL
@require_POST
@candidate_link_required
def candidate_change(request: HttpRequest, token: str, link: CandidateLink) -> HttpResponseBase:
    offer = link.offer
    language = candidate_language(offer, link)
    wait = _limited(request, token)
    if wait is not None:
        response = candidate_render(language, request, "candidate/too_many.html", {}, status=429)
        response["Retry-After"] = str(wait)
        return response
    with translation.override(language):
        form = ChangeRequestForm(request.POST, offer=offer)
        valid = form.is_valid()
        refusals = [] if valid else form.refusals()
    if not valid:
        return candidate_page(
            request, link, token, status=400, change_form=form, change_refusals=refusals
        )
    try:
        with translation.override(language):
            change_request_make(
                link=link,
                ask=_ask(offer, form),
                ip=get_client_ip_address(request) or "",
                user_agent=request.headers.get("User-Agent", ""),
            )
    except OfferError as error:
        offer.refresh_from_db()
        return candidate_page(request, link, token, status=400, error=str(error))
    return private_response(redirect("candidate:offer", token=token))


@csrf_exempt
@require_POST
@candidate_link_required
def candidate_change_preview(
    request: HttpRequest, token: str, link: CandidateLink
) -> HttpResponseBase:
    """While the candidate types a budget: what it buys, in the letter's words (a fragment)."""
    offer = link.offer
    language = candidate_language(offer, link)
    with translation.override(language):
        form = ChangeRequestForm(request.POST, offer=offer)
        context: dict[str, Any] = {"preview": None}
        if form.is_valid():
            try:
                ask = _ask(offer, form)
            except OfferError:
                ask = None
            if ask is not None and ask.token_usd_per_day is not None:
                asked = asked_offer(offer, ask)
                fmt = figures_format(offer, language)
                context["preview"] = {
                    "ask": ask,
                    "usd": fmt.usd(ask.token_usd_per_day),
                    "token": block_values(asked, fmt, asked.figures)["token"],
                }
        return candidate_render(
            language, request, "candidate/_change_preview.html", context, status=200
        )
