"""The prices in force on a day, at the hours people work: checked against the installed
genai-prices package, each expectation worked out here from the package's own price lookup
(`ModelInfo.get_prices` at a moment), not from the app's rows.
"""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from offers import token_line
from offers.letters import letter_render_pdf
from offers.models import Offer
from offers.roles import HIRING_MANAGERS
from offers.services import candidate_link_create
from pricing.models import PriceSnapshot
from pricing.services import prices_refresh
from tests import factories

pytestmark = pytest.mark.django_db

# The chat mix (fresh input 60%, cache reads 20%, output 20%): no cache writes, which some of
# these models do not price.
CHAT = {
    "token_profile": "chat",
    "token_mix_fresh_input": Decimal(60),
    "token_mix_cache_write": Decimal(0),
    "token_mix_cache_read": Decimal(20),
    "token_mix_output": Decimal(20),
}
SHARES = {
    "input_mtok": Decimal("0.6"),
    "cache_read_mtok": Decimal("0.2"),
    "output_mtok": Decimal("0.2"),
}
USD_PER_DAY = Decimal(150)


def package_model(provider_id: str, model_id: str) -> Any:
    from genai_prices import data

    provider = next(p for p in data.providers if p.id == provider_id)
    return next(m for m in provider.models if m.id == model_id)


def blended(prices: Any) -> Decimal:
    return sum((share * Decimal(getattr(prices, key)) for key, share in SHARES.items()), Decimal(0))


def tokens_for(price_per_million: Decimal) -> int:
    return int((USD_PER_DAY * 1_000_000 / price_per_million).to_integral_value(ROUND_FLOOR))


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


def change_dates(model: Any) -> list[datetime.date]:
    return sorted(
        c.constraint.start_date
        for c in model.prices
        if c.constraint is not None and hasattr(c.constraint, "start_date")
    )


@pytest.fixture
def package_prices() -> PriceSnapshot:
    snapshot = prices_refresh(source="genai-prices").snapshot
    assert snapshot is not None and snapshot.source == "genai-prices"
    factories.ensure_roles()
    return snapshot


def offer_of(model_id: str, **terms: Any) -> Offer:
    from django.contrib.auth.models import User

    recruiter = User.objects.filter(username="riley").first() or factories.user("riley")
    return factories.offer(by=recruiter, models=[(model_id, "100")], **{**CHAT, **terms})


def test_a_dated_change_already_started_is_applied_today(package_prices: PriceSnapshot) -> None:
    model = package_model("google", "gemini-4-argon")
    today = timezone.localdate()
    data_date = package_prices.taken_on
    assert data_date is not None
    started = [day for day in change_dates(model) if day <= today]
    if not started or started[-1] <= data_date:
        pytest.skip("the installed data has no change between its date and today")
    offer = offer_of("gemini-4-argon", start_date=today)
    now = model.get_prices(noon(today))
    then = model.get_prices(noon(data_date))
    assert blended(now) != blended(then)  # the introductory price ended
    [line] = offer.figures.valuation.lines  # type: ignore[union-attr]
    assert line.tokens_per_day == tokens_for(blended(now))
    assert offer.token_prices_date == today


