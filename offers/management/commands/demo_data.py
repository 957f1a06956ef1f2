from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from offers.roles import HIRING_MANAGERS, RECRUITERS

DEMO_USERS = [
    # username, password, group, is_staff, is_superuser, full name
    ("recruiter", "demo-recruiter-2026", RECRUITERS, False, False, "Riley Recruiter"),
    ("manager", "demo-manager-2026", HIRING_MANAGERS, True, False, "Morgan Manager"),
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
        self.stdout.write("Demo logins (username / password):")
        for username, password, group_name, _, _, _ in DEMO_USERS:
            role = group_name or "superuser"
            self.stdout.write(f"  {username:<10} {password:<22} {role}")
