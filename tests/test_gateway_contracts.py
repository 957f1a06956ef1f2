"""Contract tests of the LiteLLM and OpenRouter adapters, which cannot run here: each scenario
replays exchanges written from the gateway's published documentation and SDK types
(`tests/fixtures/gateways/*.json`, which say where from) on a loopback server, which answers
in order and notes every request that differs from the recorded one. The adapter must send
exactly what is recorded and read the right figures from what comes back."""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from budgets.gateways import GatewayError
from budgets.litellm import LitellmGateway
from budgets.openrouter import OpenRouterGateway

FIXTURES = Path(__file__).parent / "fixtures" / "gateways"
IDENTITY = "offer-7-a1b2c3"
TODAY = datetime.datetime.now(datetime.UTC).date()


class Replay:
    def __init__(self, exchanges: list[dict[str, Any]], *, token: str, prefix: str = "") -> None:
        self.exchanges = list(exchanges)
        self.token, self.prefix = token, prefix
        self.problems: list[str] = []

    def answer(self, method: str, target: str, body: bytes, auth: str) -> tuple[int, bytes]:
        if not self.exchanges:
            self.problems.append(f"unexpected {method} {target}")
            return 500, b"{}"
        expected, response = self.exchanges[0]["request"], self.exchanges[0]["response"]
        self.exchanges.pop(0)
        url = urlsplit(target)
        got = {
            "method": method,
            "path": url.path.removeprefix(self.prefix),
            "query": dict(parse_qsl(url.query)),
            "json": json.loads(body) if body else None,
        }
        want = {
            "method": expected["method"],
            "path": expected["path"],
            "query": {
                name: value.replace("{TODAY}", TODAY.isoformat()).replace(
                    "{START}", (TODAY - datetime.timedelta(days=31)).isoformat()
                )
                for name, value in expected.get("query", {}).items()
            },
            "json": expected.get("json"),
        }
        if got != want:
            self.problems.append(f"sent {got}, recorded {want}")
        if auth != f"Bearer {self.token}":
            self.problems.append(f"{method} {target} without the admin key")
        return response["status"], json.dumps(response["json"]).encode()


@pytest.fixture
def replay() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def serve(
        exchanges: list[dict[str, Any]], *, token: str, prefix: str = ""
    ) -> tuple[str, Replay]:
        played = Replay(exchanges, token=token, prefix=prefix)

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                status, body = played.answer(
                    self.command,
                    self.path,
                    self.rfile.read(length),
                    self.headers.get("Authorization", ""),
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = do_DELETE = _any  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}", played

    yield serve
    for server in servers:
        server.shutdown()


