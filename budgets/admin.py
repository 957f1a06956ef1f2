"""The People team's view of token budgets: where each stands, provision now, revoke."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from budgets.gateways import GatewayError
from budgets.models import BudgetGrant
from budgets.services import budget_provision, budget_revoke
from offers.services import OfferError


@admin.register(BudgetGrant)
class BudgetGrantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["identity", "offer", "state", "usd_per_day", "active_since", "last_error"]
    list_filter = ["state", "gateway"]
    search_fields = ["identity", "offer__candidate_name"]
    actions = ["provision_now", "revoke"]
    readonly_fields = [
        "offer",
        "gateway",
        "identity",
        "state",
        "usd_per_day",
        "model_names",
        "missing_models",
        "cap_id",
        "credential_prefix",
        "credential_handed_at",
        "active_since",
        "revoked_at",
        "revoke_reason",
        "attempts",
        "last_error",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by acceptance

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked, never deleted: the audit trail and spend keep it

    @admin.action(description="Provision now (whatever the start date)", permissions=["change"])
    def provision_now(self, request: HttpRequest, queryset: QuerySet[BudgetGrant]) -> None:
        for grant in queryset.select_related("offer"):
            try:
                budget_provision(offer=grant.offer, by=request.user)  # type: ignore[arg-type]
            except (OfferError, GatewayError) as error:
                self.message_user(request, f"{grant.identity}: {error}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{grant.identity}: provisioned; the new hire gets their credential on "
                    "their link.",
                    messages.SUCCESS,
                )

    @admin.action(
        description="Revoke access (the credential stops working)", permissions=["change"]
    )
    def revoke(self, request: HttpRequest, queryset: QuerySet[BudgetGrant]) -> None:
        for grant in queryset.select_related("offer"):
            try:
                budget_revoke(
                    offer=grant.offer,
                    reason=f"Revoked in the admin by {request.user}",
                    by=request.user,  # type: ignore[arg-type]
                )
            except (OfferError, GatewayError) as error:
                self.message_user(request, f"{grant.identity}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{grant.identity}: revoked.", messages.SUCCESS)
