from __future__ import annotations

import difflib
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pricing.models import ModelPrice, PriceSnapshot
from pricing.money import round_money
from pricing.valuation import (
    DEFAULT_PROFILE,
    DEFAULT_WORKING_DAYS,
    PROFILES,
    Valuation,
    ValuationError,
    value_budget,
    value_tokens,
)


def decimal_argument(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None


def find_model(snapshot: PriceSnapshot, model_id: str) -> ModelPrice:
    prices = snapshot.prices.all()
    found = (
        prices.filter(model_id=model_id).first() or prices.filter(model_id__iexact=model_id).first()
    )
    if found:
        return found
    ids = list(prices.values_list("model_id", flat=True))
    close = difflib.get_close_matches(model_id, ids, n=5, cutoff=0.5)
    close += [i for i in ids if model_id.lower() in i.lower() and i not in close][: 5 - len(close)]
    hint = f" Close matches: {', '.join(close)}." if close else ""
    raise CommandError(f"Unknown model {model_id!r} in {snapshot}.{hint}")


class Command(BaseCommand):
    help = "Value a daily token budget against the current price snapshot."

    def add_arguments(self, parser: CommandParser) -> None:
        amount = parser.add_mutually_exclusive_group(required=True)
        amount.add_argument("--usd-per-day", type=decimal_argument)
        amount.add_argument("--tokens-per-day", type=int)
        parser.add_argument("--model", action="append", required=True, help="repeat for a split")
        parser.add_argument(
            "--share", action="append", type=decimal_argument, help="percent per --model"
        )
        parser.add_argument("--profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE)
        parser.add_argument("--working-days", type=int, default=DEFAULT_WORKING_DAYS)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        snapshot = PriceSnapshot.objects.current()
        if snapshot is None:
            raise CommandError("No price snapshot yet: run `manage.py refresh_prices` first.")
        models = [find_model(snapshot, model_id) for model_id in options["model"]]
        shares = options["share"] or ([Decimal(100)] if len(models) == 1 else None)
        if shares is None or len(shares) != len(models):
            raise CommandError("Give one --share (percent) for each --model.")
        profile = PROFILES[options["profile"]]
        try:
            if options["tokens_per_day"] is not None:
                if len(models) != 1:
                    raise CommandError("--tokens-per-day values one model at a time.")
                valuation = value_tokens(
                    tokens_per_day=options["tokens_per_day"],
                    rates=models[0].rates(),
                    profile=profile,
                    working_days=options["working_days"],
                )
            else:
                valuation = value_budget(
                    usd_per_day=options["usd_per_day"],
                    allocations=[(m.rates(), s / 100) for m, s in zip(models, shares, strict=True)],
                    profile=profile,
                    working_days=options["working_days"],
                )
        except ValuationError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(as_json(valuation, snapshot), indent=2))
        else:
            self.stdout.write(as_text(valuation, snapshot))


def as_json(valuation: Valuation, snapshot: PriceSnapshot) -> dict[str, object]:
    return {
        "usd_per_day": str(round_money(valuation.usd_per_day)),
        "usd_per_year": str(round_money(valuation.usd_per_year)),
        "working_days": valuation.working_days,
        "profile": valuation.profile.key,
        "tokens_per_day": valuation.tokens_per_day,
        "models": [
            {
                "model": line.model_id,
                "share": str(line.share),
                "usd_per_day": str(round_money(line.usd_per_day)),
                "tokens_per_day": line.tokens_per_day,
                "blended_usd_per_million": str(line.blended_per_million.normalize()),
            }
            for line in valuation.lines
        ],
        "notes": valuation.notes,
        "prices": {
            "source": snapshot.source,
            "as_of": snapshot.prices_as_of.isoformat(),
            "snapshot": snapshot.pk,
        },
    }


def as_text(valuation: Valuation, snapshot: PriceSnapshot) -> str:
    lines = [
        f"${round_money(valuation.usd_per_day):,} per day, "
        f"${round_money(valuation.usd_per_year):,} per year "
        f"({valuation.working_days} working days), profile: {valuation.profile.label}",
    ]
    for line in valuation.lines:
        lines.append(
            f"  {line.display_name}: {line.tokens_per_day:,} tokens per day for "
            f"${round_money(line.usd_per_day):,} "
            f"(${line.blended_per_million.normalize():f} per 1M tokens blended)"
        )
    lines += [f"  note: {note}" for note in valuation.notes]
    lines.append(
        f"Prices: {snapshot.get_source_display()} as of {snapshot.prices_as_of:%Y-%m-%d %H:%M} UTC "
        f"(snapshot #{snapshot.pk})"
    )
    return "\n".join(lines)
