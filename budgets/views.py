"""The new hire's budget on their private link (the credential, shown once), and finance's page
of promised against spent."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from budgets.gateways import GatewayError
from budgets.models import GATEWAYS
from budgets.services import budget_credential_reveal
from budgets.spend import PERIODS, person_months, snapshot_names, spend
from offers.candidate_views import (
    candidate_link_required,
    candidate_page,
)
from offers.commitments import departments_in_scope, initials, scope
from offers.commitments.views import csv_download, inert_text, plain_number
from offers.languages import candidate_language
from offers.models import CandidateLink, Department, Offer
from offers.services import OfferError


# No CSRF token, for the reason `offers.candidate_views.candidate_answer` gives: the post must
# carry the secret token in its URL.
@csrf_exempt
@require_POST
@candidate_link_required
def credential(request: HttpRequest, token: str, link: CandidateLink) -> HttpResponseBase:
    try:
        with translation.override(candidate_language(link.offer, link)):
            _, shown = budget_credential_reveal(offer=link.offer)
    except OfferError as error:
        return candidate_page(request, link, token, status=400, error=str(error))
    except GatewayError:
        with translation.override(candidate_language(link.offer, link)):
            message = _(
                "The company's AI gateway does not answer just now: nothing changed, try "
                "again in a few minutes."
            )
        return candidate_page(request, link, token, status=400, error=message)
    # Shown in this response only: never in a URL, a log or the database.
    return candidate_page(request, link, token, budget_credential=shown)


class SpendFilterForm(forms.Form):
    months = forms.TypedChoiceField(
        choices=PERIODS, coerce=int, required=False, initial=12, label="Period"
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, empty_label="All departments"
    )

    def __init__(self, data: Any, *, departments: QuerySet[Department]) -> None:
        super().__init__(data)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


def _spend_scope(request: HttpRequest) -> tuple[QuerySet[Offer], SpendFilterForm, datetime.date]:
    """The offers whose spend this person may see (finance: all; a recruiter: their
    departments), filtered, and the first UTC day of the period."""
    offers = scope(request.user)  # type: ignore[arg-type]
    if offers is None:
        raise PermissionDenied("Token spend is for finance and recruiters.")
    departments = departments_in_scope(request.user)  # type: ignore[arg-type]
    form = SpendFilterForm(request.GET or None, departments=departments)
    months, department = 12, None
    if form.is_bound and form.is_valid():
        months = form.cleaned_data.get("months") or 12
        department = form.cleaned_data.get("department")
    if department is not None:
        offers = offers.filter(department=department)
    today = timezone.now().astimezone(datetime.UTC).date()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return offers, form, first


@require_GET
@login_required
def spend_page(request: HttpRequest) -> HttpResponse:
    offers, form, since = _spend_scope(request)
    return render(
        request,
        "budgets/spend.html",
        {
            "figures": spend(offers, since=since),
            "form": form,
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@login_required
def spend_csv(request: HttpRequest) -> HttpResponse:
    """One row per person per month: the offer's id and the candidate's initials, no names."""
    offers, _, since = _spend_scope(request)
    prices = snapshot_names(offers)
    response, writer = csv_download("token-spend.csv")
    writer.writerow(
        [
            "month",
            "offer_id",
            "candidate_initials",
            "department",
            "days",
            "promised_usd",
            "spent_usd",
            "utilisation_percent",
            "days_capped",
            "promised_at_prices",
            "spent_at_prices",
        ]
    )
    for row in person_months(offers, since):
        promised, spent = row["promised"], row["spent"]
        writer.writerow(
            [
                row["month"].strftime("%Y-%m"),
                row["grant__offer_id"],
                initials(row["grant__offer__candidate_name"]),
                inert_text(row["grant__offer__department__name"]),
                row["days"],
                plain_number(promised),
                plain_number(spent),
                f"{spent / promised * 100:.1f}" if promised else "",
                row["capped_days"],
                prices.get(row["grant__offer__price_snapshot_id"], ""),
                f"{GATEWAYS.get(row['grant__gateway'], row['grant__gateway'])}'s own prices",
            ]
        )
    return response
