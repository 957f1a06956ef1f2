from __future__ import annotations

import datetime
import hashlib
import io
import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offers.models import CandidateLink, Offer, OfferEvent
from offers.services import (
    OfferError,
    candidate_link_create,
    candidate_link_find,
    letter_render,
    offer_withdraw,
)
from ops.logging import RedactCandidateTokens
from tests import factories

pytestmark = pytest.mark.django_db
Status = Offer.Status


@pytest.fixture(autouse=True)
def fresh_guess_counters() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sent(offer: Offer, recruiter: User, manager: User) -> tuple[Offer, CandidateLink, str]:
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    link, token = candidate_link_create(offer=approved, by=recruiter)
    return Offer.objects.get(pk=offer.pk), link, token


def page_url(token: str) -> str:
    return reverse("candidate:offer", args=[token])


def answer(client: Client, token: str, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("candidate:answer", args=[token]), fields)


# The token -----------------------------------------------------------------------------------


def test_token_is_long_random_and_only_its_hash_is_stored(
    offer: Offer, recruiter: User, manager: User
) -> None:
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    tokens = set()
    for _ in range(20):
        link, token = candidate_link_create(offer=approved, by=recruiter)
        tokens.add(token)
        assert len(token) >= 43  # 32 random bytes, URL-safe base64: 256 bits
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        stored = [str(getattr(link, field.attname)) for field in CandidateLink._meta.fields]
        assert not any(token in value for value in stored)
        assert candidate_link_find(token) == link
    assert len(tokens) == 20
    # Each new link revoked the one before.
    assert CandidateLink.objects.filter(revoked_at__isnull=True).count() == 1


def test_every_wrong_token_gets_the_same_404(client: Client, sent) -> None:  # type: ignore[no-untyped-def]
    _, _, token = sent
    nearly = token[:-1] + ("A" if token[-1] != "A" else "B")
    responses = [client.get(page_url(wrong)) for wrong in [nearly, "x" * 43, "short"]]
    assert {response.status_code for response in responses} == {404}
    assert len({response.content for response in responses}) == 1
    assert b"does not lead to an offer" in responses[0].content


def test_guessing_is_rate_limited_per_client(sent, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CANDIDATE_LINK_GUESS_RATE = "3/h"  # per hour: no window turns over mid-test
    _, _, token = sent
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    assert [guesser.get(page_url(f"wrong-{n}")).status_code for n in range(3)] == [404] * 3
    assert guesser.get(page_url("wrong-4")).status_code == 429
    # The real candidate on the same address (a shared office network) is never refused.
    assert guesser.get(page_url(token)).status_code == 200
    assert guesser.get(page_url("wrong-5")).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.7").get(page_url(token)).status_code == 200


def test_private_headers_on_every_candidate_response(client: Client, sent) -> None:  # type: ignore[no-untyped-def]
    offer, link, token = sent
    found = client.get(page_url(token))
    missing = client.get(page_url("nope" * 11))
    CandidateLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    gone = client.get(page_url(token))
    assert [found.status_code, missing.status_code, gone.status_code] == [200, 404, 410]
    for response in [found, missing, gone]:
        assert response["Referrer-Policy"] == "no-referrer"
        assert "noindex" in response["X-Robots-Tag"]
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b'<meta name="robots" content="noindex' in found.content


def test_no_token_reaches_the_logs(client: Client, sent) -> None:  # type: ignore[no-untyped-def]
    _, link, token = sent
    [console] = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactCandidateTokens) for f in handler.filters)
    ]
    assert isinstance(console, logging.StreamHandler)
    output = io.StringIO()
    previous = console.setStream(output)
    try:
        wrong = "w" * 43
        client.get(page_url(wrong))  # "Not Found: /o/…/" from django.request
        CandidateLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
        client.get(page_url(token))  # "Gone: /o/…/"
        logging.getLogger("django.server").info('"GET /o/%s/ HTTP/1.1" 200 512', token)
    finally:
        console.setStream(previous)  # type: ignore[arg-type]
    logged = output.getvalue()
    assert "/o/[token]" in logged
    assert token not in logged and wrong not in logged


# Expiry, revocation, withdrawal --------------------------------------------------------------


def test_expired_link_is_gone_without_figures(client: Client, sent) -> None:  # type: ignore[no-untyped-def]
    offer, link, token = sent
    CandidateLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.get(page_url(token))
    assert response.status_code == 410
    page = response.content.decode()
    assert "This offer has expired" in page and "riley@example.com" in page
    assert "$334,500" not in page and "Dana Candidate" not in page


