"""Token commitments: every figure equals a sum computed here from the offers themselves."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from offers.commitments import Filters, commitments, initials, month_starts, scope
from offers.letters.format import format_money
from offers.models import Department, Offer
from offers.roles import EXCEPTION_APPROVERS, FINANCE, HIRING_MANAGERS
from offers.services import (
    candidate_link_create,
    offer_withdraw,
)
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def book(recruiter: User, manager: User) -> dict[str, Offer]:
    """Offers in three currencies, five statuses, three departments and start dates from more
    than a year ago to months ahead."""
    engineering, _ = Department.objects.get_or_create(name="Engineering")
    research, _ = Department.objects.get_or_create(name="Research")
    sales, _ = Department.objects.get_or_create(name="Sales")

    def make(name: str, **data: object) -> Offer:
        models = data.pop("models", None)
        return factories.offer(
            by=recruiter,
            hiring_manager=manager,
            candidate_name=name,
            models=models,  # type: ignore[arg-type]
            **data,
        )

    offers = {
        "ada": factories.accepted(
            make("Ada Lovelace", department=engineering, level="L5", start_date=days(-200)),
            recruiter=recruiter,
            manager=manager,
        ),
        "bo": factories.accepted(
            make(
                "Bo Zhang",
                department=research,
                level="L5",
                currency="EUR",
                usd_exchange_rate=Decimal("0.92"),
                base_salary=Decimal("98000"),
                token_usd_per_day=Decimal("100"),
                working_days=220,
                start_date=days(95),  # never in the month of the default start (30 days)
                models=[("gpt-5", "60"), ("claude-sonnet-4-5", "40")],
            ),
            recruiter=recruiter,
            manager=manager,
        ),
        "chandra": factories.accepted(
            make(
                "Chandra Iyer",
                department=engineering,
                level="L6",
                currency="INR",
                usd_exchange_rate=Decimal("83.5"),
                base_salary=Decimal("4200000"),
                token_budget_unit="tokens",
                token_tokens_per_day=200_000_000,
                token_usd_per_day=Decimal("0"),
                start_date=days(-500),
                models=[("deepseek-v4-flash", "100")],
            ),
            recruiter=recruiter,
            manager=manager,
        ),
        "dee": factories.approved(
            make("Dee Okafor", department=research, level="L5", token_usd_per_day=Decimal("300")),
            recruiter=recruiter,
            manager=manager,
        ),
        "eli": make(
            "Eli Draft", department=engineering, level="L5", token_usd_per_day=Decimal("500")
        ),
        "fay": factories.accepted(
            make(
                "Fay Zero", department=sales, level="L4", token_usd_per_day=Decimal("0"), models=[]
            ),
            recruiter=recruiter,
            manager=manager,
        ),
    }
    sent = factories.approved(
        make("Gus Sent", department=sales, level="L4", token_usd_per_day=Decimal("80")),
        recruiter=recruiter,
        manager=manager,
    )
    candidate_link_create(offer=sent, by=recruiter)
    offers["gus"] = Offer.objects.get(pk=sent.pk)
    offers["hal"] = offer_withdraw(
        offer=make("Hal Gone", department=sales, level="L4", token_usd_per_day=Decimal("90")),
        by=recruiter,
    )
    return {key: Offer.objects.get(pk=offer.pk) for key, offer in offers.items()}


def per_day(offer: Offer) -> Decimal:
    """The offer's token dollars a day, valued now from its terms (not the stored figure)."""
    return Offer.objects.get(pk=offer.pk).figures.usd_per_day


def per_year(offer: Offer) -> Decimal:
    return per_day(offer) * offer.working_days


def finance_client() -> tuple[Client, User]:
    person = factories.user("frankie", role=FINANCE)
    client = Client()
    client.force_login(person)
    return client, person


