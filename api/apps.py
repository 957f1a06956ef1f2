from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API and webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from api import webhooks  # noqa: F401  (connects the outbox to the audit trail)
