from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.api import api as api_v1
from offers import views as offers_views
from ops import views as ops_views

urlpatterns = [
    path("", offers_views.home, name="home"),
    path("healthz", ops_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", ops_views.favicon),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("offers/", include("offers.urls")),
    path("o/", include("offers.candidate_urls")),
    path("", include("signing.urls")),
    path("", include("budgets.urls")),
    path("api/v1/", api_v1.urls),
    path("admin/", admin.site.urls),
]
