from __future__ import annotations

from django.urls import path

from offers import candidate_changes, candidate_views

app_name = "candidate"
urlpatterns = [
    path("<str:token>/", candidate_views.candidate_offer, name="offer"),
    path("<str:token>/answer/", candidate_views.candidate_answer, name="answer"),
    path("<str:token>/language/", candidate_views.candidate_switch_language, name="language"),
    path("<str:token>/change/", candidate_changes.candidate_change, name="change"),
    path(
        "<str:token>/change/preview/",
        candidate_changes.candidate_change_preview,
        name="change_preview",
    ),
    path("<str:token>/letter.pdf", candidate_views.candidate_letter, name="letter"),
]
