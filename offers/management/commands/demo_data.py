from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings
from django.utils import timezone

from offers.lifecycle import Status
from offers.models import ApprovalPolicy, Department, LetterTemplate, Offer, SalaryBand
from offers.roles import (
    EXCEPTION_APPROVERS,
    FINANCE,
    HIRING_MANAGERS,
    PEOPLE_TEAM,
    RECRUITERS,
    person_name,
)
from offers.services import (
    Allocation,
    candidate_link_create,
    candidate_link_find,
    candidate_url,
    offer_accept,
    offer_approve,
    offer_create,
    offer_submit,
    template_version_save,
)
from pricing.models import PriceSnapshot
from pricing.services import prices_refresh

# How far a demo offer is taken: a status, or SIGNED (accepted by signing the letter, and
# countersigned, where signing is on).
SIGNED = "signed"

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
        Status.DRAFT,
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
        Status.PENDING_APPROVAL,
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
        Status.APPROVED,
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
        Status.SENT,
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
        Status.ACCEPTED,
    ),
    (
        "Daniel Kim",
        "Senior Frontend Engineer",
        "L5",
        "USD",
        "1",
        "185000",
        "12",
        "rsu",
        2000,
        "42.50",
        "0",
        "120",
        [("claude-sonnet-5-5", "100")],
        SIGNED,
    ),
]

# Letter templates in two countries: the wording lives beside this file.
DEMO_TEMPLATES = Path(__file__).resolve().parent / "demo_templates"
GERMAN_BUDGET_TERMS = (
    "Das KI-Token-Budget dient ausschließlich Ihrer Arbeit im Unternehmen. Es ist kein Geld, "
    "kann nicht ausgezahlt oder übertragen werden, und ein nicht genutztes Tagesbudget verfällt. "
    "Das Unternehmen kann die verfügbaren Modelle ändern; das Tagesbudget in US-Dollar bleibt "
    "wie in Ihrem Angebot angegeben."
)
# name, file, language, location rule, signatory name and title, token terms (None: settings')
DEMO_LETTER_TEMPLATES = [
    # Signed for the company by Pat People, who countersigns the demo's signed letter.
    ("US offer letter", "us.md", "en_US", "United States", "Pat People", "Head of People", None),
    (
        "Angebotsschreiben Deutschland",
        "de.md",
        "de_DE",
        "Germany",
        "Jana Becker",
        "Leiterin Personal",
        GERMAN_BUDGET_TERMS,
    ),
]

# Offers accepted over the past year and starting in the months ahead, so the token
# commitments have a history: candidate, department, level, usd/day, models, start in days.
DEMO_HISTORY = [
    ("Noah Fischer", "Research", "L6", "250", [("claude-opus-5-5", "100")], -330),
    ("Mei Tanaka", "Engineering", "L5", "120", [("claude-sonnet-5-5", "100")], -270),
    ("Omar Haddad", "Engineering", "L4", "60", [("gpt-5", "100")], -200),
    ("Sofia Rossi", "Research", "L5", "180", [("gemini-4-argon", "60"), ("gpt-5", "40")], -120),
    ("Jonas Berg", "Engineering", "L6", "200", [("claude-sonnet-5-5", "100")], -45),
    ("Grace Okoye", "Sales", "L4", "25", [("gpt-5", "100")], -10),
    ("Tomás Silva", "Engineering", "L5", "150", [("deepseek-v4-pro", "100")], 40),
    ("Hana Novak", "Research", "L5", "90", [("mistral-large-4", "100")], 100),
]

DEMO_USERS = [
    # username, password, group, is_staff, is_superuser, full name
    ("recruiter", "demo-recruiter-2026", RECRUITERS, False, False, "Riley Recruiter"),
    ("manager", "demo-manager-2026", HIRING_MANAGERS, True, False, "Morgan Manager"),
    ("finance", "demo-finance-2026", EXCEPTION_APPROVERS, True, False, "Frankie Finance"),
    ("analyst", "demo-analyst-2026", FINANCE, False, False, "Alex Analyst"),
    ("people", "demo-people-2026", PEOPLE_TEAM, True, False, "Pat People"),
    ("admin", "demo-admin-2026", None, True, True, "Ada Operator"),
]