def recorded(gateway: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{gateway}.json").read_text())  # type: ignore[no-any-return]


def done(played: Replay) -> None:
    assert played.problems == [] and played.exchanges == []


# LiteLLM proxy ---------------------------------------------------------------------------------


def litellm(replay: Any, scenario: str) -> tuple[LitellmGateway, Replay]:
    url, played = replay(recorded("litellm")[scenario], token="sk-master")
    return LitellmGateway(url=url, master_key="sk-master"), played


def test_litellm_provisions_a_key_with_the_daily_budget_and_only_the_served_models(
    replay: Any,
) -> None:
    gateway, played = litellm(replay, "provision_new")
    grant = gateway.provision(
        identity=IDENTITY, usd_per_day=Decimal("120.00"), models=["claude-sonnet-4-5", "o9"]
    )
    done(played)
    assert grant.credential == "sk-Xq3fN0tAReAlKeY0000001"
    assert grant.models == ("claude-sonnet-4-5",) and grant.missing_models == ("o9",)
    assert grant.cap_id.startswith("5b0c7e3f")
    assert gateway.call_url.endswith("/v1") and gateway.auth == "bearer"


def test_litellm_provisioning_again_replaces_the_key_so_one_identity_stays(replay: Any) -> None:
    gateway, played = litellm(replay, "provision_again")
    grant = gateway.provision(
        identity=IDENTITY, usd_per_day=Decimal("120"), models=["claude-sonnet-4-5"]
    )
    done(played)
    assert grant.credential == "sk-Xq3fN0tAReAlKeY0000002"


def test_litellm_changes_the_cap_rotates_and_revokes_by_the_keys_hash(replay: Any) -> None:
    gateway, played = litellm(replay, "change_cap")
    gateway.change_cap(identity=IDENTITY, usd_per_day=Decimal("200"))
    done(played)
    gateway, played = litellm(replay, "rotate")
    assert gateway.rotate(identity=IDENTITY) == "sk-Xq3fN0tAReAlKeY0000003"
    done(played)
    gateway, played = litellm(replay, "revoke")
    gateway.revoke(identity=IDENTITY)
    gateway.revoke(identity=IDENTITY)  # already gone: done, nothing sent but the look-up
    done(played)


def test_litellm_reads_spend_today_for_the_apps_keys_only_and_by_day_and_model(
    replay: Any,
) -> None:
    gateway, played = litellm(replay, "spend_today")
    assert gateway.spend_today() == {
        IDENTITY: Decimal("87.125"),
        "offer-9-0f0f0f": Decimal("0.1"),
    }
    done(played)
    gateway, played = litellm(replay, "spend_by_day")
    assert gateway.spend_by_day(identity=IDENTITY) == {
        datetime.date(2026, 12, 5): {
            "claude-sonnet-4-5": Decimal("100.5"),
            "gpt-5": Decimal("20.25"),
        },
        datetime.date(2026, 12, 6): {"claude-sonnet-4-5": Decimal("3.0")},
    }
    done(played)


def test_litellm_knows_its_cap_refusal_by_type_not_status() -> None:
    gateway = LitellmGateway(url="http://127.0.0.1:9", master_key="k")
    refusal = recorded("litellm")["cap_refusal"]
    body = json.dumps(refusal["json"])
    assert gateway.is_cap_refusal(refusal["status"], body)
    assert gateway.is_cap_refusal(429, body)
    assert not gateway.is_cap_refusal(429, '{"error": {"type": "rate_limit_exceeded"}}')


def test_litellm_down_is_a_gateway_error_without_the_master_key(replay: Any) -> None:
    gateway = LitellmGateway(url="http://127.0.0.1:9", master_key="sk-secret-master")
    with pytest.raises(GatewayError, match="LiteLLM proxy unreachable") as error:
        gateway.spend_today()
    assert "sk-secret-master" not in str(error.value)


# OpenRouter ------------------------------------------------------------------------------------


def openrouter(replay: Any, scenario: str) -> tuple[OpenRouterGateway, Replay]:
    url, played = replay(recorded("openrouter")[scenario], token="sk-or-mgmt", prefix="/api/v1")
    return OpenRouterGateway(url=f"{url}/api/v1", management_key="sk-or-mgmt"), played


def test_openrouter_provisions_a_key_with_a_daily_limit_and_says_models_are_not_limited(
    replay: Any,
) -> None:
    gateway, played = openrouter(replay, "provision_new")
    grant = gateway.provision(
        identity=IDENTITY, usd_per_day=Decimal("120.00"), models=["anthropic/claude-sonnet-4.5"]
    )
    done(played)
    assert grant.credential.startswith("sk-or-v1-d355") and grant.cap_id.startswith("2c9f")
    assert grant.models == ("anthropic/claude-sonnet-4.5",)
    assert gateway.limits_models is False and gateway.keeps_history is False


def test_openrouter_changes_the_limit_rotates_and_revokes_by_the_keys_hash(replay: Any) -> None:
    gateway, played = openrouter(replay, "change_cap")
    gateway.change_cap(identity=IDENTITY, usd_per_day=Decimal("200"))
    done(played)
    gateway, played = openrouter(replay, "rotate")
    assert gateway.rotate(identity=IDENTITY).startswith("sk-or-v1-7f1e")
    done(played)
    gateway, played = openrouter(replay, "revoke")
    gateway.revoke(identity=IDENTITY)
    gateway.revoke(identity=IDENTITY)
    done(played)


def test_openrouter_reads_todays_usage_of_the_apps_keys_and_no_history(replay: Any) -> None:
    gateway, played = openrouter(replay, "spend_today")
    assert gateway.spend_today() == {IDENTITY: Decimal("121.5"), "offer-9-0f0f0f": Decimal("0")}
    done(played)
    assert gateway.spend_by_day(identity=IDENTITY) == {}
    refusal = recorded("openrouter")["cap_refusal"]
    assert gateway.is_cap_refusal(refusal["status"], json.dumps(refusal["json"]))
    assert not gateway.is_cap_refusal(401, "{}")


@pytest.mark.django_db
def test_a_sync_through_openrouter_writes_today_only_and_keeps_the_days_read_before(
    replay: Any, settings: Any, recruiter: Any, manager: Any
) -> None:
    from django.utils import timezone

    from budgets.models import BudgetGrant, DailySpend
    from budgets.services import budget_sync
    from tests import factories

    url, played = replay(
        recorded("openrouter")["spend_today"], token="sk-or-mgmt", prefix="/api/v1"
    )
    offer = factories.accepted(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )
    settings.TOKEN_GATEWAY, settings.TOKEN_GATEWAY_URL = "openrouter", f"{url}/api/v1"
    settings.TOKEN_GATEWAY_ADMIN_KEY = "sk-or-mgmt"
    long_ago = timezone.now() - datetime.timedelta(days=10)
    grant = BudgetGrant.objects.create(
        offer=offer,
        gateway="openrouter",
        identity=IDENTITY,
        state="active",
        usd_per_day=Decimal("120"),
        active_since=long_ago,
        spend_read_at=long_ago,
    )
    yesterday = TODAY - datetime.timedelta(days=1)
    DailySpend.objects.create(
        grant=grant, day=yesterday, usd=Decimal("80"), cap_usd=Decimal("120"), read_at=long_ago
    )
    assert budget_sync() == 1
    done(played)
    rows = dict(grant.spend.values_list("day", "usd"))
    assert rows == {yesterday: Decimal("80"), TODAY: Decimal("121.5")}  # nothing made up
    assert grant.spend.get(day=TODAY).capped
