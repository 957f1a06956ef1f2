from __future__ import annotations

from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Token budgets"

    def ready(self) -> None:
        from budgets import receivers  # noqa: F401  (an accepted offer's grant)
