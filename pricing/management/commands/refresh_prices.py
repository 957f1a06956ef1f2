from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pricing.models import PriceSnapshot
from pricing.services import prices_refresh


class Command(BaseCommand):
    help = "Read model prices from a source and write a new snapshot if they changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", choices=PriceSnapshot.Source.values, default=PriceSnapshot.Source.LITELLM
        )
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--file", type=Path, help="read this file instead of fetching")
        where.add_argument("--url", help="fetch this URL instead of the source's default")

    def handle(self, *args: Any, **options: Any) -> None:
        result = prices_refresh(source=options["source"], url=options["url"], file=options["file"])
        if result.outcome == "rejected":
            raise CommandError(result.report())
        self.stdout.write(result.report())
