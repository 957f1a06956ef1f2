"""Signing pages: the candidate's steps on their private link, the countersignature, the
signed letter's downloads, and the public page that checks a PDF's signatures."""

from __future__ import annotations

import hashlib
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from offers import lifecycle
from offers.candidate_views import (
    candidate_file,
    candidate_link_or_response,
    candidate_page,
    private_response,
)
from offers.languages import candidate_language
from offers.models import CandidateLink, Offer
from offers.services import OfferError
from signing import checking, pages, services
from signing.certificates import company
from signing.models import Signature

State = Signature.State


# The candidate ---------------------------------------------------------------------------------
# No CSRF token, for the reason `offers.candidate_views.candidate_answer` gives: every post must
# carry the secret token in its URL, and the page is sent with `Referrer-Policy: no-referrer`.


def _client(request: HttpRequest) -> tuple[str, str]:
    return get_client_ip_address(request) or "", request.headers.get("User-Agent", "")


def _back(token: str) -> HttpResponseBase:
    return private_response(redirect(reverse("candidate:offer", args=[token]) + "#sign"))


def _refused(request: HttpRequest, link: CandidateLink, token: str, error: str) -> HttpResponseBase:
    link.offer.refresh_from_db()
    return candidate_page(request, link, token, status=400, error=error)


def _candidate_step(request: HttpRequest, token: str, step: Any) -> HttpResponseBase:
    found = candidate_link_or_response(request, token)
    if not isinstance(found, CandidateLink):
        return found
    try:
        # The step's refusals, and the email it may send, in the candidate's language.
        with translation.override(candidate_language(found.offer, found)):
            step(found)
    except OfferError as error:
        return _refused(request, found, token, str(error))
    return _back(token)


def _signature(link: CandidateLink) -> Signature:
    signature = services.offer_signature(link.offer)
    if signature is None:
        raise OfferError(_("Signing has not begun, or the offer changed: agree to sign again."))
    return signature


@csrf_exempt
@require_POST
def consent(request: HttpRequest, token: str) -> HttpResponseBase:
    ip, agent = _client(request)
    return _candidate_step(
        request,
        token,
        lambda link: services.consent_give(
            link=link,
            agreed=request.POST.get("agree") == "yes",
            ip=ip,
            user_agent=agent,
            shown_version=request.POST.get("version", ""),
        ),
    )


@csrf_exempt
@require_POST
def code_again(request: HttpRequest, token: str) -> HttpResponseBase:
    return _candidate_step(
        request, token, lambda link: services.code_send(signature=_signature(link))
    )


@csrf_exempt
@require_POST
@sensitive_post_parameters("code")
def code_check(request: HttpRequest, token: str) -> HttpResponseBase:
    return _candidate_step(
        request,
        token,
        lambda link: services.code_verify(
            signature=_signature(link), code=request.POST.get("code", "")
        ),
    )


@csrf_exempt
@require_POST
def sign(request: HttpRequest, token: str) -> HttpResponseBase:
    ip, agent = _client(request)
    return _candidate_step(
        request,
        token,
        lambda link: services.sign(
            link=link,
            signature=_signature(link),
            typed_name=request.POST.get("typed_name", ""),
            ip=ip,
            user_agent=agent,
        ),
    )


@require_GET
def candidate_signed_letter(request: HttpRequest, token: str) -> HttpResponseBase:
    found = candidate_link_or_response(request, token)
    if not isinstance(found, CandidateLink):
        return found
    signed = pages.signed_file_response(services.signed_signature(found.offer))
    return candidate_file(request, found.offer, signed)


# The company -----------------------------------------------------------------------------------


