"""The project's admin site, where hiring managers, exception approvers and the People team
work (Django's docs, "Overriding the default admin site"): its home leads with the offers
awaiting the person, says whether letters are signed, and how many wait to be countersigned.
It combines apps, so it lives here rather than in one of them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse


class ProjectAdminSite(admin.AdminSite):
    """The default admin site (`config.apps.ProjectAdminConfig`)."""

    site_header = site_title = "Offer approvals"
    index_title = "Approvals"
    # Recruiters use the app; people in the admin approve. "View site" would be a 403 for them.
    site_url = None
    # The offers list needs the width; the home page lists every section.
    enable_nav_sidebar = False

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        # Imported here: the apps' admin modules register on this site while it is made.
        from offers.admin.site import awaiting_list
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