def test_every_total_equals_a_sum_of_the_offers(book: dict[str, Offer]) -> None:
    committed = [book[k] for k in ["ada", "bo", "chandra", "fay"]]
    pending = [book["dee"], book["gus"]]
    assert [o.status for o in committed] == ["accepted"] * 4
    assert {o.status for o in pending} == {"approved", "sent"}
    client, _ = finance_client()
    response = client.get(reverse("offers:commitments"))
    assert response.status_code == 200
    figures = response.context["figures"]

    assert figures.total.committed.offers == 4
    assert figures.total.committed.usd_per_day == sum(map(per_day, committed))
    assert figures.total.committed.usd_per_year == sum(map(per_year, committed))
    assert figures.total.pending.offers == 2
    assert figures.total.pending.usd_per_day == sum(map(per_day, pending))
    assert figures.total.pending.usd_per_year == sum(map(per_year, pending))
    # The tokens budget is costed in dollars: 200M DeepSeek V4 Flash tokens a day.
    assert per_day(book["chandra"]) > 0

    departments = {row.name: row for row in figures.departments}
    assert departments["Engineering"].committed.usd_per_day == per_day(book["ada"]) + per_day(
        book["chandra"]
    )
    assert departments["Research"].committed.usd_per_year == per_year(book["bo"])
    assert departments["Research"].pending.usd_per_day == per_day(book["dee"])
    assert departments["Sales"].pending.usd_per_day == per_day(book["gus"])
    assert departments["Sales"].committed.offers == 1  # Fay, with no token budget

    levels = {row.name: row for row in figures.levels}
    assert levels["L5"].committed.usd_per_day == per_day(book["ada"]) + per_day(book["bo"])
    assert levels["L6"].committed.usd_per_year == per_year(book["chandra"])

    # By model: each model's own dollars (Bo's $100 split 60/40 between GPT-5 and Sonnet).
    models = {row.model_id: row for row in figures.models}
    bo_valuation = Offer.objects.get(pk=book["bo"].pk).figures.valuation
    ada_valuation = Offer.objects.get(pk=book["ada"].pk).figures.valuation
    assert bo_valuation is not None and ada_valuation is not None
    bo_lines = {line.model_id: line for line in bo_valuation.lines}
    ada_line = ada_valuation.lines[0]
    assert models["gpt-5"].committed.usd_per_day == bo_lines["gpt-5"].usd_per_day == Decimal("60")
    assert models["claude-sonnet-4-5"].committed.usd_per_day == ada_line.usd_per_day + Decimal("40")
    assert models["claude-sonnet-4-5"].committed.offers == 2
    assert models["claude-sonnet-4-5"].pending.usd_per_day == per_day(book["dee"]) + per_day(
        book["gus"]
    )
    assert models["claude-sonnet-4-5"].tokens_per_day == (
        ada_line.tokens_per_day + bo_lines["claude-sonnet-4-5"].tokens_per_day
    )
    assert models["claude-sonnet-4-5"].provider == "anthropic"  # the seller, as the prices name it
    assert (
        sum(row.committed.usd_per_day for row in figures.models)
        == figures.total.committed.usd_per_day
    )

    # The page shows the same figures.
    page = response.content.decode()
    committed_row = re.search(r'<tr data-row="committed">.*?</tr>', page, re.S)
    assert committed_row is not None
    assert format_money(figures.total.committed.usd_per_day, "USD") in committed_row.group()
    assert "What these figures do not know" in page


def test_the_months_count_accepted_offers_from_their_start(book: dict[str, Offer]) -> None:
    figures = commitments(Filters().apply(Offer.objects.all()), today=TODAY, prices_today=None)
    months = {m.month: m for m in figures.months}
    assert list(months) == month_starts(TODAY)
    assert len(months) == 25
    this_month = TODAY.replace(day=1)
    # Chandra started over a year ago: in force from the chart's first month.
    first = figures.months[0]
    assert first.in_force >= per_year(book["chandra"])
    # Ada started 200 days ago; Bo starts in 95 days.
    assert months[this_month].in_force == per_year(book["chandra"]) + per_year(
        book["ada"]
    ) + per_year(book["fay"])
    bo_month = book["bo"].start_date.replace(day=1)
    assert months[bo_month].starting == per_year(book["bo"])
    assert months[bo_month].offers_starting == 1
    assert figures.months[-1].in_force == figures.total.committed.usd_per_year
    assert (
        sum(m.starting for m in figures.months if m.month >= figures.months[0].month)
        + per_year(book["chandra"])
        == figures.total.committed.usd_per_year
    )


