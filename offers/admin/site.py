"""The admin site of the people who approve: its home leads with the offers awaiting the
person, and says whether letters are signed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest
from django.template.response import TemplateResponse

from offers import lifecycle
from offers.models import Offer


def can_approve_anything(user: Any) -> bool:
    return bool(user.has_perm("offers.approve_offer") or user.has_perm("offers.approve_exceptions"))


def awaiting(user: Any) -> Q:
    """Offers waiting for this person's decision."""
    if user.is_superuser:
        return Q(status__in=lifecycle.AWAITING)
    mine = Q(status__in=lifecycle.MOVES["approve"].sources, hiring_manager=user)
    if user.has_perm("offers.approve_exceptions"):
        mine |= Q(status__in=lifecycle.MOVES["approve_exceptions"].sources) & ~Q(approved_by=user)
    return mine


def awaiting_list(user: Any) -> list[Offer]:
    """What awaits this person, oldest first, with the figures the admin home shows."""
    return list(
        Offer.objects.filter(awaiting(user))
        .exclude(created_by=user)
        .exclude(submitted_by=user)
        .order_by("submitted_at", "pk")[:50]
    )


class OffersAdminSite(admin.AdminSite):
    """The default admin site (`offers.apps.OffersAdminConfig`)."""

    site_header = site_title = "Offer approvals"
    index_title = "Approvals"
    # Recruiters use the app; people in the admin approve. "View site" would be a 403 for them.
    site_url = None
    # The offers list needs the width; the home page lists every section.
    enable_nav_sidebar = False

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        from signing.certificates import company
        from signing.models import Signature

        signer = company()
        context = {
            **(extra_context or {}),
            "awaiting_offers": awaiting_list(request.user),
            "signing_state": "off" if signer is None else "test" if signer.is_test else "on",
            "signing_subject": signer.subject if signer else "",
        }
        if request.user.has_perm("signing.countersign_offer"):
            context["to_countersign"] = Signature.objects.filter(
                state=Signature.State.SEALED
            ).count()
        return super().index(request, context)


site = OffersAdminSite()


def default_site() -> OffersAdminSite:
    """The one site (`OffersAdminConfig.default_site`): importing this package registers the
    models on `admin.site` while Django is still building it, so both must be this object."""
    return site
