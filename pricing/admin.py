from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse

from pricing.models import ModelPrice, PriceSnapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        current = PriceSnapshot.objects.current()
        if current is None:
            messages.warning(request, "No price snapshot yet: run manage.py refresh_prices.")
        elif current.is_stale:
            messages.warning(
                request,
                f"The current prices are stale: {current} is older than 48 hours. "
                "Check the scheduled refresh (Celery beat) and its logs.",
            )
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
        "is_stale",
    ]
    list_filter = ["source"]
    readonly_fields = [f.name for f in PriceSnapshot._meta.fields]

    @admin.display(boolean=True, description="stale")
    def is_stale(self, snapshot: PriceSnapshot) -> bool:
        return snapshot.is_stale


@admin.register(ModelPrice)
class ModelPriceAdmin(ReadOnlyAdmin):
    list_display = [
        "display_name",
        "model_id",
        "provider",
        "input_per_million",
        "output_per_million",
        "cached_input_per_million",
        "snapshot",
    ]
    list_filter = ["snapshot__source", "provider"]
    search_fields = ["model_id", "display_name", "provider"]
    list_select_related = ["snapshot"]
    readonly_fields = [f.name for f in ModelPrice._meta.fields]
