"""Export everything held about one person, as a ZIP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from offers.services import OfferError
from offers.services.personal_data import candidate_export


class Command(BaseCommand):
    help = "Write a ZIP of every offer, event, link, letter record and letter of this email."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--output", type=Path, required=True, metavar="FILE.zip")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = candidate_export(email=options["email"])
        except OfferError as error:
            raise CommandError(str(error)) from None
        options["output"].write_bytes(data)
        self.stdout.write(f"Wrote {options['output']} ({len(data):,} bytes).")
