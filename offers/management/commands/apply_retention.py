"""Anonymize the candidates' data of offers past their retention period (the daily beat task)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from offers.services.personal_data import retention_apply


class Command(BaseCommand):
    help = (
        "Anonymize candidates' personal data past CANDIDATE_RETENTION_DAYS (accepted offers: "
        "EMPLOYEE_RETENTION_DAYS)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="apply the periods as of this day (default today)",
        )
        parser.add_argument("--dry-run", action="store_true", help="say what it would do")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        offers = retention_apply(today=today, dry_run=options["dry_run"])
        verb = "Would anonymize" if options["dry_run"] else "Anonymized"
        employees = settings.EMPLOYEE_RETENTION_DAYS
        candidates = settings.CANDIDATE_RETENTION_DAYS
        self.stdout.write(
            f"Retention as of {today}: candidates "
            f"{'kept' if candidates is None else f'{candidates} days after an offer ends'}, "
            f"accepted offers {'kept' if employees is None else f'{employees} days'}."
        )
        for offer, ended in offers:
            self.stdout.write(
                f"{verb} offer {offer.pk} ({offer.get_status_display().lower()} "
                f"{timezone.localtime(ended):%Y-%m-%d})"
            )
        self.stdout.write(f"{verb} {len(offers)} offer(s).")
