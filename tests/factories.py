from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone

from offers.models import Department, Offer
from offers.roles import HIRING_MANAGERS, RECRUITERS
from offers.services import Allocation, offer_approve, offer_create, offer_submit, offer_update
from pricing.models import ModelPrice, PriceSnapshot
from pricing.services import prices_refresh


def user(username: str, *, role: str | None = RECRUITERS, **extra: Any) -> User:
    extra.setdefault("email", f"{username}@example.com")
    person = User.objects.create_user(username=username, password="pw-" + username, **extra)
    if role:
        person.groups.add(Group.objects.get(name=role))
    return person


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "prices"
SHARED_PRICES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "prices"


def snapshot() -> PriceSnapshot:
    """The prices most tests value offers with: our small genai-prices file, dated today."""
    current = PriceSnapshot.objects.current()
    if current is None:
        current = prices_refresh(
            source="genai-prices",
            file=FIXTURES / "genai_prices_small.json",
            as_of=timezone.localdate(),
        ).snapshot
    assert current is not None
    return current


def offer_data(**overrides: Any) -> dict[str, Any]:
    manager = overrides.get("hiring_manager") or (
        User.objects.filter(groups__name=HIRING_MANAGERS).first()
        or user("hm", role=HIRING_MANAGERS, is_staff=True)
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


def allocations_of(offer: Offer) -> list[Allocation]:
    return [
        Allocation(model_id=a.model_id, display_name=a.display_name, share_percent=a.share_percent)
        for a in offer.allocations.all()
    ]


def edit(offer: Offer, *, by: User, **changes: Any) -> Offer:
    """Save the offer as it is with `changes`, through the recruiter's service."""
    data = {name: getattr(offer, name) for name in offer_data()}
    # As the builder posts it: blank while the rules choose the letter template.
    data["letter_template_version"] = (
        None if offer.letter_template_by_rules else offer.letter_template_version
    )
    data.update(changes)
    return offer_update(offer=offer, data=data, allocations=allocations_of(offer), by=by)


def approved(offer: Offer, *, recruiter: User, manager: User) -> Offer:
    """Submitted by the recruiter and approved by the hiring manager."""
    return offer_approve(offer=offer_submit(offer=offer, by=recruiter), by=manager)


def accepted(offer: Offer, *, recruiter: User, manager: User) -> Offer:
    """Approved, sent through a candidate link, and accepted by the candidate."""
    from offers.services import candidate_link_create, candidate_link_find, offer_accept

    offer = approved(offer, recruiter=recruiter, manager=manager)
    _, token = candidate_link_create(offer=offer, by=recruiter)
    link = candidate_link_find(token)
    assert link is not None
    return offer_accept(
        link=link, full_name=offer.candidate_name, confirmed=True, ip="", user_agent=""
    )


def form_post(**overrides: Any) -> dict[str, str]:
    """The builder form as a browser would post it."""
    data = offer_data()
    post = {key: (value.pk if hasattr(value, "pk") else value) for key, value in data.items()}
    post.update({"model_1": "claude-sonnet-4-5", "share_1": "100"})
    post.update(overrides)
    return {key: str(value) for key, value in post.items()}


def dearer_snapshot(factor: str, *, base: PriceSnapshot | None = None) -> PriceSnapshot:
    """A newer snapshot with every price of `base` (the current one) multiplied by `factor`."""
    current = base or snapshot()
    multiplier = Decimal(factor)
    newer = PriceSnapshot.objects.create(
        source=current.source,
        location=current.location,
        fetched_at=timezone.now(),
        taken_on=current.taken_on,
        content_hash=hashlib.sha256(f"{current.content_hash} x{factor}".encode()).hexdigest(),
        models_accepted=current.models_accepted,
        models_rejected=0,
    )
    prices = []
    for price in current.prices.all():
        price.pk = None
        price.snapshot = newer
        for name in [
            "input_per_million",
            "output_per_million",
            "cached_input_per_million",
            "cache_write_per_million",
        ]:
            value = getattr(price, name)
            if value is not None:
                setattr(price, name, value * multiplier)
        prices.append(price)
    ModelPrice.objects.bulk_create(prices)
    return newer


def ensure_standard_template() -> None:
    """The default letter template the data migration makes, if a test emptied the tables."""
    from django.conf import settings

    from offers.models import LetterTemplate, LetterTemplateVersion

    migration = import_module("offers.migrations.0016_standard_letter_template")
    if LetterTemplate.objects.filter(is_default=True).exists():
        return
    template = LetterTemplate.objects.create(name="Standard offer letter", is_default=True)
    LetterTemplateVersion.objects.create(
        template=template,
        number=1,
        language="en_US",
        body=migration.STANDARD_BODY,
        token_terms=settings.LETTER_TOKEN_TERMS,
        signatory_name=settings.LETTER_SIGNATORY_NAME,
        signatory_title=settings.LETTER_SIGNATORY,
    )


def ensure_roles() -> None:
    """Give back the groups and rows of the data migrations: transactional tests empty every
    table."""
    ensure_standard_template()
    role_permissions = import_module("offers.migrations.0003_role_permissions").ROLE_PERMISSIONS
    exception_approvers = import_module("offers.migrations.0005_exception_approvers")
    view_prices = import_module("pricing.migrations.0002_role_permissions").VIEW_PRICES
    grants: dict[str, list[tuple[str, str]]] = {
        name: [("offers", codename) for codename in codenames]
        + [("pricing", codename) for codename in view_prices]
        for name, codenames in role_permissions.items()
    }
    grants[HIRING_MANAGERS] += [("offers", "view_approvalpolicy"), ("offers", "view_salaryband")]
    grants[exception_approvers.ROLE] = [
        (app_label, codename)
        for app_label, codenames in exception_approvers.PERMISSIONS.items()
        for codename in codenames
    ]
    people = import_module("offers.migrations.0016_standard_letter_template")
    grants[people.PEOPLE_TEAM] = [("offers", codename) for codename in people.PERMISSIONS]
    grants[people.PEOPLE_TEAM].append(("signing", "countersign_offer"))
    budgets = import_module("budgets.migrations.0002_people_team_manages_budgets")
    grants[people.PEOPLE_TEAM] += [("budgets", codename) for codename in budgets.PERMISSIONS]
    commitments = import_module("offers.migrations.0014_token_commitments")
    for name in commitments.GROUPS:
        grants.setdefault(name, []).append(("offers", "view_token_commitments"))
    for name, permissions in grants.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in permissions:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def assert_refused(client: Any, message: str, **fields: Any) -> None:
    """The builder refuses this form with `message` and saves nothing."""
    from django.urls import reverse

    response = client.post(reverse("offers:new"), form_post(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Offer.objects.exists()


def api_key(username: str, scopes: str = "offers:read,offers:write") -> str:
    """A new API key for the user, as the operator's command makes and prints it."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "api_key",
        "create",
        "--name",
        f"{username}'s ATS",
        "--user",
        username,
        "--scopes",
        scopes,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue().strip()
