"""Issue 37: the candidate's side in the letter's language. A German letter's candidate meets
German on every screen (offer page, confirmation, signing steps and their refusals, consent,
budget), in every email (the code, the signed letter) and on the completion certificate added to
their letter; they may switch their page to English, which their link remembers; the English
journey is as it was."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from offers.management.commands.demo_data import DEMO_TEMPLATES, GERMAN_BUDGET_TERMS
from offers.models import CandidateLink, Letter, LetterTemplate, Offer
from offers.roles import PEOPLE_TEAM
from offers.services import candidate_link_create, letter_render, template_version_save
from signing import consent, services
from signing.models import Signature
from tests import factories
from tests.test_signing import body, consent_and_code, pdftotext, post

ENGLISH_ONLY = re.compile(r">\s*([A-Z][^<>{}]{14,}?)\s*<")


def german_template() -> None:
    """The demo's German letter, for offers in Germany."""
    template_version_save(
        template=LetterTemplate.objects.create(name="Deutschland", location_contains="germany"),
        content={
            "language": "de_DE",
            "body": (DEMO_TEMPLATES / "de.md").read_text(),
            "token_terms": GERMAN_BUDGET_TERMS,
            "signatory_name": "Jana Becker",
            "signatory_title": "Leiterin Personal",
        },
        by=factories.user("pat-de", role=PEOPLE_TEAM, is_staff=True),
    )


@pytest.fixture
def german(recruiter: Any, manager: Any) -> tuple[Offer, CandidateLink, str]:
    return german_offer_sent(recruiter, manager)


def german_offer_sent(recruiter: Any, manager: Any) -> tuple[Offer, CandidateLink, str]:
    """A German offer (RSUs, a token budget) sent to its candidate, its letter rendered."""
    german_template()
    offer = factories.offer(
        by=recruiter, hiring_manager=manager, location="Berlin, Germany", currency="EUR"
    )
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    link, token = candidate_link_create(offer=offer, by=recruiter)
    letter_render(letter_id=Letter.objects.get(offer=offer, draft=False).pk)
    return Offer.objects.get(pk=offer.pk), link, token


def sentences(html: str) -> set[str]:
    """The page's sentences and labels of some length (the text between tags)."""
    return {found.strip() for found in ENGLISH_ONLY.findall(html)}


def visit(client: Client, token: str) -> Any:
    response = client.get(reverse("candidate:offer", args=[token]))
    assert response.status_code == 200
    return response


def switch(client: Client, token: str, language: str) -> None:
    response = client.post(reverse("candidate:language", args=[token]), {"language": language})
    assert response.status_code == 302


def test_a_german_letters_page_speaks_german_and_its_candidate_may_switch_to_english(
    client: Client, german: Any
) -> None:
    offer, link, token = german
    response = visit(client, token)
    page = response.content.decode()
    assert response["Content-Language"] == "de" and '<html lang="de">' in page
    assert f"Guten Tag {offer.candidate_name}," in page
    assert "Ihre Vergütung" in page and "Summe im ersten Jahr" in page
    assert "Ihr KI-Token-Budget" in page and "Tokens am Tag von" in page
    # Figures as German writes them, in the offer's currency, words from the letter's writer.
    assert re.search(r"\d{3}\.\d{3}\s€", page), "German money: 200.000 €"
    assert f"{offer.start_date.day}. " in page
    assert "Das Angebot annehmen" in page or "In die elektronische Unterschrift" in page

    switch(client, token, "en")
    link.refresh_from_db()
    assert link.language == "en"
    english = visit(client, token).content.decode()
    assert '<html lang="en">' in english and f"Dear {offer.candidate_name}," in english
    assert re.search(r"€\d{3},\d{3}", english)
    # Every English sentence of the page is absent from the German one (names and figures
    # aside): no English left on the German page.
    left = {s for s in sentences(english) if s in page and not s.startswith(offer.role_title)}
    models = {a.display_name for a in offer.allocations.all()}  # names, not English
    left = {s for s in left if offer.location not in s and s not in {GERMAN_BUDGET_TERMS, *models}}
    assert left == set(), left
    # The letter stays in its approved language; the terms keep their lang attribute.
    assert 'lang="de-DE" data-token-terms' in english

    switch(client, token, "fr")  # not offered: ignored
    link.refresh_from_db()
    assert link.language == "en"
    switch(client, token, "de")
    assert '<html lang="de">' in visit(client, token).content.decode()


