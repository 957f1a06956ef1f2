"""Erase one person's data on their request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from offers.services import OfferError
from offers.services.personal_data import candidate_erase


class Command(BaseCommand):
    help = (
        "Erase the personal data of the candidate with this email (refused while an offer is "
        "open or under a legal hold)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--reason", required=True, help="e.g. the request's reference")
        parser.add_argument(
            "--by", help="the username of the person erasing (recorded in the audit trail)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        by = None
        if options["by"]:
            by = get_user_model().objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"No user {options['by']!r}.")
        try:
            offers = candidate_erase(email=options["email"], reason=options["reason"], by=by)
        except OfferError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Erased the candidate's data from {len(offers)} offer(s): "
            + ", ".join(str(offer.pk) for offer in offers)
        )
