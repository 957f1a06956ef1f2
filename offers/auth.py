"""Loading the logged-in user together with their recruiter role: one query, not two."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

from offers.roles import RECRUITERS


class RoleBackend(ModelBackend):
    """ModelBackend whose `get_user` (run on every request) also answers "is a recruiter"."""

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        recruiter = Group.objects.filter(name=RECRUITERS, user=OuterRef("pk"))
        try:
            user = user_model._default_manager.annotate(is_recruiter=Exists(recruiter)).get(
                pk=user_id
            )
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
