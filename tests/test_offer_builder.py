from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offers.models import Department, Offer, OfferEvent
from offers.roles import HIRING_MANAGERS
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiter(client: Client):  # type: ignore[no-untyped-def]
    person = factories.user("riley")
    factories.snapshot()
    client.force_login(person)
    return person


def test_recruiter_creates_an_offer_and_it_is_audited(client: Client, recruiter) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("offers:new"), factories.form_post(save="1"))
    offer = Offer.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == offer.get_absolute_url()
    assert offer.created_by == recruiter and offer.status == "draft"
    assert offer.price_snapshot is not None
    assert [a.model_id for a in offer.allocations.all()] == ["claude-sonnet-4-5"]
    event = OfferEvent.objects.get()
    assert (event.action, event.actor, event.to_status) == ("created", recruiter, "draft")
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "$334,500" in page  # first-year total
    assert "180,018,001" in page  # tokens per day of Claude Sonnet 4.5
    assert f"genai-prices, as of {timezone.localdate():%-d %b %Y}" in page


def test_htmx_recompute_returns_only_the_totals_panel_and_saves_nothing(
    client: Client,
    recruiter,  # type: ignore[no-untyped-def]
) -> None:
    response = client.post(
        reverse("offers:new"),
        factories.form_post(recompute="1", token_usd_per_day="300"),
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.strip().startswith('<section id="totals"')
    assert "<form" not in content and "<html" not in content
    assert "$300.00" in content
    assert "360,036,003" in content  # 300 / 0.83325 per 1M
    assert "$369,000" in content  # first year with $69,000 of tokens
    assert not Offer.objects.exists()


def test_plain_submit_recompute_works_without_javascript(client: Client, recruiter) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("offers:new"), factories.form_post(recompute="1"))
    content = response.content.decode()
    assert "<form" in content and "$334,500" in content
    assert not Offer.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("base_salary", "-5", "Must be zero or more."),
        ("target_bonus_percent", "250", "A target bonus over 200% of base is not allowed."),
        ("share_1", "80", "Model shares must sum to 100%, not 80%."),
        ("model_1", "gpt-99-imaginary", "Unknown model “gpt-99-imaginary”"),
        (
            "expires_on",
            str(timezone.localdate() - datetime.timedelta(days=1)),
            "The offer must stay open at least until tomorrow.",
        ),
    ],
)
def test_invalid_input_shows_a_message_by_the_field_keeps_the_input_and_saves_nothing(
    client: Client,
    recruiter,
    field: str,
    value: str,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    post = factories.form_post(save="1", candidate_name="Keep Me <b>Typed</b>", **{field: value})
    response = client.post(reverse("offers:new"), post)
    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert 'value="Keep Me &lt;b&gt;Typed&lt;/b&gt;"' in content  # kept, and escaped
    assert not Offer.objects.exists()


def test_other_recruiters_offer_is_404(client: Client, recruiter) -> None:  # type: ignore[no-untyped-def]
    other = factories.user("other")
    Department.objects.create(name="Sales")
    offer = factories.offer(by=other, department=Department.objects.get(name="Sales"))
    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 404
    assert client.get(reverse("offers:edit", args=[offer.pk])).status_code == 404
    assert (
        client.post(
            reverse("offers:edit", args=[offer.pk]), factories.form_post(save="1")
        ).status_code
        == 404
    )
    assert "Dana Candidate" not in client.get(reverse("offers:list")).content.decode()


def test_department_assignment_shares_offers(client: Client, recruiter) -> None:  # type: ignore[no-untyped-def]
    other = factories.user("other")
    offer = factories.offer(by=other)
    elsewhere = Department.objects.create(name="Sales")
    factories.offer(by=other, department=elsewhere, candidate_name="Sam Elsewhere")
    offer.department.recruiters.add(recruiter)
    assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 200
    listed = client.get(reverse("offers:list")).content.decode()
    assert offer.candidate_name in listed and "Sam Elsewhere" not in listed
    assert "1 offer" in listed and "2 offers" not in listed


def test_anonymous_is_sent_to_login_and_hiring_manager_is_refused(client: Client) -> None:
    response = client.get(reverse("offers:new"))
    assert response.status_code == 302 and reverse("login") in response.headers["Location"]
    client.force_login(factories.user("hm2", role=HIRING_MANAGERS, is_staff=True))
    assert client.get(reverse("offers:list")).status_code == 403
    assert client.get(reverse("offers:new")).status_code == 403


def test_editing_figures_is_audited_with_the_changes(client: Client, recruiter) -> None:  # type: ignore[no-untyped-def]
    offer = factories.offer(by=recruiter)
    client.post(
        reverse("offers:edit", args=[offer.pk]), factories.form_post(save="1", base_salary="210000")
    )
    event = offer.events.last()
    assert event is not None and event.action == "edited"
    assert event.changes["base_salary"] == ["200000.00", "210000.00"]
    offer.refresh_from_db()
    assert offer.version == 2


def test_editing_an_approved_offer_sends_it_back_for_approval(
    client: Client, recruiter, manager
) -> None:  # type: ignore[no-untyped-def]
    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )
    client.post(
        reverse("offers:edit", args=[offer.pk]),
        factories.form_post(save="1", token_usd_per_day="200"),
    )
    offer.refresh_from_db()
    assert offer.status == "pending_approval"
    assert offer.events.last().from_status == "approved"  # type: ignore[union-attr]


