"""The token line of an offer: its stored inputs, the same figures everywhere, honest words."""

from __future__ import annotations

import re
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from offers.letters import letter_render_pdf
from offers.models import Offer
from offers.services import candidate_link_create, candidate_url
from pricing.valuation import PROFILES, UsageMix
from tests import factories
from tests.test_letters import pdf_text

pytestmark = pytest.mark.django_db


def hours_stated(text: str) -> list[Decimal]:
    """Every "N hour(s)" a page states."""
    return [
        Decimal(n.replace(",", ""))
        for n in re.findall(r"([\d,]+(?:\.\d+)?)\s*(?:h\b|hours?\b)", text)
    ]


def candidate_page(offer: Offer, recruiter: User, manager: User) -> str:
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    _, token = candidate_link_create(offer=offer, by=recruiter)
    return Client().get(candidate_url(token).split("8000", 1)[-1]).content.decode()


def test_builder_saves_the_usage_mix_tier_and_long_requests(
    client: Client, recruiter: User
) -> None:
    client.force_login(recruiter)
    post = factories.form_post(
        token_profile="batch",
        token_mix_fresh_input="10",
        token_mix_cache_write="5",
        token_mix_cache_read="80",
        token_mix_output="5",
        tier_1="batch",
        long_1="20",
    )
    assert client.post(reverse("offers:new"), post).status_code == 302
    offer = Offer.objects.get()
    assert (offer.token_mix_fresh_input, offer.token_mix_cache_write) == (Decimal(10), Decimal(5))
    allocation = offer.allocations.get()
    assert (allocation.tier, allocation.long_context_percent) == ("batch", Decimal(20))
    valuation = offer.figures.valuation
    assert valuation is not None and not valuation.mix_is_preset
    assert valuation.mix_label == "Batch processing (adjusted)"
    assert valuation.lines[0].tier == "batch"
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Batch processing (adjusted)" in page and "batch tier, 20% long requests" in page


def test_blank_shares_take_the_presets(client: Client, recruiter: User) -> None:
    client.force_login(recruiter)
    post = factories.form_post(
        token_profile="chat",
        token_mix_fresh_input="",
        token_mix_cache_write="",
        token_mix_cache_read="",
        token_mix_output="",
    )
    assert client.post(reverse("offers:new"), post).status_code == 302
    assert Offer.objects.get().token_mix == PROFILES["chat"].mix


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {
                "token_mix_fresh_input": "10",
                "token_mix_cache_write": "10",
                "token_mix_cache_read": "70",
                "token_mix_output": "5",
            },
            "The usage shares must add up to 100%, not 95%.",
        ),
        ({"token_mix_fresh_input": "", "token_mix_output": "5"}, "Give every share, or none"),
        (
            {"model_1": "deepseek-v4-flash", "tier_1": "batch", "token_profile": "batch"},
            "has no batch prices in today",
        ),
        ({"tier_1": "batch"}, "The batch tier is for work that can wait (results come within"),
        (
            {"model_1": "gpt-5", "tier_1": "flex", "token_profile": "chat"},
            "not for chat assistant, where someone",
        ),
        ({"long_1": "120"}, "less than or equal to 100"),
    ],
)
def test_bad_token_inputs_get_a_message_and_save_nothing(
    client: Client, recruiter: User, fields: dict[str, str], message: str
) -> None:
    client.force_login(recruiter)
    factories.assert_refused(client, message, **fields)


