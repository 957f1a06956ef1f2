from __future__ import annotations

from django.urls import path

from signing import views

app_name = "signing"
urlpatterns = [
    path("o/<str:token>/sign/consent/", views.consent, name="consent"),
    path("o/<str:token>/sign/code/", views.code_again, name="code_again"),
    path("o/<str:token>/sign/verify/", views.code_check, name="code_check"),
    path("o/<str:token>/sign/", views.sign, name="sign"),
    path("o/<str:token>/signed.pdf", views.candidate_signed_letter, name="candidate_signed"),
    path("signing/countersign/", views.countersign_list, name="countersign_list"),
    path("signing/countersign/<int:pk>/", views.countersign, name="countersign"),
    path(
        "signing/countersign/offer/<int:pk>/",
        views.countersign_first,
        name="countersign_first",
    ),
    path("signing/<int:pk>/signed.pdf", views.signed_letter, name="signed_letter"),
    path("verify/", views.verify, name="verify"),
]
