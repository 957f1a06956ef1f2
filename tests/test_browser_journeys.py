"""Each person's journey in Chromium, by visible labels and roles, on a laptop and on a phone.

Screenshots of every page go to test-results/journey-<person>-<device>-<step>.png.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from offers.models import CandidateLink, Department, Offer
from offers.roles import FINANCE, HIRING_MANAGERS
from offers.services import candidate_link_create, offer_approve, offer_submit
from tests import factories
from tests.browser import OUTPUT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES: dict[str, dict[str, Any]] = {
    "laptop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture(params=list(DEVICES))
def device(request, browser_page) -> Iterator[tuple[str, Page]]:  # type: ignore[no-untyped-def]
    context = browser_page.context.browser.new_context(**DEVICES[request.param])
    page = context.new_page()
    page.set_default_timeout(15000)
    yield request.param, page
    context.close()


def shot(page: Page, person: str, device: str, step: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    limit = DEVICES[device]["viewport"]["width"]
    assert width <= limit, f"{person}'s {step} page is {width}px wide on a {limit}px screen"
    page.screenshot(path=str(OUTPUT / f"journey-{person}-{device}-{step}.png"), full_page=True)


def people() -> tuple[User, User]:
    recruiter = factories.user("riley", first_name="Riley", last_name="Recruiter")
    manager = factories.user(
        "morgan", role=HIRING_MANAGERS, is_staff=True, first_name="Morgan", last_name="Hale"
    )
    return recruiter, manager


def test_recruiter_builds_submits_and_sends_an_offer(device, live_server) -> None:  # type: ignore[no-untyped-def]
    name, page = device
    recruiter, manager = people()
    factories.offer_data(hiring_manager=manager)  # the department
    factories.snapshot()
    log_in(page, live_server, "riley", "pw-riley")
    page.get_by_role("link", name="New offer", exact=True).click()
    # Figures first: the totals show before the candidate's details are known.
    page.get_by_label("Base salary").fill("180000")
    page.get_by_label("Model 1", exact=True).fill("claude-sonnet-4-5")
    page.get_by_label("Token budget, USD per day").fill("150")
    expect(page.locator('#totals [data-figure="token-day"]')).to_have_text("$150.00")
    expect(page.locator("#errors-candidate_email")).to_contain_text("required")
    expect(page.get_by_label("Strike price (options)")).to_be_hidden()
    page.get_by_label("Candidate name").fill("Zoë Ångström")
    page.get_by_label("Candidate email").fill("zoe@example.org")
    page.get_by_label("Role title").fill("Platform Engineer")
    page.get_by_label("Level").fill("L5")
    page.get_by_label("Department").select_option(label="Engineering")
    page.get_by_label("Location").fill("Lisbon")
    page.get_by_label("Hiring manager").select_option(label="Morgan Hale")
    page.get_by_label("Start date").fill(str(factories.offer_data()["start_date"]))
    page.get_by_label("Offer expires on").fill(str(factories.offer_data()["expires_on"]))
    # Each note beside a field goes once the field is filled.
    expect(page.locator("#errors-expires_on")).to_be_empty()
    expect(page.locator("#errors-candidate_email")).to_be_empty()
    shot(page, "recruiter", name, "builder")
    page.get_by_role("button", name="Save offer").click()
    expect(page.get_by_role("heading", name="Zoë Ångström")).to_be_visible()
    expect(page.locator("[data-grant]")).to_contain_text("In USD — US dollar.")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator(".events")).to_contain_text("Riley Recruiter submitted it for approval.")
    shot(page, "recruiter", name, "submitted")

    offer = Offer.objects.get()
    offer_approve(offer=offer, by=manager)
    page.reload()
    page.get_by_role("button", name="Create the candidate link").click()
    expect(page.get_by_text("Copy the link now: it is shown only this once.")).to_be_visible()
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    link = page.get_by_label("The candidate's link").input_value()
    assert "/o/" in link
    shot(page, "recruiter", name, "link")
    page.reload()  # a reload shows no link and makes none
    expect(page.get_by_text("Copy the link now")).to_have_count(0)
    assert CandidateLink.objects.filter(revoked_at__isnull=True).count() == 1

    # Search ignores case and accents.
    page.goto(f"{live_server.url}/offers/?q=angstrom")
    expect(page.get_by_text("Zoë Ångström")).to_be_visible()
    shot(page, "recruiter", name, "list")


def test_manager_sees_what_awaits_reviews_and_approves(device, live_server) -> None:  # type: ignore[no-untyped-def]
    name, page = device
    recruiter, manager = people()
    offer = offer_submit(offer=factories.offer(by=recruiter, hiring_manager=manager), by=recruiter)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("morgan")
    page.get_by_label("Password").fill("pw-morgan")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="1 offer awaits your approval")).to_be_visible()
    expect(page.get_by_role("link", name="View site")).to_have_count(0)
    shot(page, "manager", name, "home")
    page.get_by_role("link", name="Dana Candidate").click()
    expect(page.locator("[data-grant]")).to_contain_text("Equity grant: 4,800 RSUs")
    expect(page.get_by_text("Not approved before")).to_be_visible()
    shot(page, "manager", name, "review")
    page.get_by_role("button", name="Approve these figures").click()
    expect(page.locator(".messagelist")).to_contain_text("Approved the offer for Dana Candidate")
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Nothing awaits your approval")).to_be_visible()
    assert Offer.objects.get(pk=offer.pk).status == "approved"


def test_candidate_reads_the_offer_and_answers(device, live_server) -> None:  # type: ignore[no-untyped-def]
    name, page = device
    recruiter, manager = people()
    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )
    _, token = candidate_link_create(offer=offer, by=recruiter)
    page.goto(f"{live_server.url}/o/{token}/")
    expect(page.get_by_role("heading", name="Senior Engineer")).to_be_visible()
    expect(page.get_by_role("heading", name="Your AI token budget")).to_be_visible()
    expect(page.locator("[data-token-words]").first).to_contain_text(
        "coding agents busy all working day"
    )
    expect(page.get_by_text("as stated in this letter")).to_have_count(0)
    shot(page, "candidate", name, "offer")
    page.get_by_label("Type your full name to accept").fill("Dana Candidate")
    page.get_by_label("I accept this offer of employment.").check()
    page.get_by_role("button", name="Accept the offer").click()
    page.get_by_role("button", name="Yes, accept the offer").click()
    expect(page.locator("[data-answer]")).to_contain_text("You accepted this offer")
    shot(page, "candidate", name, "accepted")
    assert Offer.objects.get(pk=offer.pk).status == "accepted"


def test_finance_reads_the_token_commitments(device, live_server) -> None:  # type: ignore[no-untyped-def]
    name, page = device
    recruiter, manager = people()
    engineering = factories.offer_data()["department"]
    research = Department.objects.create(name="Research")
    for candidate, budget, department in [
        ("Ada Lovelace", "150", engineering),
        ("Bo Zhang", "90", research),
        ("Cy Young", "60", research),
    ]:
        factories.accepted(
            factories.offer(
                by=recruiter,
                hiring_manager=manager,
                candidate_name=candidate,
                token_usd_per_day=Decimal(budget),
                department=department,
            ),
            recruiter=recruiter,
            manager=manager,
        )
    factories.user("frankie", role=FINANCE, first_name="Frankie", last_name="Finance")
    log_in(page, live_server, "frankie", "pw-frankie")
    expect(page.get_by_role("heading", name="Token commitments")).to_be_visible()
    # The chart: one bar a month, twelve back and twelve ahead, its figures in the table beside.
    expect(page.locator("svg[data-chart=months] rect")).to_have_count(25)
    expect(page.locator("[data-table=months] tbody tr")).to_have_count(25)
    committed = page.locator("[data-row=committed]")
    expect(committed.locator("[data-figure=usd-per-day]")).to_have_text("$300.00")
    year = committed.locator("[data-figure=usd-per-year]").inner_text()
    assert year == "$69,000"  # $300 a day × 230 working days
    # The tables agree with the total and with the chart's table.
    last = page.locator("[data-table=months] tbody tr").last
    expect(last.locator("[data-figure=in-force]")).to_have_text(year)
    departments = page.locator("[data-table=department] [data-figure=committed-usd-per-day]")
    assert departments.all_inner_texts() == ["$150.00", "$150.00"]
    shot(page, "finance", name, "commitments")
    # A department's figures; the CSV has the same ones.
    page.get_by_label("Department", exact=True).select_option(label="Research")
    page.get_by_role("button", name="Apply").click()
    expect(committed.locator("[data-figure=usd-per-day]")).to_have_text("$150.00")
    with page.expect_download() as download:
        page.get_by_role("link", name="Offers (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert sorted(row["candidate_initials"] for row in rows) == ["B.Z.", "C.Y."]
    assert sum(Decimal(row["usd_per_day"]) for row in rows) == Decimal("150.00")