def test_an_offer_keeps_its_mix_when_the_preset_changes(
    offer: Offer, recruiter: User, manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    before = approved.figures.valuation.lines[0].tokens_per_day  # type: ignore[union-attr]
    changed = UsageMix.from_percent(Decimal(50), Decimal(0), Decimal(0), Decimal(50))
    monkeypatch.setitem(
        PROFILES,
        "agentic-coding",
        PROFILES["agentic-coding"].__class__(
            **{**PROFILES["agentic-coding"].__dict__, "mix": changed}
        ),
    )
    again = Offer.objects.get(pk=approved.pk)
    assert again.figures.valuation.lines[0].tokens_per_day == before  # type: ignore[union-attr]


def test_existing_offers_migrate_with_the_shares_their_profile_had(offer: Offer) -> None:
    Offer.objects.filter(pk=offer.pk).update(token_profile="chat")
    migration = import_module("offers.migrations.0009_usage_mix_and_tiers")
    migration.keep_old_mix(apps, None)
    offer.refresh_from_db()
    assert offer.token_mix.percent() == {
        "fresh_input": Decimal(60),
        "cache_write": Decimal(0),
        "cache_read": Decimal(20),
        "output": Decimal(20),
    }


def test_letter_candidate_page_builder_and_admin_show_the_same_figures(
    client: Client, recruiter: User, manager: User
) -> None:
    offer = factories.offer(
        by=recruiter,
        hiring_manager=manager,
        models=[("claude-sonnet-4-5", "33.33"), ("gpt-5", "33.33"), ("deepseek-v4-pro", "33.34")],
    )
    valuation = offer.figures.valuation
    assert valuation is not None
    dollars = [f"${line.usd_per_day:,.2f}" for line in valuation.lines]
    assert dollars == ["$50.00", "$49.99", "$50.01"]  # 150.00 exactly: the tie's cent to the first
    tokens = [f"{line.tokens_per_day:,}" for line in valuation.lines]
    client.force_login(recruiter)
    builder = client.post(
        reverse("offers:edit", args=[offer.pk]),
        {
            **factories.form_post(
                model_1="claude-sonnet-4-5",
                share_1="33.33",
                model_2="gpt-5",
                share_2="33.33",
                model_3="deepseek-v4-pro",
                share_3="33.34",
            ),
            "recompute": "1",
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    offer_page = client.get(offer.get_absolute_url()).content.decode()
    admin = Client()
    admin.force_login(manager)
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    admin_page = admin.get(f"/admin/offers/offer/{offer.pk}/change/").content.decode()
    letter = pdf_text(letter_render_pdf(offer, version=offer.version, draft=False).pdf)
    _, token = candidate_link_create(offer=offer, by=recruiter)
    candidate = Client().get(f"/o/{token}/").content.decode()
    for where, text in [
        ("builder", builder),
        ("offer page", offer_page),
        ("admin", admin_page),
        ("letter", letter),
    ]:
        for figure in [*dollars, *tokens, "$150.00"]:
            assert figure in text, (where, figure)
    for figure in [*dollars, "$150.00"]:
        assert figure in candidate, ("candidate", figure)
    for line in valuation.lines:
        millions = round(line.tokens_per_day / 1_000_000)
        assert f"about {millions} million tokens a day of {line.display_name}" in candidate
    # Per-model lines only: nothing adds tokens of different models.
    total = f"{sum(line.tokens_per_day for line in valuation.lines):,}"
    for text in [builder, offer_page, admin_page, letter, candidate]:
        assert total not in text


def test_a_cheap_model_at_500_a_day_never_states_more_hours_than_a_working_day(
    client: Client, recruiter: User, manager: User
) -> None:
    offer = factories.offer(
        by=recruiter,
        hiring_manager=manager,
        models=[("deepseek-v4-flash", "100")],
        token_usd_per_day=Decimal("500"),
    )
    line = offer.figures.valuation.lines[0]  # type: ignore[union-attr]
    assert line.tokens_per_day > 20_000_000_000  # over 20 billion tokens a day
    client.force_login(recruiter)
    builder = client.post(
        reverse("offers:edit", args=[offer.pk]),
        {
            **factories.form_post(model_1="deepseek-v4-flash", token_usd_per_day="500"),
            "recompute": "1",
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    page = candidate_page(offer, recruiter, manager)
    offer.refresh_from_db()
    letter = pdf_text(letter_render_pdf(offer, version=offer.version, draft=False).pdf)
    # From the log's busiest rate (34M tokens an hour) to its steady one (13.3M).
    agents = f"{round(line.agents_low):,}–{round(line.agents):,}"  # type: ignore[arg-type]
    assert line.agents_low is not None and line.agents is not None
    assert line.agents_low * 34 == pytest.approx(line.agents * Decimal("13.3"))
    assert f"enough to keep about {agents} coding agents busy all working day" in page
    assert f"enough to keep about {agents} coding agents busy all working day" in letter
    assert f"{agents} coding agents" in builder
    for text in [builder, page, letter]:
        assert all(hours <= 8 for hours in hours_stated(text)), hours_stated(text)


def test_a_small_budget_is_hours_of_one_agent_within_the_day(
    recruiter: User, manager: User
) -> None:
    offer = factories.offer(by=recruiter, hiring_manager=manager, token_usd_per_day=Decimal("20"))
    page = candidate_page(offer, recruiter, manager)
    # $20 at $0.83325 per 1M: 24.0M tokens, 1.8 hours at 13.3M an hour, 0.7 at 34M.
    assert "enough for about 0.7–1.8 hours of one coding agent a day" in page
    assert all(hours <= 8 for hours in hours_stated(page))


def test_the_recruiter_sees_the_budget_beside_typical_spend_and_a_seat_plan(
    client: Client, offer: Offer, recruiter: User, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.TOKEN_SEAT_PLAN_USD_PER_YEAR = Decimal("2400")
    settings.TOKEN_SEAT_PLAN_LABEL = "a $200-a-month seat plan"
    client.force_login(recruiter)
    page = client.get(offer.get_absolute_url()).content.decode()
    # $150 a day against Anthropic's published $13 per developer per active day.
    assert "12×</strong> the typical $13.00 a day" in page  # 11.5, shown whole above 10
    assert "code.claude.com/docs/en/costs" in page
    # $34,500 a year against $2,400 a year.
    assert "14×</strong> the yearly price of a $200-a-month seat plan ($2,400 a year)" in page


def test_regional_processing_is_valued_at_the_makers_uplift_and_refused_where_none(
    client: Client, recruiter: User
) -> None:
    client.force_login(recruiter)
    factories.assert_refused(
        client,
        "DeepSeek V4 Flash&#x27;s maker publishes no price for regional processing",
        model_1="deepseek-v4-flash",
        region_1="on",
    )
    assert client.post(reverse("offers:new"), factories.form_post(region_1="on")).status_code == 302
    offer = Offer.objects.get()
    assert offer.allocations.get().regional is True
    [line] = offer.figures.valuation.lines  # type: ignore[union-attr]
    # $150 at 1.1 x $0.83325 per 1M (Anthropic's US-only inference multiplier).
    assert line.tokens_per_day == int(Decimal(150_000_000) / (Decimal("0.83325") * Decimal("1.1")))
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Claude Sonnet 4.5: valued with US-only inference" in page
    assert "data-residency; 1.1x pricing multiplier" in page
