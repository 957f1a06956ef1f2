from __future__ import annotations

import contextlib
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from pricing.models import ModelPrice, PriceDisagreement, PriceRefresh, PriceSnapshot
from pricing.services import SettleError, price_settle, prices_in_force


def say_prices_in_force(request: HttpRequest) -> None:
    """Which source is in force and why; a warning when those prices are stale."""
    in_force = prices_in_force()
    if in_force.snapshot is None:
        messages.warning(request, "No price snapshot yet: run manage.py refresh_prices.")
        return
    text = f"Prices in force: {in_force.snapshot}. {in_force.reason}"
    if in_force.stale:
        messages.warning(
            request,
            f"{text} They are older than {settings.PRICES_STALE_AFTER_HOURS} hours: check the "
            "scheduled refresh (Celery beat) and its logs.",
        )
    elif in_force.fallback:
        messages.warning(request, text)
    else:
        messages.info(request, text)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        say_prices_in_force(request)
        return super().changelist_view(request, extra_context)


@admin.register(PriceSnapshot)
class PriceSnapshotAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "source",
        "prices_as_of",
        "fetched_at",
        "models_accepted",
        "models_rejected",
        "settled",
        "is_stale",
    ]
    list_filter = ["source"]
    readonly_fields = [f.name for f in PriceSnapshot._meta.fields]

    @admin.display(boolean=True, description="stale")
    def is_stale(self, snapshot: PriceSnapshot) -> bool:
        return snapshot.is_stale

    @admin.display(boolean=True, description="with settled prices")
    def settled(self, snapshot: PriceSnapshot) -> bool:
        return snapshot.settled_from_id is not None


@admin.register(ModelPrice)
class ModelPriceAdmin(ReadOnlyAdmin):
    list_display = [
        "display_name",
        "model_id",
        "seller",
        "first_party",
        "input_per_million",
        "output_per_million",
        "cached_input_per_million",
        "cache_write_per_million",
        "deprecated",
        "snapshot",
    ]
    list_filter = ["snapshot__source", "first_party", "deprecated", "provider"]
    search_fields = ["model_id", "display_name", "provider", "canonical_id", "host"]
    list_select_related = ["snapshot"]
    readonly_fields = [f.name for f in ModelPrice._meta.fields]


@admin.register(PriceRefresh)
class PriceRefreshAdmin(ReadOnlyAdmin):
    list_display = ["at", "source", "outcome", "message"]
    list_filter = ["source", "outcome"]


class SettleForm(forms.Form):
    value = forms.DecimalField(
        label="Confirmed price (USD per 1M tokens)", min_value=Decimal(0), decimal_places=8
    )
    note = forms.CharField(
        label="Why this value", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    reference = forms.URLField(
        label="Reference",
        help_text="the maker's price page that shows it",
        max_length=500,
        assume_scheme="https",
    )


@admin.register(PriceDisagreement)
class PriceDisagreementAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "class_label", "values_text", "spread_shown", "state"]
    list_filter = ["active", ("settled_at", admin.EmptyFieldListFilter), "price_class"]
    search_fields = ["canonical_id", "display_name"]
    readonly_fields = [f.name for f in PriceDisagreement._meta.fields]

    @admin.display(description="apart")
    def spread_shown(self, disagreement: PriceDisagreement) -> str:
        return f"{disagreement.spread_percent:.0f}%"

    @admin.display(description="state")
    def state(self, disagreement: PriceDisagreement) -> str:
        if disagreement.is_settled and disagreement.settled_value is not None:
            return (
                f"settled at ${disagreement.settled_value.normalize():f} by "
                f"{disagreement.settled_by} on {disagreement.settled_at:%Y-%m-%d}"
            )
        return "unsettled" if disagreement.active else "no longer found"

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path(
                "<path:object_id>/settle/",
                self.admin_site.admin_view(self.settle_view),
                name="pricing_pricedisagreement_settle",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        extra_context = extra_context or {}
        extra_context["settle_url"] = reverse(
            "admin:pricing_pricedisagreement_settle", args=[object_id]
        )
        extra_context["can_settle"] = request.user.has_perm("pricing.settle_prices")
        return super().change_view(request, object_id, form_url, extra_context)

    def settle_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not request.user.has_perm("pricing.settle_prices"):
            raise PermissionDenied("You may not settle price disagreements.")
        disagreement = get_object_or_404(PriceDisagreement, pk=object_id)
        initial = {}
        with contextlib.suppress(InvalidOperation, KeyError, IndexError):
            initial["value"] = Decimal(str(disagreement.values[0]["value"]))
        form = SettleForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                price_settle(
                    disagreement=disagreement,
                    value=form.cleaned_data["value"],
                    note=form.cleaned_data["note"],
                    reference=form.cleaned_data["reference"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except SettleError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    f"Settled: {disagreement.display_name} {disagreement.class_label} is "
                    f"${form.cleaned_data['value'].normalize():f} per 1M tokens in the prices "
                    "in force until a source's prices of it change.",
                )
                return HttpResponseRedirect(reverse("admin:pricing_pricedisagreement_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Settle {disagreement}",
            "disagreement": disagreement,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/pricing/pricedisagreement/settle.html", context)