# Where the demo offers' candidates will work: the letter templates' rules read it.
DEMO_LOCATIONS = {
    "Priya Raman": "San Francisco, United States",
    "Lucas Martin": "Berlin, Germany",
    "Amelia Clarke": "London, United Kingdom",
    "Ethan Brooks": "Toronto, Canada",
    "Ananya Iyer": "Bengaluru, India",
    "Jonas Berg": "Munich, Germany",
    "Mei Tanaka": "Seattle, United States",
    "Daniel Kim": "Austin, United States",
}


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
        if (
            settings.DEBUG
            and str(settings.SIGNING_TEST_CERTIFICATE) == settings.SIGNING_CERTIFICATE
        ):
            # The demo's signed letter needs the test certificate `make run` makes first; made
            # here too when the demo is loaded on its own.
            call_command("signing_test_certificate", stdout=self.stdout)
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
        self._letter_templates()
        engineering, _ = Department.objects.get_or_create(name="Engineering")
        engineering.recruiters.add(recruiter)
        Department.objects.get_or_create(name="Research")
        Department.objects.get_or_create(name="Sales")
        today = timezone.localdate()
        snapshot = PriceSnapshot.objects.current()
        self.names = (
            dict(snapshot.prices.values_list("model_id", "display_name")) if snapshot else {}
        )
        self.people = {"recruiter": recruiter, "manager": manager, "finance": finance}
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
            self._offer(
                name,
                {
                    "role_title": role,
                    "level": level,
                    "department": engineering,
                    "currency": currency,
                    "usd_exchange_rate": Decimal(rate),
                    "base_salary": Decimal(base),
                    "target_bonus_percent": Decimal(bonus),
                    "equity_type": equity,
                    "equity_units": units,
                    "equity_price_per_unit": Decimal(price),
                    "equity_strike_price": Decimal(strike),
                    "token_usd_per_day": Decimal(usd_per_day),
                    "start_date": today + datetime.timedelta(days=45),
                },
                models,
                status,
            )
        for name, department, level, usd_per_day, models, start_in in DEMO_HISTORY:
            self._offer(
                name,
                {
                    "role_title": "Software Engineer"
                    if department != "Sales"
                    else "Sales Engineer",
                    "level": level,
                    "department": Department.objects.get(name=department),
                    "base_salary": Decimal({"L4": "140000", "L5": "185000", "L6": "240000"}[level]),
                    "target_bonus_percent": Decimal("10"),
                    "token_usd_per_day": Decimal(usd_per_day),
                    "start_date": today + datetime.timedelta(days=start_in),
                },
                models,
                Status.ACCEPTED,
            )

    def _letter_templates(self) -> None:
        people = User.objects.get(username="people")
        for name, file, language, where, signatory, title, terms in DEMO_LETTER_TEMPLATES:
            template, created = LetterTemplate.objects.get_or_create(
                name=name,
                defaults={
                    "location_contains": where,
                    # The letter's signatory, where they are a user, is who countersigns it.
                    "countersigner": people if signatory == person_name(people) else None,
                },
            )
            if not created:
                continue
            template_version_save(
                template=template,
                content={
                    "language": language,
                    "body": (DEMO_TEMPLATES / file).read_text(),
                    "token_terms": terms or settings.LETTER_TOKEN_TERMS,
                    "signatory_name": signatory,
                    "signatory_title": title,
                },
                by=people,
                note="Demo template.",
            )

    def _sign(self, offer: Offer, token: str) -> None:
        """The candidate signs through the same steps as on their page, reading the code from
        the email; the worker's part runs here; Pat People countersigns."""
        from django.core import mail

        from offers.models import Letter
        from offers.services import letter_render
        from signing import services as signing

        link = candidate_link_find(token)
        assert link is not None
        for letter in Letter.objects.filter(offer=offer, state=Letter.State.QUEUED):
            letter_render(letter_id=letter.pk)
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            mail.outbox = []
            signature = signing.consent_give(
                link=link, agreed=True, ip="127.0.0.1", user_agent="demo data"
            )
            words = str(mail.outbox[-1].body).split()
            code = words[words.index("is:") + 1]
            signing.code_verify(signature=signature, code=code)
            signing.sign(
                link=link,
                signature=signature,
                typed_name=offer.candidate_name,
                ip="127.0.0.1",
                user_agent="demo data",
            )
            signing.seal(signature_id=signature.pk)
            signature.refresh_from_db()
            signing.countersign_request(
                signature=signature,
                by=User.objects.get(username="people"),
                title="Head of People",
                agreed=True,
            )
            signing.countersign_seal(signature_id=signature.pk)
            mail.outbox = []
        self.stdout.write(
            f"{offer.candidate_name} signed their letter and Pat People countersigned it: "
            f"manage.py signed_letter {offer.pk} --output signed.pdf"
        )

    def _offer(
        self, name: str, data: dict[str, Any], models: list[tuple[str, str]], status: str
    ) -> None:
        """Build one demo offer and take it through the services to `status`."""
        if Offer.objects.filter(candidate_name=name).exists():
            return
        recruiter, manager = self.people["recruiter"], self.people["manager"]
        data.setdefault("location", DEMO_LOCATIONS.get(name, "Remote"))
        offer = offer_create(
            data={
                "candidate_name": name,
                "candidate_email": f"{name.split()[0].lower()}@example.org",
                "hiring_manager": manager,
                "sign_on_bonus": Decimal("10000"),
                "expires_on": timezone.localdate() + datetime.timedelta(days=14),
                **data,
            },
            allocations=[
                Allocation(
                    model_id=m, display_name=self.names.get(m, m), share_percent=Decimal(share)
                )
                for m, share in models
            ],
            by=recruiter,
        )
        if status != Status.DRAFT:
            offer = offer_submit(offer=offer, by=recruiter)
        if status not in {Status.DRAFT, Status.PENDING_APPROVAL}:
            offer = offer_approve(offer=offer, by=manager, note="Within budget.")
            if offer.awaits_exceptions:
                offer = offer_approve(
                    offer=offer, by=self.people["finance"], note="Agreed for this role."
                )
        if status in {Status.SENT, Status.ACCEPTED, SIGNED}:
            from signing.certificates import signing_enabled  # the app above: at the call

            _, token = candidate_link_create(offer=offer, by=recruiter)
            if status == SIGNED and signing_enabled():
                self._sign(offer, token)
            elif status in {Status.ACCEPTED, SIGNED}:
                # The demo's history: accepted by typed name, before the company signed letters
                # (while it does, only signing accepts: signing.receivers).
                with override_settings(SIGNING_CERTIFICATE=""):
                    offer_accept(
                        link=candidate_link_find(token),  # type: ignore[arg-type]
                        full_name=offer.candidate_name,
                        confirmed=True,
                        ip="127.0.0.1",
                        user_agent="demo data",
                    )
            else:
                self.links.append((name, candidate_url(token)))
