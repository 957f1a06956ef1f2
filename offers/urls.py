from __future__ import annotations

from django.urls import path

from offers import views

app_name = "offers"
urlpatterns = [
    path("", views.offer_list, name="list"),
    path("new/", views.offer_new, name="new"),
    path("<int:pk>/", views.offer_detail, name="detail"),
    path("<int:pk>/edit/", views.offer_edit, name="edit"),
    path("<int:pk>/submit/", views.offer_submit_view, name="submit"),
    path("<int:pk>/withdraw/", views.offer_withdraw_view, name="withdraw"),
    path("models/", views.model_search, name="model_search"),
]
