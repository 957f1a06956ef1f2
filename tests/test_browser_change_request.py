"""Issue 38 in Chromium: on a 375 px phone the candidate asks for $200 a day instead of $120 and
a start two weeks later (seeing what $200 buys while typing); the recruiter sees the request and
what it costs, amends; the hiring manager approves in the admin with the request beside the
figures; the candidate reads the new letter and signs it."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from offers.models import ChangeRequest, Letter, Offer
from offers.roles import HIRING_MANAGERS
from offers.services import candidate_link_create, letter_render
from signing import services
from signing.models import Signature
from tests import factories
from tests.browser import OUTPUT, log_in, off_loop, phone_page
from tests.test_letters import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def render_letters(offer: Offer) -> None:
    for letter in Letter.objects.filter(offer=offer, draft=False, state=Letter.State.QUEUED):
        off_loop(lambda pk: letter_render(letter_id=pk), letter.pk)


def test_a_candidate_asks_for_more_tokens_and_a_later_start_and_signs_the_amended_offer(  # type: ignore[no-untyped-def]
    browser_page, live_server, signing_on: Path
) -> None:
    recruiter = factories.user("riley", first_name="Riley", last_name="Recruiter")
    manager = factories.user(
        "morgan", role=HIRING_MANAGERS, is_staff=True, first_name="Morgan", last_name="Manager"
    )
    offer = factories.offer(by=recruiter, hiring_manager=manager, token_usd_per_day=Decimal("120"))
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    _, token = candidate_link_create(offer=offer, by=recruiter)
    render_letters(offer)
    later = offer.start_date + datetime.timedelta(days=14)

    phone, page = phone_page(browser_page)
    page.goto(f"{live_server.url}/o/{token}/")
    page.get_by_text("Ask for a change").click()
    page.get_by_label("US dollars a day").fill("200")
    expect(page.locator("[data-change-preview]")).to_contain_text("$200.00 a day buys each day")
    expect(page.locator("[data-change-preview]")).to_contain_text("tokens a day of")
    page.get_by_label("Start date").fill(later.isoformat())
    page.get_by_label("Your message").fill("I run coding agents most of the day.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(OUTPUT / "change-ask.png"), full_page=True)
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator("[data-change-status]")).to_have_text("Sent")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    desk = browser_page
    log_in(desk, live_server, "riley", "pw-riley")
    desk.goto(f"{live_server.url}/offers/")
    expect(desk.locator("[data-change-asked]")).to_be_visible()
    desk.screenshot(path=str(OUTPUT / "change-list.png"))
    desk.goto(f"{live_server.url}{offer.get_absolute_url()}")
    review = desk.locator("#change-request")
    expect(review).to_contain_text("The candidate asked for a change")
    expect(review.locator("[data-asked='AI token budget']")).to_contain_text("$200.00 a day")
    desk.screenshot(path=str(OUTPUT / "change-review.png"), full_page=True)
    review.get_by_role("link", name="Amend the offer with these").click()
    expect(desk.locator("#id_token_usd_per_day")).to_have_value("200")
    expect(desk.locator("#id_start_date")).to_have_value(later.isoformat())
    desk.get_by_label("Note to the candidate (optional)").fill("Done: $200 a day, two weeks later.")
    desk.get_by_role("button", name="Save offer").click()
    expect(desk.locator("[data-status]")).to_have_text("Pending approval")
    assert ChangeRequest.objects.get().state == ChangeRequest.State.AMENDED

    desk.context.clear_cookies()
    desk.goto(f"{live_server.url}/admin/")
    desk.get_by_label("Username").fill("morgan")
    desk.get_by_label("Password").fill("pw-morgan")
    desk.get_by_role("button", name="Log in").click()
    desk.goto(f"{live_server.url}/admin/offers/offer/{offer.pk}/change/")
    expect(desk.locator("#change-request")).to_contain_text("answered by amending the offer")
    desk.screenshot(path=str(OUTPUT / "change-admin.png"), full_page=True)
    desk.get_by_role("button", name="Approve these figures").click()
    expect(desk.locator(".messagelist")).to_contain_text("Approved")

    offer.refresh_from_db()
    render_letters(offer)
    email = next(m for m in reversed(mail.outbox) if m.to == [offer.candidate_email])
    assert "Done: $200 a day, two weeks later." in str(email.body)
    found = re.search(r"/o/([\w-]+)/", str(email.body))
    assert found is not None
    page.goto(f"{live_server.url}/o/{found.group(1)}/")
    expect(page.locator("[data-change-status]")).to_have_text("Answered: the offer was changed")
    expect(page.locator("[data-pay='tokens']")).to_contain_text("$200.00 a day")
    expect(page.locator(".facts")).to_contain_text(f"{later.day} {later:%B %Y}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the offer letter (PDF)").click()
    letter = pdf_text(Path(download.value.path()).read_bytes())
    assert "$200.00 a day" in letter and f"{later:%B} {later.day}, {later.year}" in letter, letter
    page.get_by_label("I agree to receive my offer letter").check()
    page.get_by_role("button", name="Agree and email me a code").click()
    code = re.findall(r"\b\d{6}\b", str(mail.outbox[-1].body))[-1]
    page.get_by_label("The code from the email").fill(code)
    page.get_by_role("button", name="Confirm the code").click()
    page.get_by_label("Type your full name as your signature").fill(offer.candidate_name)
    page.get_by_role("button", name="Sign the letter and accept the offer").click()
    expect(page.locator("[data-answer]")).to_contain_text("You accepted this offer")
    signature = Signature.objects.get(offer=offer, state=Signature.State.SIGNED)
    off_loop(lambda pk: services.seal(signature_id=pk), signature.pk)
    page.reload()
    expect(page.get_by_role("link", name="Download your signed letter (PDF)")).to_be_visible()
    page.screenshot(path=str(OUTPUT / "change-signed.png"), full_page=True)
    phone.close()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED and offer.start_date == later
    assert offer.token_usd_per_day == Decimal("200.00")
