"""The figures lists show are stored on the offer: always equal to the computed ones."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from offers.apps import store_missing_figures
from offers.models import Offer
from offers.services import (
    candidate_link_create,
    candidate_link_find,
    offer_accept,
    offer_approve,
    offer_reject,
    offer_submit,
    offer_withdraw,
    offers_expire,
)
from pricing.money import round_money
from tests import factories

pytestmark = pytest.mark.django_db


def assert_listed_equal_computed(offer: Offer) -> None:
    fresh = Offer.objects.get(pk=offer.pk)
    assert fresh.listed_first_year_total == round_money(fresh.figures.first_year_total)
    assert fresh.listed_four_year_total == round_money(fresh.figures.four_year_total)
    assert fresh.listed_token_usd_per_day == round_money(fresh.figures.usd_per_day)
    assert fresh.listed_token_per_year_in_currency == round_money(
        fresh.figures.per_year_in_currency
    )


def test_listed_figures_equal_the_computed_ones_after_every_service(
    recruiter: User, manager: User
) -> None:
    offer = factories.offer(by=recruiter, hiring_manager=manager)
    assert_listed_equal_computed(offer)
    steps = [
        lambda o: factories.edit(o, by=recruiter, base_salary=Decimal("210000")),
        lambda o: factories.edit(o, by=recruiter, token_usd_per_day=Decimal("95.50")),
        lambda o: factories.edit(o, by=recruiter, currency="EUR", usd_exchange_rate=Decimal("0.9")),
        lambda o: offer_submit(offer=o, by=recruiter),
        lambda o: offer_reject(offer=o, by=manager, note="Too high."),
        lambda o: factories.edit(o, by=recruiter, equity_units=1000),
        lambda o: offer_submit(offer=o, by=recruiter),
        lambda o: offer_approve(offer=o, by=manager),
        lambda o: factories.edit(o, by=recruiter, sign_on_bonus=Decimal("5000")),
        lambda o: offer_approve(offer=o, by=manager),
        lambda o: candidate_link_create(offer=o, by=recruiter)[0].offer,
    ]
    for step in steps:
        offer = step(Offer.objects.get(pk=offer.pk))
        assert_listed_equal_computed(offer)
    _, token = candidate_link_create(offer=Offer.objects.get(pk=offer.pk), by=recruiter)
    link = candidate_link_find(token)
    assert link is not None
    offer_accept(link=link, full_name="Dana Candidate", confirmed=True, ip="", user_agent="")
    assert_listed_equal_computed(offer)
    other = factories.offer(by=recruiter, hiring_manager=manager)
    offer_withdraw(offer=other, by=recruiter)
    assert_listed_equal_computed(other)
    late = offer_submit(offer=factories.offer(by=recruiter, hiring_manager=manager), by=recruiter)
    Offer.objects.filter(pk=late.pk).update(expires_on=datetime.date(2020, 1, 1))
    offers_expire()
    assert_listed_equal_computed(late)


def test_offers_saved_before_the_figures_were_stored_get_them_after_migrate(
    offer: Offer,
) -> None:
    Offer.objects.filter(pk=offer.pk).update(listed_first_year_total=None)
    store_missing_figures()
    assert_listed_equal_computed(offer)


def test_the_list_is_one_plain_query_and_sorts_by_figures(
    client: Client, recruiter: User, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for salary, budget in [("150000", "300"), ("250000", "10"), ("200000", "150")]:
        factories.offer(
            by=recruiter,
            base_salary=Decimal(salary),
            token_usd_per_day=Decimal(budget),
            candidate_name=f"Base {salary}",
        )
    client.force_login(recruiter)
    # session, user, role, count, one page of offers: however many offers there are.
    with django_assert_max_num_queries(5):
        page = client.get(reverse("offers:list"), {"sort": "-first_year"}).content.decode()
    assert page.index("Base 250000") < page.index("Base 200000") < page.index("Base 150000")
    by_tokens = client.get(reverse("offers:list"), {"sort": "tokens"}).content.decode()
    assert (
        by_tokens.index("Base 250000")
        < by_tokens.index("Base 200000")
        < by_tokens.index("Base 150000")
    )
    assert "$300.00" in by_tokens


def test_the_list_sorts_first_year_totals_in_dollars_across_currencies(
    client: Client, recruiter: User
) -> None:
    # 4,200,000 rupees at 83.5 a dollar is about $50,000: less than a $200,000 package.
    factories.offer(
        by=recruiter,
        candidate_name="Rupee Offer",
        currency="INR",
        usd_exchange_rate=Decimal("83.5"),
        base_salary=Decimal("4200000"),
        equity_type="none",
        equity_units=0,
    )
    factories.offer(by=recruiter, candidate_name="Dollar Offer")
    client.force_login(recruiter)
    page = client.get(reverse("offers:list"), {"sort": "-first_year"}).content.decode()
    assert page.index("Dollar Offer") < page.index("Rupee Offer")
