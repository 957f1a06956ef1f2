from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    return {"company_name": settings.COMPANY_NAME, "company_logo": settings.COMPANY_LOGO}
