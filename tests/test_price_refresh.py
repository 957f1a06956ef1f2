from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_httpx import HTTPXMock

from pricing.models import ModelPrice, PriceSnapshot
from pricing.services import prices_refresh
from pricing.sources import litellm, openrouter

FIXTURES = Path(__file__).parent / "fixtures" / "prices"
LITELLM = (FIXTURES / "litellm_small.json").read_bytes()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_backoff(settings):  # type: ignore[no-untyped-def]
    settings.PRICES_FETCH_BACKOFF = 0


def test_refresh_from_litellm_url_writes_one_snapshot_with_its_counts(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=litellm.DEFAULT_URL, content=LITELLM)
    result = prices_refresh(source="litellm")
    assert result.outcome == "created"
    snapshot = PriceSnapshot.objects.get()
    assert snapshot == PriceSnapshot.objects.current()
    assert snapshot.location == litellm.DEFAULT_URL
    assert (snapshot.models_accepted, snapshot.models_rejected, snapshot.models_skipped) == (
        8,
        6,
        2,
    )
    # Nothing in the file dates it: prices fetched now are as of today.
    assert snapshot.taken_on == timezone.localdate()
    assert {r["model"] for r in snapshot.rejections} >= {"negative-model", "absurd-model"}
    sonnet = snapshot.prices.get(model_id="claude-sonnet-4-5")
    assert sonnet.display_name == "Claude Sonnet 4.5"  # the published name, from genai-prices
    assert sonnet.input_per_million == Decimal("3")
    assert sonnet.output_per_million == Decimal("15")


def test_unchanged_content_writes_nothing(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=litellm.DEFAULT_URL, content=LITELLM, is_reusable=True)
    first = prices_refresh(source="litellm")
    second = prices_refresh(source="litellm")
    assert second.outcome == "unchanged"
    assert second.snapshot == first.snapshot
    assert PriceSnapshot.objects.count() == 1
    assert ModelPrice.objects.count() == 8


def test_changed_price_writes_a_new_current_snapshot_and_keeps_the_old(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=litellm.DEFAULT_URL, content=LITELLM)
    old = prices_refresh(source="litellm").snapshot
    changed = json.loads(LITELLM.replace(b"NaN", b"null"))
    changed["claude-sonnet-4-5"]["input_cost_per_token"] = 2.5e-06
    httpx_mock.add_response(url=litellm.DEFAULT_URL, json=changed)
    new = prices_refresh(source="litellm").snapshot
    assert new is not None and old is not None and new.pk != old.pk
    assert PriceSnapshot.objects.current() == new
    assert old.prices.get(model_id="claude-sonnet-4-5").input_per_million == Decimal("3")
    assert new.prices.get(model_id="claude-sonnet-4-5").input_per_million == Decimal("2.5")


@pytest.mark.parametrize(
    "response",
    [
        {"content": b"<html>Service unavailable</html>"},
        {"content": b"[]"},
        {"status_code": 404},
    ],
)
def test_garbage_or_failing_source_leaves_the_previous_snapshot_current(
    httpx_mock: HTTPXMock, response: dict[str, object]
) -> None:
    httpx_mock.add_response(url=litellm.DEFAULT_URL, content=LITELLM)
    good = prices_refresh(source="litellm").snapshot
    httpx_mock.add_response(url=litellm.DEFAULT_URL, **response)  # type: ignore[arg-type]
    result = prices_refresh(source="litellm")
    assert result.outcome == "rejected"
    assert f"snapshot #{good.pk} stays in force" in result.message  # type: ignore[union-attr]
    assert PriceSnapshot.objects.current() == good
    assert PriceSnapshot.objects.count() == 1


def test_server_errors_are_retried_then_rejected(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=litellm.DEFAULT_URL, status_code=503, is_reusable=True)
    result = prices_refresh(source="litellm")
    assert result.outcome == "rejected"
    assert "failed after 3 attempts: HTTP 503" in result.message
    assert len(httpx_mock.get_requests()) == 3
    assert not PriceSnapshot.objects.exists()


def test_a_retry_that_succeeds_is_accepted(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=litellm.DEFAULT_URL, status_code=502)
    httpx_mock.add_response(url=litellm.DEFAULT_URL, content=LITELLM)
    assert prices_refresh(source="litellm").outcome == "created"


def test_a_payload_dropping_over_30_percent_of_models_is_rejected_whole(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=litellm.DEFAULT_URL, content=LITELLM)
    good = prices_refresh(source="litellm").snapshot
    shrunk = {
        "claude-sonnet-4-5": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
        "gpt-5": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
        "deepseek-v4-flash": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
        "mistral/mistral-large-3": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
    }
    httpx_mock.add_response(url=litellm.DEFAULT_URL, json=shrunk)
    result = prices_refresh(source="litellm")
    assert result.outcome == "rejected"
    assert "4 models where the last snapshot had 8" in result.message
    assert PriceSnapshot.objects.current() == good
    assert good.prices.get(model_id="gpt-5").input_per_million == Decimal("1.25")  # type: ignore[union-attr]


