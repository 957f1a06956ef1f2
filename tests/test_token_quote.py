from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from pricing.models import PriceSnapshot
from pricing.services import prices_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundled_snapshot() -> PriceSnapshot:
    """Our small genai-prices file, as of today."""
    from tests import factories

    return factories.snapshot()


def quote(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    call_command("token_quote", *args, "--json")
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_token_quote_prints_the_valuation_with_source_and_date(
    bundled_snapshot: PriceSnapshot, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("token_quote", "--usd-per-day", "150", "--model", "claude-sonnet-4-5")
    out = capsys.readouterr().out
    assert "$150.00 per day, $34,500.00 per year (230 working days)" in out
    assert "Claude Sonnet 4.5 (standard): 180,018,001 tokens per day" in out
    assert "cache write: 6.5% at $3.75 per 1M (standard price)" in out
    assert f"genai-prices, as of {timezone.localdate():%-d %b %Y}" in out
    assert "genai-prices is the primary source." in out


def test_token_quote_json_split_across_two_models(
    bundled_snapshot: PriceSnapshot, capsys: pytest.CaptureFixture[str]
) -> None:
    data = quote(
        capsys,
        "--usd-per-day",
        "100",
        "--model",
        "claude-sonnet-4-5",
        "--share",
        "60",
        "--model",
        "gpt-5",
        "--share",
        "40",
        "--profile",
        "chat",
        "--working-days",
        "200",
    )
    assert data["usd_per_year"] == "20000.00"
    assert "tokens_per_day" not in data  # never a total of tokens of different models
    assert [m["usd_per_day"] for m in data["models"]] == ["60.00", "40.00"]
    # Chat: 0.6 x 3 + 0.2 x 0.3 + 0.2 x 15 = 4.86; 60 / 4.86 x 1M, rounded down.
    assert data["models"][0]["tokens_per_day"] == 12_345_679
    assert data["models"][0]["tier"] == "standard"
    assert data["models"][0]["classes"]["cache_read"] == {
        "share": "0.2",
        "usd_per_million": "0.3",
        "basis": "standard price",
    }
    assert data["prices"]["source"] == "genai-prices"


def test_token_quote_tier_long_context_and_shares(
    bundled_snapshot: PriceSnapshot, capsys: pytest.CaptureFixture[str]
) -> None:
    batch_work = ("--usd-per-day", "150", "--model", "claude-sonnet-4-5", "--profile", "batch")
    standard = quote(capsys, *batch_work)
    batch = quote(capsys, *batch_work, "--tier", "batch")
    assert batch["models"][0]["tier"] == "batch"
    assert (
        abs(batch["models"][0]["tokens_per_day"] - 2 * standard["models"][0]["tokens_per_day"]) <= 1
    )
    long = quote(
        capsys,
        "--usd-per-day",
        "150",
        "--model",
        "claude-sonnet-4-5",
        "--long-context-share",
        "100",
    )
    assert long["models"][0]["classes"]["output"]["usd_per_million"] == "22.5"
    assert long["models"][0]["long_context_share"] == "1"
    mine = quote(
        capsys, "--usd-per-day", "150", "--model", "claude-sonnet-4-5", "--shares", "25,25,25,25"
    )
    assert mine["shares"] == {
        "fresh_input": "25",
        "cache_write": "25",
        "cache_read": "25",
        "output": "25",
    }
    # 0.25 x (3 + 3.75 + 0.3 + 15) = 5.5125
    assert mine["models"][0]["blended_usd_per_million"] == "5.5125"
    with pytest.raises(CommandError, match="GPT-5 has no .*|no batch"):
        call_command(
            "token_quote",
            "--usd-per-day",
            "1",
            "--model",
            "deepseek-v4-flash",
            "--tier",
            "batch",
            "--profile",
            "batch",
        )
    # Batch is for work that can wait: coding agents wait for each answer.
    with pytest.raises(CommandError, match="the batch tier is for work that can wait"):
        call_command("token_quote", "--usd-per-day", "1", "--model", "gpt-5", "--tier", "batch")
    with pytest.raises(CommandError, match="add up to 100%"):
        call_command(
            "token_quote", "--usd-per-day", "1", "--model", "gpt-5", "--shares", "10,10,10,10"
        )


def test_token_quote_json_never_prints_exponents(
    bundled_snapshot: PriceSnapshot, capsys: pytest.CaptureFixture[str]
) -> None:
    # 10, 100 and 1000 normalise to 1E+1, 1E+2, 1E+3 in Python's Decimal.
    for budget in ["10", "100", "1000"]:
        raw = json.dumps(
            quote(capsys, "--usd-per-day", budget, "--model", "gpt-5", "--working-days", "100")
        )
        assert "E+" not in raw and "e+" not in raw, raw
    data = quote(
        capsys,
        "--usd-per-day",
        "10",
        "--model",
        "gpt-5",
        "--share",
        "50",
        "--model",
        "gpt-5.2",
        "--share",
        "50",
    )
    assert data["models"][0]["share"] == "0.5" and data["usd_per_year"] == "2300.00"


def test_token_quote_unknown_model_lists_close_matches(bundled_snapshot: PriceSnapshot) -> None:
    with pytest.raises(CommandError, match="Unknown model 'claude-sonet-4-5'.*claude-sonnet-4-5"):
        call_command("token_quote", "--usd-per-day", "150", "--model", "claude-sonet-4-5")


@pytest.mark.processes
def test_token_quote_exits_non_zero_for_an_unknown_model(bundled_snapshot: PriceSnapshot) -> None:
    import subprocess
    import sys

    from tests.workers import ROOT, database_url_for_workers

    result = subprocess.run(
        [sys.executable, "manage.py", "token_quote", "--usd-per-day", "1", "--model", "nope-9"],
        cwd=ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url_for_workers(),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0


def test_admin_warns_when_current_prices_are_older_than_the_limit(
    admin_client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.PRICES_STALE_AFTER_HOURS = 72
    prices_refresh(source="genai-prices")  # the installed package: dated by its release
    response = admin_client.get("/admin/pricing/modelprice/?q=sonnet-4-5")
    assert response.status_code == 200
    content = response.content.decode()
    assert "They are older than 72 hours" in content
    assert "claude-sonnet-4-5" in content
    assert "gpt-5.2" not in content


def test_admin_has_no_warning_for_fresh_prices(admin_client: Client, httpx_mock) -> None:  # type: ignore[no-untyped-def]
    from tests.test_price_refresh import LITELLM

    httpx_mock.add_response(content=LITELLM)
    prices_refresh(source="litellm")
    current = PriceSnapshot.objects.current()
    assert current is not None and current.fetched_at > timezone.now() - timedelta(hours=1)
    response = admin_client.get("/admin/pricing/pricesnapshot/")
    assert response.status_code == 200
    assert "older than" not in response.content.decode()
    assert "LiteLLM is in force as a fallback" in response.content.decode()
