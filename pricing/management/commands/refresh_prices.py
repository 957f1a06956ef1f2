from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pricing.services import SOURCES, prices_in_force, prices_refresh


def date_argument(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(text) from None


class Command(BaseCommand):
    help = (
        "Read model prices from a source and write a new snapshot if they changed; then "
        "cross-check the sources."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source",
            choices=list(SOURCES),
            default="genai-prices",
            help="genai-prices reads the installed package unless --file or --url is given",
        )
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--file", type=Path, help="read this file instead of fetching")
        where.add_argument("--url", help="fetch this URL instead of the source's default")
        parser.add_argument(
            "--as-of",
            type=date_argument,
            metavar="YYYY-MM-DD",
            help="the date the prices were published (a file that does not say needs it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"]
        if as_of is not None and as_of > timezone.localdate():
            raise CommandError(
                f"--as-of {as_of} is after today ({timezone.localdate()}): prices cannot have "
                "been published on a day that has not come. Give the day they were published."
            )
        # The command prints the report itself: the service's log lines would say it twice.
        service_log = logging.getLogger("pricing.services")
        level = service_log.level
        service_log.setLevel(logging.CRITICAL)
        try:
            result = prices_refresh(
                source=options["source"],
                url=options["url"],
                file=options["file"],
                as_of=options["as_of"],
            )
        finally:
            service_log.setLevel(level)
        if result.outcome == "rejected":
            raise CommandError(result.report())
        self.stdout.write(result.report())
        self.stdout.write(f"In force: {prices_in_force().reason}")
