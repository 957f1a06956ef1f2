"""People as the pages name them."""

from __future__ import annotations

from typing import Any

from django import template

from offers.roles import person_name

register = template.Library()


@register.filter
def person(user: Any) -> str:
    """`{{ offer.hiring_manager|person }}` → their full name, else their username."""
    return person_name(user)
