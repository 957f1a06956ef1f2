from __future__ import annotations

import pytest
from playwright.sync_api import expect

from offers.models import Letter, Offer
from offers.roles import HIRING_MANAGERS
from offers.services import candidate_link_create
from tests import factories
from tests.browser import OUTPUT, log_in, phone_page
from tests.workers import WorkerProcess, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_candidate_reads_downloads_and_accepts_on_a_phone(  # type: ignore[no-untyped-def]
    browser_page, live_server, worker_db
) -> None:
    recruiter = factories.user("riley", first_name="Riley", last_name="Recruiter")
    manager = factories.user("morgan", role=HIRING_MANAGERS, is_staff=True)
    offer = factories.offer(by=recruiter, hiring_manager=manager)
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    worker = WorkerProcess().start()
    try:
        _, token = candidate_link_create(offer=offer, by=recruiter)  # asks for the letter too
        wait_for(
            lambda: Letter.objects.filter(offer=offer, state=Letter.State.READY).exists(),
            timeout=60,
            what="the approved letter",
        )
    finally:
        worker.stop()

    phone, page = phone_page(browser_page)
    page.goto(f"{live_server.url}/o/{token}/")
    expect(page.get_by_role("heading", name="Senior Engineer")).to_be_visible()
    words = page.locator("[data-token-words]").first
    expect(words).to_contain_text("about 180 million tokens a day of Claude Sonnet 4.5")
    expect(words).to_contain_text("coding agents busy all working day")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide on a 375px screen"
    page.screenshot(path=str(OUTPUT / "candidate.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the offer letter (PDF)").click()
    path = download_info.value.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.get_by_label("Type your full name to accept").fill("Dana Candidate")
    page.get_by_label("I accept this offer of employment.").check()
    page.get_by_role("button", name="Accept the offer").click()
    page.get_by_role("button", name="Yes, accept the offer").click()
    expect(page.locator("[data-answer]")).to_contain_text("You accepted this offer")
    phone.close()
    assert Offer.objects.get(pk=offer.pk).status == "accepted"

    desk = browser_page
    log_in(desk, live_server, "riley", "pw-riley")
    desk.goto(f"{live_server.url}{offer.get_absolute_url()}")
    expect(desk.locator("[data-status]")).to_have_text("Accepted")
    expect(desk.locator("#candidate-link [data-answer]")).to_contain_text("accepted")