def test_revoked_and_reissued_links(client: Client, sent, recruiter: User) -> None:  # type: ignore[no-untyped-def]
    offer, _, old_token = sent
    _, new_token = candidate_link_create(offer=offer, by=recruiter)
    old = client.get(page_url(old_token))
    assert old.status_code == 410 and "This link no longer works" in old.content.decode()
    assert client.get(page_url(new_token)).status_code == 200
    assert OfferEvent.objects.filter(offer=offer, action="link reissued").exists()


def test_withdrawn_offer_is_gone(client: Client, sent, recruiter: User) -> None:  # type: ignore[no-untyped-def]
    offer, _, token = sent
    offer_withdraw(offer=offer, by=recruiter)
    response = client.get(page_url(token))
    assert response.status_code == 410
    assert "This offer was withdrawn" in response.content.decode()


def test_changing_a_figure_after_sending_stops_the_link(
    client: Client, sent, recruiter: User
) -> None:  # type: ignore[no-untyped-def]
    offer, _, token = sent
    builder = Client()
    builder.force_login(recruiter)
    edit_page = builder.get(reverse("offers:edit", args=[offer.pk])).content.decode()
    assert "data-approval-notice" in edit_page and "stops the candidate's link" in edit_page
    changed = factories.edit(offer, by=recruiter, base_salary=Decimal("210000"))
    assert changed.status == Status.PENDING_APPROVAL
    response = client.get(page_url(token))
    assert response.status_code == 410 and "$210,000" not in response.content.decode()


# The page ------------------------------------------------------------------------------------


def test_page_shows_the_offer_in_plain_words(client: Client, sent) -> None:  # type: ignore[no-untyped-def]
    offer, _, token = sent
    page = client.get(page_url(token)).content.decode()
    assert "Dear Dana Candidate" in page and "Senior Engineer" in page
    assert "10 days left" in page
    for figure in ["$200,000", "$20,000", "$60,000", "$34,500", "$334,500", "$1,278,000"]:
        assert figure in page
    # $150 at 0.06 x 3 + 0.065 x 3.75 + 0.865 x 0.3 + 0.01 x 15 = $0.83325 per 1M tokens.
    # Valued with the prices in force on the first day of work (a change before it applies).
    assert offer.token_prices_date == offer.start_date
    prices_date = f"{offer.start_date:%-d %B %Y}"
    words = "about 180 million tokens a day of Claude Sonnet 4.5</strong> at the prices of "
    assert words + prices_date in page
    # 180M / (13.3M an hour x 8 hours): never more hours than a working day.
    assert "enough to keep about 0.7–1.7 coding agents busy all working day" in page
    assert " hours of an agentic coding session" not in page
    assert "not cash" in page
    assert "Illustrations only" in page
    assert 'data-scenario="3">$720,000' in page  # 4,800 RSUs at 3 × $50


def test_option_scenarios_subtract_the_strike(
    client: Client, recruiter: User, manager: User
) -> None:
    offer = factories.offer(
        by=recruiter,
        hiring_manager=manager,
        equity_type="options",
        equity_units=10000,
        equity_price_per_unit=Decimal("9"),
        equity_strike_price=Decimal("2.50"),
    )
    _, token = candidate_link_create(
        offer=factories.approved(offer, recruiter=recruiter, manager=manager), by=recruiter
    )
    page = client.get(page_url(token)).content.decode()
    assert 'data-scenario="1">$65,000' in page  # (9 - 2.50) × 10,000
    assert 'data-scenario="10">$875,000' in page  # (90 - 2.50) × 10,000


def test_views_are_counted_for_the_recruiter(client: Client, sent, recruiter: User) -> None:  # type: ignore[no-untyped-def]
    offer, link, token = sent
    client.get(page_url(token))
    client.get(page_url(token))
    link.refresh_from_db()
    assert link.view_count == 2 and link.first_viewed_at and link.last_viewed_at
    assert link.first_viewed_at <= link.last_viewed_at
    recruiter_client = Client()
    recruiter_client.force_login(recruiter)
    page = recruiter_client.get(offer.get_absolute_url()).content.decode()
    assert "viewed <span data-views>2</span> times" in page
    assert token not in page  # shown once, at creation only


def test_candidate_downloads_the_approved_letter(client: Client, sent) -> None:  # type: ignore[no-untyped-def]
    offer, _, token = sent
    letter_url = reverse("candidate:letter", args=[token])
    assert client.get(letter_url).status_code == 404  # still being prepared
    letter = offer.letters.get()  # asked for when the link was created
    assert not letter.draft
    letter_render(letter_id=letter.pk)
    assert "Download the offer letter" in client.get(page_url(token)).content.decode()
    response = client.get(letter_url)
    assert response.status_code == 200 and response["Referrer-Policy"] == "no-referrer"
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]


