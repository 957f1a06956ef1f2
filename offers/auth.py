"""Loading the logged-in user together with their recruiter role: one query, not two."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef

from offers.roles import RECRUITERS

_SOME_ID = 987654321  # stands for the user's id while the query is compiled


@functools.cache
def _user_with_role_sql(alias: str) -> tuple[str, tuple[Any, ...]]:
    """The SQL of "this user, and are they a recruiter", compiled by the ORM once per database.

    Compiling the query is most of what loading the user costs, and every request of a
    logged-in person pays it, so `get_user` runs this compiled text with the request's user id
    instead: kept because the README's builder benchmark shows the difference (the recruiter
    floor against a trivial view, issue 16's target, falls below it when the query is built on
    each request)."""
    user_model = get_user_model()
    recruiter = Group.objects.filter(name=RECRUITERS, user=OuterRef("pk"))
    query = (
        user_model._default_manager.using(alias)
        .annotate(is_recruiter=Exists(recruiter))
        .filter(pk=_SOME_ID)
        .query
    )
    sql, params = query.get_compiler(alias).as_sql()
    if list(params).count(_SOME_ID) != 1:
        raise RuntimeError(f"The user's id is not one parameter of the query: {params!r}")
    return sql, tuple(params)


class RoleBackend(ModelBackend):
    """ModelBackend whose `get_user` (run on every request) also answers "is a recruiter"."""

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        manager = user_model._default_manager
        sql, params = _user_with_role_sql(manager.db)
        users = manager.raw(sql, [pk if value == _SOME_ID else value for value in params])
        try:
            user = next(iter(users), None)
        except OverflowError:  # an id past the column's range (SQLite): nobody has it
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