def test_an_english_offer_has_no_switch_and_reads_as_before(
    client: Client, sent_to_sign: Any
) -> None:
    offer, link, token = sent_to_sign
    page = visit(client, token).content.decode()
    assert '<html lang="en">' in page and "candidate/language" not in page
    assert f"Dear {offer.candidate_name}," in page and "Your pay" in page
    assert 'action="/offer/' not in page or "/language/" not in page
    switch(client, token, "de")  # English letters offer no German
    link.refresh_from_db()
    assert link.language == ""


def test_a_german_candidate_signs_in_german_consent_code_email_refusals_and_certificate(
    client: Client,
    german: Any,
    signing_on: Path,
    django_capture_on_commit_callbacks: Any,
    tmp_path: Path,
) -> None:
    offer, link, token = german
    page = visit(client, token).content.decode()
    assert "Einwilligung in elektronische Unterlagen und Unterschriften" in page
    assert "Bitte lesen Sie dies, bevor Sie unterschreiben." in page
    german_version, _ = consent.CONSENTS["de"]
    assert f'name="version" value="{german_version}"' in page

    refused = post(client, "consent", token, version=german_version)
    assert refused.status_code == 400 and "Kreuzen Sie das Kästchen an" in refused.content.decode()

    code = consent_and_code(client, token, django_capture_on_commit_callbacks)
    email = mail.outbox[-1]
    assert email.subject.startswith("Ihr Code zum Unterschreiben Ihres Angebots")
    assert "Er gilt" in email.body and "Minuten" in email.body and "It works" not in email.body
    signature = Signature.objects.get(offer=offer)
    with translation.override("de"):
        words = services.consent_text(offer)
    assert words.startswith("Bitte lesen Sie dies")
    assert signature.consent_version == german_version != consent.VERSION
    assert signature.consent_sha256 == hashlib.sha256(words.encode()).hexdigest()

    wrong = "000000" if code != "000000" else "111111"
    refused = post(client, "code_check", token, code=wrong)
    assert "Dieser Code ist nicht richtig: noch 4 Versuche." in refused.content.decode()
    assert post(client, "code_check", token, code=code).status_code == 302
    refused = post(client, "sign", token, typed_name="Jemand Anders")
    assert "stimmt nicht mit dem Namen im Angebot überein" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        assert post(client, "sign", token, typed_name=offer.candidate_name).status_code == 302

    services.seal(signature_id=signature.pk)
    signature.refresh_from_db()
    text = pdftotext(body(client.get(reverse("signing:candidate_signed", args=[token]))), tmp_path)
    assert "Abschlussnachweis" in text and "Ereignisprotokoll" in text
    assert "Die Kandidatin oder der Kandidat hat das Schreiben unterschrieben." in text
    assert f"Unterschrieben: {offer.candidate_name}" in text
    assert german_version in "".join(text.split()) and "Einwilligung" in text
    for english in ["Completion certificate", "Event log", "signed the letter", "Signed by"]:
        assert english not in text

    page = visit(client, token).content.decode()
    assert "Sie haben dieses Angebot" in page and "Ihr unterschriebenes Schreiben" in page

    # The company countersigns: the signed letter's email in German.
    jana = factories.user("jana", role=PEOPLE_TEAM, first_name="Jana", last_name="Becker")
    with django_capture_on_commit_callbacks(execute=True):
        services.countersign_request(signature=signature, by=jana, title="", agreed=True)
        services.countersign_seal(signature_id=signature.pk)
    signed = mail.outbox[-1]
    assert signed.subject.startswith("Ihr unterschriebenes Angebotsschreiben von")
    assert f"Guten Tag {offer.candidate_name}," in signed.body
    assert "Wir freuen uns auf Ihren Start am" in signed.body and "Dear" not in signed.body


