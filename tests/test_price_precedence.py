"""Which prices are in force, cross-checks between sources, settling, dated changes, the picker."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pytest_httpx import HTTPXMock

from offers import token_line
from offers.models import Offer
from pricing.models import PriceDisagreement, PriceRefresh, PriceSnapshot
from pricing.services import (
    SettleError,
    price_settle,
    prices_cross_check,
    prices_in_force,
    prices_refresh,
    search_prices,
    single_source_models,
)
from pricing.sources import genai_prices
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "prices"
GENAI = FIXTURES / "genai_prices_small.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "prices"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/fixtures/prices absent")


@pytest.fixture(autouse=True)
def no_backoff(settings):  # type: ignore[no-untyped-def]
    settings.PRICES_FETCH_BACKOFF = 0
    settings.PRICES_FETCH_ATTEMPTS = 1


def litellm_payload(**sonnet: float) -> dict[str, object]:
    """A small LiteLLM file: Sonnet 4.5 (prices overridable per key) and GPT-5."""
    return {
        "claude-sonnet-4-5": {
            "input_cost_per_token": 3e-06,
            "output_cost_per_token": 1.5e-05,
            "cache_read_input_token_cost": 3e-07,
            "cache_creation_input_token_cost": 3.75e-06,
            "litellm_provider": "anthropic",
            "mode": "chat",
            **sonnet,
        },
        "gpt-5": {
            "input_cost_per_token": 1.25e-06,
            "output_cost_per_token": 1e-05,
            "cache_read_input_token_cost": 1.25e-07,
            "litellm_provider": "openai",
            "mode": "chat",
        },
    }


def import_litellm(tmp_path: Path, as_of: datetime.date, **sonnet: float) -> PriceSnapshot:
    path = tmp_path / f"litellm-{as_of}.json"
    path.write_text(json.dumps(litellm_payload(**sonnet)))
    snapshot = prices_refresh(source="litellm", file=path, as_of=as_of).snapshot
    assert snapshot is not None
    return snapshot


def import_genai(as_of: datetime.date) -> PriceSnapshot:
    snapshot = prices_refresh(source="genai-prices", file=GENAI, as_of=as_of).snapshot
    assert snapshot is not None
    return snapshot


def test_importing_a_fallback_never_changes_current_prices_while_the_primary_is_fresh(
    tmp_path: Path,
) -> None:
    primary = import_genai(timezone.localdate())
    fallback = import_litellm(tmp_path, timezone.localdate(), input_cost_per_token=2e-06)
    in_force = prices_in_force()
    assert in_force.snapshot == primary == PriceSnapshot.objects.current()
    assert not in_force.fallback
    assert in_force.reason == "genai-prices is the primary source."
    assert fallback.pk > primary.pk  # newer, and still not in force


def test_a_stale_primary_falls_back_to_a_fresh_source_and_says_so(tmp_path: Path) -> None:
    import_genai(timezone.localdate() - datetime.timedelta(days=10))
    fallback = import_litellm(tmp_path, timezone.localdate())
    in_force = prices_in_force()
    assert in_force.snapshot == fallback and in_force.fallback
    assert in_force.reason.startswith("LiteLLM is in force as a fallback: genai-prices")
    assert "older than 48 hours" in in_force.reason


def test_a_stale_primary_stays_when_no_fallback_is_fresher(tmp_path: Path) -> None:
    primary = import_genai(timezone.localdate() - datetime.timedelta(days=10))
    import_litellm(tmp_path, timezone.localdate() - datetime.timedelta(days=20))
    in_force = prices_in_force()
    assert in_force.snapshot == primary and in_force.stale and not in_force.fallback
    assert "no fallback source has fresher prices" in in_force.reason


def test_a_primary_whose_refreshes_keep_failing_gives_way(
    tmp_path: Path, httpx_mock: HTTPXMock
) -> None:
    import_genai(timezone.localdate())
    fallback = import_litellm(tmp_path, timezone.localdate())
    httpx_mock.add_response(url=genai_prices.DEFAULT_URL, status_code=503, is_reusable=True)
    for attempt in range(3):
        assert prices_in_force().source == "genai-prices", attempt
        assert prices_refresh(source="genai-prices", url=genai_prices.DEFAULT_URL).outcome == (
            "rejected"
        )
    assert PriceRefresh.objects.filter(source="genai-prices", outcome="rejected").count() == 3
    in_force = prices_in_force()
    assert in_force.snapshot == fallback
    assert "failed its last 3 refreshes" in in_force.reason


def test_an_old_file_imported_later_does_not_replace_newer_prices(tmp_path: Path) -> None:
    newer = import_genai(timezone.localdate())
    import_genai(timezone.localdate() - datetime.timedelta(days=90))
    assert prices_in_force().snapshot == newer


def test_the_builder_offer_page_admin_and_token_quote_say_which_source_is_in_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], admin_client: Client
) -> None:
    import_genai(timezone.localdate() - datetime.timedelta(days=10))
    import_litellm(tmp_path, timezone.localdate())
    reason = "LiteLLM is in force as a fallback"
    recruiter = factories.user("riley")
    client = Client()
    client.force_login(recruiter)
    assert reason in client.get("/offers/new/").content.decode()
    offer = factories.offer(by=recruiter)
    assert reason in client.get(offer.get_absolute_url()).content.decode()
    assert reason in admin_client.get(f"/admin/offers/offer/{offer.pk}/change/").content.decode()
    assert reason in admin_client.get("/admin/pricing/modelprice/").content.decode()
    call_command("token_quote", "--usd-per-day", "100", "--model", "claude-sonnet-4-5")
    assert reason in capsys.readouterr().out


# Cross-check and settling -----------------------------------------------------------------------


@pytest.fixture
def disagreement(tmp_path: Path) -> PriceDisagreement:
    """genai-prices says Sonnet 4.5 cache reads are $0.30; a LiteLLM file says $0.36 (+20%)."""
    import_genai(timezone.localdate())
    import_litellm(tmp_path, timezone.localdate(), cache_read_input_token_cost=3.6e-07)
    return PriceDisagreement.objects.get(canonical_id="claude-sonnet-4-5")


def test_a_planted_20_percent_disagreement_is_listed_per_class(
    disagreement: PriceDisagreement, admin_client: Client
) -> None:
    assert disagreement.price_class == "cache_read"
    assert disagreement.spread == Decimal("0.2000")
    assert {v["source"]: v["value"] for v in disagreement.values} == {
        "genai-prices": "0.3",
        "litellm": "0.36",
    }
    assert all(v["as_of"] == f"{timezone.localdate():%Y-%m-%d}" for v in disagreement.values)
    # Every other class of Sonnet, and GPT-5, agree: nothing else is flagged.
    assert PriceDisagreement.objects.count() == 1
    page = admin_client.get("/admin/pricing/pricedisagreement/").content.decode()
    assert "Claude Sonnet 4.5" in page and "cache read" in page
    assert "genai-prices $0.3" in page and "litellm $0.36" in page and "unsettled" in page


def test_a_disagreement_is_shown_beside_an_offer_that_uses_the_model(
    disagreement: PriceDisagreement, admin_client: Client
) -> None:
    recruiter = factories.user("riley")
    offer = factories.offer(by=recruiter)
    client = Client()
    client.force_login(recruiter)
    for page in [
        client.get(offer.get_absolute_url()),
        client.get(f"/offers/{offer.pk}/edit/"),
        admin_client.get(f"/admin/offers/offer/{offer.pk}/change/"),
    ]:
        text = page.content.decode()
        assert "Price sources disagree" in text
        assert "Claude Sonnet 4.5, cache read: genai-prices $0.3" in text
    other = factories.offer(by=recruiter, models=[("gpt-5", "100")])
    assert "Price sources disagree" not in client.get(other.get_absolute_url()).content.decode()


def test_sources_of_different_days_are_not_compared_and_the_offer_says_not_cross_checked(
    tmp_path: Path,
) -> None:
    """A LiteLLM file of three months ago may differ from today's prices because prices moved:
    it is left out, and a model no other source prices on the same day says so."""
    today = timezone.localdate()
    import_genai(today)
    import_litellm(
        tmp_path, today - datetime.timedelta(days=90), cache_read_input_token_cost=3.6e-07
    )
    assert prices_cross_check() == []
    recruiter = factories.user("riley")
    offer = factories.offer(by=recruiter)
    client = Client()
    client.force_login(recruiter)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Not cross-checked: no second price source lists Claude Sonnet 4.5" in page
    # The same file dated today is compared, and Sonnet is then cross-checked.
    import_litellm(tmp_path, today)
    assert prices_cross_check() == []
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Not cross-checked" not in page


def test_a_source_that_dates_its_changes_is_compared_on_the_other_sources_day(
    tmp_path: Path,
) -> None:
    """genai-prices of last week announced Sonnet 5 at $3 from yesterday; a LiteLLM file of
    today lists $3: the two agree on today's prices, so nothing is flagged."""
    today = timezone.localdate()
    payload = json.loads(GENAI.read_text())
    sonnet5 = next(m for m in payload[0]["models"] if m["id"] == "claude-sonnet-5")
    sonnet5["prices"][1]["constraint"]["start_date"] = (today - datetime.timedelta(1)).isoformat()
    path = tmp_path / "genai.json"
    path.write_text(json.dumps(payload))
    prices_refresh(source="genai-prices", file=path, as_of=today - datetime.timedelta(days=7))
    # An open offer uses it, so the cross-check compares it.
    factories.offer(by=factories.user("riley"), models=[("claude-sonnet-5", "100")])
    litellm = tmp_path / "litellm.json"
    litellm.write_text(
        json.dumps(
            {
                "claude-sonnet-5": {
                    "input_cost_per_token": 3e-06,
                    "output_cost_per_token": 1.5e-05,
                    "cache_read_input_token_cost": 3e-07,
                    "cache_creation_input_token_cost": 3.75e-06,
                    "litellm_provider": "anthropic",
                    "mode": "chat",
                }
            }
        )
    )
    prices_refresh(source="litellm", file=litellm, as_of=today)
    assert not PriceDisagreement.objects.filter(canonical_id="claude-sonnet-5").exists()
    assert "claude-sonnet-5" not in single_source_models({"claude-sonnet-5"})
    # Had it been compared at its own date ($2), it would be 50% apart.
    stale = tmp_path / "litellm-old.json"
    stale.write_text(litellm.read_text().replace("3e-06", "2e-06"))
    prices_refresh(source="litellm", file=stale, as_of=today)
    assert PriceDisagreement.objects.filter(
        canonical_id="claude-sonnet-5", price_class="fresh_input", active=True
    ).exists()