# Answers -------------------------------------------------------------------------------------


def test_accept_needs_the_right_name_the_box_and_a_confirmation(
    client: Client, sent, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    offer, _, token = sent
    wrong = answer(client, token, decision="accept", full_name="Dana Kandidate", confirm="yes")
    assert wrong.status_code == 400 and "does not match" in wrong.content.decode()
    unticked = answer(client, token, decision="accept", full_name="Dana Candidate")
    assert unticked.status_code == 400 and "Tick the box" in unticked.content.decode()
    asked = answer(client, token, decision="accept", full_name="  dana  candidate ", confirm="yes")
    assert "Yes, accept the offer" in asked.content.decode()
    assert Offer.objects.get(pk=offer.pk).status == Status.SENT
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("candidate:answer", args=[token]),
            {"decision": "accept", "full_name": "dana candidate", "confirm": "yes", "final": "yes"},
            HTTP_USER_AGENT="Mobile Safari/17",
            REMOTE_ADDR="192.0.2.44",
        )
    assert done.status_code == 302
    assert Offer.objects.get(pk=offer.pk).status == Status.ACCEPTED
    event = OfferEvent.objects.get(offer=offer, action="accepted")
    assert event.actor is None
    assert event.changes["ip address"] == "192.0.2.44"
    assert event.changes["user agent"] == "Mobile Safari/17"
    assert event.changes["name typed"] == "dana candidate"
    [email] = mail.outbox
    assert email.to == ["riley@example.com"] and "accepted" in email.subject
    page = client.get(page_url(token)).content.decode()
    assert 'data-answer="accepted"' in page and "You accepted this offer" in page
    assert "Accept the offer</button>" not in page
    recruiter_client = Client()
    recruiter_client.force_login(offer.created_by)
    history = recruiter_client.get(offer.get_absolute_url()).content.decode()
    assert "The candidate accepted the offer." in history and "ip address: 192.0.2.44" in history
    # The browser's identification string is kept for the audit, not shown on the page.
    event = offer.events.get(action="accepted")
    assert event.changes["user agent"] == "Mobile Safari/17"
    assert "Mobile Safari/17" not in history


def test_an_answer_is_final(client: Client, sent) -> None:  # type: ignore[no-untyped-def]
    offer, _, token = sent
    final = {"final": "yes"}
    answer(client, token, decision="decline", reason="Staying where I am.", **final)
    assert Offer.objects.get(pk=offer.pk).status == Status.DECLINED
    again = answer(
        client, token, decision="accept", full_name="Dana Candidate", confirm="yes", **final
    )
    assert again.status_code == 400 and "already declined" in again.content.decode()
    assert Offer.objects.get(pk=offer.pk).status == Status.DECLINED
    assert OfferEvent.objects.filter(offer=offer, action__in=["accepted", "declined"]).count() == 1
    event = OfferEvent.objects.get(offer=offer, action="declined")
    assert event.note == "Staying where I am."


def test_an_answer_after_expiry_is_refused(client: Client, sent) -> None:  # type: ignore[no-untyped-def]
    offer, link, token = sent
    CandidateLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    response = answer(
        client, token, decision="accept", full_name="Dana Candidate", confirm="yes", final="yes"
    )
    assert response.status_code == 410
    assert Offer.objects.get(pk=offer.pk).status == Status.SENT


# The recruiter's side ------------------------------------------------------------------------


