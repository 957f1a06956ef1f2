from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from offers.models import ApprovalPolicy, Department, Offer, SalaryBand
from offers.roles import EXCEPTION_APPROVERS, HIRING_MANAGERS, RECRUITERS
from offers.services import (
    Allocation,
    candidate_link_create,
    candidate_link_find,
    candidate_url,
    offer_accept,
    offer_approve,
    offer_create,
    offer_submit,
)
from pricing.models import PriceSnapshot
from pricing.services import prices_refresh

# candidate, role, level, currency, rate, base, bonus %, equity, units, price, strike, usd/day,
# models with shares, status
DEMO_OFFERS = [
    (
        "Priya Raman",
        "Staff Software Engineer",
        "L6",
        "USD",
        "1",
        "245000",
        "15",
        "rsu",
        4000,
        "42.50",
        "0",
        "150",
        [("claude-sonnet-5-5", "70"), ("gpt-6.1-sol", "30")],
        "draft",
    ),
    (
        "Lucas Martin",
        "Senior Backend Engineer",
        "L5",
        "EUR",
        "0.92",
        "98000",
        "10",
        "options",
        12000,
        "9.00",
        "2.50",
        "100",
        [("mistral-large-4", "100")],
        "pending_approval",
    ),
    (
        "Amelia Clarke",
        "Machine Learning Engineer",
        "L5",
        "GBP",
        "0.79",
        "115000",
        "12",
        "rsu",
        2500,
        "42.50",
        "0",
        "300",
        [("claude-opus-5-5", "50"), ("gemini-4-argon", "50")],
        "approved",
    ),
    (
        "Ethan Brooks",
        "Engineering Manager",
        "M2",
        "CAD",
        "1.37",
        "210000",
        "20",
        "rsu",
        3000,
        "42.50",
        "0",
        "120",
        [("gpt-5", "100")],
        "sent",
    ),
    (
        "Ananya Iyer",
        "Software Engineer",
        "L4",
        "INR",
        "83.5",
        "4200000",
        "10",
        "options",
        6000,
        "9.00",
        "2.50",
        "60",
        [("deepseek-v4-pro", "100")],
        "accepted",
    ),
]

DEMO_USERS = [
    # username, password, group, is_staff, is_superuser, full name
    ("recruiter", "demo-recruiter-2026", RECRUITERS, False, False, "Riley Recruiter"),
    ("manager", "demo-manager-2026", HIRING_MANAGERS, True, False, "Morgan Manager"),
    ("finance", "demo-finance-2026", EXCEPTION_APPROVERS, True, False, "Frankie Finance"),
    ("admin", "demo-admin-2026", None, True, True, "Ada Operator"),
]


class Command(BaseCommand):
    help = "Create demo users (and demo offers); safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo passwords are public).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo users have public passwords: run with DEBUG=true or --force.")
        for username, password, group_name, is_staff, is_superuser, full_name in DEMO_USERS:
            first_name, last_name = full_name.split(" ", 1)
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": f"{username}@example.com",
                    "is_staff": is_staff,
                    "is_superuser": is_superuser,
                },
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
        self.links: list[tuple[str, str]] = []
        # The demo's approvals would email the demo users; nobody reads those.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self._demo_offers()
        for name, url in self.links:
            # Shown this once, like to a recruiter: only the token's hash is stored.
            self.stdout.write(
                f"The private link {name} (a demo candidate) would get by email; open it on a "
                f"phone to read and answer the offer as a candidate: {url}"
            )
        self.stdout.write("Demo logins (username / password):")
        for username, password, group_name, _, _, _ in DEMO_USERS:
            role = group_name or "superuser"
            self.stdout.write(f"  {username:<10} {password:<22} {role}")

    def _demo_offers(self) -> None:
        import datetime

        from django.utils import timezone

        if PriceSnapshot.objects.current() is None:
            prices_refresh(source="genai-prices")
        recruiter = User.objects.get(username="recruiter")
        manager = User.objects.get(username="manager")
        finance = User.objects.get(username="finance")
        if not ApprovalPolicy.objects.exists():
            ApprovalPolicy.objects.create(
                max_token_usd_per_day=Decimal("400"), max_token_share_of_base_percent=Decimal("40")
            )
        for level, low, high in [
            ("L4", "120000", "170000"),
            ("L5", "160000", "230000"),
            ("L6", "210000", "290000"),
        ]:
            SalaryBand.objects.get_or_create(
                level=level,
                currency="USD",
                defaults={"min_base": Decimal(low), "max_base": Decimal(high)},
            )
        engineering, _ = Department.objects.get_or_create(name="Engineering")
        engineering.recruiters.add(recruiter)
        Department.objects.get_or_create(name="Research")
        today = timezone.localdate()
        snapshot = PriceSnapshot.objects.current()
        names = dict(snapshot.prices.values_list("model_id", "display_name")) if snapshot else {}
        for (
            name,
            role,
            level,
            currency,
            rate,
            base,
            bonus,
            equity,
            units,
            price,
            strike,
            usd_per_day,
            models,
            status,
        ) in DEMO_OFFERS:
            if Offer.objects.filter(candidate_name=name).exists():
                continue
            first = name.split()[0].lower()
            offer = offer_create(
                data={
                    "candidate_name": name,
                    "candidate_email": f"{first}@example.org",
                    "role_title": role,
                    "level": level,
                    "department": engineering,
                    "location": "Remote",
                    "hiring_manager": manager,
                    "currency": currency,
                    "usd_exchange_rate": Decimal(rate),
                    "base_salary": Decimal(base),
                    "target_bonus_percent": Decimal(bonus),
                    "sign_on_bonus": Decimal("10000"),
                    "equity_type": equity,
                    "equity_units": units,
                    "equity_price_per_unit": Decimal(price),
                    "equity_strike_price": Decimal(strike),
                    "token_usd_per_day": Decimal(usd_per_day),
                    "start_date": today + datetime.timedelta(days=45),
                    "expires_on": today + datetime.timedelta(days=14),
                },
                allocations=[
                    Allocation(
                        model_id=m, display_name=names.get(m, m), share_percent=Decimal(share)
                    )
                    for m, share in models
                ],
                by=recruiter,
            )
            if status != "draft":
                offer = offer_submit(offer=offer, by=recruiter)
            if status not in {"draft", "pending_approval"}:
                offer = offer_approve(offer=offer, by=manager, note="Within budget.")
                if offer.awaits_exceptions:
                    offer = offer_approve(offer=offer, by=finance, note="Agreed for this role.")
            if status in {"sent", "accepted"}:
                _, token = candidate_link_create(offer=offer, by=recruiter)
                if status == "accepted":
                    offer_accept(
                        link=candidate_link_find(token),  # type: ignore[arg-type]
                        full_name=offer.candidate_name,
                        confirmed=True,
                        ip="127.0.0.1",
                        user_agent="demo data",
                    )
                else:
                    self.links.append((name, candidate_url(token)))
