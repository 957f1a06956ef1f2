"""Candidates sign, the company countersigns: the steps through HTTP, the sealed PDF checked by
pyHanko against the test authority and by Debian's pdfsig, and what may not happen."""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offers.models import CandidateLink, Letter, Offer, OfferEvent
from offers.roles import PEOPLE_TEAM
from offers.services import candidate_link_create, letter_render, letter_request, offer_approve
from signing import checking, pdf, services
from signing.certificates import SigningAuthority, company, make_test_authority
from signing.models import Signature
from tests import factories
from tests.servers import TimestampAuthority

pytestmark = pytest.mark.django_db
State = Signature.State
CODE = re.compile(r"^\s+(\d{6})$", re.MULTILINE)


@pytest.fixture
def sent(sent_to_sign: tuple[Offer, CandidateLink, str]) -> tuple[Offer, CandidateLink, str]:
    return sent_to_sign


def post(client: Client, name: str, token: str, **fields: str) -> Any:
    return client.post(reverse(f"signing:{name}", args=[token]), fields)


def page(client: Client, token: str) -> str:
    response = client.get(reverse("candidate:offer", args=[token]))
    assert response.status_code == 200
    return response.content.decode()


def last_code() -> str:
    found = CODE.findall(str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return str(found[-1])


def consent_and_code(client: Client, token: str, capture: Any) -> str:
    with capture(execute=True):
        response = post(client, "consent", token, agree="yes")
    assert response.status_code == 302, response.content.decode()[:2000]
    return last_code()


def signed_through_http(client: Client, token: str, offer: Offer, capture: Any) -> Signature:
    code = consent_and_code(client, token, capture)
    assert post(client, "code_check", token, code=code).status_code == 302
    with capture(execute=False):
        response = post(client, "sign", token, typed_name=offer.candidate_name)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Signature.objects.get(offer=offer)


def body(response: Any) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def validate(data: bytes) -> list[checking.SignatureReport]:
    signer = company()
    assert signer is not None
    return checking.inspect(data, trust_roots=signer.trust_roots)


def need(tool: str) -> None:
    if not shutil.which(tool):
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing: CI must install Debian's poppler-utils")
        pytest.skip(f"{tool} is not installed (apt-get install poppler-utils)")


def pdftotext(data: bytes, tmp_path: Path) -> str:
    need("pdftotext")
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def countersigner(name: str = "jordan") -> User:
    return factories.user(name, role=PEOPLE_TEAM, first_name="Jordan", last_name="Lee")


# The candidate's steps -------------------------------------------------------------------------


def test_candidate_consents_enters_the_code_and_signs_which_accepts_the_offer(
    client: Client, sent: Any, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    offer, _, token = sent
    html = page(client, token)
    assert 'data-signing-step="consent"' in html
    assert "Consent to electronic records and signatures" in html
    assert "paper copy" in html and "withdraw" in html
    assert 'name="full_name"' not in html  # signing replaces the typed-name acceptance

    refused = post(client, "consent", token)
    assert refused.status_code == 400
    assert "Tick the box to agree" in refused.content.decode()
    assert not Signature.objects.exists()

    code = consent_and_code(client, token, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == [offer.candidate_email]
    html = page(client, token)
    assert 'data-signing-step="code"' in html
    assert code not in html

    wrong = "000000" if code != "000000" else "111111"
    refused = post(client, "code_check", token, code=wrong)
    assert refused.status_code == 400
    assert "That code is not right: 4 tries left." in refused.content.decode()

    assert post(client, "code_check", token, code=code[:3] + " " + code[3:]).status_code == 302
    html = page(client, token)
    assert 'data-signing-step="sign"' in html
    letter = offer.approved_letter()
    assert letter is not None and letter.sha256 in html

    refused = post(client, "sign", token, typed_name="Someone Else")
    assert refused.status_code == 400
    assert "does not match the name on the offer" in refused.content.decode()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert post(client, "sign", token, typed_name=offer.candidate_name).status_code == 302
    assert callbacks  # the seal's job, queued once the signature committed
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
    signature = Signature.objects.get(offer=offer)
    assert signature.state == State.SIGNED
    assert signature.typed_name == offer.candidate_name
    assert signature.letter_sha256 == letter.sha256
    assert (
        signature.consent_sha256
        == hashlib.sha256(services.consent_text(offer).encode()).hexdigest()
    )

    services.seal(signature_id=signature.pk)
    signature.refresh_from_db()
    assert signature.state == State.SEALED
    response = client.get(reverse("signing:candidate_signed", args=[token]))
    assert response.status_code == 200
    data = body(response)
    assert hashlib.sha256(data).hexdigest() == signature.sha256
    with letter.file.open("rb") as handle:
        assert data.startswith(handle.read())  # the approved letter's bytes, unchanged, first
    (report,) = validate(data)
    assert (report.field, report.intact, report.valid, report.trusted) == (
        "Candidate",
        True,
        True,
        True,
    )
    assert report.name == offer.candidate_name
    assert report.test_certificate
    text = pdftotext(data, tmp_path)
    assert "Completion certificate" in text
    assert letter.sha256 in text
    assert "The candidate signed the letter." in text  # the event log, as sentences
    assert f"Signed: {offer.candidate_name}" in text
    assert "TEST certificate" in text

    actions = list(offer.events.values_list("action", flat=True))
    for step in [
        "consented to sign",
        "signing code sent",
        "signing code wrong",
        "signing code verified",
        "accepted",
        "signed the letter",
        "signed letter sealed",
    ]:
        assert step in actions
    html = page(client, token)
    assert "You accepted this offer" in html
    assert "Download your signed letter (PDF)" in html


def test_company_countersigns_in_a_new_revision_and_the_candidate_gets_the_letter(
    client: Client,
    sent: Any,
    django_capture_on_commit_callbacks: Any,
    recruiter: User,
    tmp_path: Path,
) -> None:
    offer, _, token = sent
    jordan = countersigner()
    signature = signed_through_http(Client(), token, offer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.seal(signature_id=signature.pk)
    assert mail.outbox[-1].to == [jordan.email]  # asked to countersign
    assert reverse("signing:countersign", args=[signature.pk]) in str(mail.outbox[-1].body)

    # The recruiter sees the signature, and may not countersign.
    client.force_login(recruiter)
    detail = client.get(offer.get_absolute_url()).content.decode()
    assert 'data-signature="sealed"' in detail
    assert "Awaiting the company's countersignature" in detail
    url = reverse("signing:countersign", args=[signature.pk])
    assert client.post(url, {"agree": "yes", "title": "Boss"}).status_code == 403

    client.force_login(jordan)
    listing = client.get(reverse("signing:countersign_list")).content.decode()
    assert offer.candidate_name in listing
    refused = client.post(url, {"title": "VP People"})
    assert refused.status_code == 400
    assert "Tick the box" in refused.content.decode()
    assert client.post(url, {"agree": "yes", "title": "VP People"}).status_code == 302
    signature.refresh_from_db()
    assert signature.state == State.COUNTERSIGNING
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.countersign_seal(signature_id=signature.pk)
    signature.refresh_from_db()
    assert signature.state == State.COMPLETE

    with signature.countersigned_file.open("rb") as handle:
        final = handle.read()
    with signature.file.open("rb") as handle:
        assert final.startswith(handle.read())  # an incremental revision
    reports = {report.field: report for report in validate(final)}
    assert set(reports) == {"Candidate", "Company"}
    assert all(r.intact and r.valid and r.trusted for r in reports.values())
    assert reports["Candidate"].modification == "form filling"
    assert reports["Company"].covers_whole_file
    assert reports["Company"].name == "Jordan Lee"
    assert "Countersigned: Jordan Lee" in pdftotext(final, tmp_path)

    (message,) = mail.outbox
    assert message.to == [offer.candidate_email]
    ((name, attached, kind),) = message.attachments  # type: ignore[misc]
    assert kind == "application/pdf" and attached == final
    # Every download, by anyone allowed, is the same bytes.
    staff_url = reverse("signing:signed_letter", args=[signature.pk])
    downloads = [body(client.get(staff_url))]
    client.force_login(recruiter)
    downloads.append(body(client.get(staff_url)))
    downloads.append(body(Client().get(reverse("signing:candidate_signed", args=[token]))))
    assert downloads == [final] * 3
    event = offer.events.get(action="countersigned")
    assert event.actor == jordan
    detail = client.get(offer.get_absolute_url()).content.decode()
    assert "Countersigned by <strong>Jordan Lee</strong>, VP People," in detail
    # The history says who did what: the candidate signed, the company countersigned.
    for sentence in [
        "The candidate agreed to sign the letter electronically.",
        "The system emailed the candidate a code to sign with.",
        "The candidate entered the signing code emailed to them.",
        "The candidate signed the letter.",
        "The system sealed the signed letter with the company&#x27;s certificate.",
        "Jordan Lee countersigned the letter for the company.",
    ]:
        assert sentence in detail
    # Someone with no business with the offer gets nothing.
    client.force_login(factories.user("stranger"))
    assert client.get(reverse("signing:signed_letter", args=[signature.pk])).status_code == 403


def test_a_template_that_names_its_countersigner_lets_only_that_person_countersign(
    client: Client, sent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    offer, _, token = sent
    named, other = countersigner("named"), countersigner("other")
    template = offer.letter_template_version.template  # type: ignore[union-attr]
    template.countersigner = named
    template.save()
    signature = signed_through_http(Client(), token, offer, django_capture_on_commit_callbacks)
    services.seal(signature_id=signature.pk)
    url = reverse("signing:countersign", args=[signature.pk])
    client.force_login(other)
    assert client.post(url, {"agree": "yes", "title": "x"}).status_code == 403
    client.force_login(named)
    assert client.post(url, {"agree": "yes", "title": "x"}).status_code == 302


def test_pdfsig_reports_both_signatures_valid_and_a_changed_byte_breaks_them(
    sent: Any, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    need("pdfsig")
    offer, _, token = sent
    signature = signed_through_http(Client(), token, offer, django_capture_on_commit_callbacks)
    services.seal(signature_id=signature.pk)
    services.countersign_request(
        signature=signature, by=countersigner(), title="VP People", agreed=True
    )
    services.countersign_seal(signature_id=signature.pk)
    signature.refresh_from_db()
    with signature.countersigned_file.open("rb") as handle:
        final = handle.read()

    def pdfsig(data: bytes) -> str:
        path = tmp_path / "checked.pdf"
        path.write_bytes(data)
        run = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
        return run.stdout

    report = pdfsig(final)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Candidate" in report and "Company" in report

    changed = bytearray(final)
    middle = len(signature.letter.file.open("rb").read()) // 2
    changed[middle] ^= 0x01
    report = pdfsig(bytes(changed))
    assert "Signature is Valid." not in report, report
    assert not any(r.intact for r in validate(bytes(changed)))


def test_a_timestamp_authority_on_loopback_timestamps_each_signature(
    sent: Any, settings: Any, authority: SigningAuthority, django_capture_on_commit_callbacks: Any
) -> None:
    offer, _, token = sent
    signature = signed_through_http(Client(), token, offer, django_capture_on_commit_callbacks)
    with TimestampAuthority(authority) as tsa:
        settings.SIGNING_TSA_URL = tsa.url
        services.seal(signature_id=signature.pk)
        services.countersign_request(signature=signature, by=countersigner(), title="", agreed=True)
        services.countersign_seal(signature_id=signature.pk)
        assert tsa.requests >= 2  # pyHanko asks once to size the signature, once to sign
    signature.refresh_from_db()
    with signature.countersigned_file.open("rb") as handle:
        reports = validate(handle.read())
    assert len(reports) == 2
    for report in reports:
        assert report.timestamp is not None
        assert abs(report.timestamp - timezone.now()) < datetime.timedelta(minutes=5)


def test_a_timestamp_authority_that_does_not_answer_leaves_the_signature_to_retry(
    sent: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.servers import free_port

    offer, _, token = sent
    signature = signed_through_http(Client(), token, offer, django_capture_on_commit_callbacks)
    settings.SIGNING_TSA_URL = f"http://127.0.0.1:{free_port()}/tsa"
    with pytest.raises(pdf.SealError):
        services.seal(signature_id=signature.pk)
    signature.refresh_from_db()
    assert signature.state == State.SIGNED  # still to seal: the task retries
    assert not signature.file


# The code ------------------------------------------------------------------------------------


def test_the_code_expires_locks_after_five_wrong_tries_and_is_never_logged(
    client: Client,
    sent: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
    settings: Any,
) -> None:
    offer, _, token = sent
    caplog.set_level(logging.DEBUG)
    code = consent_and_code(client, token, django_capture_on_commit_callbacks)
    signature = Signature.objects.get(offer=offer)
    assert len(code) == 6 and code.isdigit()
    assert code not in signature.code_hash
    assert all(code not in str(value) for value in Signature.objects.values().get().values())
    wrong = "000000" if code != "000000" else "111111"
    for left in [4, 3, 2, 1]:
        response = post(client, "code_check", token, code=wrong)
        assert f"{left} tr" in response.content.decode()
    response = post(client, "code_check", token, code=wrong)
    assert "it was the last try: ask for a new code" in response.content.decode()
    # Locked: the right code no longer works.
    response = post(client, "code_check", token, code=code)
    assert "Too many wrong codes" in response.content.decode()
    # A new code only after a pause.
    response = post(client, "code_again", token)
    assert "ask for a new code in" in response.content.decode()
    Signature.objects.filter(pk=signature.pk).update(
        code_sent_at=timezone.now() - datetime.timedelta(seconds=61)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "code_again", token).status_code == 302
    second = last_code()
    # Expired after ten minutes.
    Signature.objects.filter(pk=signature.pk).update(
        code_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = post(client, "code_check", token, code=second)
    assert "The code has expired" in response.content.decode()
    # At most SIGNING_CODE_SENDS codes.
    Signature.objects.filter(pk=signature.pk).update(
        codes_sent=settings.SIGNING_CODE_SENDS, code_sent_at=None
    )
    response = post(client, "code_again", token)
    assert "the most we send" in response.content.decode()
    logged = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    assert code not in logged and second not in logged
    events = OfferEvent.objects.filter(offer=offer)
    assert all(code not in str(event.changes) + event.note for event in events)


# Once, and only the letter as approved ------------------------------------------------------------


def test_a_double_submit_and_two_tabs_give_one_signature(
    sent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    offer, _, token = sent
    tab_one, tab_two = Client(), Client()
    code = consent_and_code(tab_one, token, django_capture_on_commit_callbacks)
    # The second tab agrees too: the same signature, and a new code replaces the first.
    Signature.objects.update(code_sent_at=timezone.now() - datetime.timedelta(minutes=2))
    code = consent_and_code(tab_two, token, django_capture_on_commit_callbacks)
    assert Signature.objects.count() == 1
    assert post(tab_one, "code_check", token, code=code).status_code == 302
    assert post(tab_two, "code_check", token, code=code).status_code == 302  # already verified
    for tab in [tab_one, tab_one, tab_two]:
        response = post(tab, "sign", token, typed_name=offer.candidate_name)
        assert response.status_code == 302
    assert Signature.objects.filter(state=State.SIGNED).count() == 1
    assert offer.events.filter(action="accepted").count() == 1
    assert offer.events.filter(action="signed the letter").count() == 1


def test_a_superseded_letter_cannot_be_signed(
    sent: Any, recruiter: User, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    offer, _, token = sent
    client = Client()
    code = consent_and_code(client, token, django_capture_on_commit_callbacks)
    assert post(client, "code_check", token, code=code).status_code == 302
    # The recruiter generates the letter again the next day (it carries its date, so its bytes
    # differ): the candidate must sign the new one.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    newer = letter_request(offer=offer, by=recruiter)
    letter_render(letter_id=newer.pk)
    monkeypatch.undo()
    newer.refresh_from_db()
    assert newer.sha256 != Signature.objects.get().letter_sha256
    response = post(client, "sign", token, typed_name=offer.candidate_name)
    assert response.status_code == 400
    assert Signature.objects.get().state == State.VOID
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT
    assert offer.events.filter(action="signature voided").exists()
    # Signing starts again, with the new letter.
    assert 'data-signing-step="consent"' in page(client, token)


def test_a_change_to_the_offer_voids_the_signature_in_progress(
    sent: Any, recruiter: User, manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    offer, _, token = sent
    client = Client()
    code = consent_and_code(client, token, django_capture_on_commit_callbacks)
    changed = factories.edit(offer, by=recruiter, base_salary=Decimal("190000"))
    assert changed.status == Offer.Status.PENDING_APPROVAL
    assert client.get(reverse("candidate:offer", args=[token])).status_code == 410
    approved = offer_approve(offer=changed, by=manager)
    assert approved.status == Offer.Status.APPROVED
    _, token = candidate_link_create(offer=approved, by=recruiter)
    letter = Letter.objects.filter(offer=offer, offer_version=approved.version).get()
    letter_render(letter_id=letter.pk)
    assert 'data-signing-step="consent"' in page(client, token)
    assert Signature.objects.get().state == State.VOID
    # The old code is worth nothing now.
    response = post(client, "code_check", token, code=code)
    assert response.status_code == 400
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.SENT


def test_without_a_certificate_the_candidate_accepts_by_typing_their_name(
    client: Client, offer: Offer, recruiter: User, manager: User, settings: Any
) -> None:
    settings.SIGNING_CERTIFICATE = ""
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    _, token = candidate_link_create(offer=approved, by=recruiter)
    letter_render(letter_id=Letter.objects.get(offer=offer).pk)
    html = page(client, token)
    assert 'name="full_name"' in html
    assert "data-signing-step" not in html
    assert post(client, "consent", token, agree="yes").status_code == 400


# Checking and keeping ----------------------------------------------------------------------------


@pytest.fixture
def complete(sent: Any, django_capture_on_commit_callbacks: Any) -> Signature:
    offer, _, token = sent
    signature = signed_through_http(Client(), token, offer, django_capture_on_commit_callbacks)
    services.seal(signature_id=signature.pk)
    services.countersign_request(
        signature=signature, by=countersigner(), title="VP People", agreed=True
    )
    services.countersign_seal(signature_id=signature.pk)
    signature.refresh_from_db()
    return signature


def test_the_verify_page_checks_signatures_and_whether_we_issued_the_file(
    client: Client, complete: Signature
) -> None:
    with complete.countersigned_file.open("rb") as handle:
        final = handle.read()
    url = reverse("signing:verify")
    assert client.get(url).status_code == 200

    def check(data: bytes, name: str = "letter.pdf") -> Any:
        return client.post(url, {"pdf": _upload(data, name)})

    html = check(final).content.decode()
    assert 'data-intact="yes"' in html and 'data-issued="yes"' in html
    assert "Every signature is intact" in html and "This exact file was issued by" in html
    assert "test certificate" in html
    assert complete.offer.role_title not in html  # nothing beyond what the file holds

    changed = bytearray(final)
    changed[len(final) // 3] ^= 0x01
    html = check(bytes(changed)).content.decode()
    assert 'data-intact="no"' in html and 'data-issued="no"' in html

    with complete.letter.file.open("rb") as handle:
        unsigned = handle.read()
    html = check(unsigned).content.decode()
    assert "This PDF carries no signature." in html

    response = check(b"not a pdf at all", "notes.txt")
    assert response.status_code == 400
    assert "not a PDF we can read" in response.content.decode()
    response = client.post(url, {})
    assert response.status_code == 400 and "Choose a PDF file" in response.content.decode()


def test_the_verify_page_answers_in_german_when_the_browser_asks_for_it(
    client: Client, complete: Signature
) -> None:
    """Issue 37: /verify/ in the language of `Accept-Language` (English stays the default)."""
    import re

    with complete.countersigned_file.open("rb") as handle:
        final = handle.read()
    url = reverse("signing:verify")
    english = client.get(url)
    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    assert english["Content-Language"] == "en" and '<html lang="en">' in english.content.decode()
    assert german["Content-Language"] == "de" and "Accept-Language" in german["Vary"]
    page = german.content.decode()
    assert '<html lang="de">' in page and "Ein unterschriebenes Angebotsschreiben prüfen" in page
    # No English sentence of the page is left on the German one.
    sentences = re.findall(r">([A-Z][^<>{}]{12,})<", english.content.decode())
    assert sentences and not [s for s in sentences if s in page]
    html = client.post(
        url, {"pdf": _upload(final, "letter.pdf")}, HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "Jede Signatur ist unversehrt" in html and "Genau diese Datei wurde von" in html
    assert "Every signature is intact" not in html and "Unterschrieben am:" in html
    refused = client.post(url, {}, HTTP_ACCEPT_LANGUAGE="de")
    assert refused.status_code == 400
    assert "Wählen Sie eine PDF-Datei zum Prüfen." in refused.content.decode()


def test_a_letter_edited_after_signing_is_reported_changed_not_intact(
    client: Client, complete: Signature
) -> None:
    """A white box over a figure and another figure on top, as an unsigned incremental update:
    every signature's bytes are still intact, but the file is not the one that was signed."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    with complete.countersigned_file.open("rb") as handle:
        final = handle.read()
    writer = IncrementalPdfFileWriter(io.BytesIO(final))
    font = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
            generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
        }
    )
    resources = generic.DictionaryObject(
        {
            generic.NameObject("/Font"): generic.DictionaryObject(
                {generic.NameObject("/FEdit"): writer.add_object(font)}
            )
        }
    )
    cover = b"q 1 1 1 rg 300 600 200 30 re f 0 0 0 rg BT /FEdit 14 Tf 310 610 Td ($999,999) Tj ET Q"
    writer.add_stream_to_page(
        0, writer.add_object(generic.StreamObject(stream_data=cover)), resources=resources
    )
    edited = io.BytesIO()
    writer.write(edited)

    reports = validate(edited.getvalue())
    assert all(report.intact and report.valid for report in reports)  # what was read before
    assert not any(report.unchanged for report in reports)
    html = client.post(
        reverse("signing:verify"), {"pdf": _upload(edited.getvalue(), "letter.pdf")}
    ).content.decode()
    assert 'data-intact="no"' in html and 'data-issued="no"' in html
    assert "The file was changed after it was signed" in html
    assert "Every signature is intact" not in html
    assert "Changed after signing" in html


def test_a_signature_by_a_certificate_not_ours_is_intact_but_not_ours(
    client: Client, complete: Signature, tmp_path: Path
) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    other = make_test_authority("Other Corp")
    bundle = tmp_path / "other.p12"
    bundle.write_bytes(other.signer_pkcs12())
    signer = signers.SimpleSigner.load_pkcs12(str(bundle), passphrase=None)
    assert signer is not None
    with complete.letter.file.open("rb") as handle:
        writer = IncrementalPdfFileWriter(io.BytesIO(handle.read()))
    signed = signers.sign_pdf(
        writer, signers.PdfSignatureMetadata(field_name="Other"), signer=signer
    ).getvalue()
    html = client.post(
        reverse("signing:verify"), {"pdf": _upload(signed, "letter.pdf")}
    ).content.decode()
    assert "The signatures are intact, but not all were sealed by" in html
    assert "Intact, but not sealed by" in html
    assert "Intact and valid" not in html and "(our certificate)" not in html


def _upload(data: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_signed_letter_command_lists_and_writes_the_fully_signed_pdf(
    complete: Signature, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("signed_letter")
    listing = capsys.readouterr().out
    assert str(complete.offer_id) in listing and complete.countersigned_sha256 in listing
    out = tmp_path / "out.pdf"
    call_command("signed_letter", str(complete.offer_id), "--output", str(out))
    assert hashlib.sha256(out.read_bytes()).hexdigest() == complete.countersigned_sha256
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no signed letter"):
        call_command("signed_letter", "999999", "--output", str(out))


def test_anonymizing_the_offer_clears_the_signature_and_deletes_its_files(
    complete: Signature, manager: User, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.files.storage import default_storage

    from offers.services.personal_data import offer_anonymize

    names = [complete.file.name, complete.countersigned_file.name]
    with django_capture_on_commit_callbacks(execute=True):
        offer_anonymize(offer=complete.offer, by=manager, reason="asked")
    complete.refresh_from_db()
    assert complete.typed_name.startswith("Candidate #")
    assert (complete.ip_address, complete.user_agent, complete.code_sent_to) == ("", "", "")
    assert not complete.file and not complete.countersigned_file
    assert complete.countersigned_sha256  # a kept copy can still be shown to be ours
    assert not any(default_storage.exists(str(name)) for name in names)


def test_check_deploy_warns_about_a_test_certificate_or_none(
    signing_on: Path, settings: Any
) -> None:
    from signing.checks import signing_certificate_check

    settings.DEBUG = False
    assert [m.id for m in signing_certificate_check()] == ["signing.W002"]
    settings.SIGNING_CERTIFICATE = ""
    assert [m.id for m in signing_certificate_check()] == ["signing.W001"]
    settings.SIGNING_CERTIFICATE = str(signing_on.with_name("missing.p12"))
    assert [m.id for m in signing_certificate_check()] == ["signing.E001"]


def test_signing_test_certificate_command_makes_one_that_says_so(
    settings: Any, tmp_path: Path
) -> None:
    settings.SIGNING_TEST_CERTIFICATE = tmp_path / "signing" / "test.p12"
    settings.SIGNING_CERTIFICATE = str(settings.SIGNING_TEST_CERTIFICATE)
    call_command("signing_test_certificate")
    signer = company()
    assert signer is not None and signer.is_test
    assert (tmp_path / "signing" / "test-authority.pem").exists()


# A real worker ---------------------------------------------------------------------------------


@pytest.mark.worker
def test_a_worker_seals_and_countersigns_through_the_broker(
    worker_db: None, signing_on: Path, live_server: Any
) -> None:
    from tests.workers import WorkerProcess, wait_for

    recruiter = factories.user("riley")
    manager = factories.user("hm", role="Hiring managers", is_staff=True)
    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )
    _, token = candidate_link_create(offer=offer, by=recruiter)
    worker = WorkerProcess(extra_env={"SIGNING_CERTIFICATE": str(signing_on)}).start()
    try:
        wait_for(lambda: offer.approved_letter() is not None, what="the letter", timeout=60)
        client = Client()
        assert post(client, "consent", token, agree="yes").status_code == 302
        assert post(client, "code_check", token, code=last_code()).status_code == 302
        assert post(client, "sign", token, typed_name=offer.candidate_name).status_code == 302
        signature = Signature.objects.get(offer=offer)
        wait_for(
            lambda: Signature.objects.get(pk=signature.pk).state == State.SEALED,
            what="the seal",
            timeout=60,
        )
        jordan = countersigner()
        client.force_login(jordan)
        url = reverse("signing:countersign", args=[signature.pk])
        assert client.post(url, {"agree": "yes", "title": "VP"}).status_code == 302
        wait_for(
            lambda: Signature.objects.get(pk=signature.pk).state == State.COMPLETE,
            what="the countersignature",
            timeout=60,
        )
    finally:
        worker.stop()
    signature.refresh_from_db()
    with signature.countersigned_file.open("rb") as handle:
        reports = validate(handle.read())
    assert [r.intact and r.valid for r in reports] == [True, True]


def test_demo_data_leaves_one_offer_signed_and_countersigned(
    transactional_db: None, signing_on: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    factories.ensure_roles()  # as the migrations left them (a transactional test empties them)
    call_command("demo_data", "--force")
    (signature,) = Signature.objects.all()
    assert signature.state == State.COMPLETE
    assert signature.offer.status == Offer.Status.ACCEPTED
    call_command("signed_letter")
    assert f"{signature.offer_id}\t{signature.offer.candidate_name}" in capsys.readouterr().out
    out = tmp_path / "demo.pdf"
    call_command("signed_letter", str(signature.offer_id), "--output", str(out))
    reports = validate(out.read_bytes())
    assert [(r.field, r.intact, r.valid, r.trusted) for r in reports] == [
        ("Candidate", True, True, True),
        ("Company", True, True, True),
    ]
    # No blank to fill in by hand, and one person signs for the company: the one the letter
    # names is the one on the company's stamp.
    text = pdftotext(out.read_bytes(), tmp_path)
    assert "(date)" not in text and "accepted on" not in text
    assert "Pat People, Head of People, for" in text and "Countersigned: Pat People" in text
    assert "Jordan Lee" not in text
    call_command("demo_data", "--force")  # a second run changes nothing
    assert Signature.objects.count() == 1


def test_a_name_in_another_script_is_drawn_with_the_whole_font(
    signing_on: Path,
    recruiter: User,
    manager: User,
    django_capture_on_commit_callbacks: Any,
    tmp_path: Path,
) -> None:
    name = "Անի Պետրոսյան"  # Armenian: outside the cut font DejaVu Sans keeps for most names
    offer = factories.offer(by=recruiter, hiring_manager=manager, candidate_name=name)
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    _, token = candidate_link_create(offer=approved, by=recruiter)
    letter_render(letter_id=Letter.objects.get(offer=offer).pk)
    signature = signed_through_http(Client(), token, approved, django_capture_on_commit_callbacks)
    services.seal(signature_id=signature.pk)
    signature.refresh_from_db()
    with signature.file.open("rb") as handle:
        data = handle.read()
    assert f"Signed: {name}" in pdftotext(data, tmp_path)
    (report,) = validate(data)
    assert report.intact and report.valid and report.name == name


def test_the_admin_says_whether_signing_is_on_and_links_the_letters_to_countersign(
    client: Client, settings: Any, signing_on: Path
) -> None:
    person = countersigner()
    person.is_staff = True  # the People team works in the admin
    person.save()
    client.force_login(person)
    html = client.get(reverse("admin:index")).content.decode()
    assert 'data-signing="test"' in html and "test certificate" in html
    assert "data-countersign-link" in html
    settings.SIGNING_CERTIFICATE = ""
    html = client.get(reverse("admin:index")).content.decode()
    assert 'data-signing="off"' in html and "Signing is off" in html


def test_the_candidates_export_holds_their_signature_and_signed_letter(
    complete: Signature,
) -> None:
    import json
    import zipfile

    from offers.services.personal_data import candidate_export

    archive = zipfile.ZipFile(io.BytesIO(candidate_export(email=complete.offer.candidate_email)))
    (row,) = json.loads(archive.read("signatures.json"))
    assert row["fields"]["typed_name"] == complete.typed_name
    assert "code_hash" not in row["fields"]
    (signed,) = [name for name in archive.namelist() if name.startswith("signed/")]
    assert hashlib.sha256(archive.read(signed)).hexdigest() == complete.countersigned_sha256


def test_the_people_team_names_a_templates_countersigner_among_those_who_may(
    client: Client, recruiter: User
) -> None:
    from offers.models import LetterTemplate

    person = countersigner()
    person.is_staff = True
    person.save()
    client.force_login(person)
    template = LetterTemplate.objects.get(is_default=True)
    html = client.get(reverse("admin:offers_lettertemplate_change", args=[template.pk])).content
    options = re.findall(r'<option value="(\d+)"', html.decode().split('name="countersigner"')[1])
    assert options == [str(person.pk)]  # not the recruiter, who may not countersign
    assert recruiter.pk not in {int(option) for option in options}


def test_a_mail_server_that_refuses_the_code_is_said_and_a_new_code_can_be_asked_at_once(
    client: Client,
    sent: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.servers import free_port

    _, _, token = sent
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "consent", token, agree="yes").status_code == 302
    assert "could not be sent" in caplog.text
    html = page(client, token)
    assert "data-code-not-sent" in html
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "code_again", token).status_code == 302  # no pause to wait out
    assert post(client, "code_check", token, code=last_code()).status_code == 302


def test_two_tabs_signing_at_the_same_moment_give_one_signature(
    transactional_db: None, signing_on: Path
) -> None:
    """Two requests at once, each on its own database connection: the row lock lets one sign
    and the other find it signed (PostgreSQL; SQLite takes one writer at a time anyway)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; CI runs this on PostgreSQL")
    factories.ensure_roles()
    recruiter = factories.user("riley")
    manager = factories.user("hm", role="Hiring managers", is_staff=True)
    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )
    _, token = candidate_link_create(offer=offer, by=recruiter)
    letter_render(letter_id=Letter.objects.get(offer=offer).pk)
    client = Client()
    assert post(client, "consent", token, agree="yes").status_code == 302
    assert post(client, "code_check", token, code=last_code()).status_code == 302
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def tab() -> None:
        try:
            barrier.wait()
            statuses.append(
                post(Client(), "sign", token, typed_name=offer.candidate_name).status_code
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [302, 302]
    assert Signature.objects.filter(offer=offer).count() == 1
    assert Signature.objects.get(offer=offer).state == State.SIGNED
    assert OfferEvent.objects.filter(offer=offer, action="accepted").count() == 1
    assert OfferEvent.objects.filter(offer=offer, action="signed the letter").count() == 1


# Countersigned before the link is sent ------------------------------------------------------------


def test_countersigned_before_sending_the_candidate_completes_the_letter(
    client: Client,
    signing_on: Path,
    offer: Offer,
    recruiter: User,
    manager: User,
    django_capture_on_commit_callbacks: Any,
    tmp_path: Path,
) -> None:
    from offers.models import LetterTemplate
    from offers.services import OfferError

    template = offer.letter_template_version.template  # type: ignore[union-attr]
    template.countersign_order = LetterTemplate.CountersignOrder.BEFORE
    template.save()
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    # No link before the company's countersignature.
    with pytest.raises(OfferError, match="countersignature before the link is sent"):
        candidate_link_create(offer=approved, by=recruiter)
    client.force_login(recruiter)
    detail = client.get(offer.get_absolute_url()).content.decode()
    assert "data-link-waits" in detail and "/signing/countersign/" in detail
    letter = letter_request(offer=approved, by=recruiter)
    letter_render(letter_id=letter.pk)
    pat = countersigner("pat")
    client.force_login(pat)
    listing = client.get(reverse("signing:countersign_list")).content.decode()
    assert "Countersign before sending" in listing
    url = reverse("signing:countersign_first", args=[offer.pk])
    assert client.post(url, {"title": "Head of People"}).status_code == 400  # box not ticked
    assert client.post(url, {"title": "Head of People", "agree": "yes"}).status_code == 302
    signature = Signature.objects.get(offer=offer)
    assert signature.state == State.PRESIGNING
    with pytest.raises(OfferError, match="being sealed"):
        candidate_link_create(offer=approved, by=recruiter)
    services.presign(signature_id=signature.pk)
    signature.refresh_from_db()
    assert signature.state == State.PRESIGNED
    assert offer.events.get(action="countersigned").actor == pat

    _, token = candidate_link_create(offer=approved, by=recruiter)
    candidate = Client()
    assert 'data-signing-step="consent"' in page(candidate, token)
    code = consent_and_code(candidate, token, django_capture_on_commit_callbacks)
    assert Signature.objects.get().pk == signature.pk  # the same record carries on
    assert post(candidate, "code_check", token, code=code).status_code == 302
    assert post(candidate, "sign", token, typed_name=offer.candidate_name).status_code == 302
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.seal(signature_id=signature.pk)
    signature.refresh_from_db()
    assert signature.state == State.COMPLETE  # nothing left to countersign

    final = body(Client().get(reverse("signing:candidate_signed", args=[token])))
    with signature.countersigned_file.open("rb") as handle:
        assert final.startswith(handle.read())  # the company's revision, then the candidate's
    reports = {report.field: report for report in validate(final)}
    assert set(reports) == {"Company", "Candidate", "Certificate"}
    assert all(r.intact and r.valid and r.trusted for r in reports.values())
    assert reports["Company"].modification == "form filling"
    assert reports["Candidate"].modification == "form filling"
    assert reports["Certificate"].covers_whole_file
    text = pdftotext(final, tmp_path)
    assert "Countersigned: Jordan Lee" in text and f"Signed: {offer.candidate_name}" in text
    assert signature.letter_sha256 in text and "The candidate signed the letter." in text
    (message,) = mail.outbox
    assert message.to == [offer.candidate_email] and message.attachments[0][1] == final  # type: ignore[index]
    if shutil.which("pdfsig"):
        path = tmp_path / "final.pdf"
        path.write_bytes(final)
        report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
        assert report.count("Signature Validation: Signature is Valid.") == 3, report


def test_a_change_voids_the_countersignature_made_before_sending(
    signing_on: Path, offer: Offer, recruiter: User, manager: User
) -> None:
    from offers.models import LetterTemplate
    from offers.services import OfferError

    template = offer.letter_template_version.template  # type: ignore[union-attr]
    template.countersign_order = LetterTemplate.CountersignOrder.BEFORE
    template.save()
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    letter_render(letter_id=letter_request(offer=approved, by=recruiter).pk)
    signature = services.presign_request(offer=approved, by=countersigner(), title="", agreed=True)
    services.presign(signature_id=signature.pk)
    changed = factories.edit(approved, by=recruiter, base_salary=Decimal("190000"))
    again = offer_approve(offer=changed, by=manager)
    letter_render(letter_id=letter_request(offer=again, by=recruiter).pk)
    with pytest.raises(OfferError, match="countersignature before the link is sent"):
        candidate_link_create(offer=again, by=recruiter)
    assert services.offer_signature(again) is None  # as the offer's page asks, say
    assert Signature.objects.get(pk=signature.pk).state == State.VOID
    assert again.events.filter(action="signature voided").exists()