def test_recruiter_creates_the_link_sees_it_once_and_emails_it(
    offer: Offer, recruiter: User, manager: User, django_capture_on_commit_callbacks
) -> None:
    client = Client()
    client.force_login(recruiter)
    create = reverse("offers:link_create", args=[offer.pk])
    refused = client.post(create, follow=True).content.decode()
    assert "Only an approved offer can be sent" in refused
    factories.approved(offer, recruiter=recruiter, manager=manager)
    page = client.get(offer.get_absolute_url()).content.decode()
    nonce = page.split('name="nonce" value="')[1].split('"')[0]
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(create, {"email": "yes", "nonce": nonce})
    assert posted.status_code == 302  # post, then redirect: a reload posts nothing
    response = client.get(posted["Location"])
    page = response.content.decode()
    assert response.status_code == 200 and "shown only this once" in page
    assert response["Cache-Control"] == "private, no-store"
    link = CandidateLink.objects.get()
    url = page.split('id="new-link-url" type="text" readonly value="')[1].split('"')[0]
    token = url.rsplit("/o/", 1)[1].strip("/")
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert Offer.objects.get(pk=offer.pk).status == Status.SENT
    assert OfferEvent.objects.filter(offer=offer, action="sent").exists()
    [email] = [m for m in mail.outbox if m.to == ["dana@example.org"]]
    assert url in email.body
    # Shown once: a reload no longer has it, and no second link was made.
    assert token not in client.get(offer.get_absolute_url()).content.decode()
    # The same post again (a double click, or back and submit) changes nothing.
    again = client.post(create, {"email": "yes", "nonce": nonce}, follow=True)
    assert "Nothing was done" in again.content.decode()
    assert CandidateLink.objects.count() == 1
    assert CandidateLink.objects.get().revoked_at is None


def test_only_the_offers_recruiters_create_or_revoke_links(sent, manager: User) -> None:  # type: ignore[no-untyped-def]
    offer, link, token = sent
    stranger = Client()
    stranger.force_login(factories.user("sam"))
    assert stranger.post(reverse("offers:link_create", args=[offer.pk])).status_code == 404
    revoke = reverse("offers:link_revoke", args=[offer.pk, link.pk])
    assert stranger.post(revoke).status_code == 404
    hiring_manager = Client()
    hiring_manager.force_login(manager)
    assert hiring_manager.post(revoke).status_code == 403
    assert CandidateLink.objects.filter(revoked_at__isnull=True).count() == 1


def test_link_for_an_unapproved_offer_is_refused(offer: Offer, recruiter: User) -> None:
    with pytest.raises(OfferError):
        candidate_link_create(offer=offer, by=recruiter)
    assert not CandidateLink.objects.exists()


# The candidate's screens in the letter's language (issue 37: the pages a dead link shows) --------


def german_offer(recruiter: Any, manager: Any) -> Any:
    """An approved offer whose letter the rules write in German (a template for Germany)."""
    from offers.models import LetterTemplate
    from offers.roles import PEOPLE_TEAM
    from offers.services import template_version_save
    from offers.services.templates import VERSION_FIELDS

    standard = LetterTemplate.objects.get(is_default=True)
    newest = standard.versions.order_by("-number").first()
    assert newest is not None
    germany = LetterTemplate.objects.create(name="Germany", location_contains="germany")
    template_version_save(
        template=germany,
        content={**{name: getattr(newest, name) for name in VERSION_FIELDS}, "language": "de_DE"},
        by=factories.user("pat-de", role=PEOPLE_TEAM, is_staff=True),
    )
    offer = factories.offer(by=recruiter, hiring_manager=manager, location="Berlin, Germany")
    return factories.approved(offer, recruiter=recruiter, manager=manager)


def test_the_pages_a_dead_link_shows_speak_the_letters_language_or_the_browsers(
    client: Any, recruiter: Any, manager: Any, settings: Any
) -> None:
    import re

    from offers.services import candidate_link_create, candidate_link_revoke

    offer = german_offer(recruiter, manager)
    link, token = candidate_link_create(offer=offer, by=recruiter)
    candidate_link_revoke(link=link, by=recruiter)
    gone = client.get(reverse("candidate:offer", args=[token]))
    page = gone.content.decode()
    assert gone.status_code == 410 and gone["Content-Language"] == "de"
    assert '<html lang="de">' in page and "Dieser Link funktioniert nicht mehr" in page
    assert "Fragen? Wenden Sie sich an" in page and "Questions?" not in page

    # No offer behind a token: the browser's language, English by default.
    english = client.get(reverse("candidate:offer", args=["no-such-token"]))
    german = client.get(
        reverse("candidate:offer", args=["no-such-token-2"]), HTTP_ACCEPT_LANGUAGE="de"
    )
    assert english.status_code == german.status_code == 404
    assert '<html lang="en">' in english.content.decode()
    sentences = re.findall(r">([A-Z][^<>{}]{12,})<", english.content.decode())
    assert sentences and not [s for s in sentences if s in german.content.decode()]
    assert "Dieser Link führt zu keinem Angebot" in german.content.decode()

    # Past the guesses allowed: 429 with when to come back.
    settings.CANDIDATE_LINK_GUESS_RATE = "1/h"
    client.get(reverse("candidate:offer", args=["no-such-token-3"]))
    limited = client.get(reverse("candidate:offer", args=["no-such-token-4"]))
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
