"""The People team's view of token budgets: where each stands, provision now, revoke."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from budgets.gateways import GatewayError
from budgets.models import BudgetGrant
from budgets.services import budget_end_set, budget_provision, budget_revoke, budget_rotate
from offers.services import OfferError


class BudgetGrantForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = BudgetGrant
        fields = ["ends_on"]

    def clean_ends_on(self) -> Any:
        ends_on = self.cleaned_data.get("ends_on")
        grant = self.instance
        if ends_on != grant.ends_on and grant.is_revoked:
            raise forms.ValidationError("This budget is already revoked.")
        if ends_on and ends_on < grant.offer.start_date:
            raise forms.ValidationError(
                f"The last day cannot be before the start date, {grant.offer.start_date:%-d %B %Y}."
            )
        return ends_on


FIELDS = [
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
    "ends_on",
    "revoked_at",
    "revoke_reason",
    "spend_read_at",
    "spend_stale_since",
    "attempts",
    "last_error",
]


@admin.register(BudgetGrant)
class BudgetGrantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = BudgetGrantForm
    list_display = [
        "identity",
        "offer",
        "state",
        "usd_per_day",
        "active_since",
        "ends_on",
        "spend_read_at",
        "last_error",
    ]
    list_filter = ["state", "gateway"]
    search_fields = ["identity", "offer__candidate_name"]
    actions = ["provision_now", "rotate", "revoke"]
    fields = tuple(FIELDS)
    readonly_fields = [name for name in FIELDS if name != "ends_on"]  # made by the services

    def save_model(self, request: HttpRequest, obj: BudgetGrant, form: Any, change: bool) -> None:
        """The one field the People team edits, the last day of employment, goes through the
        service (audited; the budget is revoked after that day)."""
        if "ends_on" in form.changed_data:
            try:
                budget_end_set(
                    offer=obj.offer,
                    ends_on=obj.ends_on,
                    by=request.user,  # type: ignore[arg-type]
                )
            except (OfferError, GatewayError) as error:
                self.message_user(request, str(error), messages.ERROR)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by acceptance

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked, never deleted: the audit trail and spend keep it

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[BudgetGrant],
        step: Callable[[BudgetGrant], object],
        done: str,
    ) -> None:
        """Run one step on each chosen grant; a refusal names its grant and stops no other."""
        for grant in queryset.select_related("offer"):
            try:
                step(grant)
            except (OfferError, GatewayError) as error:
                self.message_user(request, f"{grant.identity}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{grant.identity}: {done}", messages.SUCCESS)

    @admin.action(description="Provision now (whatever the start date)", permissions=["change"])
    def provision_now(self, request: HttpRequest, queryset: QuerySet[BudgetGrant]) -> None:
        by = request.user
        self._each(
            request,
            queryset,
            lambda grant: budget_provision(offer=grant.offer, by=by),  # type: ignore[arg-type]
            "provisioned; the new hire gets their credential on their link.",
        )

    @admin.action(
        description="Replace the credential (the old one stops working)", permissions=["change"]
    )
    def rotate(self, request: HttpRequest, queryset: QuerySet[BudgetGrant]) -> None:
        by = request.user
        self._each(
            request,
            queryset,
            lambda grant: budget_rotate(offer=grant.offer, by=by),  # type: ignore[arg-type]
            "the old credential no longer works; the new hire gets a new one on their link, "
            "shown once.",
        )

    @admin.action(
        description="Revoke access (the credential stops working)", permissions=["change"]
    )
    def revoke(self, request: HttpRequest, queryset: QuerySet[BudgetGrant]) -> None:
        by = request.user
        self._each(
            request,
            queryset,
            lambda grant: budget_revoke(
                offer=grant.offer,
                reason=f"Revoked in the admin by {by}",
                by=by,  # type: ignore[arg-type]
            ),
            "revoked.",
        )