def test_list_filters_and_searches(client: Client, recruiter, manager) -> None:  # type: ignore[no-untyped-def]
    factories.offer(by=recruiter, candidate_name="Alice Zhang")
    factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager, candidate_name="Bob Otieno"),
        recruiter=recruiter,
        manager=manager,
    )
    content = client.get(reverse("offers:list"), {"q": "alice"}).content.decode()
    assert "Alice Zhang" in content and "Bob Otieno" not in content
    content = client.get(reverse("offers:list"), {"status": "approved"}).content.decode()
    assert "Bob Otieno" in content and "Alice Zhang" not in content
    assert "$334,500" in content and "$150.00" in content


def test_model_search_lists_featured_models_first_and_finds_any_model(
    client: Client, recruiter
) -> None:  # type: ignore[no-untyped-def]
    featured = client.get(reverse("offers:model_search")).content.decode()
    assert "claude-sonnet-4-5" in featured and '"gpt-5"' in featured
    assert "gpt-4.1-mini" not in featured  # not featured: found by search only
    found = client.get(reverse("offers:model_search"), {"model_1": "bedrock"}).content.decode()
    assert (
        "aws/eu.anthropic.claude-sonnet-4-5" in found and "Claude Sonnet 4.5 · AWS Bedrock" in found
    )
    assert "gpt" not in found


