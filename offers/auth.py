"""Loading the logged-in user together with their recruiter role: one query, not two."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef

from offers.roles import RECRUITERS


class RoleBackend(ModelBackend):
    """ModelBackend whose `get_user` (run on every request) also answers "is a recruiter"
    (`offers.roles.is_recruiter` reads the answer instead of asking the database again)."""

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        recruiter = Group.objects.filter(name=RECRUITERS, user=OuterRef("pk"))
        try:
            user = (
                user_model._default_manager.annotate(is_recruiter=Exists(recruiter))
                .filter(pk=pk)
                .first()
            )
        except OverflowError:  # an id past the column's range (SQLite): nobody has it
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