def test_openrouter_follows_pagination(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=openrouter.DEFAULT_URL, content=(FIXTURES / "openrouter_page1.json").read_bytes()
    )
    httpx_mock.add_response(
        url=openrouter.DEFAULT_URL + "?page=2",
        content=(FIXTURES / "openrouter_page2.json").read_bytes(),
    )
    result = prices_refresh(source="openrouter")
    assert result.outcome == "created"
    snapshot = result.snapshot
    assert snapshot is not None
    ids = set(snapshot.prices.values_list("model_id", flat=True))
    assert ids == {
        "anthropic/claude-sonnet-4.5",
        "openai/gpt-5",
        "meta-llama/llama-4-maverick:free",
        "deepseek/deepseek-v4-flash",
    }
    assert snapshot.models_rejected == 2


def test_no_partial_snapshot_is_visible_when_writing_fails(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpx_mock.add_response(url=litellm.DEFAULT_URL, content=LITELLM)

    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(ModelPrice.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        prices_refresh(source="litellm")
    assert not PriceSnapshot.objects.exists()


def test_import_uses_bulk_inserts_not_one_query_per_model() -> None:
    with CaptureQueriesContext(connection) as queries:
        prices_refresh(source="genai-prices")  # the installed package: some 2,000 models
    assert ModelPrice.objects.count() > 1000
    assert len(queries) < ModelPrice.objects.count() / 20  # batches, not a query a model


def test_snapshots_are_immutable() -> None:
    snapshot = prices_refresh(source="genai-prices").snapshot
    assert snapshot is not None
    snapshot.source = "litellm"
    with pytest.raises(ValueError, match="immutable"):
        snapshot.save()


def test_refresh_prices_command_prints_what_it_accepted_and_rejected(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command(
        "refresh_prices",
        "--source",
        "litellm",
        "--file",
        str(FIXTURES / "litellm_small.json"),
        "--as-of",
        "2026-08-01",
    )
    out = capsys.readouterr().out
    assert "new snapshot" in out
    assert "prices as of 2026-08-01" in out
    assert "accepted 8, rejected 6, skipped 2" in out
    assert "rejected absurd-model: input price is absurd" in out


def test_refresh_prices_command_fails_loudly_on_garbage(tmp_path: Path) -> None:
    call_command("refresh_prices", "--source", "genai-prices")
    garbage = tmp_path / "prices.json"
    garbage.write_text("{ nope")
    with pytest.raises(CommandError, match="payload rejected: not valid JSON"):
        call_command(
            "refresh_prices", "--source", "litellm", "--file", str(garbage), "--as-of", "2026-11-01"
        )
    assert PriceSnapshot.objects.current().source == "genai-prices"  # type: ignore[union-attr]


def test_a_file_that_does_not_say_its_date_needs_as_of() -> None:
    with pytest.raises(CommandError, match="give --as-of YYYY-MM-DD"):
        call_command(
            "refresh_prices", "--source", "litellm", "--file", str(FIXTURES / "litellm_small.json")
        )
    assert not PriceSnapshot.objects.exists()


def test_an_as_of_date_after_today_is_refused_and_writes_nothing() -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(CommandError, match=f"--as-of {tomorrow} is after today"):
        call_command(
            "refresh_prices",
            "--source",
            "litellm",
            "--file",
            str(FIXTURES / "litellm_small.json"),
            "--as-of",
            tomorrow.isoformat(),
        )
    assert not PriceSnapshot.objects.exists()


def test_a_file_that_states_its_date_is_as_of_that_date(tmp_path: Path) -> None:
    dated = json.loads(LITELLM.replace(b"NaN", b"null"))
    dated["last_updated"] = "2026-08-01T09:00:00Z"
    path = tmp_path / "litellm.json"
    path.write_text(json.dumps(dated))
    snapshot = prices_refresh(source="litellm", file=path).snapshot
    assert snapshot is not None and snapshot.taken_on == datetime.date(2026, 8, 1)
    assert snapshot.is_stale  # months old, whenever it was imported


def test_scheduled_refresh_reads_the_configured_source(httpx_mock: HTTPXMock, settings) -> None:  # type: ignore[no-untyped-def]
    from pricing.tasks import refresh_prices

    settings.PRICES_SOURCE = "openrouter"
    settings.PRICES_FALLBACKS = ["genai-prices", "litellm"]
    httpx_mock.add_response(
        url=openrouter.DEFAULT_URL, content=(FIXTURES / "openrouter_page2.json").read_bytes()
    )
    assert refresh_prices() == "created"
    assert PriceSnapshot.objects.current().source == "openrouter"  # type: ignore[union-attr]


def test_scheduled_genai_prices_refresh_fetches_the_published_data(httpx_mock: HTTPXMock) -> None:
    from pricing.sources import genai_prices
    from pricing.tasks import refresh_prices

    httpx_mock.add_response(
        url=genai_prices.DEFAULT_URL, content=(FIXTURES / "genai_prices_small.json").read_bytes()
    )
    assert refresh_prices() == "created"
    current = PriceSnapshot.objects.current()
    assert current is not None and current.location == genai_prices.DEFAULT_URL
    assert current.taken_on == timezone.localdate()
