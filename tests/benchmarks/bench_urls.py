from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from offers.views import recruiter_required


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@recruiter_required
def recruiter_floor(request: HttpRequest) -> HttpResponse:
    """What every recruiter page pays before it does anything: session, user, role check."""
    return HttpResponse("ok")


@staff_member_required
def staff_floor(request: HttpRequest) -> HttpResponse:
    """What every admin page pays before it does anything: session, user, staff check."""
    return HttpResponse("ok")


urlpatterns = [
    path("bench/staff-floor", staff_floor),
    path("bench/trivial", trivial),
    path("bench/recruiter-floor", recruiter_floor),
    path("", include("config.urls")),
]
