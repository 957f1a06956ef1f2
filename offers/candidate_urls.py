from __future__ import annotations

from django.urls import path

from offers import candidate_views

app_name = "candidate"
urlpatterns = [
    path("<str:token>/", candidate_views.candidate_offer, name="offer"),
    path("<str:token>/answer/", candidate_views.candidate_answer, name="answer"),
    path("<str:token>/language/", candidate_views.candidate_switch_language, name="language"),
    path("<str:token>/letter.pdf", candidate_views.candidate_letter, name="letter"),
]