def test_a_change_before_the_start_is_applied_and_one_after_it_is_announced(
    package_prices: PriceSnapshot, client: Client
) -> None:
    model = package_model("google", "gemini-3.6-flash")
    today = timezone.localdate()
    ahead = [day for day in change_dates(model) if day > today]
    if not ahead:
        pytest.skip("the installed data announces no later change of Gemini 3.6 Flash")
    change = ahead[0]
    before, after = (
        model.get_prices(noon(change - datetime.timedelta(days=1))),
        model.get_prices(noon(change)),
    )
    # Starting after the change: valued at the new prices, and nothing announced.
    late = offer_of("gemini-3.6-flash", start_date=change + datetime.timedelta(days=14))
    assert late.figures.valuation.lines[0].tokens_per_day == tokens_for(blended(after))  # type: ignore[union-attr]
    assert token_line.price_changes_ahead(late, late.figures) == []
    # Starting today: today's prices, and the change with its effect everywhere the budget is.
    recruiter = factories.user("riley-2")
    manager = factories.user("morgan", role=HIRING_MANAGERS, is_staff=True)
    offer = factories.offer(
        by=recruiter,
        hiring_manager=manager,
        models=[("gemini-3.6-flash", "100")],
        start_date=today,
        **CHAT,
    )
    assert offer.figures.valuation.lines[0].tokens_per_day == tokens_for(blended(before))  # type: ignore[union-attr]
    [announced] = token_line.price_changes_ahead(offer, offer.figures)
    assert announced.starts_on == change
    assert announced.tokens_after == tokens_for(blended(after))
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    _, token = candidate_link_create(offer=offer, by=recruiter)
    page = client.get(f"/o/{token}/").content.decode()
    assert f"Gemini 3.6 Flash's price changes on {change:%-d %B %Y}" in page
    offer = Offer.objects.get(pk=offer.pk)
    pdf = letter_render_pdf(offer, version=offer.version, draft=False).pdf
    import io

    text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert f"Gemini 3.6 Flash's price changes on {change:%B %-d, %Y}" in text
    percent = round((Decimal(announced.tokens_after) / announced.tokens_before - 1) * 100)
    assert f"(−{abs(percent)}%)" in text


def working_day_mean(model: Any, zone: str, day: datetime.date) -> Decimal:
    """The package's own price each working minute (09:00-17:00 in `zone`), averaged."""
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=zoneinfo.ZoneInfo(zone))
    minutes = [start + datetime.timedelta(minutes=m) for m in range(480)]
    return sum((blended(model.get_prices(moment)) for moment in minutes), Decimal(0)) / 480


@pytest.mark.parametrize(
    ("location", "zone"),
    [("London", "Europe/London"), ("Berlin", "Europe/Berlin"), ("Bengaluru", "Asia/Kolkata")],
)
@pytest.mark.parametrize("season", ["winter", "summer"])
def test_time_of_day_prices_are_spread_over_the_working_day_where_the_person_works(
    package_prices: PriceSnapshot, location: str, zone: str, season: str
) -> None:
    model = package_model("deepseek", "deepseek-v4-pro")
    today = timezone.localdate()
    year = today.year + 1
    start = datetime.date(year, 1, 15) if season == "winter" else datetime.date(year, 7, 15)
    offer = offer_of("deepseek-v4-pro", location=location, start_date=start)
    mean = working_day_mean(model, zone, start)
    off_peak = blended(model.get_prices(datetime.datetime(year, 1, 15, 20, tzinfo=datetime.UTC)))
    assert mean > off_peak  # some working hours fall in the peak windows
    [line] = offer.figures.valuation.lines  # type: ignore[union-attr]
    assert abs(line.tokens_per_day - tokens_for(mean)) <= 1
    assert line.tokens_per_day < tokens_for(off_peak)
    [peak] = token_line.peak_hours(offer, offer.figures)
    assert peak.hours == f"09:00–17:00 {zone}"


def test_london_pays_more_peak_hours_in_summer_than_in_winter(
    package_prices: PriceSnapshot,
) -> None:
    # 09:00-17:00 London is 09:00-17:00 UTC in winter (one peak hour, 09-10) and 08:00-16:00
    # UTC in summer (two, 08-10): daylight saving moves the working day into the peak.
    year = timezone.localdate().year + 1
    winter = offer_of("deepseek-v4-pro", location="London", start_date=datetime.date(year, 1, 15))
    summer = offer_of("deepseek-v4-pro", location="London", start_date=datetime.date(year, 7, 15))
    assert [p.share_percent for p in token_line.peak_hours(winter, winter.figures)] == [
        Decimal(12)
    ]  # 60 of 480
    assert [p.share_percent for p in token_line.peak_hours(summer, summer.figures)] == [
        Decimal(25)
    ]  # 120 of 480


