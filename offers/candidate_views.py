"""The candidate's pages: no account, a private link whose token is looked up by its hash."""

from __future__ import annotations

import functools
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import get_usage

from offers import lifecycle
from offers.figures import figures_context
from offers.forms import AnswerForm
from offers.languages import candidate_language, letter_language
from offers.letters import letter_file_response
from offers.letters.format import html_lang
from offers.models import CandidateLink, Offer
from offers.services import (
    OfferError,
    candidate_link_find,
    candidate_link_viewed,
    offer_accept,
    offer_decline,
)

Status = Offer.Status
GROWTH_SCENARIOS = [1, 3, 10]


def _client_key(group: str, request: HttpRequest) -> str:
    return get_client_ip_address(request) or "unknown"


def private_response(response: HttpResponseBase) -> HttpResponseBase:
    """No token leaks through the Referer, no search engine, no shared cache keeps the page."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response["Cache-Control"] = "private, no-store, max-age=0"
    return response


def _guesses(request: HttpRequest, *, count: bool) -> int | None:
    """Seconds until this client may guess again, when it has used up its wrong guesses
    (counting one more if `count`); None while it may still guess."""
    usage = get_usage(
        request,
        group="candidate-link",
        key=_client_key,
        rate=settings.CANDIDATE_LINK_GUESS_RATE,
        increment=count,
    )
    if usage is None or usage["count"] < usage["limit"]:
        return None
    return max(1, int(usage["time_left"]))


def candidate_link_or_response(
    request: HttpRequest, token: str
) -> CandidateLink | HttpResponseBase:
    """The link, or the page to show instead: too many guesses, not found, or gone.

    The token is looked up first: the real candidate is never refused because someone else
    on the same address guessed. Only wrong tokens count towards the limit, and past it every
    wrong token gets 429 (so a guesser cannot tell a miss from the limit).
    """
    link = candidate_link_find(token)
    if link is None:
        language = translation.get_language_from_request(request)  # no offer: the browser's
        wait = _guesses(request, count=False)
        if wait is not None:
            response = candidate_render(
                language, request, "candidate/too_many.html", {}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        _guesses(request, count=True)
        return candidate_render(language, request, "candidate/not_found.html", {}, status=404)
    offer = link.offer
    reason = lifecycle.gone_reason(
        offer.status,
        link_revoked=link.is_revoked,
        link_expired=link.is_expired(),
        # (asked only of a link whose offer is not out: a live one needs no query more)
        revising=not offer.link_is_live and offer.change_requests.awaiting_delivery().exists(),
    )
    if reason:
        context = {
            "reason": reason,
            "offer": offer,
            "recruiter": offer.created_by,
            "days_after_answer": settings.CANDIDATE_LINK_DAYS_AFTER_ANSWER,
        }
        return candidate_render(
            candidate_language(offer, link), request, "candidate/gone.html", context, status=410
        )
    return link


def language_choices(offer: Offer, link: CandidateLink) -> list[dict[str, Any]]:
    """The switch on the candidate's page: the letter's language and English, each named in
    itself; none for a letter in English."""
    language = letter_language(offer)
    if language == "en":
        return []
    current = candidate_language(offer, link)
    return [
        {"code": code, "name": dict(settings.LANGUAGES)[code], "current": code == current}
        for code in (language, "en")
    ]


def candidate_render(
    language: str, request: HttpRequest, template: str, context: dict[str, Any], *, status: int
) -> HttpResponseBase:
    """A page of the candidate's in `language`: its words, dates and `<html lang>`."""
    with translation.override(language):
        response = render(request, template, {**context, "language": language}, status=status)
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return private_response(response)


