"""The two roles of the app, as Django groups created by data migrations."""

from __future__ import annotations

RECRUITERS = "Recruiters"
HIRING_MANAGERS = "Hiring managers"
