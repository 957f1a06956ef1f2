from __future__ import annotations

import secrets
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from offers import token_line
from offers.commitments import budget_hint
from offers.figures import figures_context
from offers.forms import MODEL_SLOTS, OfferFilterForm, OfferForm, as_typed
from offers.letters import letter_file_response
from offers.models import ChangeRequest, Letter, Offer, search_form
from offers.roles import is_recruiter
from offers.rules import rule_breaks
from offers.services import (
    OfferError,
    candidate_link_create,
    candidate_link_revoke,
    candidate_url,
    changes,
    letter_request,
    offer_create,
    offer_submit,
    offer_update,
    offer_withdraw,
    token_hash,
)
from offers.token_line import Preview
from pricing.models import PriceSnapshot
from pricing.services import featured_prices, prices_in_force, search_prices

LIST_PAGE_SIZE = 25
# What the list shows: one plain query, the figures stored on the offer.
LIST_COLUMNS = [
    "candidate_name",
    "role_title",
    "level",
    "status",
    "currency",
    "usd_exchange_rate",
    "expires_on",
    "listed_first_year_total",
    "listed_token_usd_per_day",
    "created_by",
    "department",
    "updated_at",
]
LIST_SORTS = {
    # In US dollars, so offers in different currencies compare.
    "first_year": "first_year_usd",
    "tokens": "listed_token_usd_per_day",
    "expires": "expires_on",
}


class RecruiterRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def recruiter_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Logged in and in the Recruiters group (or a superuser); others get 403."""

    @login_required
    @wraps(view)
    def wrapped(request: RecruiterRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not (user.is_superuser or is_recruiter(user)):
            raise PermissionDenied("Only recruiters build offers.")
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@login_required
def home(request: RecruiterRequest) -> HttpResponse:
    """Where each person's work is: recruiters their offers, finance the token commitments,
    approvers the admin."""
    user = request.user
    if is_recruiter(user) or user.is_superuser:
        return redirect("offers:list")
    if user.has_perm("offers.view_token_commitments") and not user.is_staff:
        return redirect("offers:commitments")
    if user.is_staff:
        return redirect("admin:index")
    return redirect("offers:list")


@vary_on_headers("HX-Request")  # a page, or its fragment for htmx
@require_GET
@recruiter_required
def offer_list(request: RecruiterRequest) -> HttpResponse:
    filters = OfferFilterForm(request.GET)
    offers = (
        Offer.objects.visible_to(request.user)
        .only(*LIST_COLUMNS)
        .annotate(
            first_year_usd=F("listed_first_year_total") / F("usd_exchange_rate"),
            # A candidate's request for a change waits for an answer.
            change_asked=Exists(ChangeRequest.objects.open().filter(offer=OuterRef("pk"))),
        )
    )
    if filters.is_valid():
        if filters.cleaned_data["q"]:
            offers = offers.filter(search_text__contains=search_form(filters.cleaned_data["q"]))
        if filters.cleaned_data["status"]:
            offers = offers.filter(status=filters.cleaned_data["status"])
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in LIST_SORTS:
        field = LIST_SORTS[sort.lstrip("-")]
        offers = offers.order_by(f"-{field}" if sort.startswith("-") else field, "-pk")
    page = Paginator(offers, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # Each sortable column's link: ascending first, descending when already ascending.
    sort_links = {}
    for key in LIST_SORTS:
        linked = query.copy()
        linked["sort"] = f"-{key}" if sort == key else key
        sort_links[key] = linked.urlencode()
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "sort": sort,
        "sort_links": sort_links,
    }
    if request.htmx:
        return render(request, "offers/list.html#results", context)
    return render(request, "offers/list.html", context)


@vary_on_headers("HX-Request")  # a page, or its fragment for htmx
@require_http_methods(["GET", "POST"])
@recruiter_required
def offer_new(request: RecruiterRequest) -> HttpResponse:
    return _edit(request, Offer())


@vary_on_headers("HX-Request")  # a page, or its fragment for htmx
@require_http_methods(["GET", "POST"])
@recruiter_required
def offer_edit(request: RecruiterRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(Offer.objects.visible_to(request.user), pk=pk)
    if not offer.is_editable:
        messages.error(
            request, f"This offer is {offer.get_status_display().lower()}: it cannot be edited."
        )
        return redirect(offer)
    return _edit(request, offer)


def _amending(request: RecruiterRequest, offer: Offer) -> ChangeRequest | None:
    """The candidate's open request this edit answers (`?change=` or the form's `change`)."""
    pk = request.GET.get("change") or request.POST.get("change") or ""
    if not offer.pk or not pk.isdigit():
        return None
    return offer.change_requests.open().filter(pk=int(pk)).first()


def _asked_initial(change: ChangeRequest) -> dict[str, Any]:
    """The builder's fields filled with the asked terms."""
    initial: dict[str, Any] = {}
    for name in changes.ASKABLE:
        value = getattr(change, name)
        if value is not None:
            initial[name] = as_typed(value) if isinstance(value, Decimal) else value
    if change.token_usd_per_day is not None:
        initial["token_budget_unit"] = Offer.TokenBudgetUnit.USD
        initial["token_usd_per_day"] = as_typed(change.token_usd_per_day)
    return initial


