"""Finance's page of promised against spent after hire (`budgets.spend`), from the rows the spend
sync writes; the sync itself runs against the real gateway in `tests/test_token_budgets.py`."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from budgets.models import BudgetGrant, DailySpend, ModelSpend
from offers.models import Department
from offers.roles import FINANCE
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime.now(datetime.UTC).date()


def employee(
    recruiter: Any,
    manager: Any,
    *,
    usd: str,
    department: Department | None = None,
    days: list[tuple[int, str]],
    models: dict[str, str] | None = None,
) -> BudgetGrant:
    """An accepted offer with an active budget and a spend row for each (days ago, usd)."""
    terms: dict[str, Any] = {"token_usd_per_day": Decimal(usd)}
    if department is not None:
        terms["department"] = department
    offer = factories.accepted(
        factories.offer(by=recruiter, hiring_manager=manager, **terms),
        recruiter=recruiter,
        manager=manager,
    )
    grant = BudgetGrant.objects.create(
        offer=offer,
        gateway="mlflow",
        identity=f"offer-{offer.pk}",
        state="active",
        usd_per_day=Decimal(usd),
        active_since=timezone.now() - datetime.timedelta(days=400),
        spend_read_at=timezone.now(),
    )
    for ago, spent in days:
        DailySpend.objects.create(
            grant=grant,
            day=TODAY - datetime.timedelta(days=ago),
            usd=Decimal(spent),
            cap_usd=Decimal(usd),
            capped=Decimal(spent) >= Decimal(usd),
            read_at=timezone.now(),
        )
    for model, spent in (models or {}).items():
        ModelSpend.objects.create(grant=grant, day=TODAY, model=model, usd=Decimal(spent))
    return grant


def department(name: str, recruiter: Any) -> Department:
    made = Department.objects.create(name=name)
    made.recruiters.add(recruiter)
    return made


def finance_client(client: Any) -> Any:
    client.force_login(factories.user("fiona", role=FINANCE))
    return client


def test_promised_against_spent_by_department_month_and_model_with_the_prices_named(
    recruiter: Any, manager: Any, client: Any
) -> None:
    platform = department("Platform", recruiter)
    first = employee(
        recruiter,
        manager,
        usd="10",
        days=[(0, "10.5"), (1, "2"), (2, "0")],
        models={"gpt-5": "8", "claude": "2.5"},
    )
    employee(
        recruiter, manager, usd="20", department=platform, days=[(0, "5")], models={"gpt-5": "5"}
    )
    page = finance_client(client).get(reverse("budgets:spend"))
    assert page.status_code == 200
    html = page.content.decode()
    # In total: 4 days promised $10 + $10 + $10 + $20 = $50, spent $17.50, one capped day.
    total = html.split('data-table="departments"')[1].split('data-row="total"')[1]
    assert "$50.00" in total and "$17.50" in total and "35.0%" in total
    assert '<td class="num" data-figure="capped">1</td>' in total
    platform_row = html.split('data-row="Platform"')[1].split("</tr>")[0]
    assert "$20.00" in platform_row and "$5.00" in platform_row and "25.0%" in platform_row
    models = html.split('data-table="models"')[1]
    assert 'data-model="gpt-5"' in models and "$13.00" in models and "83.9%" in models
    # Which prices each side is at.
    assert str(first.offer.price_snapshot) in html
    assert "MLflow AI Gateway counted, at its own prices" in html
    assert "Spend last read" in html


def test_the_csv_has_one_row_per_person_and_month_without_names(
    recruiter: Any, manager: Any, client: Any
) -> None:
    grant = employee(recruiter, manager, usd="10", days=[(0, "4"), (1, "10")])
    response = finance_client(client).get(reverse("budgets:spend_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sum(int(row["days"]) for row in rows) == 2
    assert {row["offer_id"] for row in rows} == {str(grant.offer_id)}
    assert grant.offer.candidate_name not in response.content.decode()
    promised = sum(Decimal(row["promised_usd"]) for row in rows)
    spent = sum(Decimal(row["spent_usd"]) for row in rows)
    assert (promised, spent) == (Decimal("20.00"), Decimal("14.00"))
    assert all(row["spent_at_prices"] == "MLflow AI Gateway's own prices" for row in rows)
    assert all(row["promised_at_prices"] == str(grant.offer.price_snapshot) for row in rows)


def test_stale_figures_are_said_and_only_finance_and_recruiters_see_the_page(
    recruiter: Any, manager: Any, client: Any
) -> None:
    grant = employee(recruiter, manager, usd="10", days=[(0, "1")])
    BudgetGrant.objects.filter(pk=grant.pk).update(spend_stale_since=timezone.now())
    html = finance_client(client).get(reverse("budgets:spend")).content.decode()
    assert "The gateway did not answer when spend was last read for 1 person" in html
    client.force_login(manager)
    assert client.get(reverse("budgets:spend")).status_code == 403
    assert client.get(reverse("budgets:spend_csv")).status_code == 403
    client.logout()
    assert client.get(reverse("budgets:spend")).status_code == 302


def test_a_recruiter_sees_their_departments_only(recruiter: Any, manager: Any, client: Any) -> None:
    elsewhere = department("Elsewhere", recruiter)
    employee(recruiter, manager, usd="10", days=[(0, "3")])
    employee(recruiter, manager, usd="10", department=elsewhere, days=[(0, "7")])
    Department.objects.get(pk=elsewhere.pk).recruiters.clear()
    Department.objects.get(name="Engineering").recruiters.add(recruiter)
    client.force_login(recruiter)
    html = client.get(reverse("budgets:spend")).content.decode()
    assert 'data-row="Elsewhere"' not in html and "$3.00" in html and "$7.00" not in html


def test_the_page_makes_the_same_queries_for_two_people_or_twenty(
    recruiter: Any, manager: Any, client: Any
) -> None:
    finance_client(client)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("budgets:spend")).status_code == 200
        return len(captured)

    for _ in range(2):
        employee(recruiter, manager, usd="10", days=[(n, "1") for n in range(3)], models={"m": "1"})
    few = queries()
    for _ in range(18):
        employee(
            recruiter,
            manager,
            usd="10",
            days=[(n, "1") for n in range(30)],
            models={"m": "1", "n": "2"},
        )
    assert queries() == few


def test_the_api_gives_an_offers_budget_and_takes_the_last_day(
    recruiter: Any, manager: Any, client: Any, key: str
) -> None:
    grant = employee(
        recruiter, manager, usd="10", days=[(1, "10"), (0, "4")], models={"gpt-5": "4"}
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    url = f"/api/v1/offers/{grant.offer_id}/budget"
    body = client.get(url, **auth).json()
    assert body["state"] == "active" and body["usd_per_day"] == "10.00"
    assert body["promised_at"] == str(grant.offer.price_snapshot)
    assert body["spent_at"] == "the MLflow AI Gateway's own prices (its model catalog)"
    assert [(d["promised_usd"], d["spent_usd"], d["capped"]) for d in body["days"]] == [
        ("10.00", "10.0000", True),
        ("10.00", "4.0000", False),
    ]
    assert body["days"][1]["models"] == {"gpt-5": "4.0000"}
    assert client.get(url, {"days": 1}, **auth).json()["days"][0]["day"] == TODAY.isoformat()
    assert client.get(url, {"days": 0}, **auth).status_code == 422

    last_day = grant.offer.start_date + datetime.timedelta(days=365)
    response = client.put(
        url + "/end", {"ends_on": last_day.isoformat()}, content_type="application/json", **auth
    )
    assert response.status_code == 200 and response.json()["ends_on"] == last_day.isoformat()
    assert grant.offer.events.get(action="budget end set").actor == recruiter
    too_early = grant.offer.start_date - datetime.timedelta(days=1)
    refused = client.put(
        url + "/end", {"ends_on": too_early.isoformat()}, content_type="application/json", **auth
    )
    assert refused.status_code == 409 and "before the start date" in refused.json()["detail"]
    BudgetGrant.objects.filter(pk=grant.pk).delete()
    assert client.get(url, **auth).status_code == 404
