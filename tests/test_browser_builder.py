from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from offers.models import Offer
from tests import factories
from tests.browser import OUTPUT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_recruiter_builds_an_offer_with_live_totals(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    factories.user("riley")
    factories.offer_data()  # creates the hiring manager and the department
    factories.snapshot()
    log_in(page, live_server, "riley", "pw-riley")
    page.get_by_role("link", name="New offer", exact=True).click()
    page.get_by_label("Candidate name").fill("Noor Haddad")
    page.get_by_label("Candidate email").fill("noor@example.org")
    page.get_by_label("Role title").fill("Platform Engineer")
    page.get_by_label("Level").fill("L5")
    page.get_by_label("Department").select_option(label="Engineering")
    page.get_by_label("Location").fill("Lisbon")
    page.get_by_label("Hiring manager").select_option(index=1)
    page.get_by_label("Start date").fill("2027-02-01")
    page.get_by_label("Offer expires on").fill("2027-01-15")
    page.get_by_label("Base salary").fill("180000")
    page.get_by_label("Target bonus (% of base)").fill("10")
    # Fields show when they apply: no exchange rate for USD, no strike price for RSUs, no
    # grant fields without equity, and no "Recompute" button (totals update themselves).
    expect(page.get_by_label("Exchange rate (offer currency per 1 USD)")).to_be_hidden()
    expect(page.get_by_role("button", name="Recompute totals")).to_be_hidden()
    page.get_by_label("Equity type").select_option("none")
    expect(page.get_by_label("Equity units")).to_be_hidden()
    page.get_by_label("Equity type").select_option("options")
    expect(page.get_by_label("Strike price (options)")).to_be_visible()
    page.get_by_label("Equity type").select_option("rsu")
    expect(page.get_by_label("Strike price (options)")).to_be_hidden()
    expect(page.get_by_label("Token budget, tokens per day")).to_be_hidden()
    page.get_by_label("Equity units").fill("4800")
    page.get_by_label("Price per share (or preferred price)").fill("50")
    page.get_by_label("Model 1", exact=True).fill("claude-sonnet-4-5")
    page.get_by_label("Token budget, USD per day").fill("150")
    token_day = page.locator('#totals [data-figure="token-day"]')
    expect(token_day).to_have_text("$150.00")

    # Change the token budget: the totals panel updates in place, the page does not reload.
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("Token budget, USD per day").fill("300")
    expect(token_day).to_have_text("$300.00")
    assert page.evaluate("window.__notReloaded") is True
    assert page.locator('#totals [data-figure="tokens-per-day"]').inner_text() == "360,036,003"
    # 180,000 + 18,000 + 0 sign-on + 60,000 equity + 69,000 tokens
    assert page.locator('#totals [data-figure="first-year"]').inner_text() == "$327,000"
    assert not Offer.objects.exists()
    page.screenshot(path=str(OUTPUT / "builder.png"), full_page=True)

    page.get_by_role("button", name="Save offer").click()
    page.wait_for_url("**/offers/*/")
    assert "Noor Haddad" in page.locator("h1").inner_text()
    page.get_by_role("link", name="Example Corp offers").click()
    row = page.get_by_role("row").filter(has_text="Noor Haddad")
    assert "$327,000" in row.inner_text()
    offer = Offer.objects.get()
    assert offer.token_usd_per_day == 300
    assert offer.created_by == User.objects.get(username="riley")


def test_recruiter_pages_fit_a_phone_screen(browser_page, live_server) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 812})
    riley = factories.user("riley")
    manager = factories.user("morgan", role="Hiring managers", is_staff=True)
    # Rupees make the widest figures: ₹5,792,050 in every column of the four-year table.
    offer = factories.offer(
        by=riley,
        hiring_manager=manager,
        currency="INR",
        usd_exchange_rate=Decimal("83.5"),
        base_salary=Decimal("4200000"),
        models=[("claude-sonnet-4-5", "50"), ("gpt-5", "50")],
    )
    factories.approved(offer, recruiter=riley, manager=manager)
    log_in(page, live_server, "riley", "pw-riley")
    for path in ["/offers/", offer.get_absolute_url(), f"/offers/{offer.pk}/edit/", "/offers/new/"]:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide on a 375px screen"
        if path == "/offers/":  # each offer's figures are on screen, not off to the right
            total = page.get_by_text("₹7,580,750").bounding_box()
            assert total is not None and total["x"] + total["width"] <= 375
            page.screenshot(path=str(OUTPUT / "offers-phone.png"), full_page=True)
        if path == offer.get_absolute_url():
            assert "₹4,200,000" in page.locator("main").inner_text()
            page.screenshot(path=str(OUTPUT / "offer-phone.png"), full_page=True)