def test_today_prices_change_the_tokens_not_the_dollars(book: dict[str, Offer]) -> None:
    dearer = factories.dearer_snapshot("2")
    figures = commitments(Filters().apply(Offer.objects.all()), today=TODAY, prices_today=dearer)
    sonnet = next(row for row in figures.models if row.model_id == "claude-sonnet-4-5")
    # Twice the price: the same dollars buy half the tokens (to the token, per group).
    assert sonnet.tokens_today is not None
    assert abs(sonnet.tokens_today * 2 - sonnet.tokens_per_day) <= 4
    assert sonnet.tokens_change_percent is not None
    assert round(sonnet.tokens_change_percent) == -50
    assert sonnet.committed.usd_per_day == figures.total.committed.usd_per_day - sum(
        row.committed.usd_per_day for row in figures.models if row is not sonnet
    )
    client, _ = finance_client()
    page = client.get(reverse("offers:commitments")).content.decode()
    assert "−50%" in page


def test_spread_by_level_is_the_nearest_rank_median_and_90th_percentile(
    recruiter: User, manager: User
) -> None:
    budgets = [Decimal(n) for n in [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]]
    for index, budget in enumerate(budgets):
        offer = factories.offer(
            by=recruiter,
            hiring_manager=manager,
            level="L5",
            token_usd_per_day=budget,
            candidate_name=f"Candidate {index}",
        )
        factories.approved(offer, recruiter=recruiter, manager=manager)
    factories.offer(
        by=recruiter, hiring_manager=manager, level="L5", token_usd_per_day=Decimal(999)
    )
    figures = commitments(Filters().apply(Offer.objects.all()), today=TODAY, prices_today=None)
    (spread,) = figures.spreads
    ordered = sorted(budgets)
    n = len(ordered)
    assert spread.offers == n == 11
    assert spread.median == ordered[-(-n // 2) - 1] == Decimal(60)
    assert spread.p90 == ordered[-(-n * 9 // 10) - 1] == Decimal(100)
    assert spread.maximum == Decimal(110)  # the draft's $999 is no offer made


def test_the_builder_shows_what_is_usual_beside_the_budget(
    recruiter: User, manager: User, client: Client
) -> None:
    department = Department.objects.get_or_create(name="Engineering")[0]
    department.recruiters.add(recruiter)
    for index, budget in enumerate(["100", "120", "200"]):
        offer = factories.offer(
            by=recruiter,
            hiring_manager=manager,
            level="L5",
            token_usd_per_day=Decimal(budget),
            candidate_name=f"Candidate {index}",
        )
        factories.approved(offer, recruiter=recruiter, manager=manager)
    client.force_login(recruiter)
    draft = factories.offer(by=recruiter, hiring_manager=manager, level="L5")
    page = client.get(reverse("offers:edit", args=[draft.pk])).content.decode()
    assert (
        "L5 offers: median $120.00/day, 90% at or below $200.00, highest $200.00 "
        "(3 approved, sent or accepted offers in your departments)." in page
    )
    # Typing another level updates it beside the field (htmx, out of band) …
    post = factories.form_post(level="L7", budget_hint_for="L5", recompute="1")
    answer = client.post(reverse("offers:new"), post, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="budget-hint" hx-swap-oob="true"' in answer
    assert (
        "No approved, sent or accepted L7 offer in your departments has a token budget yet."
        in answer
    )
    # … and leaves it alone while the level stays.
    post = factories.form_post(level="L5", budget_hint_for="L5", recompute="1")
    answer = client.post(reverse("offers:new"), post, HTTP_HX_REQUEST="true").content.decode()
    assert "budget-hint" not in answer
    # A level the form refuses (a NUL byte, which PostgreSQL would refuse in the query) gets
    # the field's error and no hint, not a server error.
    for level in ["L5\x00", "\x00"]:
        post = factories.form_post(level=level, budget_hint_for="L5", recompute="1")
        response = client.post(reverse("offers:new"), post, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "Null characters are not allowed." in response.content.decode()


def test_who_sees_what(book: dict[str, Offer], recruiter: User, manager: User) -> None:
    urls = [
        reverse("offers:commitments"),
        reverse("offers:commitments_offers_csv"),
        reverse("offers:commitments_summary_csv"),
    ]
    # A hiring manager without the permission: 403 everywhere.
    client = Client()
    client.force_login(manager)
    assert [client.get(url).status_code for url in urls] == [403, 403, 403]
    # Nobody logged in: to the login page.
    assert Client().get(urls[0]).status_code == 302
    # Exception approvers and Finance see every department.
    approver = factories.user("xavier", role=EXCEPTION_APPROVERS, is_staff=True)
    assert scope(approver) is not None and scope(approver).count() == Offer.objects.count()  # type: ignore[union-attr]
    # A recruiter sees their own departments' figures only.
    Department.objects.get(name="Research").recruiters.add(recruiter)
    client.force_login(recruiter)
    response = client.get(urls[0])
    assert response.status_code == 200
    figures = response.context["figures"]
    assert [row.name for row in figures.departments] == ["Research"]
    assert figures.total.committed.usd_per_day == per_day(book["bo"])
    assert "You see your departments only: Research." in response.content.decode()
    rows = list(csv.DictReader(io.StringIO(client.get(urls[1]).content.decode())))
    assert {row["department"] for row in rows} == {"Research"}
    # Another department's id in the filter is refused, not shown.
    engineering = Department.objects.get(name="Engineering")
    response = client.get(urls[0], {"department": engineering.pk})
    assert response.context["form"].errors["department"]
    assert response.context["figures"].total.committed.usd_per_day == per_day(book["bo"])
    # A hiring manager given the Finance group sees them all.
    manager.groups.add(Group.objects.get(name=FINANCE))
    fresh = Client()
    fresh.force_login(User.objects.get(pk=manager.pk))
    assert fresh.get(urls[0]).context["figures"].total.committed.offers == 4
    assert User.objects.get(pk=manager.pk).groups.filter(name=HIRING_MANAGERS).exists()


def test_the_csv_has_initials_and_plain_decimals_and_agrees_with_the_page(
    book: dict[str, Offer],
) -> None:
    client, _ = finance_client()
    filters = {"status": "", "start_from": "", "start_to": ""}
    page = client.get(reverse("offers:commitments"), filters).context["figures"]
    body = client.get(reverse("offers:commitments_offers_csv"), filters).content.decode()
    for offer in book.values():
        assert offer.candidate_name not in body
        assert offer.candidate_email not in body
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {row["candidate_initials"] for row in rows} >= {"A.L.", "B.Z.", "C.I."}
    assert {row["status"] for row in rows} == {"Accepted", "Approved", "Sent"}
    for row in rows:
        assert re.fullmatch(r"\d+\.\d\d", row["usd_per_day"]), row
        assert re.fullmatch(r"\d+\.\d\d", row["usd_per_year"]), row
    committed = [Decimal(r["usd_per_year"]) for r in rows if r["status"] == "Accepted"]
    assert sum(committed) == page.total.committed.usd_per_year
    pending = [Decimal(r["usd_per_day"]) for r in rows if r["status"] != "Accepted"]
    assert sum(pending) == page.total.pending.usd_per_day
    chandra = next(r for r in rows if r["offer_id"] == str(book["chandra"].pk))
    assert "DeepSeek" in chandra["models"] and "as of" in chandra["prices"]

    summary = client.get(reverse("offers:commitments_summary_csv")).content.decode()
    lines = list(csv.reader(io.StringIO(summary)))
    by_key = {(line[0], line[1]): line for line in lines if len(line) == 8}
    total = by_key[("total", "All")]
    assert Decimal(total[3]) == page.total.committed.usd_per_day
    assert Decimal(total[7]) == page.total.pending.usd_per_year
    for row in page.departments:
        assert Decimal(by_key[("department", row.name)][4]) == row.committed.usd_per_year
    for row in page.models:
        assert Decimal(by_key[("model", row.name)][3]) == row.committed.usd_per_day
    month_lines = [
        line for line in lines if len(line) == 4 and re.fullmatch(r"\d{4}-\d\d", line[0])
    ]
    assert [Decimal(line[3]) for line in month_lines] == [m.in_force for m in page.months]


def test_filters_apply_to_the_page_and_the_csv_alike(book: dict[str, Offer]) -> None:
    client, _ = finance_client()
    research = Department.objects.get(name="Research")
    cases: list[tuple[dict[str, str | int], list[str], list[str]]] = [
        ({"department": research.pk}, ["bo"], ["dee"]),
        ({"status": "sent"}, [], ["gus"]),
        (
            {"start_from": days(-300).isoformat(), "start_to": days(40).isoformat()},
            ["ada", "fay"],
            ["dee", "gus"],
        ),
    ]
    for query, committed, pending in cases:
        figures = client.get(reverse("offers:commitments"), query).context["figures"]
        assert figures.total.committed.offers == len(committed), query
        assert figures.total.committed.usd_per_day == sum(per_day(book[k]) for k in committed)
        assert figures.total.pending.usd_per_day == sum(per_day(book[k]) for k in pending)
        rows = list(
            csv.DictReader(
                io.StringIO(
                    client.get(reverse("offers:commitments_offers_csv"), query).content.decode()
                )
            )
        )
        assert sorted(int(r["offer_id"]) for r in rows) == sorted(
            book[k].pk for k in [*committed, *pending]
        )
    # A range that ends before it starts: said beside the field, the rest still applies.
    response = client.get(
        reverse("offers:commitments"),
        {"start_from": days(10).isoformat(), "start_to": days(-10).isoformat()},
    )
    assert "The end of the range is before its start." in response.content.decode()
    total = response.context["figures"].total
    # From day 10 on: Fay (day 30) and Bo (day 95) committed, Dee and Gus (day 30) pending.
    assert (total.committed.offers, total.pending.offers) == (2, 2)


def test_the_page_makes_the_same_queries_for_few_offers_and_many(
    recruiter: User, manager: User
) -> None:
    client, _ = finance_client()
    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("offers:commitments")).status_code == 200
        return len(captured)

    few = queries()
    for index in range(30):
        copy = factories.offer(
            by=recruiter,
            hiring_manager=manager,
            level=f"L{index % 4 + 3}",
            candidate_name=f"Copy {index}",
            models=[("gpt-5", "50"), ("claude-sonnet-4-5", "50")],
        )
        factories.approved(copy, recruiter=recruiter, manager=manager)
    assert Offer.objects.count() == 31 and offer.pk
    assert queries() == few


def test_initials_are_not_names() -> None:
    assert initials("Zoë van der Berg") == "Z.v.d.B."
    assert initials("Jean-Luc Picard") == "J.L.P."
    assert initials("  李 小龍 ") == "李.小."


def test_a_finance_person_lands_on_the_commitments(client: Client) -> None:
    person = factories.user("fin", role=FINANCE)
    person.set_password("pw-fin-long-enough")
    person.save()
    response = client.post(
        reverse("login"), {"username": "fin", "password": "pw-fin-long-enough"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("offers:commitments")
    assert b"Token commitments" in response.content


def test_typed_text_in_the_csv_cannot_run_as_a_formula(recruiter: User, manager: User) -> None:
    level = '=HYPERLINK("http://e.example","L5")'
    offer = factories.offer(by=recruiter, hiring_manager=manager, level=level)
    factories.approved(offer, recruiter=recruiter, manager=manager)
    client, _ = finance_client()
    for name in ["offers:commitments_offers_csv", "offers:commitments_summary_csv"]:
        cells = [
            cell
            for line in csv.reader(io.StringIO(client.get(reverse(name)).content.decode()))
            for cell in line
        ]
        assert "'" + level in cells
        assert level not in cells
