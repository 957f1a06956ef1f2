from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.keys import key_create, key_revoke
from api.models import SCOPES, ApiKey


class Command(BaseCommand):
    help = (
        "API keys. create --name NAME --user USERNAME --scopes offers:read,offers:write "
        "(prints the key once); list; revoke PREFIX."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("prefix", nargs="?", help="revoke: the key's prefix (from list)")
        parser.add_argument("--name")
        parser.add_argument("--user", help="the username the key acts for")
        parser.add_argument("--scopes", default="", help=f"comma-separated: {', '.join(SCOPES)}")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            user = get_user_model().objects.filter(username=options["user"] or "").first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}: give --user USERNAME.")
            scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
            try:
                key, secret = key_create(name=options["name"] or "", user=user, scopes=scopes)
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(secret)
            self.stderr.write(
                f"Key {key.prefix} ({key.name}) for {user.username}, scopes "
                f"{', '.join(key.scopes)}: shown this once, store it now."
            )
        elif action == "list":
            for key in ApiKey.objects.select_related("user").order_by("pk"):
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "live"
                used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
                self.stdout.write(
                    f"{key.prefix}\t{key.name}\t{key.user.username}\t{','.join(key.scopes)}\t"
                    f"{state}\tlast used {used}"
                )
        else:
            found = ApiKey.objects.filter(prefix=options["prefix"] or "").first()
            if found is None:
                raise CommandError("Give the prefix of a key (api_key list shows them).")
            key_revoke(found)
            self.stdout.write(f"Revoked {found.prefix} ({found.name}).")
