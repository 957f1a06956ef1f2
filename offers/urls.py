from __future__ import annotations

from django.urls import path

from offers import views
from offers.commitments import views as commitment_views

app_name = "offers"
urlpatterns = [
    path("", views.offer_list, name="list"),
    path("new/", views.offer_new, name="new"),
    path("<int:pk>/", views.offer_detail, name="detail"),
    path("<int:pk>/edit/", views.offer_edit, name="edit"),
    path("<int:pk>/submit/", views.offer_submit_view, name="submit"),
    path("<int:pk>/withdraw/", views.offer_withdraw_view, name="withdraw"),
    path("<int:pk>/letters/", views.offer_letters, name="letters"),
    path("<int:pk>/change/<int:change_pk>/keep/", views.offer_change_keep, name="change_keep"),
    path("<int:pk>/links/", views.offer_link_create, name="link_create"),
    path("<int:pk>/links/<int:link_pk>/revoke/", views.offer_link_revoke, name="link_revoke"),
    path("<int:pk>/letters/<int:letter_pk>.pdf", views.letter_download, name="letter"),
    path("models/", views.model_search, name="model_search"),
    path("commitments/", commitment_views.commitments_page, name="commitments"),
    path(
        "commitments/offers.csv",
        commitment_views.commitments_offers_csv,
        name="commitments_offers_csv",
    ),
    path(
        "commitments/summary.csv",
        commitment_views.commitments_summary_csv,
        name="commitments_summary_csv",
    ),
]