def _edit(request: RecruiterRequest, offer: Offer) -> HttpResponse:
    change = _amending(request, offer)
    if request.method == "GET":
        form = OfferForm(
            instance=offer,
            initial=_defaults(request)
            if offer.pk is None
            else (_asked_initial(change) if change else None),
            builder=request.user,
        )
        preview = Preview(offer, offer.figures) if offer.pk else None
    else:
        form = OfferForm(request.POST, instance=offer, builder=request.user)
        valid = form.is_valid()
        preview = form.preview()
        if valid and "recompute" not in request.POST:
            data, allocations = form.offer_data(), form.allocations
            for warning in form.warnings:
                messages.warning(request, warning)
            if offer.pk is None:
                saved = offer_create(data=data, allocations=allocations, by=request.user)
                messages.success(request, f"Offer for {saved.candidate_name} saved as a draft.")
            else:
                try:
                    saved = offer_update(
                        offer=offer, data=data, allocations=allocations, by=request.user
                    )
                except OfferError as error:
                    messages.error(request, str(error))
                    return redirect(offer)
                if change is not None:
                    if saved.version != offer.version:
                        changes.change_request_amend(
                            request=change,
                            by=request.user,
                            note=request.POST.get("change_note", "")[:2000],
                        )
                    else:
                        messages.warning(
                            request,
                            "No term the candidate reads changed, so their request is still "
                            "open: amend a term or keep the offer as it is.",
                        )
                if saved.is_awaiting and offer.status != saved.status:
                    messages.warning(
                        request,
                        f"Offer for {saved.candidate_name} saved. Its figures changed after "
                        "approval, so it awaits the hiring manager's approval again.",
                    )
                else:
                    messages.success(request, f"Offer for {saved.candidate_name} saved.")
            return redirect(saved)
    if request.htmx and request.method == "POST":
        return render(request, "offers/edit.html#totals", _totals_context(request, form, preview))
    context = _edit_context(request, form, preview)
    context.update(change_request=change, change_note=request.POST.get("change_note", ""))
    return render(request, "offers/edit.html", context)


def _defaults(request: RecruiterRequest) -> dict[str, Any]:
    department = request.user.recruiting_departments.first()  # type: ignore[attr-defined]
    return {"department": department.pk if department else None}


def _totals_context(
    request: RecruiterRequest, form: OfferForm, preview: Preview | None
) -> dict[str, Any]:
    offer, figures = (preview.offer, preview.figures) if preview else (None, None)
    context = {"form": form, "offer": offer, **figures_context(offer, figures)}
    # What offers of this level usually give, beside the budget field: looked up again only
    # when the level changes (the form says which level the hint on the page is for).
    # The level as the form accepted it: typed text reaches a query only once it is valid
    # (PostgreSQL refuses a NUL byte in a parameter; the form refuses control characters).
    if form.is_bound:
        level = "" if "level" in form.errors else str(form.cleaned_data.get("level") or "")
    else:
        level = str(form["level"].value() or "")
    level = level.strip()
    if request.htmx and request.POST.get("budget_hint_for") == level:
        return context
    context["budget_hint"] = {
        "level": level,
        "spread": budget_hint(request.user, level),
        "among": ""
        if request.user.has_perm("offers.view_token_commitments")
        else " in your departments",
    }
    return context


def _edit_context(
    request: RecruiterRequest, form: OfferForm, preview: Preview | None
) -> dict[str, Any]:
    snapshot = form.snapshot
    flagships = featured_prices(snapshot) if snapshot is not None else []
    # The picked models by name and seller, beside their ids.
    existing = form.instance.allocations.all() if form.instance.pk else []
    names = {a.model_id: a.display_name for a in existing}
    names.update({model_id: p.picker_label for model_id, p in form.known_prices.items()})
    return {
        "in_force": form.in_force,
        **_totals_context(request, form, preview),
        "model_slots": [
            (
                form[f"model_{slot}"],
                form[f"share_{slot}"],
                form[f"tier_{slot}"],
                form[f"long_{slot}"],
                form[f"region_{slot}"],
                names.get(str(form[f"model_{slot}"].value() or "")),
            )
            for slot in range(1, MODEL_SLOTS + 1)
        ],
        "flagships": flagships,
        "snapshot": snapshot,
    }


