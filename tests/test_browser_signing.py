from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from offers.models import Letter, Offer
from offers.roles import HIRING_MANAGERS, PEOPLE_TEAM
from offers.services import candidate_link_create
from signing.certificates import make_test_authority
from signing.models import Signature
from tests import factories
from tests.browser import OUTPUT, log_in, phone_page
from tests.test_signing import last_code, validate
from tests.workers import WorkerProcess, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def checked(data: bytes) -> list[Any]:
    """pyHanko's validation, in a thread of its own: it runs an event loop, and Playwright's
    synchronous API already has one running in this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(validate, data).result()


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 375:
        page.screenshot(path=str(OUTPUT / "signing-too-wide.png"), full_page=True)
    assert width <= 375, f"the page is {width}px wide on a 375px screen"


def test_candidate_signs_on_a_phone_the_company_countersigns_and_the_recruiter_sees_both(  # type: ignore[no-untyped-def]
    browser_page, live_server, worker_db, settings, tmp_path: Path
) -> None:
    certificate = tmp_path / "signing.p12"
    certificate.write_bytes(make_test_authority("Example Corp").signer_pkcs12())
    settings.SIGNING_CERTIFICATE = str(certificate)
    recruiter = factories.user("riley", first_name="Riley", last_name="Recruiter")
    manager = factories.user("morgan", role=HIRING_MANAGERS, is_staff=True)
    factories.user("pat", role=PEOPLE_TEAM, is_staff=True, first_name="Pat", last_name="People")
    offer = factories.offer(by=recruiter, hiring_manager=manager)
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    worker = WorkerProcess(extra_env={"SIGNING_CERTIFICATE": str(certificate)}).start()
    try:
        _, token = candidate_link_create(offer=offer, by=recruiter)  # asks for the letter too
        wait_for(
            lambda: Letter.objects.filter(offer=offer, state=Letter.State.READY).exists(),
            timeout=60,
            what="the approved letter",
        )

        phone, page = phone_page(browser_page)
        page.goto(f"{live_server.url}/o/{token}/")
        expect(page.get_by_text("Consent to electronic records and signatures")).to_be_visible()
        fits(page)
        page.screenshot(path=str(OUTPUT / "signing-consent.png"), full_page=True)
        page.get_by_label(
            "I agree to receive my offer letter and to sign it electronically."
        ).check()
        page.get_by_role("button", name="Agree and email me a code").click()

        expect(page.get_by_label("The code from the email")).to_be_visible()
        fits(page)
        page.get_by_label("The code from the email").fill(last_code())
        page.get_by_role("button", name="Confirm the code").click()

        letter = offer.approved_letter()
        assert letter is not None
        expect(page.locator("[data-letter-sha256]")).to_have_text(letter.sha256)
        fits(page)
        page.screenshot(path=str(OUTPUT / "signing-sign.png"), full_page=True)
        page.get_by_label("Type your full name as your signature").fill("Dana Candidate")
        page.get_by_role("button", name="Sign the letter and accept the offer").click()
        expect(page.locator("[data-answer]")).to_contain_text("You accepted this offer")
        assert Offer.objects.get(pk=offer.pk).status == Offer.Status.ACCEPTED

        wait_for(
            lambda: Signature.objects.get(offer=offer).state == Signature.State.SEALED,
            timeout=60,
            what="the seal",
        )
        page.reload()
        fits(page)
        page.screenshot(path=str(OUTPUT / "signing-signed.png"), full_page=True)
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download your signed letter (PDF)").click()
        path = download_info.value.path()
        assert path is not None
        downloaded = Path(path).read_bytes()
        reports = checked(downloaded)
        assert [(r.field, r.intact, r.valid) for r in reports] == [("Candidate", True, True)]
        phone.close()

        desk = browser_page
        log_in(desk, live_server, "pat", "pw-pat")
        desk.goto(f"{live_server.url}/signing/countersign/")
        desk.get_by_role("link", name="Countersign").last.click()
        desk.get_by_label("Your title, as it will appear beside your name").fill("Head of People")
        desk.get_by_label("I countersign this offer letter for Example Corp.").check()
        desk.get_by_role("button", name="Countersign the letter").click()
        wait_for(
            lambda: Signature.objects.get(offer=offer).state == Signature.State.COMPLETE,
            timeout=60,
            what="the countersignature",
        )
        desk.reload()
        expect(desk.locator("[data-signature]")).to_contain_text("Countersigned by Pat People")
    finally:
        worker.stop()

    recruiter_desk = browser_page.context.browser.new_context(
        viewport={"width": 1280, "height": 900}
    )
    page = recruiter_desk.new_page()
    log_in(page, live_server, "riley", "pw-riley")
    page.goto(f"{live_server.url}{offer.get_absolute_url()}")
    status = page.locator(".signature-status")
    expect(status).to_contain_text("Signed by Dana Candidate")
    expect(status).to_contain_text("Countersigned by Pat People, Head of People")
    page.screenshot(path=str(OUTPUT / "signing-recruiter.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the signed letter (PDF)").click()
    path = download_info.value.path()
    assert path is not None
    reports = checked(Path(path).read_bytes())
    assert [(r.field, r.intact, r.valid) for r in reports] == [
        ("Candidate", True, True),
        ("Company", True, True),
    ]
    recruiter_desk.close()
