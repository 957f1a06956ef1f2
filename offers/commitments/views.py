"""The token commitments page and its CSV exports (the sums are `totals`)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from offers import charts
from offers.commitments.totals import (
    STATUS_CHOICES,
    Commitments,
    Filters,
    Row,
    commitments,
    departments_in_scope,
    initials,
    scope,
)
from offers.models import Department, Offer
from pricing.money import round_money
from pricing.services import prices_in_force


class CommitmentFilterForm(forms.Form):
    start_from = forms.DateField(
        required=False, label="Start date from", widget=forms.DateInput(attrs={"type": "date"})
    )
    start_to = forms.DateField(
        required=False, label="Start date to", widget=forms.DateInput(attrs={"type": "date"})
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, empty_label="All departments"
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)

    def __init__(self, data: Any, *, departments: QuerySet[Department]) -> None:
        super().__init__(data)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start_from, start_to = cleaned.get("start_from"), cleaned.get("start_to")
        if start_from and start_to and start_from > start_to:
            self.add_error("start_to", "The end of the range is before its start.")
        return cleaned

    def filters(self) -> Filters:
        """The filters that are valid; a wrong one is reported beside its field and left out."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = self.cleaned_data
        return Filters(
            start_from=data.get("start_from"),
            start_to=data.get("start_to"),
            department=data.get("department"),
            status=data.get("status") or "",
        )


@dataclass(frozen=True)
class Scoped:
    offers: QuerySet[Offer]  # in the person's scope, filtered
    form: CommitmentFilterForm
    departments: QuerySet[Department]  # the ones the person may see
    every_department: bool


def _scoped(request: HttpRequest) -> Scoped:
    offers = scope(request.user)  # type: ignore[arg-type]
    if offers is None:
        raise PermissionDenied("Token commitments are for finance, approvers and recruiters.")
    every_department = request.user.has_perm("offers.view_token_commitments")
    departments = departments_in_scope(request.user)  # type: ignore[arg-type]
    form = CommitmentFilterForm(request.GET or None, departments=departments)
    return Scoped(form.filters().apply(offers), form, departments, every_department)


@require_GET
@login_required
def commitments_page(request: HttpRequest) -> HttpResponse:
    scoped = _scoped(request)
    today = timezone.localdate()
    figures = commitments(scoped.offers, today=today, prices_today=prices_in_force().snapshot)
    return render(
        request,
        "offers/commitments.html",
        {
            "figures": figures,
            "form": scoped.form,
            "every_department": scoped.every_department,
            "my_departments": [] if scoped.every_department else list(scoped.departments),
            "chart": charts.month_bars(figures.months),
            "query": request.GET.urlencode(),
        },
    )


def csv_download(name: str) -> tuple[HttpResponse, Any]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response, csv.writer(response)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_text(value: str) -> str:
    """Text typed by people (a level, a department), made inert for spreadsheets: a cell that
    starts like a formula gets a leading apostrophe (OWASP's advice on CSV injection)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def plain_number(value: Decimal | int) -> str:
    """Numbers in the CSV: plain decimals to the cent, no symbol, no thousands separator, no
    exponent."""
    return f"{round_money(value):f}" if isinstance(value, Decimal) else str(value)


@require_GET
@login_required
def commitments_offers_csv(request: HttpRequest) -> HttpResponse:
    """One row per offer: no names or emails, the candidate's initials and the offer's id."""
    offers = _scoped(request).offers
    response, writer = csv_download("token-commitments-offers.csv")
    writer.writerow(
        [
            "offer_id",
            "candidate_initials",
            "department",
            "level",
            "status",
            "start_date",
            "usd_per_day",
            "working_days",
            "usd_per_year",
            "models",
            "prices",
        ]
    )
    rows = (
        offers.select_related("department", "price_snapshot")
        .prefetch_related("allocations")
        .order_by("start_date", "pk")
    )
    for offer in rows:
        usd_per_day = offer.listed_token_usd_per_day or Decimal(0)
        snapshot = offer.price_snapshot
        writer.writerow(
            [
                offer.pk,
                initials(offer.candidate_name),
                inert_text(offer.department.name),
                inert_text(offer.level),
                offer.get_status_display(),
                offer.start_date.isoformat(),
                plain_number(usd_per_day),
                offer.working_days,
                plain_number(usd_per_day * offer.working_days),
                inert_text(
                    "; ".join(
                        f"{a.display_name} "
                        f"{plain_number(a.listed_usd_per_day or Decimal(0))} USD/day"
                        for a in offer.allocations.all()
                    )
                ),
                f"{snapshot.get_source_display()} as of {snapshot.prices_as_of:%Y-%m-%d}"
                if snapshot
                else "",
            ]
        )
    return response


@require_GET
@login_required
def commitments_summary_csv(request: HttpRequest) -> HttpResponse:
    """The page's tables, one row per line of each, the same figures as the page."""
    offers = _scoped(request).offers
    figures: Commitments = commitments(
        offers, today=timezone.localdate(), prices_today=prices_in_force().snapshot
    )
    response, writer = csv_download("token-commitments-summary.csv")
    writer.writerow(
        [
            "table",
            "name",
            "committed_offers",
            "committed_usd_per_day",
            "committed_usd_per_year",
            "pending_offers",
            "pending_usd_per_day",
            "pending_usd_per_year",
        ]
    )
    tables: list[tuple[str, Sequence[Row]]] = [
        ("total", [figures.total]),
        ("department", figures.departments),
        ("level", figures.levels),
        ("model", figures.models),
    ]
    for table, rows in tables:
        for row in rows:
            writer.writerow(
                [
                    table,
                    inert_text(row.name),
                    row.committed.offers,
                    plain_number(row.committed.usd_per_day),
                    plain_number(row.committed.usd_per_year),
                    row.pending.offers,
                    plain_number(row.pending.usd_per_day),
                    plain_number(row.pending.usd_per_year),
                ]
            )
    writer.writerow([])
    writer.writerow(["month", "offers_starting", "usd_per_year_starting", "usd_per_year_in_force"])
    for month in figures.months:
        writer.writerow(
            [
                f"{month.month:%Y-%m}",
                month.offers_starting,
                plain_number(month.starting),
                plain_number(month.in_force),
            ]
        )
    writer.writerow([])
    writer.writerow(["level", "offers_with_budget", "median_usd_per_day", "p90_usd_per_day", "max"])
    for spread in figures.spreads:
        writer.writerow(
            [
                inert_text(spread.level),
                spread.offers,
                plain_number(spread.median),
                plain_number(spread.p90),
                plain_number(spread.maximum),
            ]
        )
    return response