def test_english_chosen_on_the_link_gives_the_english_consent_and_emails(
    client: Client, german: Any, signing_on: Path, django_capture_on_commit_callbacks: Any
) -> None:
    offer, link, token = german
    switch(client, token, "en")
    consent_and_code(client, token, django_capture_on_commit_callbacks)
    signature = Signature.objects.get(offer=offer)
    assert signature.consent_version == consent.VERSION
    assert mail.outbox[-1].subject.startswith("Your code to sign your offer")
    # A page read in German, a consent posted after switching to English: refused, not stored
    # under words the candidate did not read.
    signature.delete()
    refused = post(client, "consent", token, agree="yes", version=consent.CONSENTS["de"][0])
    assert (
        refused.status_code == 400
        and "The words of the consent changed" in refused.content.decode()
    )
    assert not Signature.objects.filter(offer=offer).exists()


def test_the_link_email_and_the_confirmation_speak_german_and_the_answer_is_taken(
    client: Client,
    recruiter: Any,
    manager: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    german_template()
    offer = factories.offer(by=recruiter, hiring_manager=manager, location="Berlin, Germany")
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    with django_capture_on_commit_callbacks(execute=True):
        _, token = candidate_link_create(offer=offer, by=recruiter, email=True)
    email = mail.outbox[-1]
    assert email.subject == "Ihr Angebot von Example Corp"
    assert f"Guten Tag {offer.candidate_name}," in email.body
    assert "Das Angebot gilt bis zum" in email.body and "open until" not in email.body

    url = reverse("candidate:answer", args=[token])
    refused = client.post(url, {"decision": "accept", "full_name": offer.candidate_name})
    assert refused.status_code == 400
    assert "Kreuzen Sie das Kästchen an" in refused.content.decode()
    fields = {"decision": "accept", "full_name": offer.candidate_name, "confirm": "yes"}
    confirm = client.post(url, fields).content.decode()
    assert '<html lang="de">' in confirm and "Das Angebot annehmen?" in confirm
    assert "Diese Antwort ist endgültig." in confirm and "This answer is final" not in confirm
    assert client.post(url, {**fields, "final": "yes"}).status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    page = visit(client, token).content.decode()
    assert "Sie haben dieses Angebot angenommen" in page
    again = client.post(url, {**fields, "final": "yes"}).content.decode()
    assert "Sie haben dieses Angebot bereits angenommen" in again


def test_a_german_candidates_request_reaches_the_recruiter_in_english(
    client: Client, german: Any, django_capture_on_commit_callbacks: Any
) -> None:
    offer, _, token = german
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("candidate:change", args=[token]),
            {"token_unit": "usd", "token_usd_per_day": "200", "message": "Mehr Agenten, bitte."},
        )
    assert response.status_code == 302
    told = mail.outbox[-1]
    assert told.to == [offer.created_by.email]
    assert "AI token budget: $200.00 a day (now $150.00)" in told.body
    assert "Mehr Agenten, bitte." in told.body  # their words, as they wrote them
    page = visit(client, token).content.decode()
    assert "Ihre Bitte um eine Änderung" in page and "200,00\xa0$ am Tag" in page


def test_a_new_link_keeps_the_candidates_choice_of_english_and_its_email_follows(
    client: Client, german: Any, recruiter: Any, django_capture_on_commit_callbacks: Any
) -> None:
    offer, _, token = german
    switch(client, token, "en")
    with django_capture_on_commit_callbacks(execute=True):
        link, new_token = candidate_link_create(offer=offer, by=recruiter, email=True)
    assert link.language == "en"
    assert mail.outbox[-1].subject.startswith("Your offer from")
    assert '<html lang="en">' in visit(client, new_token).content.decode()
