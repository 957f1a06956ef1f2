"""An accepted offer's token budget delivered through the real MLflow gateway (tests/gateways.py):
provisioned once per offer however often the job runs, the printed credential calls models until
the cap, spend read back per day beside the promise, revoked. Issue 35, in progress."""

from __future__ import annotations

import datetime
import json
import time
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.models import WebhookEvent
from budgets.models import BudgetGrant, DailySpend, ModelSpend
from offers.models import Offer
from offers.services import candidate_link_create, offer_accept
from tests import factories
from tests.gateways import MODEL, RunningGateway

pytestmark = [pytest.mark.gateway, pytest.mark.django_db]


def accepted(recruiter: Any, manager: Any, **terms: Any) -> Offer:
    offer = factories.offer(by=recruiter, hiring_manager=manager, **terms)
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    link, _ = candidate_link_create(offer=approved, by=recruiter)
    offer_accept(link=link, full_name=offer.candidate_name, confirmed=True, ip="", user_agent="")
    return Offer.objects.get(pk=offer.pk)


def provision(offer: Offer, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    call_command("token_budget", "provision", str(offer.pk), "--print-credential", "--json")
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_an_accepted_offer_waits_for_its_start_date_then_is_provisioned_once(
    gateway_on: RunningGateway, recruiter: Any, manager: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from budgets.services import budgets_provision_due

    offer = accepted(recruiter, manager, token_usd_per_day=Decimal("4"))
    grant = BudgetGrant.objects.get(offer=offer)
    assert grant.state == "waiting" and grant.identity.startswith(f"offer-{offer.pk}-")
    assert budgets_provision_due() == 0  # starts in 30 days
    Offer.objects.filter(pk=offer.pk).update(start_date=timezone.localdate())
    assert budgets_provision_due() == 1
    assert budgets_provision_due() == 0  # done
    grant.refresh_from_db()
    assert grant.state == "active" and grant.usd_per_day == Decimal("4.00")
    assert grant.model_names == [MODEL]
    assert offer.events.filter(action="budget provisioned").count() == 1

    # The operator provisions it again (a crash, a lost credential): still one identity.
    body = provision(offer, capsys)
    assert body["identity"] == grant.identity and body["usd_per_day"] == "4.00"
    assert body["credential"] and body["window"] == "per UTC day"
    assert BudgetGrant.objects.filter(offer=offer).count() == 1
    grant.refresh_from_db()
    assert grant.credential_prefix == body["credential"][:6]
    assert body["credential"] not in json.dumps(list(offer.events.values("changes", "note")))
    assert grant.credential_handed_at is not None  # printed for the operator to hand over
    # Provisioned again (the People team's "Provision now"): that credential stops working and
    # the new hire takes the new one from their link.
    from budgets.services import budget_provision

    budget_provision(offer=offer, by=None)
    grant.refresh_from_db()
    assert grant.credential_handed_at is None


def test_the_printed_credential_calls_until_the_cap_and_spend_is_read_beside_the_promise(
    gateway_on: RunningGateway, recruiter: Any, manager: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    offer = accepted(recruiter, manager, token_usd_per_day=Decimal("3"))
    body = provision(offer, capsys)
    time.sleep(1.5)  # the gateway's refresh interval in the tests
    statuses = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and 429 not in statuses:
        statuses.append(gateway_on.call(body["identity"], body["credential"]).status_code)
    assert statuses[0] == 200 and statuses[-1] == 429, statuses
    call_command("token_budget", "sync")
    capsys.readouterr()
    today = datetime.datetime.now(datetime.UTC).date()
    spent = DailySpend.objects.get(grant__offer=offer, day=today)
    assert spent.usd >= Decimal("3")  # the call that crossed the cap was let through
    assert spent.capped and spent.cap_usd == Decimal("3.00")
    assert offer.events.filter(action="budget cap reached").count() == 1
    event = WebhookEvent.objects.get(offer=offer, type="budget.cap_reached")
    assert event.payload["data"]["budget"]["day (UTC)"] == today.isoformat()
    assert WebhookEvent.objects.filter(offer=offer, type="budget.provisioned").exists()
    call_command("token_budget", "sync")  # read again: the day is not announced twice
    capsys.readouterr()
    assert offer.events.filter(action="budget cap reached").count() == 1
    call_command("token_budget", "spend", "--offer", str(offer.pk), "--json")
    (row,) = json.loads(capsys.readouterr().out)
    assert row["promised_usd"] == "3.00" and Decimal(row["spent_usd"]) == spent.usd
    assert row["day"] == today.isoformat() and "MLflow AI Gateway's own prices" in row["spent_at"]
    assert row["capped"] is True and row["models"] == {MODEL: str(spent.usd)}
    assert row["promised_at"] == str(offer.price_snapshot)

    call_command("token_budget", "revoke", str(offer.pk), "--reason", "Left the company.")
    assert gateway_on.call(body["identity"], body["credential"]).status_code == 401
    grant = BudgetGrant.objects.get(offer=offer)
    assert grant.state == "revoked" and grant.revoke_reason == "Left the company."
    assert offer.events.filter(action="budget revoked").exists()
    assert WebhookEvent.objects.filter(offer=offer, type="budget.revoked").exists()


def test_a_gateway_that_is_down_fails_the_grant_with_its_reason_and_loses_nothing(
    gateway_on: RunningGateway, settings: Any, recruiter: Any, manager: Any
) -> None:
    from budgets.services import budgets_provision_due
    from tests.servers import free_port

    offer = accepted(recruiter, manager)
    Offer.objects.filter(pk=offer.pk).update(start_date=timezone.localdate())
    settings.TOKEN_GATEWAY_URL = f"http://127.0.0.1:{free_port()}"
    assert budgets_provision_due() == 0
    grant = BudgetGrant.objects.get(offer=offer)
    assert grant.state == "failed" and "unreachable" in grant.last_error and grant.attempts == 1
    settings.TOKEN_GATEWAY_URL = gateway_on.url  # back
    assert budgets_provision_due() == 1
    grant.refresh_from_db()
    assert grant.state == "active" and grant.last_error == ""


def test_no_gateway_set_no_grant_and_a_clear_refusal(
    settings: Any, recruiter: Any, manager: Any
) -> None:
    from django.core.management import CommandError

    settings.TOKEN_GATEWAY = ""
    offer = accepted(recruiter, manager)
    assert not BudgetGrant.objects.exists()
    with pytest.raises(CommandError, match="No LLM gateway is configured"):
        call_command("token_budget", "provision", str(offer.pk))


# The new hire's page ---------------------------------------------------------------------------


def test_the_new_hire_gets_their_credential_once_on_their_link_and_sees_today_against_the_cap(
    gateway_on: RunningGateway, recruiter: Any, manager: Any, client: Any
) -> None:
    from django.urls import reverse

    from budgets.services import budget_provision

    offer = factories.offer(by=recruiter, hiring_manager=manager, token_usd_per_day=Decimal("9"))
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    link, token = candidate_link_create(offer=approved, by=recruiter)
    offer_accept(link=link, full_name=offer.candidate_name, confirmed=True, ip="", user_agent="")
    page = client.get(reverse("candidate:offer", args=[token])).content.decode()
    assert "starts on your start date" in page and "Show my credential" not in page

    budget_provision(offer=Offer.objects.get(pk=offer.pk), by=None)
    page = client.get(reverse("candidate:offer", args=[token])).content.decode()
    assert "Today you have used <strong>$0.00</strong> of <strong>$9.00</strong>" in page
    shown = client.post(reverse("budgets:credential", args=[token]))
    assert shown.status_code == 200 and shown["Cache-Control"].startswith("private, no-store")
    html = shown.content.decode()
    credential = html.split('id="budget-credential" type="text" readonly value="')[1].split('"')[0]
    assert f"{gateway_on.url}/gateway/mlflow/v1" in html and MODEL in html
    time.sleep(1.5)
    grant = BudgetGrant.objects.get(offer=offer)
    assert gateway_on.call(grant.identity, credential).status_code == 200
    assert grant.credential_handed_at is not None and credential[:6] == grant.credential_prefix
    assert credential not in json.dumps(list(offer.events.values("changes", "note")))

    again = client.post(reverse("budgets:credential", args=[token]))
    assert again.status_code == 400 and "Your credential was shown on" in again.content.decode()
    assert gateway_on.call(grant.identity, credential).status_code == 200  # unchanged
    call_command("token_budget", "sync")
    page = client.get(reverse("candidate:offer", args=[token])).content.decode()
    # Two calls of $2 at the gateway's test prices.
    assert "Today you have used <strong>$4.00</strong> of <strong>$9.00</strong>" in page


# The recruiter's offer page and the People team's admin --------------------------------------


def test_the_offer_page_says_where_the_budget_stands_and_the_people_team_provisions_it_now(
    gateway_on: RunningGateway, recruiter: Any, manager: Any, client: Any
) -> None:
    from django.urls import reverse

    from offers.roles import PEOPLE_TEAM

    offer = accepted(recruiter, manager, token_usd_per_day=Decimal("7"))
    client.force_login(recruiter)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert (
        "waiting for the start date" in page
        and BudgetGrant.objects.get(offer=offer).identity in page
    )

    people = factories.user("pat", role=PEOPLE_TEAM, is_staff=True)
    client.force_login(people)
    grant = BudgetGrant.objects.get(offer=offer)
    changelist = reverse("admin:budgets_budgetgrant_changelist")
    assert client.get(changelist).status_code == 200
    response = client.post(
        changelist, {"action": "provision_now", "_selected_action": [grant.pk]}, follow=True
    )
    assert "provisioned; the new hire gets their credential on their link" in (
        response.content.decode()
    )
    grant.refresh_from_db()
    assert grant.is_active
    assert offer.events.get(action="budget provisioned").actor == people

    client.force_login(recruiter)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "<strong>active</strong> since" in page
    assert client.get(changelist).status_code in {302, 403}  # not the recruiter's to change


def test_the_offer_page_says_budgets_are_off_without_a_gateway(
    settings: Any, recruiter: Any, manager: Any, client: Any
) -> None:
    settings.TOKEN_GATEWAY = ""
    offer = accepted(recruiter, manager)
    client.force_login(recruiter)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Budgets are not provisioned: no LLM gateway is configured" in page


def test_erasing_the_candidates_personal_data_revokes_their_budget(
    gateway_on: RunningGateway,
    recruiter: Any,
    manager: Any,
    capsys: pytest.CaptureFixture[str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from offers.services.personal_data import candidate_erase

    offer = accepted(recruiter, manager)
    body = provision(offer, capsys)
    with django_capture_on_commit_callbacks(execute=True):
        candidate_erase(email=offer.candidate_email, reason="Asked by the candidate.", by=None)
    grant = BudgetGrant.objects.get(offer=offer)
    assert grant.is_revoked and "personal data was erased" in grant.revoke_reason
    assert gateway_on.call(body["identity"], body["credential"]).status_code == 401


# Spend read back, the last day of employment, a new credential ------------------------------


def test_an_outage_marks_spend_stale_and_the_next_read_fills_every_day_since_the_last(
    gateway_on: RunningGateway,
    settings: Any,
    recruiter: Any,
    manager: Any,
    capsys: pytest.CaptureFixture[str],
    client: Any,
) -> None:
    from django.core.management import CommandError
    from django.urls import reverse

    from offers.roles import FINANCE
    from tests.servers import free_port

    offer = accepted(recruiter, manager, token_usd_per_day=Decimal("50"))
    body = provision(offer, capsys)
    time.sleep(1.5)
    assert gateway_on.call(body["identity"], body["credential"]).status_code == 200
    today = datetime.datetime.now(datetime.UTC).date()
    # Provisioned four days ago and last read then: the days between were never read.
    four_days_ago = timezone.now() - datetime.timedelta(days=4)
    BudgetGrant.objects.filter(offer=offer).update(
        active_since=four_days_ago, spend_read_at=four_days_ago
    )
    settings.TOKEN_GATEWAY_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match="unreachable"):
        call_command("token_budget", "sync")
    grant = BudgetGrant.objects.get(offer=offer)
    assert grant.spend_stale_since is not None and not grant.spend.exists()
    client.force_login(factories.user("fiona", role=FINANCE))
    assert "did not answer when spend was last read for 1 person" in (
        client.get(reverse("budgets:spend")).content.decode()
    )

    settings.TOKEN_GATEWAY_URL = gateway_on.url
    from budgets.gateways import configured

    deadline = time.monotonic() + 20  # the call's trace is written just after it
    while time.monotonic() < deadline and not configured().spend_by_day(  # type: ignore[union-attr]
        identity=grant.identity
    ):
        time.sleep(0.5)
    call_command("token_budget", "sync")
    grant.refresh_from_db()
    assert grant.spend_stale_since is None
    days = dict(grant.spend.values_list("day", "usd"))
    assert sorted(days) == [today - datetime.timedelta(days=n) for n in range(4, -1, -1)]
    # Those past days have settled: the next read asks the gateway for today's window only.
    from budgets.gateways import MlflowGateway
    from budgets.services import budget_sync

    asked: list[str] = []
    original = MlflowGateway.spend_by_day

    def counted(self: Any, *, identity: str) -> Any:
        asked.append(identity)
        return original(self, identity=identity)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MlflowGateway, "spend_by_day", counted)
        assert budget_sync() == 1  # the periodic job
        assert asked == []
        assert budget_sync(everything=True) == 2  # the operator's command: yesterday, today
        assert asked == [grant.identity]
    assert days[today] == Decimal("2") and sum(days.values()) == Decimal("2")
    assert ModelSpend.objects.get(grant=grant, day=today).model == MODEL
    html = client.get(reverse("budgets:spend")).content.decode()
    assert "did not answer" not in html and 'data-model="fake-model"' in html
    # Five days at the $50 cap promised, $2 spent.
    total = html.split('data-table="departments"')[1].split('data-row="total"')[1]
    assert "$250.00" in total and "$2.00" in total and "0.8%" in total


def test_the_last_day_of_employment_revokes_the_budget_after_it(
    gateway_on: RunningGateway,
    recruiter: Any,
    manager: Any,
    capsys: pytest.CaptureFixture[str],
    client: Any,
) -> None:
    from django.urls import reverse

    from budgets.services import budget_end_set, budgets_revoke_ended
    from offers.roles import PEOPLE_TEAM
    from offers.services import OfferError

    offer = accepted(recruiter, manager)
    body = provision(offer, capsys)
    with pytest.raises(OfferError, match="cannot be before the start date"):
        budget_end_set(offer=offer, ends_on=offer.start_date - datetime.timedelta(days=1), by=None)
    # The People team sets the last day in the admin: audited, the budget still works until then.
    people = factories.user("pat", role=PEOPLE_TEAM, is_staff=True)
    client.force_login(people)
    grant = BudgetGrant.objects.get(offer=offer)
    change = reverse("admin:budgets_budgetgrant_change", args=[grant.pk])
    last_day = offer.start_date + datetime.timedelta(days=90)
    response = client.post(change, {"ends_on": last_day.isoformat()}, follow=True)
    assert response.status_code == 200
    grant.refresh_from_db()
    assert grant.ends_on == last_day and grant.is_active
    assert offer.events.get(action="budget end set").actor == people
    assert budgets_revoke_ended() == 0
    # The day passes.
    Offer.objects.filter(pk=offer.pk).update(
        start_date=timezone.localdate() - datetime.timedelta(days=100)
    )
    BudgetGrant.objects.filter(pk=grant.pk).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert budgets_revoke_ended() == 1
    grant.refresh_from_db()
    assert grant.is_revoked and grant.revoke_reason.startswith("Employment ended on")
    assert gateway_on.call(body["identity"], body["credential"]).status_code == 401
    assert budgets_revoke_ended() == 0


def test_the_people_team_replaces_a_credential_and_the_new_hire_gets_a_new_one_once(
    gateway_on: RunningGateway,
    recruiter: Any,
    manager: Any,
    capsys: pytest.CaptureFixture[str],
    client: Any,
) -> None:
    from django.urls import reverse

    from offers.roles import PEOPLE_TEAM

    offer = factories.offer(by=recruiter, hiring_manager=manager)
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    link, token = candidate_link_create(offer=approved, by=recruiter)
    offer_accept(link=link, full_name=offer.candidate_name, confirmed=True, ip="", user_agent="")
    body = provision(Offer.objects.get(pk=offer.pk), capsys)  # handed over by the operator
    time.sleep(1.5)
    assert gateway_on.call(body["identity"], body["credential"]).status_code == 200
    client.force_login(factories.user("pat", role=PEOPLE_TEAM, is_staff=True))
    grant = BudgetGrant.objects.get(offer=offer)
    response = client.post(
        reverse("admin:budgets_budgetgrant_changelist"),
        {"action": "rotate", "_selected_action": [grant.pk]},
        follow=True,
    )
    assert "the old credential no longer works" in response.content.decode()
    assert gateway_on.call(body["identity"], body["credential"]).status_code == 401
    assert offer.events.filter(action="budget credential rotated").exists()
    client.logout()
    shown = client.post(reverse("budgets:credential", args=[token])).content.decode()
    credential = shown.split('id="budget-credential" type="text" readonly value="')[1].split('"')[0]
    assert gateway_on.call(body["identity"], credential).status_code == 200


@pytest.mark.usefixtures("db")
def test_an_accepted_offers_link_lasts_until_after_the_start_date_for_the_budget(
    settings: Any, recruiter: Any, manager: Any
) -> None:
    settings.TOKEN_GATEWAY = ""
    settings.CANDIDATE_LINK_DAYS_AFTER_ANSWER = 30
    offer = factories.offer(
        by=recruiter,
        hiring_manager=manager,
        start_date=timezone.localdate() + datetime.timedelta(days=90),
    )
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    link, _ = candidate_link_create(offer=approved, by=recruiter)
    offer_accept(link=link, full_name=offer.candidate_name, confirmed=True, ip="", user_agent="")
    link.refresh_from_db()
    assert link.expires_at.astimezone(timezone.get_current_timezone()).date() == (
        offer.start_date + datetime.timedelta(days=30)
    )


def test_an_offer_made_in_tokens_is_capped_at_the_dollars_it_was_valued_at_and_says_so(
    gateway_on: RunningGateway, recruiter: Any, manager: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    offer = accepted(
        recruiter, manager, token_budget_unit="tokens", token_tokens_per_day=20_000_000
    )
    body = provision(offer, capsys)
    expected = offer.figures.valuation.usd_per_day.quantize(Decimal("0.01"))  # type: ignore[union-attr]
    assert Decimal(body["usd_per_day"]) == expected > 0
    changes = offer.events.get(action="budget provisioned").changes
    assert changes["converted from"] == f"20,000,000 tokens a day at {offer.price_snapshot}"


def test_a_last_day_already_past_revokes_that_budget_at_once(
    gateway_on: RunningGateway, recruiter: Any, manager: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from budgets.services import budget_end_set

    offer = accepted(recruiter, manager)
    body = provision(offer, capsys)
    Offer.objects.filter(pk=offer.pk).update(
        start_date=timezone.localdate() - datetime.timedelta(days=30)
    )
    offer.refresh_from_db()
    grant = budget_end_set(
        offer=offer, ends_on=timezone.localdate() - datetime.timedelta(days=1), by=recruiter
    )
    assert grant.is_revoked and grant.revoke_reason.startswith("Employment ended on")
    assert offer.events.get(action="budget revoked").actor == recruiter
    assert gateway_on.call(body["identity"], body["credential"]).status_code == 401
