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
    snapshot = prices_refresh(source="bundled").snapshot
    assert snapshot is not None
    return snapshot


def test_token_quote_prints_the_valuation_with_source_and_date(
    bundled_snapshot: PriceSnapshot, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("token_quote", "--usd-per-day", "150", "--model", "claude-sonnet-4-5")
    out = capsys.readouterr().out
    assert "$150.00 per day, $34,500.00 per year (230 working days)" in out
    assert "Claude Sonnet 4.5: 114,942,528 tokens per day" in out
    assert "Bundled list prices as of 2026-08-01" in out


def test_token_quote_json_split_across_two_models(
    bundled_snapshot: PriceSnapshot, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command(
        "token_quote",
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
        "--json",
    )
    data = json.loads(capsys.readouterr().out)
    assert data["usd_per_year"] == "20000.00"
    assert [m["usd_per_day"] for m in data["models"]] == ["60.00", "40.00"]
    assert data["models"][0]["tokens_per_day"] == 12_345_679  # 60 / 4.86 x 1M, rounded down
    assert data["prices"]["source"] == "bundled"


def test_token_quote_unknown_model_lists_close_matches(bundled_snapshot: PriceSnapshot) -> None:
    with pytest.raises(CommandError, match="Unknown model 'claude-sonet-4-5'.*claude-sonnet-4-5"):
        call_command("token_quote", "--usd-per-day", "150", "--model", "claude-sonet-4-5")


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


def test_admin_warns_when_current_prices_are_older_than_48_hours(
    bundled_snapshot: PriceSnapshot, admin_client: Client
) -> None:
    response = admin_client.get("/admin/pricing/modelprice/?q=sonnet")
    assert response.status_code == 200
    content = response.content.decode()
    assert "The current prices are stale" in content  # bundled prices are from 2026-08-01
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
    assert "The current prices are stale" not in response.content.decode()
