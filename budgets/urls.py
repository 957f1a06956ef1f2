from __future__ import annotations

from django.urls import path

from budgets import views

app_name = "budgets"
urlpatterns = [
    path("o/<str:token>/budget/credential/", views.credential, name="credential"),
    path("budgets/spend/", views.spend_page, name="spend"),
    path("budgets/spend.csv", views.spend_csv, name="spend_csv"),
]
