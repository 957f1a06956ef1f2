from __future__ import annotations

from django.contrib import admin

from offers.models import Department, Offer, OfferEvent, TokenAllocation


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    filter_horizontal = ["recruiters"]


class TokenAllocationInline(admin.TabularInline):
    model = TokenAllocation
    extra = 0
    can_delete = False
    readonly_fields = ["model_id", "display_name", "share_percent"]
    fields = ["model_id", "display_name", "share_percent"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class OfferEventInline(admin.TabularInline):
    model = OfferEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "action", "from_status", "to_status", "note", "changes"]
    fields = ["at", "actor", "action", "from_status", "to_status", "note", "changes"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["candidate_name", "role_title", "department", "status", "hiring_manager"]
    list_filter = ["status", "department"]
    search_fields = ["candidate_name", "candidate_email", "role_title"]
    list_select_related = ["department", "hiring_manager"]
    inlines = [TokenAllocationInline, OfferEventInline]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Figures change through the recruiter's builder, where every change is audited.
        return [field.name for field in Offer._meta.fields]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        offers = super().get_queryset(request)
        if request.user.is_superuser:
            return offers
        return offers.filter(hiring_manager=request.user)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
