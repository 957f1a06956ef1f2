"""The MLflow AI Gateway adapter against a real gateway on loopback (tests/gateways.py): the
credential it hands out calls models, the cap refuses past the promised dollars, spend comes
back per day, and rotating or revoking stops the old credential. The first piece of issue 35."""

from __future__ import annotations

import datetime
import json
import time
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from budgets.gateways import GatewayError, MlflowGateway
from tests.gateways import ADMIN, ADMIN_KEY, MODEL, UNPRICED, RunningGateway

pytestmark = pytest.mark.gateway


def gateway_of(running: RunningGateway) -> MlflowGateway:
    return MlflowGateway(url=running.url, admin_user=ADMIN, admin_key=ADMIN_KEY)


def calls_until_refused(running: RunningGateway, identity: str, credential: str) -> list[int]:
    """Call until the gateway refuses (a new cap applies within its refresh interval, 1 s)."""
    statuses: list[int] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and 429 not in statuses:
        statuses.append(running.call(identity, credential).status_code)
        if statuses[-1] != 200:
            time.sleep(0.5)
    return statuses


def test_a_provisioned_credential_calls_models_until_the_daily_cap_refuses(
    mlflow_gateway: RunningGateway,
) -> None:
    gateway = gateway_of(mlflow_gateway)
    grant = gateway.provision(
        identity="offer-101", usd_per_day=Decimal("5.00"), models=[MODEL, "not-served"]
    )
    assert grant.models == (MODEL,) and grant.missing_models == ("not-served",)
    time.sleep(1.5)  # the gateway's refresh interval in the tests
    statuses = calls_until_refused(mlflow_gateway, "offer-101", grant.credential)
    # $2 a call: $2, $4, then $6 crosses the $5 cap (that call is let through), then refused.
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429, statuses
    refused = mlflow_gateway.call("offer-101", grant.credential)
    assert gateway.is_cap_refusal(refused.status_code, refused.text)
    assert not gateway.is_cap_refusal(500, refused.text)
    spent = gateway.spend_today()["offer-101"]
    assert spent == Decimal("6.0")  # over the cap by the call that crossed it: shown, not hidden
    today = datetime.datetime.now(datetime.UTC).date()
    by_day: dict[datetime.date, dict[str, Decimal]] = {}
    deadline = time.monotonic() + 20  # each call's trace is written just after it
    while time.monotonic() < deadline and by_day.get(today, {}).get(MODEL) != spent:
        by_day = gateway.spend_by_day(identity="offer-101")
        time.sleep(0.5)
    assert by_day == {today: {MODEL: Decimal("6.0")}}  # by the endpoint's name
    # Everyone's days in one search, as the periodic sync reads them.
    assert gateway.spend_since(today)["offer-101"] == by_day


def test_a_model_the_employee_was_not_given_is_refused(mlflow_gateway: RunningGateway) -> None:
    gateway = gateway_of(mlflow_gateway)
    grant = gateway.provision(identity="offer-102", usd_per_day=Decimal("50"), models=[MODEL])
    assert mlflow_gateway.call("offer-102", grant.credential, UNPRICED).status_code == 403
    assert mlflow_gateway.call("offer-102", grant.credential, MODEL).status_code == 200


def test_provisioning_twice_leaves_one_identity_and_one_cap(
    mlflow_gateway: RunningGateway,
) -> None:
    gateway = gateway_of(mlflow_gateway)
    first = gateway.provision(identity="offer-103", usd_per_day=Decimal("10"), models=[MODEL])
    again = gateway.provision(identity="offer-103", usd_per_day=Decimal("12"), models=[MODEL])
    assert first.cap_id == again.cap_id
    policies = [
        p
        for p in gateway._call("GET", "/api/3.0/mlflow/gateway/budgets/list")["budget_policies"]
        if p["target_value"] == "offer-103"
    ]
    assert len(policies) == 1 and Decimal(str(policies[0]["budget_amount"])) == Decimal("12")
    # The second run handed out a new credential; the first no longer works.
    assert mlflow_gateway.call("offer-103", first.credential).status_code == 401
    assert mlflow_gateway.call("offer-103", again.credential).status_code == 200