@pytest.mark.parametrize("count", [5, 200])
def test_list_page_queries_stay_flat(
    client: Client, recruiter, count: int, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    template = factories.offer(by=recruiter)
    # Copy the first offer (with its token model) to reach `count` offers quickly.
    allocation = template.allocations.get()
    for index in range(count - 1):
        template.pk = None
        template.candidate_name = f"Candidate {index}"
        template.save()
        allocation.pk = None
        allocation.offer = template
        allocation.save()
    # the session, the user with their role, the count, one page of offers with the figures
    # stored on them: the same four queries for 5 offers and for 200
    with django_assert_num_queries(4):
        response = client.get(reverse("offers:list"))
    assert response.status_code == 200


def test_detail_shows_history_of_system_events(client: Client, recruiter) -> None:  # type: ignore[no-untyped-def]
    offer = factories.offer(by=recruiter)
    OfferEvent.objects.create(
        offer=offer, actor=None, action="expired", from_status="draft", to_status="expired"
    )
    content = client.get(offer.get_absolute_url()).content.decode()
    assert "The system marked it expired." in content
    assert "riley created the offer as a draft." in content
    assert "— →" not in content


def test_edit_form_shows_amounts_as_a_person_types_them(client: Client, recruiter) -> None:  # type: ignore[no-untyped-def]
    offer = factories.offer(
        by=recruiter,
        equity_price_per_unit=Decimal("42.5"),
        models=[("claude-sonnet-4-5", "70"), ("gpt-5", "30")],
    )
    page = client.get(reverse("offers:edit", args=[offer.pk])).content.decode()

    def value(name: str) -> str:
        found = re.search(rf'<input[^>]* name="{name}"[^>]* value="([^"]*)"', page)
        assert found, name
        return found.group(1)

    assert value("base_salary") == "200000"  # stored as 200000.00
    assert value("equity_price_per_unit") == "42.50"  # stored as 42.5000
    assert value("equity_strike_price") == "0"
    assert value("usd_exchange_rate") == "1"
    assert (value("share_1"), value("share_2")) == ("70", "30")
    # Saving the page untouched changes nothing.
    client.post(
        reverse("offers:edit", args=[offer.pk]),
        factories.form_post(
            save="1",
            equity_price_per_unit="42.50",
            model_2="gpt-5",
            share_1="70",
            share_2="30",
        ),
    )
    offer.refresh_from_db()
    assert offer.version == 1


def test_totals_show_what_the_typed_pay_fields_allow_before_the_candidate_is_known(
    client: Client, recruiter
) -> None:  # type: ignore[no-untyped-def]
    post = factories.form_post(
        candidate_email="",
        start_date="",
        expires_on="",
        hiring_manager="",
        token_usd_per_day="0",
        model_1="",
        share_1="",
        recompute="1",
    )
    response = client.post(reverse("offers:new"), post, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    # base 200,000 + bonus 20,000 + sign-on 20,000 + equity 60,000 (no token line)
    assert 'data-figure="first-year">$300,000' in content
    # What is missing is said beside each field (swapped in place), each once.
    assert 'id="errors-candidate_email" hx-swap-oob="true"' in content
    assert content.count("This field is required.") == 4
    assert "Model 1" not in content  # a $0 budget needs no model
    assert not Offer.objects.exists()
    post.pop("recompute")
    saved = client.post(reverse("offers:new"), post)
    assert saved.status_code == 200 and not Offer.objects.exists()  # saving stays strict
    assert "This field is required." in saved.content.decode()


@pytest.mark.parametrize("query", ["ångström", "ANGSTROM", "zoe", "ZOË", "zoë ångström"])
def test_search_ignores_case_and_accents_in_the_app_and_the_admin(
    client: Client, recruiter, query: str
) -> None:  # type: ignore[no-untyped-def]
    factories.offer(by=recruiter, candidate_name="Zoë Ångström")
    factories.offer(by=recruiter, candidate_name="Bob Otieno")
    content = client.get(reverse("offers:list"), {"q": query}).content.decode()
    assert "Zoë Ångström" in content and "Bob Otieno" not in content
    admin = Client()
    admin.force_login(factories.user("ops", role=None, is_staff=True, is_superuser=True))
    found = admin.get("/admin/offers/offer/", {"awaiting": "all", "q": query}).content.decode()
    assert "Zoë Ångström" in found and "Bob Otieno" not in found


def test_a_url_that_answers_a_page_or_an_htmx_fragment_varies_on_hx_request(
    client: Client, recruiter: User
) -> None:
    client.force_login(recruiter)
    offer = factories.offer(by=recruiter)
    for url in (reverse("offers:list"), reverse("offers:letters", args=[offer.pk])):
        page = client.get(url)
        fragment = client.get(url, HTTP_HX_REQUEST="true")
        assert "HX-Request" in page["Vary"] and "HX-Request" in fragment["Vary"], url
        assert page.content != fragment.content, url
