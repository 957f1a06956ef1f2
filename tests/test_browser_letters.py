from __future__ import annotations

import pytest
from playwright.sync_api import expect

from offers.models import Letter
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