def test_price_check_prints_disagreements_and_exits_1_until_settled(
    disagreement: PriceDisagreement, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        call_command("price_check")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "claude-sonnet-4-5 cache_read: genai-prices $0.3" in out
    assert "litellm $0.36" in out and "UNSETTLED" in out
    settler = factories.user("sam", role=None)
    settler.user_permissions.add(Permission.objects.get(codename="settle_prices"))
    settler = User.objects.get(pk=settler.pk)
    price_settle(
        disagreement=disagreement,
        value=Decimal("0.30"),
        note="Anthropic's price page",
        reference="https://www.anthropic.com/pricing",
        by=settler,
    )
    call_command("price_check")  # no SystemExit: everything is settled
    assert "settled at $0.3 by sam" in capsys.readouterr().out


def test_settling_needs_the_permission_a_note_and_a_reference(
    disagreement: PriceDisagreement,
) -> None:
    recruiter = factories.user("riley")
    with pytest.raises(SettleError, match="permission"):
        price_settle(
            disagreement=disagreement,
            value=Decimal("0.3"),
            note="n",
            reference="https://x",
            by=recruiter,
        )
    settler = factories.user("sam", role=None)
    settler.user_permissions.add(Permission.objects.get(codename="settle_prices"))
    settler = User.objects.get(pk=settler.pk)
    with pytest.raises(SettleError, match="note and a reference"):
        price_settle(
            disagreement=disagreement, value=Decimal("0.3"), note="", reference="", by=settler
        )
    assert not PriceDisagreement.objects.get(pk=disagreement.pk).is_settled


def test_a_confirmed_value_is_used_until_a_source_changes_again(
    disagreement: PriceDisagreement, tmp_path: Path, client: Client
) -> None:
    recruiter = factories.user("riley")
    before = factories.offer(by=recruiter)
    settler = factories.user("sam", role=None, is_staff=True)
    for codename in ["settle_prices", "view_pricedisagreement", "change_pricedisagreement"]:
        settler.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(settler)
    response = client.post(
        f"/admin/pricing/pricedisagreement/{disagreement.pk}/settle/",
        {"value": "0.36", "note": "Checked the maker's page", "reference": "https://example.org/p"},
    )
    assert response.status_code == 302
    settled = PriceDisagreement.objects.get(pk=disagreement.pk)
    assert settled.is_settled and settled.settled_by == settler
    assert settled.settled_value == Decimal("0.36")
    in_force = PriceSnapshot.objects.current()
    assert in_force == settled.settled_snapshot and in_force.settled_from is not None  # type: ignore[union-attr]
    assert "confirmed at $0.36 per 1M tokens by sam" in in_force.settlement_note  # type: ignore[union-attr]
    assert in_force.prices.get(model_id="claude-sonnet-4-5").cached_input_per_million == Decimal(  # type: ignore[union-attr]
        "0.36"
    )
    # New valuations use it; an offer valued before keeps its prices.
    after = factories.offer(by=recruiter)
    assert after.price_snapshot == in_force
    now, then = after.figures.valuation, before.figures.valuation
    assert now is not None and then is not None
    assert now.lines[0].tokens_per_day < then.lines[0].tokens_per_day
    # The same sources again: still settled, nothing to do.
    prices_cross_check()
    assert not PriceDisagreement.objects.filter(active=True, settled_at__isnull=True).exists()
    # A source changes its price: a new disagreement to settle.
    import_litellm(tmp_path, timezone.localdate(), cache_read_input_token_cost=3.9e-07)
    fresh = PriceDisagreement.objects.get(active=True, settled_at__isnull=True)
    assert fresh.canonical_id == "claude-sonnet-4-5" and fresh.pk != settled.pk


def test_a_person_without_the_permission_cannot_open_the_settle_page(
    disagreement: PriceDisagreement, client: Client
) -> None:
    manager = factories.user("hm2", role="Hiring managers", is_staff=True)
    client.force_login(manager)
    response = client.post(
        f"/admin/pricing/pricedisagreement/{disagreement.pk}/settle/",
        {"value": "0.36", "note": "x", "reference": "https://example.org"},
    )
    assert response.status_code == 403
    assert not PriceDisagreement.objects.get(pk=disagreement.pk).is_settled


@needs_shared
def test_the_real_payloads_import_and_cross_check_without_errors() -> None:
    results = [
        prices_refresh(
            source="genai-prices",
            file=SHARED / "genai_prices_v2_2026-08-21.json",
            as_of=datetime.date(2026, 8, 21),
        ),
        prices_refresh(
            source="litellm",
            file=SHARED / "litellm_2026-08-01.json",
            as_of=datetime.date(2026, 8, 1),
        ),
        prices_refresh(
            source="openrouter",
            file=SHARED / "openrouter_models_2026-08-01.json",
            as_of=datetime.date(2026, 8, 1),
        ),
    ]
    assert [r.outcome for r in results] == ["created"] * 3
    found = prices_cross_check()
    # Of the featured models the August files know, DeepSeek V4 Flash's cache reads: $0.0028
    # at DeepSeek (genai-prices, LiteLLM), $0.028 on OpenRouter.
    assert {(d.canonical_id, d.price_class) for d in found} == {("deepseek-v4-flash", "cache_read")}


# Dated price changes ---------------------------------------------------------------------------


def test_a_dated_price_change_within_the_first_year_is_shown_with_its_effect(
    tmp_path: Path, admin_client: Client
) -> None:
    today = timezone.localdate()
    change = today + datetime.timedelta(days=60)
    payload = json.loads(GENAI.read_text())
    sonnet5 = next(m for m in payload[0]["models"] if m["id"] == "claude-sonnet-5")
    sonnet5["prices"][1]["constraint"]["start_date"] = change.isoformat()
    path = tmp_path / "genai.json"
    path.write_text(json.dumps(payload))
    prices_refresh(source="genai-prices", file=path, as_of=today)
    recruiter = factories.user("riley")
    offer = factories.offer(by=recruiter, models=[("claude-sonnet-5", "100")])
    [ahead] = token_line.price_changes_ahead(offer, offer.figures)
    assert ahead.starts_on == change
    # $3/$15 instead of $2/$10: every class 1.5x dearer, two thirds of the tokens.
    assert ahead.tokens_after == pytest.approx(ahead.tokens_before * 2 / 3, abs=1)
    assert round(ahead.change_percent) == -33
    client = Client()
    client.force_login(recruiter)
    expected = f"Claude Sonnet 5's price changes on {change:%-d %b %Y}, within the first year"
    assert expected in client.get(offer.get_absolute_url()).content.decode()
    assert expected in admin_client.get(f"/admin/offers/offer/{offer.pk}/change/").content.decode()
    # A change after the first year is not shown.
    late = factories.offer(
        by=recruiter,
        models=[("claude-sonnet-5", "100")],
        start_date=change - datetime.timedelta(days=400),
    )
    assert token_line.price_changes_ahead(late, late.figures) == []


# The picker ------------------------------------------------------------------------------------


def test_picker_lists_the_makers_models_first_then_hosts_with_their_region() -> None:
    snapshot = import_genai(timezone.localdate())
    found = search_prices(snapshot, "sonnet-4-5")
    assert [p.picker_label for p in found] == [
        "Claude Sonnet 4.5",
        "Claude Sonnet 4.5 · AWS Bedrock",
    ]


def test_deprecated_models_are_not_offered_but_an_offer_using_one_says_so(client: Client) -> None:
    snapshot = import_genai(timezone.localdate())
    assert not any(p.model_id == "claude-3-opus" for p in search_prices(snapshot, "opus"))
    recruiter = factories.user("riley")
    client.force_login(recruiter)
    assert "claude-3-opus" not in client.get("/offers/models/?q=opus").content.decode()
    post = factories.form_post(model_1="claude-3-opus")
    response = client.post("/offers/new/", post)
    assert "Claude Opus 3 is deprecated by its maker" in response.content.decode()
    assert not Offer.objects.exists()
    offer = factories.offer(by=recruiter, models=[("claude-3-opus", "100")])
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Claude Opus 3 is deprecated by its maker" in page
    # Editing the offer keeps the model it already has.
    edit = factories.form_post(model_1="claude-3-opus", candidate_name="Dana Q. Candidate")
    assert client.post(f"/offers/{offer.pk}/edit/", edit).status_code == 302
