"""The recruiter's page that shows a new candidate link: every form on it works at once, in
Chromium (issue 39.11: it was sent with `Referrer-Policy: no-referrer`, so its posts carried
`Origin: null` and Django's CSRF check refused them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from offers.models import CandidateLink, Letter, Offer
from tests import factories
from tests.browser import OUTPUT, log_in
from tests.test_browser_journeys import people

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def refused(page: Page) -> bool:
    """Django's CSRF failure page ("Forbidden (403) CSRF verification failed")."""
    return "CSRF verification failed" in page.content()


def test_every_form_of_the_page_that_shows_a_new_link_works(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page: Page = browser_page
    recruiter, manager = people()
    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )
    log_in(page, live_server, "riley", "pw-riley")
    page.goto(f"{live_server.url}{offer.get_absolute_url()}")
    page.get_by_role("button", name="Create the candidate link").click()
    expect(page.get_by_text("Copy the link now: it is shown only this once.")).to_be_visible()
    assert page.evaluate("document.referrer") is not None
    page.screenshot(path=str(OUTPUT / "new-link-page.png"), full_page=True)

    # The letters' form (htmx), right there.
    letters = Letter.objects.filter(offer=offer).count()
    page.get_by_role("button", name="Generate letter").click()
    expect(page.locator("#letters li")).to_have_count(letters + 1)
    assert not refused(page)

    # A new link at once, from the page that shows the first one.
    page.get_by_role("button", name="Create a new link (the old one stops working)").click()
    expect(page.get_by_text("Copy the link now: it is shown only this once.")).to_be_visible()
    assert not refused(page)
    assert CandidateLink.objects.filter(offer=offer, revoked_at__isnull=True).count() == 1
    assert CandidateLink.objects.filter(offer=offer).count() == 2

    # And revoking it, from the page that shows it.
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("The link no longer works.")).to_be_visible()
    assert not refused(page)
    assert not CandidateLink.objects.filter(offer=offer, revoked_at__isnull=True).exists()
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.SENT