def test_the_builder_shows_the_peak_hours_and_the_day_the_prices_are_in_force(
    package_prices: PriceSnapshot, client: Client
) -> None:
    offer = offer_of("deepseek-v4-pro", location="Bengaluru", start_date=timezone.localdate())
    client.force_login(offer.created_by)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert (
        "DeepSeek V4 Pro costs more in its maker's peak hours (01:00–04:00 and 06:00–10:00" in page
    )
    assert "56% of a 09:00–17:00 Asia/Kolkata working day" in page  # 270 of 480 minutes
    assert f"in force on {timezone.localdate():%-d %b %Y}" in page


def quote(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    import json

    from django.core.management import call_command

    call_command("token_quote", "--usd-per-day", "150", "--profile", "chat", "--json", *args)
    return json.loads(capsys.readouterr().out)


def test_token_quote_takes_the_working_hours_and_lists_the_changes_ahead(
    package_prices: PriceSnapshot, capsys: pytest.CaptureFixture[str]
) -> None:
    start = datetime.date(timezone.localdate().year + 1, 7, 15)
    deepseek = quote(
        capsys,
        "--model",
        "deepseek-v4-pro",
        "--time-zone",
        "Asia/Kolkata",
        "--working-hours",
        "09:00-17:00",
        "--start-date",
        start.isoformat(),
    )
    mean = working_day_mean(package_model("deepseek", "deepseek-v4-pro"), "Asia/Kolkata", start)
    [line] = deepseek["models"]
    assert abs(line["tokens_per_day"] - tokens_for(mean)) <= 1
    assert line["peak_hours_share"] == "0.5625"  # 270 of 480 minutes
    assert deepseek["prices"]["valued_on"] == start.isoformat()
    model = package_model("google", "gemini-3.6-flash")
    ahead = [day for day in change_dates(model) if day > timezone.localdate()]
    if not ahead:
        return
    flash = quote(capsys, "--model", "gemini-3.6-flash")
    [change] = flash["models"][0]["price_changes"]
    after = model.get_prices(noon(ahead[0]))
    assert change["date"] == ahead[0].isoformat()
    assert change["tokens_per_day"] == tokens_for(blended(after))
    assert Decimal(change["classes"]["output"]) == Decimal(after.output_mtok)


def test_long_requests_default_to_the_profiles_estimate_for_haiku_5_5_past_100k(
    package_prices: PriceSnapshot, client: Client
) -> None:
    """Claude Haiku 5.5 bills every token of a request whose prompt is over 100,000 tokens at
    5x. A coding agent's context grows from 20k-80k to about 155k before it compacts."""
    model = package_model("anthropic", "claude-haiku-5-5")
    prices = model.get_prices(noon(timezone.localdate()))
    threshold = prices.input_mtok.tiers[0].start
    assert threshold == 100_000

    def share(start: int) -> Decimal:
        return Decimal(155_000**2 - threshold**2) / Decimal(155_000**2 - start**2)

    expected = ((share(20_000) + share(80_000)) / 2 * 100).quantize(Decimal(1))
    assert expected == 69
    recruiter = factories.user("riley")
    client.force_login(recruiter)
    post = factories.form_post(model_1="claude-haiku-5-5", share_1="100")
    post.pop("long_1", None)
    assert client.post("/offers/new/", post).status_code == 302
    offer = Offer.objects.get()
    assert offer.allocations.get().long_context_percent == expected
    long = expected / 100
    mix = {
        "input_mtok": "6",
        "cache_write_mtok": "6.5",
        "cache_read_mtok": "86.5",
        "output_mtok": "1",
    }
    price = sum(
        (
            Decimal(percent)
            / 100
            * ((1 - long) * getattr(prices, key).base + long * getattr(prices, key).tiers[0].price)
            for key, percent in mix.items()
        ),
        Decimal(0),
    )
    [line] = offer.figures.valuation.lines  # type: ignore[union-attr]
    assert abs(line.tokens_per_day - tokens_for(price)) <= 1
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "69% of tokens at the long-context price" in page
    assert "Long requests: unless set per model" in page
