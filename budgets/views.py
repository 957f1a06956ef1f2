"""The new hire's budget on their private link: the credential, shown once."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from budgets.gateways import GatewayError
from budgets.services import budget_credential_reveal
from offers.candidate_views import _link_or_response, _page_context, _private
from offers.models import CandidateLink
from offers.services import OfferError


# No CSRF token, for the reason `offers.candidate_views.candidate_answer` gives: the post must
# carry the secret token in its URL.
@csrf_exempt
@require_POST
def credential(request: HttpRequest, token: str) -> HttpResponseBase:
    found = _link_or_response(request, token)
    if not isinstance(found, CandidateLink):
        return found
    try:
        _, shown = budget_credential_reveal(offer=found.offer)
    except (OfferError, GatewayError) as error:
        message = (
            str(error)
            if isinstance(error, OfferError)
            else (
                "The company's AI gateway does not answer just now: nothing changed, try "
                "again in a few minutes."
            )
        )
        context = _page_context(found, token, error=message)
        return _private(render(request, "candidate/offer.html", context, status=400))
    # Shown in this response only: never in a URL, a log or the database.
    context = _page_context(found, token, budget_credential=shown)
    return _private(render(request, "candidate/offer.html", context))
