"""The token budget after hire, measured (issue 35).

Run by hand: `.venv/bin/python tests/benchmarks/bench_budgets.py [--offers 200] [--people 1000]
[--days 365]` with DATABASE_URL (PostgreSQL) as in production; without it SQLite. Needs the
MLflow gateway `make test` installs (var/tools/mlflow); starts its own on loopback.

Prints:
1. Provisioning N accepted offers against the real gateway: seconds each (median, 95th
   percentile) and gateway calls each.
2. One spend sync over P active identities: a usual run (past days settled: today's window
   for everyone in one listing) and the first run after midnight (each person's yesterday
   read from the gateway's traces): gateway calls and seconds. N of the identities exist in
   the gateway; the others are grants whose traces are searched alike (same call, empty
   answer), said in the output.
3. The finance page (/budgets/spend/) with 10 employees and with P employees × D days of spend
   rows: the queries of each (the same number is the point) and the time, beside the same page
   with no spend rows.
Last line: key=value.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.benchmarks.bench_settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

MODEL = "bench-model"


def counting() -> list[str]:
    """Every gateway call, as HttpGateway._call makes it."""
    from budgets.gateways import HttpGateway

    calls: list[str] = []
    original = HttpGateway._call

    def counted(self, method, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(f"{method} {path}")
        return original(self, method, path, *args, **kwargs)

    HttpGateway._call = counted  # type: ignore[method-assign]
    return calls


def accepted_offers(count: int, recruiter, manager):  # type: ignore[no-untyped-def]
    """`count` accepted offers: one made as the builder makes it, the rest copies of it."""
    from offers.models import Offer, TokenAllocation
    from tests import factories

    first = factories.offer(by=recruiter, hiring_manager=manager)
    Offer.objects.filter(pk=first.pk).update(status="accepted")
    allocations = list(TokenAllocation.objects.filter(offer=first))
    offers = []
    for _ in range(count):
        offer = Offer.objects.get(pk=first.pk)
        offer.pk = None
        offer.save()
        for allocation in allocations:
            allocation.pk, allocation.offer = None, offer
            allocation.save()
        offers.append(offer)
    return offers


def page(client: Client) -> tuple[int, float]:
    client.get("/budgets/spend/")  # warm
    timings = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/budgets/spend/")
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return len(captured), statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=200)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    options = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    figures: dict[str, str] = {}
    try:
        call_command("migrate", verbosity=0)
        from budgets.local_gateway import running
        from budgets.models import BudgetGrant, DailySpend, ModelSpend
        from budgets.services import budget_provision, budget_sync
        from offers.roles import FINANCE, HIRING_MANAGERS
        from tests import factories

        factories.ensure_roles()
        factories.snapshot()
        recruiter = factories.user("bench-recruiter")
        manager = factories.user("bench-manager", role=HIRING_MANAGERS, is_staff=True)
        finance = factories.user("bench-finance", role=FINANCE)
        client = Client()
        client.force_login(finance)
        # The page with no spend rows at all.
        queries_empty, seconds_empty = page(client)

        with running(
            Path(tempfile.mkdtemp()) / "mlflow",
            port=5099,
            admin="bench-admin",
            admin_key="bench-admin-key",
            prices={MODEL: (Decimal(3), Decimal(15))},
        ) as local:
            settings.TOKEN_GATEWAY, settings.TOKEN_GATEWAY_URL = "mlflow", local.url
            settings.TOKEN_GATEWAY_ADMIN_USER = "bench-admin"
            settings.TOKEN_GATEWAY_ADMIN_KEY = "bench-admin-key"
            settings.TOKEN_GATEWAY_MODELS = {"claude-sonnet-4-5": MODEL}
            calls = counting()

            # 1. Provisioning.
            offers = accepted_offers(options.offers, recruiter, manager)
            seconds, calls_each = [], []
            for offer in offers:
                before = len(calls)
                started = time.perf_counter()
                budget_provision(offer=offer, by=None)
                seconds.append(time.perf_counter() - started)
                calls_each.append(len(calls) - before)
            seconds.sort()
            figures["provision_s_median"] = f"{statistics.median(seconds):.3f}"
            figures["provision_s_p95"] = f"{seconds[int(len(seconds) * 0.95) - 1]:.3f}"
            figures["provision_calls_each"] = f"{statistics.median(calls_each):g}"
            print(
                f"Provisioning {len(offers)} accepted offers against the MLflow gateway: "
                f"{figures['provision_s_median']} s each (median), "
                f"{figures['provision_s_p95']} s (95th percentile), "
                f"{figures['provision_calls_each']} gateway calls each "
                f"(min {min(calls_each)}, max {max(calls_each)})."
            )

            # 2. One sync over `people` identities.
            extra = accepted_offers(options.people - len(offers), recruiter, manager)
            now = timezone.now()
            BudgetGrant.objects.bulk_create(
                BudgetGrant(
                    offer=offer,
                    gateway="mlflow",
                    identity=f"offer-{offer.pk}-bench0",
                    state="active",
                    usd_per_day=Decimal("120"),
                    active_since=now - datetime.timedelta(days=3),
                )
                for offer in extra
            )
            active = BudgetGrant.objects.filter(state="active").count()
            BudgetGrant.objects.update(active_since=now - datetime.timedelta(days=3))
            budget_sync()  # reads every person's days once
            before, started = len(calls), time.perf_counter()
            budget_sync()  # a usual run: the past days have settled
            usual_s, usual_calls = time.perf_counter() - started, len(calls) - before
            DailySpend.objects.filter(day__lt=now.date()).update(
                read_at=now - datetime.timedelta(days=2)
            )
            before, started = len(calls), time.perf_counter()
            budget_sync()  # the first run after midnight: yesterday read from the traces
            first_s, first_calls = time.perf_counter() - started, len(calls) - before
            figures.update(
                sync_identities=str(active),
                sync_usual_s=f"{usual_s:.2f}",
                sync_usual_calls=str(usual_calls),
                sync_after_midnight_s=f"{first_s:.2f}",
                sync_after_midnight_calls=str(first_calls),
            )
            print(
                f"One spend sync over {active} active identities ({len(offers)} in the gateway, "
                f"{active - len(offers)} searched alike): a usual run {usual_s:.2f} s, "
                f"{usual_calls} gateway calls; the first run after midnight {first_s:.2f} s, "
                f"{first_calls} gateway calls."
            )

        # 3. The finance page: 10 employees, then `people` × `days`.
        DailySpend.objects.all().delete()
        ModelSpend.objects.all().delete()
        grants = list(BudgetGrant.objects.order_by("pk"))
        today = timezone.now().date()

        def rows(chosen, days):  # type: ignore[no-untyped-def]
            batch_days, batch_models = [], []
            for grant in chosen:
                for offset in range(days):
                    day = today - datetime.timedelta(days=offset)
                    usd = Decimal((grant.pk * 7 + offset * 13) % 130)
                    batch_days.append(
                        DailySpend(
                            grant=grant,
                            day=day,
                            usd=usd,
                            cap_usd=Decimal(120),
                            capped=usd >= 120,
                            read_at=now,
                        )
                    )
                    batch_models.append(ModelSpend(grant=grant, day=day, model=MODEL, usd=usd))
                if len(batch_days) > 20000:
                    DailySpend.objects.bulk_create(batch_days, batch_size=5000)
                    ModelSpend.objects.bulk_create(batch_models, batch_size=5000)
                    batch_days, batch_models = [], []
            DailySpend.objects.bulk_create(batch_days, batch_size=5000)
            ModelSpend.objects.bulk_create(batch_models, batch_size=5000)

        rows(grants[:10], options.days)
        queries_few, seconds_few = page(client)
        rows(grants[10:], options.days)
        queries_many, seconds_many = page(client)
        spend_rows = DailySpend.objects.count()
        figures.update(
            page_queries_empty=str(queries_empty),
            page_queries_10=str(queries_few),
            page_queries_many=str(queries_many),
            page_s_empty=f"{seconds_empty:.3f}",
            page_s_10=f"{seconds_few:.3f}",
            page_s_many=f"{seconds_many:.3f}",
            page_spend_rows=str(spend_rows),
        )
        print(
            f"The finance page: no spend rows {queries_empty} queries, {seconds_empty:.3f} s; "
            f"10 employees × {options.days} days {queries_few} queries, {seconds_few:.3f} s; "
            f"{len(grants)} employees × {options.days} days ({spend_rows} rows, as many by model) "
            f"{queries_many} queries, {seconds_many:.3f} s (median of 5; {connection.vendor})."
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
