from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.utils import timezone

from offers.models import Department, Offer
from offers.roles import HIRING_MANAGERS, RECRUITERS
from offers.services import Allocation, offer_create
from pricing.models import PriceSnapshot
from pricing.services import prices_refresh


def user(username: str, *, role: str | None = RECRUITERS, **extra: Any) -> User:
    person = User.objects.create_user(username=username, password="pw-" + username, **extra)
    if role:
        person.groups.add(Group.objects.get(name=role))
    return person


def snapshot() -> PriceSnapshot:
    current = PriceSnapshot.objects.current()
    if current is None:
        current = prices_refresh(source="bundled").snapshot
    assert current is not None
    return current


def offer_data(**overrides: Any) -> dict[str, Any]:
    manager = User.objects.filter(groups__name=HIRING_MANAGERS).first() or user(
        "hm", role=HIRING_MANAGERS, is_staff=True
    )
    department, _ = Department.objects.get_or_create(name="Engineering")
    today = timezone.localdate()
    data: dict[str, Any] = {
        "candidate_name": "Dana Candidate",
        "candidate_email": "dana@example.org",
        "role_title": "Senior Engineer",
        "level": "L5",
        "department": department,
        "location": "Berlin",
        "hiring_manager": manager,
        "currency": "USD",
        "usd_exchange_rate": Decimal("1"),
        "base_salary": Decimal("200000"),
        "target_bonus_percent": Decimal("10"),
        "sign_on_bonus": Decimal("20000"),
        "equity_type": "rsu",
        "equity_units": 4800,
        "equity_price_per_unit": Decimal("50"),
        "equity_strike_price": Decimal("0"),
        "vesting_years": 4,
        "cliff_months": 12,
        "vesting_frequency": "monthly",
        "token_budget_unit": "usd",
        "token_usd_per_day": Decimal("150"),
        "token_tokens_per_day": 0,
        "token_profile": "agentic-coding",
        "working_days": 230,
        "start_date": today + datetime.timedelta(days=30),
        "expires_on": today + datetime.timedelta(days=10),
        "internal_notes": "",
    }
    data.update(overrides)
    return data


def offer(*, by: User, models: list[tuple[str, str]] | None = None, **overrides: Any) -> Offer:
    current = snapshot()
    allocations = [
        Allocation(
            model_id=model_id,
            display_name=current.prices.get(model_id=model_id).display_name,
            share_percent=Decimal(share),
        )
        for model_id, share in (models or [("claude-sonnet-4-5", "100")])
    ]
    return offer_create(data=offer_data(**overrides), allocations=allocations, by=by)


def form_post(**overrides: Any) -> dict[str, str]:
    """The builder form as a browser would post it."""
    data = offer_data()
    post = {key: (value.pk if hasattr(value, "pk") else value) for key, value in data.items()}
    post.update({"model_1": "claude-sonnet-4-5", "share_1": "100"})
    post.update(overrides)
    return {key: str(value) for key, value in post.items()}
