"""`make run`'s LLM gateway: a real MLflow AI Gateway on loopback (at TOKEN_GATEWAY_URL) with the
demo provider behind it (`budgets.local_gateway`), an endpoint for each model of the demo's
offers priced as the app's prices in force price it, and the demo's signed offer provisioned
with a few days of spend. It runs beside the web (the web does not wait for it) and stays in
the foreground until stopped; where it cannot start, it says why and waits, so that the rest
of `make run` keeps running."""

from __future__ import annotations

import datetime
import os
import signal
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from budgets.gateways import GatewayError, gateway_model
from budgets.local_gateway import MLFLOW, running
from budgets.models import BudgetGrant
from budgets.services import SETTLED, budget_provision, budget_sync, day_write, end_of_day
from offers import lifecycle
from offers.models import Offer, TokenAllocation
from offers.services import OfferError
from pricing.models import ModelPrice

FOLDER = Path(settings.BASE_DIR) / "var" / "demo-gateway"
SIGNED = "Daniel Kim"  # the demo's signed and countersigned offer
# The demo's history before today: each day's share of the cap (a weekend of nothing, one day
# at the cap, as the gateway lets the crossing call through).
HISTORY = [Decimal("0.42"), Decimal("0.78"), Decimal("0"), Decimal("0"), Decimal("1.02")]


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/health", timeout=1)
    except httpx.HTTPError:
        return False
    return True


def _stop(*_: Any) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the demo's MLflow AI Gateway on loopback (make run starts it beside the web)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo gateway has public passwords: run with DEBUG=true.")
        where = urlsplit(settings.TOKEN_GATEWAY_URL)
        if os.environ.get("TOKEN_GATEWAY_DEMO") != "yes":
            self._idle(
                "The demo gateway starts only with make run's own settings (TOKEN_GATEWAY_URL "
                "was given): the app uses that gateway, and the demo leaves it alone."
            )
        if settings.TOKEN_GATEWAY != "mlflow" or where.hostname != "127.0.0.1" or not where.port:  # noqa: S105
            self._idle(
                "TOKEN_GATEWAY is not a loopback MLflow gateway "
                f"({settings.TOKEN_GATEWAY or 'not set'}): the demo gateway is not started."
            )
        if _answers(settings.TOKEN_GATEWAY_URL):
            self._idle(
                f"Something already answers at {settings.TOKEN_GATEWAY_URL}: the demo gateway is "
                "not started there, and what answers is left alone."
            )
        if not MLFLOW.exists():
            self._idle(f"{MLFLOW} is missing (make run installs it): no demo gateway.")
        try:
            with running(
                FOLDER,
                port=where.port,
                admin=settings.TOKEN_GATEWAY_ADMIN_USER,
                admin_key=settings.TOKEN_GATEWAY_ADMIN_KEY,
                prices=self._prices(),
            ) as local:
                signal.signal(signal.SIGTERM, _stop)  # honcho's stop: the finally stops MLflow
                self._demo(local)
                self.stdout.write(
                    f"The demo LLM gateway answers at {local.url} (its log: {FOLDER}/server.log)."
                )
                while local.process.poll() is None:
                    time.sleep(1)
                self._idle(f"The demo gateway stopped: see {FOLDER}/server.log.")
        except KeyboardInterrupt:
            return
        except (RuntimeError, GatewayError, OfferError) as error:
            self._idle(f"The demo gateway did not start: {error}")

    def _idle(self, reason: str) -> NoReturn:
        """Say why and wait: honcho stops every process when one ends."""
        self.stderr.write(reason)
        self.stderr.flush()  # now, not when the process ends: it may never end
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            raise SystemExit(0) from None

    def _prices(self) -> dict[str, tuple[Decimal, Decimal]]:
        """The gateway's catalog: each demo model at the prices its offers were valued with."""
        prices: dict[str, tuple[Decimal, Decimal]] = {}
        for allocation in TokenAllocation.objects.select_related("offer"):
            price = ModelPrice.objects.filter(
                snapshot_id=allocation.offer.price_snapshot_id, model_id=allocation.model_id
            ).first()
            if price is not None:
                prices[gateway_model(allocation.model_id)] = (
                    price.input_per_million,
                    price.output_per_million,
                )
        return prices

    def _demo(self, local: Any) -> None:
        offer = Offer.objects.filter(candidate_name=SIGNED, status__in=lifecycle.COMMITTED).first()
        if offer is None:
            self.stderr.write(f"No accepted offer of {SIGNED}: load the demo data first.")
            return
        grant = BudgetGrant.objects.filter(offer=offer).first()
        if grant is None or grant.state != BudgetGrant.State.ACTIVE:
            grant, credential = budget_provision(offer=offer, by=None)
            time.sleep(1.5)  # the gateway applies a new cap within a second
            model = grant.model_names[0] if grant.model_names else ""
            for _ in range(3):  # today's spend, real: three calls through the gateway
                local.call(grant.identity, credential, model)
            self._history(grant)
        time.sleep(2)  # each call's record is written just after it
        budget_sync(days=1, everything=True)

    def _history(self, grant: BudgetGrant) -> None:
        """Days before today, as demo rows (read long after each day ended, so the periodic
        read leaves them): the gateway itself only has today's calls."""
        today = timezone.now().astimezone(datetime.UTC).date()
        start = today - datetime.timedelta(days=len(HISTORY))
        BudgetGrant.objects.filter(pk=grant.pk).update(
            active_since=end_of_day(start - datetime.timedelta(days=1))
        )
        model = grant.model_names[0] if grant.model_names else "unknown"
        for offset, share in enumerate(HISTORY):
            day = start + datetime.timedelta(days=offset)
            usd = (grant.usd_per_day * share).quantize(Decimal("0.0001"))
            day_write(
                grant, day, usd, {model: usd} if usd else {}, read_at=end_of_day(day) + SETTLED
            )
