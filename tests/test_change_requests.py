"""Issue 38: the candidate asks for a change on their page; the recruiter sees what it costs
(the builder's own valuation and exception rules), amends (back to approval, then a new link
with a note) or keeps the offer with a message. Audited, in webhooks and the API, erased with
the candidate's data; bad input refused field by field with nothing stored."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import WebhookEvent
from offers.models import ApprovalPolicy, ChangeRequest, Offer
from offers.services import (
    candidate_link_create,
    offer_approve,
    offer_withdraw,
)
from offers.services.personal_data import offer_anonymize
from tests import factories

State = ChangeRequest.State
LINK = re.compile(r"https?://\S+/o/[\w-]+/")


@pytest.fixture
def sent(recruiter: Any, manager: Any) -> tuple[Offer, str]:
    offer = factories.offer(by=recruiter, hiring_manager=manager)
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    _, token = candidate_link_create(offer=offer, by=recruiter)
    return Offer.objects.get(pk=offer.pk), token


def ask(client: Client, token: str, **fields: str) -> Any:
    return client.post(reverse("candidate:change", args=[token]), fields)


def later(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_a_request_reaches_the_recruiter_with_its_cost_and_rule_breaks(
    client: Client, sent: Any, recruiter: Any, manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    offer, token = sent
    ApprovalPolicy.objects.update_or_create(pk=1, defaults={"max_token_usd_per_day": Decimal(180)})
    page = client.get(reverse("candidate:offer", args=[token])).content.decode()
    assert "Ask for a change" in page and 'name="token_usd_per_day"' in page

    start = offer.start_date + datetime.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(
            client,
            token,
            token_unit="usd",
            token_usd_per_day="200",
            start_date=start.isoformat(),
            message="I use agents all day; $200 would cover it.",
        )
    assert response.status_code == 302
    request = ChangeRequest.objects.get(offer=offer)
    assert request.state == State.SENT and request.token_usd_per_day == Decimal("200.00")
    assert request.start_date == start and request.base_salary is None
    event = offer.events.get(action="change requested")
    assert event.actor is None and event.changes["token usd per day"] == "200.00"
    assert "$200" not in str(event.changes)  # the message's words stay on the request
    assert WebhookEvent.objects.filter(offer=offer, type="offer.change_requested").exists()
    told = mail.outbox[-1]
    assert told.to == [recruiter.email] and "asked for a change" in told.subject
    assert "$200.00 a day" in told.body and "(now $150.00)" in told.body

    page = client.get(reverse("candidate:offer", args=[token])).content.decode()
    assert 'data-change-state="sent"' in page and "I use agents all day" in page

    # The recruiter's page: the request beside the terms, at the builder's valuation.
    recruiter_client = Client()
    recruiter_client.force_login(recruiter)
    detail = recruiter_client.get(offer.get_absolute_url()).content.decode()
    assert "The candidate asked for a change" in detail
    same_but_asked = factories.offer(
        by=recruiter, hiring_manager=manager, token_usd_per_day=Decimal(200), start_date=start
    )
    asked_first_year = same_but_asked.figures.first_year_total
    from offers.letters.format import format_money

    assert format_money(asked_first_year, "USD", places=Decimal(1)) in detail
    difference = asked_first_year - offer.figures.first_year_total
    assert difference > 0 and f"+{format_money(difference, 'USD', places=Decimal(1))}" in detail
    assert (
        format_money(same_but_asked.figures.per_year_in_currency, "USD", places=Decimal(1))
        in detail
    )
    assert "Token budget $200.00 a day is over the cap of $180.00 a day." in detail
    request.refresh_from_db()
    assert request.state == State.CONSIDERING
    listing = recruiter_client.get(reverse("offers:list")).content.decode()
    assert "data-change-asked" in listing

    page = client.get(reverse("candidate:offer", args=[token])).content.decode()
    assert "Being considered" in page

    # The API shows the open request.
    key = factories.api_key(recruiter.username)
    got = Client().get(f"/api/v1/offers/{offer.pk}", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert got["change_request"]["open"] is True
    assert got["change_request"]["asked"]["token_usd_per_day"] == "200.00"
    assert got["change_request"]["asked"]["start_date"] == start.isoformat()


def test_amending_sends_it_back_for_approval_and_the_candidate_reads_the_new_letter(
    client: Client, sent: Any, recruiter: Any, manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    offer, token = sent
    start = offer.start_date + datetime.timedelta(days=14)
    ask(client, token, token_unit="usd", token_usd_per_day="200", start_date=start.isoformat())
    request = ChangeRequest.objects.get(offer=offer)

    desk = Client()
    desk.force_login(recruiter)
    builder = desk.get(reverse("offers:edit", args=[offer.pk]) + f"?change={request.pk}")
    html = builder.content.decode()
    assert f'name="change" value="{request.pk}"' in html
    assert 'name="token_usd_per_day"' in html and 'value="200"' in html
    assert f'value="{start.isoformat()}"' in html

    post = factories.form_post(
        hiring_manager=manager.pk,
        token_usd_per_day="200",
        start_date=start.isoformat(),
        change=str(request.pk),
        change_note="We can do $200 and the later start.",
        save="1",
    )
    with django_capture_on_commit_callbacks(execute=True):
        saved = desk.post(reverse("offers:edit", args=[offer.pk]), post)
    assert saved.status_code == 302
    offer.refresh_from_db()
    request.refresh_from_db()
    assert offer.status == Offer.Status.PENDING_APPROVAL
    assert request.state == State.AMENDED and request.answered_by == recruiter
    assert offer.events.filter(action="change answered").exists()
    revising = client.get(reverse("candidate:offer", args=[token]))
    assert revising.status_code == 410
    assert "Your offer is being changed after your request" in revising.content.decode()

    # The hiring manager sees the request beside the figures in the admin.
    admin = Client()
    admin.force_login(manager)
    review = admin.get(reverse("admin:offers_offer_change", args=[offer.pk])).content.decode()
    assert "answered by amending the offer" in review and "This version" in review

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offer_approve(offer=offer, by=manager)
    request.refresh_from_db()
    assert request.delivered_at is not None
    email = next(m for m in mail.outbox if m.to == [offer.candidate_email])
    assert email.subject.startswith("Your changed offer from")
    assert "We can do $200 and the later start." in email.body
    new_url = LINK.search(str(email.body))
    assert new_url is not None
    new_token = new_url.group(0).rstrip("/").rsplit("/", 1)[1]
    page = client.get(reverse("candidate:offer", args=[new_token])).content.decode()
    assert "Answered: the offer was changed" in page
    assert "$200.00 a day" in page
    assert WebhookEvent.objects.filter(offer=offer, type="offer.change_answered").exists()


def test_keeping_the_offer_answers_the_candidate(
    client: Client, sent: Any, recruiter: Any, django_capture_on_commit_callbacks: Any
) -> None:
    offer, token = sent
    ask(client, token, base_salary="230000", message="Could base be 230k?")
    request = ChangeRequest.objects.get(offer=offer)
    desk = Client()
    desk.force_login(recruiter)
    keep = reverse("offers:change_keep", args=[offer.pk, request.pk])
    assert desk.post(keep, {"message": ""}).status_code == 302
    request.refresh_from_db()
    assert request.is_open  # refused: no message
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(keep, {"message": "The band tops out at 215k; the equity is generous."})
    request.refresh_from_db()
    assert request.state == State.KEPT
    assert mail.outbox[-1].to == [offer.candidate_email]
    assert "The band tops out at 215k" in mail.outbox[-1].body
    page = client.get(reverse("candidate:offer", args=[token])).content.decode()
    assert "Answered: the offer stays as it is" in page and "The band tops out" in page
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT  # still open to answer


def test_a_second_request_replaces_the_first_and_tokens_are_shown_in_dollars_too(
    client: Client, sent: Any
) -> None:
    offer, token = sent
    ask(client, token, token_unit="usd", token_usd_per_day="180")
    line = offer.figures.valuation.lines[0]
    tokens = 300_000_000
    ask(
        client,
        token,
        token_unit="tokens",
        token_tokens_per_day=str(tokens),
        token_model=line.model_id,
    )
    first, second = ChangeRequest.objects.order_by("pk")
    assert first.state == State.REPLACED and second.state == State.SENT
    expected = (Decimal(tokens) * line.blended_per_million / Decimal(1_000_000)).quantize(
        Decimal("0.01")
    )
    assert second.token_usd_per_day == expected and second.token_tokens_per_day == tokens
    page = client.get(reverse("candidate:offer", args=[token])).content.decode()
    assert "300,000,000 tokens a day of" in page and f"${expected:,}" in page

    preview = client.post(
        reverse("candidate:change_preview", args=[token]),
        {"token_unit": "usd", "token_usd_per_day": "200"},
    ).content.decode()
    assert "$200.00 a day buys each day" in preview and "tokens a day of" in preview


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"token_usd_per_day": "100001"}, "AI token budget (US dollars a day)"),
        ({"base_salary": "2000000000"}, "Base salary (a year)"),
        (
            {"token_unit": "tokens", "token_tokens_per_day": "1000", "token_model": "gpt-5"},
            "Model",
        ),
        ({"start_date": "2020-01-01"}, "Start date: The start date is in the past."),
        ({"message": "bell\x07"}, "Your message: Remove the invisible control characters"),
        ({}, "Ask for at least one change, or write a message."),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    client: Client, sent: Any, fields: dict[str, str], named: str
) -> None:
    _, token = sent
    response = ask(client, token, **fields)
    assert response.status_code == 400
    assert named in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_a_request_on_a_withdrawn_or_expired_offer_is_refused(
    client: Client, sent: Any, recruiter: Any
) -> None:
    offer, token = sent
    Offer.objects.filter(pk=offer.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(1)
    )
    refused = ask(client, token, base_salary="210000")
    assert refused.status_code in {400, 410}
    assert "expired" in refused.content.decode()
    Offer.objects.filter(pk=offer.pk).update(
        expires_on=timezone.localdate() + datetime.timedelta(5)
    )
    offer_withdraw(offer=Offer.objects.get(pk=offer.pk), by=recruiter)
    gone = ask(client, token, base_salary="210000")
    assert gone.status_code == 410 and "withdrawn" in gone.content.decode()
    assert not ChangeRequest.objects.exists()


def test_erasure_removes_the_request_and_its_words(client: Client, sent: Any) -> None:
    offer, token = sent
    ask(client, token, sign_on_bonus="40000", message="My current employer's bonus is 40k.")
    offer_anonymize(offer=offer, by=None, reason="request 42")
    assert not ChangeRequest.objects.exists()
    event = offer.events.get(action="change requested")
    assert set(event.changes) <= {"request", "answer"} and event.note == ""


def test_answering_the_offer_closes_an_open_request(client: Client, sent: Any) -> None:
    offer, token = sent
    ask(client, token, base_salary="210000")
    url = reverse("candidate:answer", args=[token])
    client.post(url, {"decision": "decline", "reason": "", "final": "yes"})
    assert ChangeRequest.objects.get().state == State.CLOSED


def test_requests_are_rate_limited_per_link(client: Client, sent: Any, settings: Any) -> None:
    _, token = sent
    settings.CANDIDATE_CHANGE_RATE = "2/h"
    assert ask(client, token, base_salary="210000").status_code == 302
    assert ask(client, token, base_salary="211000").status_code == 302
    limited = ask(client, token, base_salary="212000")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert ChangeRequest.objects.filter(state=State.SENT).get().base_salary == Decimal("211000")


def test_a_link_held_back_at_approval_carries_the_note_when_the_recruiter_sends_it(
    client: Client, sent: Any, recruiter: Any, manager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from offers import signals

    offer, token = sent
    ask(client, token, token_unit="usd", token_usd_per_day="180")
    request = ChangeRequest.objects.get(offer=offer)
    offer = factories.edit(offer, by=recruiter, token_usd_per_day=Decimal(180))
    from offers.services.changes import change_request_amend

    change_request_amend(request=request, by=recruiter, note="Yes to $180.")

    def hold(sender: Any, offer: Offer, **kwargs: Any) -> str:
        return "Waiting for the company's countersignature."

    signals.link_check.connect(hold, dispatch_uid="test-hold")
    try:
        offer = offer_approve(offer=offer, by=manager)
    finally:
        signals.link_check.disconnect(dispatch_uid="test-hold")
    request.refresh_from_db()
    assert offer.status == Offer.Status.APPROVED and request.delivered_at is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        candidate_link_create(offer=offer, by=recruiter, email=True)
    request.refresh_from_db()
    assert request.delivered_at is not None
    assert mail.outbox[-1].subject.startswith("Your changed offer")
    assert "Yes to $180." in mail.outbox[-1].body
