from __future__ import annotations

from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "signing"
    verbose_name = "Signed letters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from signing import checks, receivers  # noqa: F401  (the deploy check, the receivers)
