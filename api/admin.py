"""The operator's view of API keys and webhooks: keys made here are shown once; endpoints'
secrets are shown once; failed deliveries can be sent again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from api import webhooks
from api.keys import key_create, key_revoke
from api.models import SCOPES, ApiKey, WebhookDelivery, WebhookEndpoint


class ApiKeyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ApiKey
        fields = ["name", "user", "scopes"]

    def clean_scopes(self) -> list[str]:
        scopes = self.cleaned_data.get("scopes") or []
        if not isinstance(scopes, list) or not scopes or set(scopes) - set(SCOPES):
            raise forms.ValidationError(f"A list of one or more of: {', '.join(SCOPES)}.")
        return scopes


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ApiKeyForm
    list_display = ["name", "prefix", "user", "scopes", "last_used_at", "revoked_at"]
    fields = ["name", "user", "scopes", "prefix", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser and obj is None

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            return
        key, secret = key_create(name=obj.name, user=obj.user, scopes=list(obj.scopes))
        obj.pk = key.pk
        messages.warning(request, f"The key, shown this once: {secret}")

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            key_revoke(key)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["url", "events", "active", "disabled_reason", "created_at"]
    fields = ["url", "description", "events", "active", "disabled_reason"]
    readonly_fields = ["disabled_reason"]
    actions = ["rotate"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        try:
            webhooks.check_url(obj.url)
        except webhooks.EndpointRefused as error:
            messages.error(request, f"Not saved: {error}")
            return
        if not change:
            obj.secret = webhooks.new_secret()
            messages.warning(request, f"The signing secret, shown this once: {obj.secret}")
        super().save_model(request, obj, form, change)

    @admin.action(description="Rotate the secret (the old one signs for 24 hours more)")
    def rotate(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            secret = webhooks.endpoint_rotate(endpoint)
            messages.warning(request, f"{endpoint.url}: new secret, shown this once: {secret}")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["event", "endpoint", "state", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["state", "endpoint"]
    readonly_fields = [
        "event",
        "endpoint",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "log",
    ]
    actions = ["send_again"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Send the selected deliveries again (the same webhook-id)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset.exclude(state=WebhookDelivery.State.DELIVERED):
            webhooks.replay(delivery)
        messages.success(request, "Queued again.")
