from __future__ import annotations

import pytest
from playwright.sync_api import expect

from offers.models import Offer
from offers.roles import HIRING_MANAGERS
from offers.services import offer_submit
from tests import factories
from tests.browser import OUTPUT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hiring_manager_approves_in_the_admin_and_the_recruiter_sees_it(  # type: ignore[no-untyped-def]
    browser_page, live_server
) -> None:
    page = browser_page
    recruiter = factories.user("riley")
    manager = factories.user("morgan", role=HIRING_MANAGERS, is_staff=True, first_name="Morgan")
    offer = offer_submit(offer=factories.offer(by=recruiter, hiring_manager=manager), by=recruiter)
    factories.offer(by=recruiter, hiring_manager=manager, candidate_name="Still A Draft")

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("morgan")
    page.get_by_label("Password").fill("pw-morgan")
    page.get_by_role("button", name="Log in").click()
    page.locator("#offers-offer").get_by_role("link", name="Offers").click()
    # The list opens on the offers awaiting this manager: the draft is not among them.
    expect(page.get_by_role("link", name="Awaiting my approval")).to_be_visible()
    expect(page.locator("#result_list")).to_contain_text("$334,500")
    expect(page.locator("#result_list")).not_to_contain_text("Still A Draft")
    page.get_by_role("link", name="Dana Candidate").click()
    expect(page.locator(".figures-panel")).to_contain_text("180,018,001")
    page.screenshot(path=str(OUTPUT / "admin-approval.png"), full_page=True)
    page.get_by_label("Note (required to reject; the recruiter reads it)").fill("Welcome aboard.")
    page.get_by_role("button", name="Approve these figures").click()
    expect(page.locator(".messagelist")).to_contain_text("Approved the offer for Dana Candidate")
    assert Offer.objects.get(pk=offer.pk).status == "approved"

    page.context.clear_cookies()
    log_in(page, live_server, "riley", "pw-riley")
    page.goto(f"{live_server.url}{offer.get_absolute_url()}")
    expect(page.locator("[data-status]")).to_have_text("Approved")
    expect(page.locator(".approval")).to_contain_text("Approved by Morgan")
    expect(page.locator(".events")).to_contain_text("Welcome aboard.")