@require_GET
@recruiter_required
def offer_detail(request: RecruiterRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _detail(request: RecruiterRequest, pk: int) -> HttpResponse:
    from budgets.models import BudgetGrant
    from signing.services import link_refusal, offer_signature

    offer = get_object_or_404(
        Offer.objects.visible_to(request.user).select_related(
            "department",
            "hiring_manager",
            "created_by",
            "price_snapshot",
            "letter_template_version__template",
        ),
        pk=pk,
    )
    submitted = not offer.is_draft
    in_force = prices_in_force()
    context = {
        "offer": offer,
        "events": offer.events.select_related("actor"),
        # Once submitted, the rules as they stood then decide the approvals; before, today's.
        "rules_broken": offer.rule_breaks if submitted else rule_breaks(offer, offer.figures),
        "price_drift": token_line.price_drift(offer, offer.figures, today=in_force.snapshot),
        "in_force": in_force,
        **_letters_context(offer),
        **figures_context(offer, offer.figures),
        "links": offer.links.select_related("revoked_by"),
        "signature": (signature := offer_signature(offer)),
        "link_waits_for": link_refusal(offer, signature=signature) if offer.can_send_link else None,
        "days_after_answer": settings.CANDIDATE_LINK_DAYS_AFTER_ANSWER,
        "budget_grant": BudgetGrant.objects.filter(offer=offer).first(),
        "change_review": change_review_for(offer),
        "budgets_on": bool(settings.TOKEN_GATEWAY),
    }
    token = request.get_signed_cookie(
        NEW_LINK_COOKIE, default=None, salt=f"new-link-{offer.pk}", max_age=120
    )
    if token:
        link = offer.links.filter(token_hash=token_hash(token), revoked_at__isnull=True).first()
        if link is not None:
            context.update(new_link_url=candidate_url(token), new_link=link)
    if offer.can_send_link or offer.can_send_copy_link:
        nonce = secrets.token_urlsafe(16)
        request.session[f"link-nonce-{offer.pk}"] = nonce
        context["link_nonce"] = nonce
    response = render(request, "offers/detail.html", context)
    if token:
        # The token is in the page, never in its URL, so the site's same-origin referrer policy
        # keeps it to itself; no-referrer here made Chromium post the page's forms with
        # `Origin: null`, which Django's CSRF check refuses.
        response.delete_cookie(NEW_LINK_COOKIE, path=offer.get_absolute_url())
        response["Cache-Control"] = "private, no-store"
    return response


def change_review_for(offer: Offer) -> changes.Review | None:
    """The request for a change the offer's page shows: an open one (the recruiter now has it in
    front of them: the candidate reads "being considered"), or one answered by amending whose
    new terms await approval."""
    request = changes.request_under_review(offer)
    if request is None:
        return None
    if request.is_open:
        changes.change_request_seen(request)
    return changes.review(request)


@require_POST
@recruiter_required
def offer_change_keep(request: RecruiterRequest, pk: int, change_pk: int) -> HttpResponse:
    offer = get_object_or_404(Offer.objects.visible_to(request.user), pk=pk)
    change = get_object_or_404(ChangeRequest, pk=change_pk, offer=offer)
    try:
        changes.change_request_keep(
            request=change, by=request.user, message=request.POST.get("message", "")[:2000]
        )
    except OfferError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The candidate was told the offer stays as it is.")
    return redirect(offer)


LETTERS_SHOWN = 5


def _letters_context(offer: Offer) -> dict[str, Any]:
    letters = list(
        offer.letters.select_related("requested_by", "template_version__template")[:LETTERS_SHOWN]
    )
    pinned = offer.letter_template_version
    newest = pinned.template.current_version if pinned else None
    return {
        "letters": letters,
        "letters_pending": any(letter.is_pending for letter in letters),
        "newer_template_version": newest if newest and newest.pk != pinned.pk else None,  # type: ignore[union-attr]
    }


@vary_on_headers("HX-Request")  # a page, or its fragment for htmx
@require_http_methods(["GET", "POST"])
@recruiter_required
def offer_letters(request: RecruiterRequest, pk: int) -> HttpResponse:
    """The offer's letters: POST asks for one; an htmx GET polls their progress."""
    offer = get_object_or_404(Offer.objects.visible_to(request.user), pk=pk)
    if request.method == "POST":
        try:
            letter_request(offer=offer, by=request.user)
        except OfferError as error:
            messages.error(request, str(error))
            if request.htmx:
                return HttpResponseClientRedirect(offer.get_absolute_url())
    if not request.htmx:
        return redirect(offer)
    return render(
        request, "offers/detail.html#letters", {"offer": offer, **_letters_context(offer)}
    )


@require_GET
@recruiter_required
def letter_download(request: RecruiterRequest, pk: int, letter_pk: int) -> FileResponse:
    offer = get_object_or_404(Offer.objects.visible_to(request.user), pk=pk)
    letter = get_object_or_404(offer.letters, pk=letter_pk, state=Letter.State.READY)
    response = letter_file_response(letter, attachment="inline" not in request.GET)
    if response is None:
        raise Http404("The letter's file is missing from storage.")
    response["Cache-Control"] = "private, no-store"
    return response


def _workflow(
    request: RecruiterRequest, pk: int, step: Callable[[Offer], Offer], done: str
) -> HttpResponse:
    offer = get_object_or_404(Offer.objects.visible_to(request.user), pk=pk)
    try:
        offer = step(offer)
        messages.success(request, done.format(name=offer.candidate_name))
    except OfferError as error:
        messages.error(request, str(error))
    if request.htmx:
        return HttpResponseClientRedirect(offer.get_absolute_url())
    return redirect(offer)


@vary_on_headers("HX-Request")  # a page, or its fragment for htmx
@require_POST
@recruiter_required
def offer_submit_view(request: RecruiterRequest, pk: int) -> HttpResponse:
    return _workflow(
        request,
        pk,
        lambda offer: offer_submit(offer=offer, by=request.user),
        "Offer for {name} submitted: the hiring manager has been emailed.",
    )


@vary_on_headers("HX-Request")  # a page, or its fragment for htmx
@require_POST
@recruiter_required
def offer_withdraw_view(request: RecruiterRequest, pk: int) -> HttpResponse:
    return _workflow(
        request,
        pk,
        lambda offer: offer_withdraw(
            offer=offer, by=request.user, note=request.POST.get("note", "")
        ),
        "Offer for {name} withdrawn.",
    )


@require_GET
@recruiter_required
def model_search(request: RecruiterRequest) -> HttpResponse:
    """Options for the model picker: featured models, or every offered model matching the query
    (the makers' own first, then hosts with their region)."""
    snapshot = PriceSnapshot.objects.current()
    query = request.GET.get("q", "").strip()
    for key in request.GET:  # the picker sends its own field's name
        if key.startswith("model_") and request.GET[key]:
            query = str(request.GET[key]).strip()
    results = []
    if snapshot is not None:
        results = search_prices(snapshot, query) if query else featured_prices(snapshot)
    return render(request, "offers/_model_options.html", {"models": results})


NEW_LINK_COOKIE = "new_link"


@require_POST
@recruiter_required
def offer_link_create(request: RecruiterRequest, pk: int) -> HttpResponse:
    """Create the candidate's link, then show it once on the offer page (only its hash is kept).

    Post, then redirect: a reload never makes a second link. The form carries a one-time nonce,
    so a repeated post (double click, back and submit) changes nothing either. The token travels
    to the page in a short-lived signed cookie on the recruiter's browser, never in the database.
    """
    offer = get_object_or_404(Offer.objects.visible_to(request.user), pk=pk)
    fresh = request.POST.get("nonce") == request.session.pop(f"link-nonce-{offer.pk}", None)
    if (offer.can_send_link or offer.can_send_copy_link) and not fresh:
        messages.info(
            request,
            "Nothing was done: the button was pressed twice, or the page was out of date. "
            "Press it again to create a new link (the one sent before then stops working).",
        )
        return redirect(offer)
    try:
        _, token = candidate_link_create(
            offer=offer, by=request.user, email=request.POST.get("email") == "yes"
        )
    except OfferError as error:
        messages.error(request, str(error))
        return redirect(offer)
    response = redirect(f"{offer.get_absolute_url()}#candidate-link")
    response.set_signed_cookie(
        NEW_LINK_COOKIE,
        token,
        salt=f"new-link-{offer.pk}",
        max_age=120,
        path=offer.get_absolute_url(),
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response


@require_POST
@recruiter_required
def offer_link_revoke(request: RecruiterRequest, pk: int, link_pk: int) -> HttpResponse:
    offer = get_object_or_404(Offer.objects.visible_to(request.user), pk=pk)
    link = get_object_or_404(offer.links, pk=link_pk)
    candidate_link_revoke(link=link, by=request.user)
    messages.success(request, "The link no longer works. Create a new one to send the offer again.")
    return redirect(offer)