def test_rotating_stops_the_old_credential_and_revoking_stops_the_identity(
    mlflow_gateway: RunningGateway,
) -> None:
    gateway = gateway_of(mlflow_gateway)
    grant = gateway.provision(identity="offer-104", usd_per_day=Decimal("50"), models=[MODEL])
    new = gateway.rotate(identity="offer-104")
    assert mlflow_gateway.call("offer-104", grant.credential).status_code == 401
    assert mlflow_gateway.call("offer-104", new).status_code == 200
    gateway.revoke(identity="offer-104")
    assert mlflow_gateway.call("offer-104", new).status_code == 401
    assert "offer-104" not in gateway.spend_today()  # its cap went with it
    gateway.revoke(identity="offer-104")  # again: already done


def test_a_gateway_that_is_down_is_a_gateway_error() -> None:
    from tests.servers import free_port

    gateway = MlflowGateway(url=f"http://127.0.0.1:{free_port()}", admin_user="a", admin_key="b")
    with pytest.raises(GatewayError, match="unreachable"):
        gateway.provision(identity="offer-105", usd_per_day=Decimal("1"), models=[MODEL])


# The operator's command -----------------------------------------------------------------------


def test_status_names_each_model_of_accepted_offers_and_whether_the_gateway_serves_it(
    gateway_on: RunningGateway,
    recruiter: Any,
    manager: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from offers.services import candidate_link_create, offer_accept
    from tests import factories

    offer = factories.offer(
        by=recruiter,
        hiring_manager=manager,
        models=[("claude-sonnet-4-5", "60"), ("gpt-5", "40")],
    )
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    link, _ = candidate_link_create(offer=approved, by=recruiter)
    offer_accept(link=link, full_name=offer.candidate_name, confirmed=True, ip="", user_agent="")

    call_command("token_budget", "status", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["reachable"] is True and report["gateway"] == "mlflow"
    assert report["models"] == [
        {"model": "claude-sonnet-4-5", "gateway_name": MODEL, "served": True},
        {"model": "gpt-5", "gateway_name": "gpt-5", "served": False},
    ]
    call_command("token_budget", "status")
    assert "gpt-5 → gpt-5: NOT served: set it up" in capsys.readouterr().out


def test_status_says_when_no_gateway_is_set_or_it_does_not_answer(
    db: None, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.servers import free_port

    settings.TOKEN_GATEWAY = ""
    call_command("token_budget", "status")
    assert "TOKEN_GATEWAY is not set: budgets are not provisioned" in capsys.readouterr().out
    settings.TOKEN_GATEWAY, settings.TOKEN_GATEWAY_URL = "mlflow", f"http://127.0.0.1:{free_port()}"
    settings.TOKEN_GATEWAY_ADMIN_USER, settings.TOKEN_GATEWAY_ADMIN_KEY = ADMIN, ADMIN_KEY
    with pytest.raises(CommandError, match="does not answer"):
        call_command("token_budget", "status")


def test_a_refused_employee_calls_again_when_the_window_resets(
    mlflow_gateway: RunningGateway,
) -> None:
    """The same cap over a one-minute window (the gateway's windows align to the epoch, as its
    days do to UTC midnight): refused once spent, served again in the next window."""
    gateway = gateway_of(mlflow_gateway)
    # A name no other test used: a new cap counts the same user's earlier calls in its window
    # (seen when this test first reused offer-104's name), which is also why the app's
    # identities carry random digits.
    grant = gateway.provision(identity="offer-106", usd_per_day=Decimal("2.00"), models=[MODEL])
    mlflow_gateway.local.admin_call(
        "POST",
        "/api/3.0/mlflow/gateway/budgets/update",
        {"budget_policy_id": grant.cap_id, "duration": {"unit": "MINUTES", "value": 1}},
    )
    time.sleep(1.5)  # the gateway's refresh interval in the tests
    statuses = calls_until_refused(mlflow_gateway, "offer-106", grant.credential)
    assert statuses[0] == 200 and statuses[-1] == 429, statuses  # one $2 call spends the $2
    time.sleep(60 - time.time() % 60 + 1.5)  # the next window, and the 1 s refresh
    assert mlflow_gateway.call("offer-106", grant.credential).status_code == 200