@require_GET
@login_required
def signed_letter(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The signed letter, for whoever may see the offer, or countersign it."""
    signature = get_object_or_404(Signature.objects.select_related("offer"), pk=pk)
    user = request.user
    visible = Offer.objects.visible_to(user).filter(pk=signature.offer_id).exists()  # type: ignore[arg-type]
    if not (visible or services.may_countersign(user, signature)):  # type: ignore[arg-type]
        raise PermissionDenied("You may not see this offer.")
    response = pages.signed_file_response(signature)
    if response is None:
        return render(request, "signing/missing.html", {"signature": signature}, status=404)
    return response


@require_GET
@permission_required("signing.countersign_offer", raise_exception=True)
def countersign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    ours = Q(letter_template_version__template__countersigner__isnull=True) | Q(
        letter_template_version__template__countersigner=user
    )
    before = [
        offer
        for offer in Offer.objects.filter(
            ours,
            status__in=lifecycle.MOVES["send"].sources,
            letter_template_version__template__countersign_order="before",
        ).select_related("letter_template_version__template")[:200]
        if services.offer_signature(offer) is None
    ]
    signatures = (
        Signature.objects.filter(
            state__in=[
                State.SEALED,
                State.COUNTERSIGNING,
                State.COMPLETE,
                State.PRESIGNING,
                State.PRESIGNED,
            ]
        )
        .filter(
            Q(offer__letter_template_version__template__countersigner__isnull=True)
            | Q(offer__letter_template_version__template__countersigner=user)
        )
        .select_related("offer", "countersigner")
        .order_by("state", "-signed_at")[:200]
    )
    context = {"signatures": signatures, "before": before}
    return render(request, "signing/countersign_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("signing.countersign_offer", raise_exception=True)
def countersign_first(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Countersign an approved letter before its link is sent (the template asks for it)."""
    offer = get_object_or_404(
        Offer.objects.select_related("letter_template_version__template"), pk=pk
    )
    user = request.user
    if not services.may_countersign(user, Signature(offer=offer)):  # type: ignore[arg-type]
        raise PermissionDenied("The letter template names another person to countersign.")
    title, error, signature = _countersign_post(
        request,
        _title_for(user, offer),
        lambda title, agreed: services.presign_request(
            offer=offer,
            by=user,  # type: ignore[arg-type]
            title=title,
            agreed=agreed,
        ),
    )
    if signature is not None:
        return redirect("signing:countersign", pk=signature.pk)
    context = {
        "offer": offer,
        "letter": offer.approved_letter(),
        "title": title,
        "error": error,
        "ready": services.countersigns_first(offer) and services.offer_signature(offer) is None,
    }
    return render(request, "signing/countersign_first.html", context, status=400 if error else 200)


def _countersign_post(
    request: HttpRequest, title: str, countersign: Any
) -> tuple[str, str | None, Signature | None]:
    """The one countersign form (`signing/_countersign_form.html`), after or before the
    candidate signs: on a POST, `countersign(title, agreed)`; the title to show again, the
    refusal, and the signature when it was countersigned."""
    if request.method != "POST":
        return title, None, None
    title = request.POST.get("title", "")
    try:
        return title, None, countersign(title, request.POST.get("agree") == "yes")
    except OfferError as refusal:
        return title, str(refusal), None


def _title_for(user: Any, offer: Offer) -> str:
    """The letter's signatory title, when the person countersigning is its signatory."""
    wording = offer.letter_template_version
    if wording and wording.signatory_name and wording.signatory_name == services.person(user):
        return wording.signatory_title
    return ""


@require_http_methods(["GET", "POST"])
@permission_required("signing.countersign_offer", raise_exception=True)
def countersign(request: HttpRequest, pk: int) -> HttpResponseBase:
    signature = get_object_or_404(
        Signature.objects.select_related("offer", "offer__letter_template_version__template"),
        pk=pk,
    )
    user = request.user
    if not services.may_countersign(user, signature):  # type: ignore[arg-type]
        raise PermissionDenied("The letter template names another person to countersign.")
    title, error, done = _countersign_post(
        request,
        _title_for(user, signature.offer),
        lambda title, agreed: services.countersign_request(
            signature=signature,
            by=user,  # type: ignore[arg-type]
            title=title,
            agreed=agreed,
        ),
    )
    if done is not None:
        return redirect("signing:countersign", pk=done.pk)
    context = {"signature": signature, "offer": signature.offer, "title": title, "error": error}
    return render(request, "signing/countersign.html", context, status=400 if error else 200)


# Anyone ----------------------------------------------------------------------------------------


# No CSRF token: the page is public and keeps nothing, and it shares the candidate pages' frame,
# whose `no-referrer` makes browsers send `Origin: null` (which Django's check refuses).
@csrf_exempt
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="30/h", method="POST", block=False)
def verify(request: HttpRequest) -> HttpResponse:
    """Upload a PDF: are its signatures intact, and is it a file we issued? What is shown is
    what the file itself holds, and whether its SHA-256 is one of ours. In the language the
    browser asks for (`Accept-Language`) among those the app speaks, English otherwise."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        response = _verify(request)
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _verify(request: HttpRequest) -> HttpResponse:
    max_mb = settings.SIGNING_VERIFY_MAX_BYTES // (1024 * 1024)
    context: dict[str, Any] = {"max_mb": max_mb, "language": translation.get_language()}
    if request.method == "POST":
        upload = request.FILES.get("pdf")
        if getattr(request, "limited", False):
            context["error"] = _("Too many checks from your address: try again in an hour.")
        elif upload is None:
            context["error"] = _("Choose a PDF file to check.")
        elif upload.size and upload.size > settings.SIGNING_VERIFY_MAX_BYTES:
            context["error"] = _("That file is larger than %(mb)s MB: not one of ours.") % {
                "mb": max_mb
            }
        else:
            data = upload.read()
            context.update(_verdict(data))
        status = 400 if "error" in context else 200
        return render(request, "signing/verify.html", context, status=status)
    return render(request, "signing/verify.html", context)


def _verdict(data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    signer = company()
    roots = signer.trust_roots if signer else []
    try:
        reports = checking.inspect(data, trust_roots=roots)
    except checking.NotAPdf:
        return {"error": _("That file is not a PDF we can read."), "sha256": digest}
    issued = Signature.objects.filter(Q(sha256=digest) | Q(countersigned_sha256=digest)).exists()
    return {
        "sha256": digest,
        "reports": reports,
        "issued": issued,
        "all_intact": bool(reports) and all(r.unchanged for r in reports),
        "all_ours": bool(reports) and all(r.trusted for r in reports),
    }
