from __future__ import annotations

from django.urls import path

from offers import views

app_name = "offers"
urlpatterns = [
    path("", views.offer_list, name="list"),
    path("new/", views.offer_new, name="new"),
    path("<int:pk>/", views.offer_detail, name="detail"),
    path("<int:pk>/edit/", views.offer_edit, name="edit"),
    path("models/", views.model_search, name="model_search"),
]
