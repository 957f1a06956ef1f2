"""Issue 37 in Chromium: a German offer walked on a 375 px phone from the link to the signed
letter. On every screen: `<html lang="de">`, no English sentence (none of the English strings
the candidate's templates and modules mark for translation), no sideways scroll, and axe-core
finds no WCAG 2.2 AA violation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

from offers.roles import HIRING_MANAGERS
from signing import services
from signing.models import Signature
from tests import factories
from tests.browser import OUTPUT, off_loop, phone_page
from tests.test_candidate_language import german_offer_sent
from tests.test_translations import (
    CANDIDATE_MODULES,
    CANDIDATE_TEMPLATES,
    ROOT,
    marked,
    marked_in_module,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def english_fragments() -> set[str]:
    """The English strings a candidate could meet, cut at their placeholders and tags: each
    piece of three words or more."""
    strings: set[str] = set()
    for name in CANDIDATE_TEMPLATES:
        strings |= marked(ROOT / name)
    for name in CANDIDATE_MODULES:
        strings |= marked_in_module(ROOT / name)
    pieces = set()
    for text in strings:
        for piece in re.split(r"%\(\w+\)s|\{\w*\}|<[^>]+>|&\w+;", text):
            piece = piece.strip(" .,:;()—–-")
            if len(piece.split()) >= 3:
                pieces.add(piece)
    return pieces


def check_screen(page: Any, name: str, english: set[str]) -> None:
    assert page.evaluate("document.documentElement.lang") == "de", name
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{name}: {width}px wide on a 375px screen"
    text = page.evaluate("document.body.innerText")
    left = sorted(piece for piece in english if piece in text)
    assert left == [], f"{name}: English on the German screen: {left}"
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
    page.screenshot(path=str(OUTPUT / f"candidate-de-{name}.png"), full_page=True)


def test_a_german_candidate_signs_on_a_phone_in_german(  # type: ignore[no-untyped-def]
    browser_page, live_server, signing_on: Path
) -> None:
    recruiter = factories.user("riley", first_name="Riley", last_name="Recruiter")
    manager = factories.user("morgan", role=HIRING_MANAGERS, is_staff=True)
    offer, _, token = german_offer_sent(recruiter, manager)
    english = english_fragments()
    assert len(english) > 150  # the check has something to find

    phone, page = phone_page(browser_page)
    page.goto(f"{live_server.url}/o/{token}/")
    expect(page.get_by_role("heading", name="Ihr KI-Token-Budget")).to_be_visible()
    check_screen(page, "1-consent", english)

    page.get_by_label("Ich willige ein").check()
    page.get_by_role("button", name="Einwilligen und Code per E-Mail senden").click()
    expect(page.get_by_label("Der Code aus der E-Mail")).to_be_visible()
    check_screen(page, "2-code", english)
    email = mail.outbox[-1]
    assert "Ihr Code zum Unterschreiben" in email.subject
    code = re.findall(r"\b\d{6}\b", str(email.body))[-1]

    page.get_by_label("Der Code aus der E-Mail").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Code bestätigen").click()
    expect(page.get_by_role("alert")).to_contain_text("Dieser Code ist nicht richtig")
    check_screen(page, "3-wrong-code", english)
    page.get_by_label("Der Code aus der E-Mail").fill(code)
    page.get_by_role("button", name="Code bestätigen").click()
    name_field = page.get_by_label("Geben Sie Ihren vollständigen Namen als Unterschrift ein")
    expect(name_field).to_be_visible()
    check_screen(page, "4-sign", english)

    name_field.fill(offer.candidate_name)
    page.get_by_role("button", name="Unterschreiben und das Angebot annehmen").click()
    expect(page.locator("[data-answer]")).to_contain_text("angenommen")
    signature = Signature.objects.get(offer=offer)
    off_loop(lambda pk: services.seal(signature_id=pk), signature.pk)  # the worker's job
    page.reload()
    expect(
        page.get_by_role("link", name="Ihr unterschriebenes Schreiben herunterladen (PDF)")
    ).to_be_visible()
    check_screen(page, "5-signed", english)

    # Their choice of English is kept on the link; the English page is whole English.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Your signed letter")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    phone.close()
