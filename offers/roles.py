"""The roles of the app, as Django groups created by data migrations."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

RECRUITERS = "Recruiters"
HIRING_MANAGERS = "Hiring managers"
# Finance or the head of recruiting: the second approval of offers outside an exception rule.
EXCEPTION_APPROVERS = "Exception approvers"
# Sees the token commitments of every department (offers.view_token_commitments).
FINANCE = "Finance"


def is_recruiter(user: Any) -> bool:
    """In the Recruiters group: loaded with the user by offers.auth.RoleBackend, asked of the
    database otherwise."""
    known = getattr(user, "is_recruiter", None)
    if known is None:
        known = user.groups.filter(name=RECRUITERS).exists()
    return bool(known)


PEOPLE_TEAM = "People team"  # writes the letter templates (offers.manage_letter_templates)


def person_name(user: Any) -> str:
    """How the app names a person: their full name, else their username ("" for nobody)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return str(user.get_full_name() or user.get_username())


def people_with_perm(perm: str) -> QuerySet[Any]:
    """Active people given `perm` through their groups or themselves (superusers, who have every
    permission, are not named: nobody emails or lists them for a task)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.with_perm(
            perm, include_superusers=False, backend="django.contrib.auth.backends.ModelBackend"
        )
        .filter(is_active=True)
    )
