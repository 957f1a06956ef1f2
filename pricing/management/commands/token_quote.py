from __future__ import annotations

import datetime
import difflib
import json
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pricing.hours import WorkingHours
from pricing.models import ModelPrice, PriceSnapshot
from pricing.money import round_money
from pricing.residency import residency_for
from pricing.services import prices_in_force
from pricing.valuation import (
    CLASS_LABELS,
    DEFAULT_PROFILE,
    DEFAULT_WORKING_DAYS,
    HUNDRED,
    PROFILES,
    TIERS,
    ModelLine,
    ModelShare,
    TokenLine,
    UsageMix,
    Valuation,
    ValuationError,
    value_token_line,
)


def decimal_argument(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def date_argument(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def zone_argument(text: str) -> str:
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(text) from None
    return text


def hours_argument(text: str) -> tuple[datetime.time, datetime.time]:
    starts, _, ends = text.partition("-")
    start, end = datetime.time.fromisoformat(starts), datetime.time.fromisoformat(ends)
    if start == end:
        raise ValueError(text)
    return start, end


def shares_argument(text: str) -> tuple[Decimal, ...]:
    parts = tuple(decimal_argument(part) for part in text.split(","))
    if len(parts) != 4:
        raise ValueError(text)
    return parts


def plain(number: Decimal) -> str:
    """A decimal as plain digits: never `1E+1`."""
    return format(number.normalize(), "f")


def dollars(number: Decimal) -> str:
    """Money to the cent, as plain digits: `150.00`."""
    return format(round_money(number), "f")


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
    help = "Value a daily token budget against the prices in force."

    def add_arguments(self, parser: CommandParser) -> None:
        amount = parser.add_mutually_exclusive_group(required=True)
        amount.add_argument("--usd-per-day", type=decimal_argument)
        amount.add_argument("--tokens-per-day", type=int)
        parser.add_argument("--model", action="append", required=True, help="repeat for a split")
        parser.add_argument(
            "--share", action="append", type=decimal_argument, help="percent per --model"
        )
        parser.add_argument("--profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE)
        parser.add_argument(
            "--shares",
            type=shares_argument,
            metavar="FRESH,CACHE_WRITE,CACHE_READ,OUTPUT",
            help="usage mix in percent of tokens, instead of the profile's (must add up to 100)",
        )
        parser.add_argument("--tier", choices=TIERS, default="standard")
        parser.add_argument(
            "--long-context-share",
            type=decimal_argument,
            default=None,
            metavar="PERCENT",
            help="tokens sent in requests above the model's long-context threshold (default: "
            "the profile's estimate for each model, 0 where it has none)",
        )
        parser.add_argument(
            "--regional",
            action="store_true",
            help="value with the makers' published uplift for regional processing (data "
            "residency); refused for a model whose maker publishes none",
        )
        parser.add_argument("--working-days", type=int, default=DEFAULT_WORKING_DAYS)
        parser.add_argument(
            "--start-date",
            type=date_argument,
            metavar="YYYY-MM-DD",
            help="the budget's first day: valued with the prices in force then (default today); "
            "changes within a year of it are listed",
        )
        parser.add_argument(
            "--time-zone",
            type=zone_argument,
            default="UTC",
            help="where the working day is (models priced by time of day), e.g. Europe/Berlin",
        )
        parser.add_argument(
            "--working-hours",
            type=hours_argument,
            default=(datetime.time(9), datetime.time(17)),
            metavar="HH:MM-HH:MM",
            help="the working day in that zone (default 09:00-17:00)",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        in_force = prices_in_force()
        snapshot = in_force.snapshot
        if snapshot is None:
            raise CommandError("No price snapshot yet: run `manage.py refresh_prices` first.")
        models = [find_model(snapshot, model_id) for model_id in options["model"]]
        shares = options["share"] or ([Decimal(100)] if len(models) == 1 else None)
        if shares is None or len(shares) != len(models):
            raise CommandError("Give one --share (percent) for each --model.")
        profile = PROFILES[options["profile"]]
        today = timezone.localdate()
        start = max(options["start_date"] or today, today)
        hours = WorkingHours(options["time_zone"], *options["working_hours"])

        def value_on(day: datetime.date) -> Valuation:
            mix = UsageMix.from_percent(*options["shares"]) if options["shares"] else profile.mix
            given = options["long_context_share"]
            if given is not None and not 0 <= given <= 100:
                raise ValuationError("--long-context-share is a percentage from 0 to 100")

            def uplift(model: ModelPrice) -> Decimal:
                if not options["regional"]:
                    return Decimal(1)
                found = residency_for(model.model_id)
                if found is None:
                    raise ValuationError(
                        f"{model.display_name}'s maker publishes no price for regional processing"
                    )
                return found.uplift

            def long_share(model: ModelPrice) -> Decimal:
                if given is not None:
                    return Decimal(given)
                return profile.long_request_estimate(model.long_context_threshold)

            return value_token_line(
                TokenLine(
                    models=tuple(
                        ModelShare(
                            rates=model.rates(on=day, hours=hours),
                            share=share / HUNDRED,
                            tier=options["tier"],
                            long_context_share=long_share(model) / HUNDRED,
                            residency_uplift=uplift(model),
                        )
                        for model, share in zip(models, shares, strict=True)
                    ),
                    profile=profile,
                    mix=mix,
                    usd_per_day=options["usd_per_day"],
                    tokens_per_day=options["tokens_per_day"],
                    working_days=options["working_days"],
                    agent_hours_per_day=settings.TOKEN_AGENT_HOURS_PER_DAY,
                )
            )

        try:
            valuation = value_on(start)
            first_year_ends = start + datetime.timedelta(days=365)
            changes = {
                model.model_id: [
                    (day, value_on(day))
                    for day in model.changes_after(start)
                    if day <= first_year_ends
                ]
                for model in models
            }
        except ValuationError as error:
            raise CommandError(str(error)) from None
        quote = Quote(valuation, snapshot, in_force.reason, start, hours, changes)
        if options["json"]:
            self.stdout.write(json.dumps(as_json(quote), indent=2))
        else:
            self.stdout.write(as_text(quote))


@dataclass(frozen=True)
class Quote:
    valuation: Valuation
    snapshot: PriceSnapshot
    reason: str
    valued_on: datetime.date
    hours: WorkingHours
    # Per model: each later day its prices change, and the budget valued with that day's.
    changes: dict[str, list[tuple[datetime.date, Valuation]]]

    def line_changes(self, model_id: str) -> list[tuple[datetime.date, ModelLine]]:
        return [
            (day, next(x for x in later.lines if x.model_id == model_id))
            for day, later in self.changes.get(model_id, [])
        ]


def as_json(quote: Quote) -> dict[str, object]:
    valuation, snapshot = quote.valuation, quote.snapshot
    return {
        "usd_per_day": dollars(valuation.usd_per_day),
        "usd_per_year": dollars(valuation.usd_per_year),
        "working_days": valuation.working_days,
        "profile": valuation.profile.key,
        "shares": {name: plain(share) for name, share in valuation.mix.percent().items()},
        "models": [
            {
                "model": line.model_id,
                "share": plain(line.share),
                "tier": line.tier,
                "long_context_share": plain(line.long_context_share),
                "usd_per_day": dollars(line.usd_per_day),
                "tokens_per_day": line.tokens_per_day,
                "blended_usd_per_million": plain(line.blended_per_million),
                "classes": {
                    price.name: {
                        "share": plain(price.share),
                        "usd_per_million": plain(price.usd_per_million),
                        "basis": price.basis,
                    }
                    for price in line.classes
                },
                "agents": None
                if line.agents is None
                else plain(line.agents.quantize(Decimal("0.1"))),
                "peak_hours_share": plain(line.peak_share),
                "price_changes": [
                    {
                        "date": day.isoformat(),
                        "classes": {
                            price.name: plain(price.usd_per_million) for price in later.classes
                        },
                        "tokens_per_day": later.tokens_per_day,
                    }
                    for day, later in quote.line_changes(line.model_id)
                ],
            }
            for line in valuation.lines
        ],
        "notes": valuation.notes,
        "prices": {
            "source": snapshot.source,
            "as_of": snapshot.prices_as_of.date().isoformat(),
            "snapshot": snapshot.pk,
            "in_force": quote.reason,
            "valued_on": quote.valued_on.isoformat(),
            "working_hours": str(quote.hours),
        },
    }


def as_text(quote: Quote) -> str:
    valuation, snapshot = quote.valuation, quote.snapshot
    mix = ", ".join(
        f"{CLASS_LABELS[name]} {plain(share)}%" for name, share in valuation.mix.percent().items()
    )
    lines = [
        f"${round_money(valuation.usd_per_day):,} per day, "
        f"${round_money(valuation.usd_per_year):,} per year "
        f"({valuation.working_days} working days), usage: {valuation.mix_label} ({mix})",
    ]
    for line in valuation.lines:
        lines.append(
            f"  {line.display_name} ({line.tier}): {line.tokens_per_day:,} tokens per day for "
            f"${round_money(line.usd_per_day):,} "
            f"(${plain(line.blended_per_million)} per 1M tokens blended)"
        )
        for price in line.classes:
            if price.share:
                lines.append(
                    f"    {CLASS_LABELS[price.name]}: {plain(price.share * 100)}% at "
                    f"${plain(price.usd_per_million)} per 1M ({price.basis})"
                )
        if line.peak_share:
            lines.append(
                f"    {plain((line.peak_share * 100).quantize(Decimal('0.1')))}% of the working "
                f"day ({quote.hours}) falls in its peak hours: valued over that mix"
            )
        for day, later in quote.line_changes(line.model_id):
            lines.append(
                f"    from {day:%Y-%m-%d}: {later.tokens_per_day:,} tokens per day for the same "
                "dollars"
            )
    lines += [f"  note: {note}" for note in valuation.notes]
    lines.append(
        f"Prices: {snapshot} (snapshot #{snapshot.pk}), in force on "
        f"{quote.valued_on:%Y-%m-%d}. {quote.reason}"
    )
    return "\n".join(lines)