def candidate_link_required(view: Any) -> Any:
    """For a view of the candidate's private link (`view(request, token, link, ...)`): the link
    found by its token, or the page shown instead (too many guesses, not found, gone). Public
    for the apps that add steps to the link (signing, budgets)."""

    @functools.wraps(view)
    def with_link(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> Any:
        found = candidate_link_or_response(request, token)
        if not isinstance(found, CandidateLink):
            return found
        return view(request, token, found, *args, **kwargs)

    return with_link


def candidate_page_context(link: CandidateLink, token: str, **extra: Any) -> dict[str, Any]:
    """What the candidate's page shows, in the active language (`candidate_page` activates
    the candidate's)."""
    from budgets.services import budget_context
    from offers.candidate_changes import change_context
    from signing.pages import candidate_context as candidate_signing

    offer = link.offer
    language = translation.get_language() or "en"
    equity = offer.equity
    scenarios = []
    if equity.kind != "none" and equity.units:
        for growth in GROWTH_SCENARIOS:
            price = offer.equity_price_per_unit * growth
            scenarios.append(
                {"growth": growth, "price": price, "value": equity.value_at(price) * equity.units}
            )
    letter = offer.approved_letter()
    wording = offer.letter_template_version
    days_left = (offer.expires_on - timezone.localdate()).days
    return {
        **figures_context(offer, offer.figures, language=language.split("-")[0]),
        "offer": offer,
        "languages": language_choices(offer, link),
        "link": link,
        "scenarios": scenarios,
        "letter": letter,
        "days_left": days_left,
        # The terms as the letter words them, in its language (a German letter's on this
        # English page): marked so that a screen reader reads them in that language.
        "token_terms": wording.token_terms if wording else settings.LETTER_TOKEN_TERMS,
        "token_terms_language": html_lang(wording.language) if wording else "en",
        "recruiter": offer.created_by,
        "answered": offer.is_answered,
        "answer_event": offer.events.filter(
            action__in=[lifecycle.MOVES["accept"].action, lifecycle.MOVES["decline"].action]
        ).last(),
        "link_token": token,  # the candidate's own URL, for the page's forms and links
        "signing": candidate_signing(offer, letter=letter),
        "budget": budget_context(offer) if offer.is_accepted else {"on": False},
        **change_context(offer, extra.pop("change_form", None)),
        **extra,
    }


def candidate_page(
    request: HttpRequest,
    link: CandidateLink,
    token: str,
    *,
    template: str = "candidate/offer.html",
    status: int = 200,
    **extra: Any,
) -> HttpResponseBase:
    """A page of the candidate's link in their language: its context (figures written in that
    language) and its words."""
    language = candidate_language(link.offer, link)
    with translation.override(language):
        context = candidate_page_context(link, token, **extra)
    return candidate_render(language, request, template, context, status=status)


@require_GET
def candidate_offer(request: HttpRequest, token: str) -> HttpResponseBase:
    found = candidate_link_or_response(request, token)
    if not isinstance(found, CandidateLink):
        return found
    candidate_link_viewed(found)
    return candidate_page(request, found, token)


@csrf_exempt
@require_http_methods(["POST"])
def candidate_switch_language(request: HttpRequest, token: str) -> HttpResponseBase:
    """The candidate's choice between the letter's language and English, kept on their link
    (the letter itself stays in its approved language)."""
    found = candidate_link_or_response(request, token)
    if not isinstance(found, CandidateLink):
        return found
    choice = request.POST.get("language", "")
    if choice in {letter_language(found.offer), "en"} and choice != found.language:
        found.language = choice
        found.save(update_fields=["language"])
    return private_response(redirect("candidate:offer", token=token))


# No CSRF token: the page's `Referrer-Policy: no-referrer` makes browsers send `Origin: null`,
# which Django's check refuses, and a forged post gains nothing: it must carry the secret token
# itself (and the candidate's full name to accept).
@csrf_exempt
@require_http_methods(["POST"])
def candidate_answer(request: HttpRequest, token: str) -> HttpResponseBase:
    """Accept or decline: a first post asks for confirmation, the second (final=1) answers."""
    found = candidate_link_or_response(request, token)
    if not isinstance(found, CandidateLink):
        return found
    link = found
    with translation.override(candidate_language(link.offer, link)):
        answer = AnswerForm(request.POST, offer=link.offer)
        valid = answer.is_valid()
        refusal = "" if valid else answer.refusal()
    if not valid:
        return candidate_page(request, link, token, status=400, error=refusal, form=answer.typed())
    form = answer.typed()
    if not answer.cleaned_data["final"]:
        return candidate_page(request, link, token, template="candidate/confirm.html", form=form)
    ip = get_client_ip_address(request) or ""
    user_agent = request.headers.get("User-Agent", "")
    data = answer.cleaned_data
    try:
        with translation.override(candidate_language(link.offer, link)):
            if data["decision"] == "accept":
                offer_accept(
                    link=link,
                    full_name=data["full_name"],
                    confirmed=data["confirm"],
                    ip=ip,
                    user_agent=user_agent,
                )
            else:
                offer_decline(link=link, reason=data["reason"], ip=ip, user_agent=user_agent)
    except OfferError as error:
        link.offer.refresh_from_db()
        return candidate_page(request, link, token, status=400, error=str(error), form=form)
    return private_response(redirect("candidate:offer", token=token))


@require_GET
def candidate_letter(request: HttpRequest, token: str) -> HttpResponseBase:
    found = candidate_link_or_response(request, token)
    if not isinstance(found, CandidateLink):
        return found
    letter = found.offer.approved_letter()
    return candidate_file(request, found.offer, letter_file_response(letter) if letter else None)


def candidate_file(
    request: HttpRequest, offer: Offer, response: HttpResponseBase | None
) -> HttpResponseBase:
    """A letter downloaded through the candidate's link (private), or, where there is none,
    the page that says so in the candidate's language."""
    if response is None:
        return candidate_render(
            candidate_language(offer),
            request,
            "candidate/not_found.html",
            {"what": "letter"},
            status=404,
        )
    return private_response(response)
