from __future__ import annotations

from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = "Offers"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from offers import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(store_missing_figures, sender=self)


def store_missing_figures(**kwargs: object) -> None:
    """Offers saved before the listed figures existed get them once the schema has them."""
    from offers.models import Offer

    for offer in Offer.objects.filter(listed_first_year_total__isnull=True).iterator():
        offer.save(update_fields=offer.store_figures())
