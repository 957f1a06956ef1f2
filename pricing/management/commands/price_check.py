from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pricing.models import PriceDisagreement
from pricing.services import prices_cross_check, prices_in_force


class Command(BaseCommand):
    help = (
        "Cross-check the sources' prices of featured models and of models of open offers; "
        "print each disagreement over 5% and exit 1 while any is unsettled."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-refresh-check",
            action="store_true",
            help="list the disagreements of the last cross-check instead of running it again",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_refresh_check"]:
            prices_cross_check()
        self.stdout.write(f"In force: {prices_in_force().reason}")
        active = list(PriceDisagreement.objects.filter(active=True))
        for disagreement in active:
            state = (
                f"settled at ${disagreement.settled_value.normalize():f} by "
                f"{disagreement.settled_by}"
                if disagreement.is_settled and disagreement.settled_value is not None
                else "UNSETTLED"
            )
            self.stdout.write(
                f"{disagreement.canonical_id} {disagreement.price_class}: "
                f"{disagreement.values_text()} — {disagreement.spread_percent:.0f}% apart, {state}"
            )
        unsettled = [d for d in active if not d.is_settled]
        self.stdout.write(
            f"{len(active)} disagreement(s), {len(unsettled)} unsettled."
            if active
            else "No disagreements over 5% between sources."
        )
        if unsettled:
            raise SystemExit(1)
