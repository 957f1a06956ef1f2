from __future__ import annotations

from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = "Offers"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from offers import checks  # noqa: F401  (registers the system checks)
        from pricing.services import register_models_in_use

        post_migrate.connect(store_missing_figures, sender=self)
        register_models_in_use(models_in_use)


def models_in_use() -> list[str]:
    """The model ids open offers use: the prices pricing cross-checks beside the featured."""
    from offers import lifecycle
    from offers.models import TokenAllocation

    return list(
        TokenAllocation.objects.filter(offer__status__in=lifecycle.OPEN).values_list(
            "model_id", flat=True
        )
    )


def store_missing_figures(**kwargs: object) -> None:
    """Offers saved before the listed figures existed get them once the schema has them (and
    their token models theirs; a line that cannot be valued is tried again each time)."""
    from django.db.models import Exists, OuterRef, Q

    from offers.models import Offer, TokenAllocation

    unvalued = TokenAllocation.objects.filter(offer=OuterRef("pk"), listed_usd_per_day__isnull=True)
    missing = Q(listed_first_year_total__isnull=True) | Q(Exists(unvalued))
    for offer in Offer.objects.filter(missing).iterator():
        offer.save(update_fields=offer.store_figures(offer.figures))
