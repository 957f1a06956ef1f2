from __future__ import annotations

import pytest
from playwright.sync_api import expect

from offers.models import Letter, LetterTemplate, Offer
from offers.roles import HIRING_MANAGERS, PEOPLE_TEAM
from tests import factories
from tests.browser import OUTPUT, log_in
from tests.workers import WorkerProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_recruiter_generates_a_letter_watches_it_render_and_downloads_it(  # type: ignore[no-untyped-def]
    browser_page, live_server, worker_db
) -> None:
    page = browser_page
    recruiter = factories.user("riley")
    offer = factories.offer(by=recruiter)
    # A short pause in the worker keeps the progress state on screen long enough to see.
    worker = WorkerProcess(extra_env={"LETTER_RENDER_PAUSE_SECONDS": "2"}).start()
    try:
        log_in(page, live_server, "riley", "pw-riley")
        page.goto(f"{live_server.url}{offer.get_absolute_url()}")
        page.get_by_role("button", name="Generate letter").click()
        progress = page.locator("#letters .progress")
        expect(progress.first).to_be_visible()  # queued or already rendering
        # One locator for state and text: the section is swapped every second while polling.
        rendering = page.locator('#letters [data-letter-state="rendering"] .progress')
        expect(rendering).to_have_text("Rendering…", timeout=15000)
        download_link = page.get_by_role("link", name="Download the letter (PDF)")
        expect(download_link).to_be_visible(timeout=30000)  # polling brought it in
        page.screenshot(path=str(OUTPUT / "letters.png"), full_page=True)
        with page.expect_download() as download_info:
            download_link.click()
        download = download_info.value
        path = download.path()
        assert path is not None
        with open(path, "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
        assert download.suggested_filename == f"offer-Dana-Candidate-v{offer.version}-DRAFT.pdf"
        assert Letter.objects.get().state == Letter.State.READY
    finally:
        worker.stop()


def test_people_team_edits_a_clause_previews_it_and_an_offer_takes_the_new_version(  # type: ignore[no-untyped-def]
    browser_page, live_server, worker_db
) -> None:
    page = browser_page
    recruiter = factories.user("riley", first_name="Riley", last_name="Recruiter")
    manager = factories.user(
        "morgan", role=HIRING_MANAGERS, is_staff=True, first_name="Morgan", last_name="Hale"
    )
    factories.user("pat", role=PEOPLE_TEAM, is_staff=True, first_name="Pat", last_name="People")
    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )
    worker = WorkerProcess().start()
    try:
        # The People team edits the opening clause and asks for a preview.
        log_in(page, live_server, "pat", "pw-pat")
        page.get_by_role("link", name="Letter templates").click()
        page.get_by_role("link", name="Standard offer letter").click()
        body = page.get_by_label("Body")
        body.fill(body.input_value().replace("We are delighted", "We are thrilled"))
        page.get_by_label("What changed").fill("A warmer opening.")
        page.get_by_role("button", name="Save and preview").click()
        expect(page.get_by_text("A worker is making the preview.")).to_be_visible()
        ready = page.locator('[data-preview="ready"]')
        for _ in range(30):
            if ready.count():
                break
            page.wait_for_timeout(1000)
            page.reload()
        expect(ready.first).to_contain_text("Version 2: PDF, 2 pages")
        page.screenshot(path=str(OUTPUT / "template-admin.png"), full_page=True)
        template = LetterTemplate.objects.get(is_default=True)
        newest = template.versions.order_by("-number").first()
        assert newest is not None and newest.number == 2 and "We are thrilled" in newest.body
        assert Offer.objects.get(pk=offer.pk).letter_template_version_id != newest.pk

        # The recruiter picks the new version for the approved offer: approval again.
        page.context.clear_cookies()
        log_in(page, live_server, "riley", "pw-riley")
        page.goto(f"{live_server.url}{offer.get_absolute_url()}")
        expect(page.locator("[data-letter-template]")).to_contain_text("A newer version (2) exists")
        page.goto(f"{live_server.url}/offers/{offer.pk}/edit/")
        page.get_by_label("Letter template").select_option(
            label="Standard offer letter, version 2 (English (United States))"
        )
        page.get_by_role("button", name="Save offer").click()
        expect(page.get_by_text("awaits the hiring manager's approval again")).to_be_visible()
        saved = Offer.objects.get(pk=offer.pk)
        assert saved.letter_template_version_id == newest.pk and saved.status == "pending_approval"

        # The manager sees which template and version they approve.
        page.context.clear_cookies()
        log_in(page, live_server, "morgan", "pw-morgan")
        page.goto(f"{live_server.url}/admin/offers/offer/{offer.pk}/change/")
        expect(page.locator("[data-letter-template]")).to_contain_text(
            "Standard offer letter, version 2"
        )
        changed = page.locator("table.since-approval tr.changed", has_text="Letter template")
        expect(changed).to_contain_text("Standard offer letter, version 1")
        page.screenshot(path=str(OUTPUT / "template-approval.png"), full_page=True)
    finally:
        worker.stop()
