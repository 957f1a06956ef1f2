"""What a probe from outside found (issue 39), each item held by a test that failed before its
fix: signing cannot be skipped, an edited letter is not called intact, no token in the access
log, webhook addresses, 4xx for bad input, who may do what through the API, an answered link's
window, the signed letter's loose ends, one reader of the offer's signature, and the forms of
the page that shows a new link."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from offers.models import CandidateLink, Offer
from offers.services import OfferError, offer_accept
from tests.test_api import call, draft

pytestmark = pytest.mark.django_db

Sent = tuple[Offer, CandidateLink, str]


# 1. While letters are signed, the only way to accept is to sign -----------------------------


def answer(client: Client, token: str, **fields: str) -> Any:
    return client.post(reverse("candidate:answer", args=[token]), fields)


def test_the_old_answer_form_cannot_accept_while_letters_are_signed(
    client: Client, sent_to_sign: Sent
) -> None:
    offer, _, token = sent_to_sign
    accept = {"decision": "accept", "full_name": offer.candidate_name, "confirm": "yes"}
    assert answer(client, token, **accept).status_code == 200  # the confirmation page
    response = answer(client, token, **accept, final="yes")
    assert response.status_code == 400
    assert "accepted by signing its letter" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT
    assert not offer.events.filter(action="accepted").exists()


def test_no_other_door_accepts_without_a_signature(sent_to_sign: Sent) -> None:
    offer, link, _ = sent_to_sign
    with pytest.raises(OfferError, match="signing its letter"):
        offer_accept(
            link=link, full_name=offer.candidate_name, confirmed=True, ip="", user_agent=""
        )
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT


def test_declining_stays_possible_while_letters_are_signed(
    client: Client, sent_to_sign: Sent
) -> None:
    offer, _, token = sent_to_sign
    response = answer(client, token, decision="decline", confirm="yes", final="yes")
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED


# 5. Bad input answers 4xx problem+json, never a server error ---------------------------------


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()[:500]
    assert response["Content-Type"] == "application/problem+json"
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("status=%00", 422),
        ("cursor=%00", 400),
        # Offsets pydantic takes and PostgreSQL does not (±15:59): the same instant in UTC.
        ("updated_after=2026-01-01T00:00:00%2B23:00", 200),
        ("created_after=2026-01-01T00:00:00-23:59", 200),
        ("updated_after=0001-01-01T00:00:00%2B23:59", 422),  # before the first UTC instant
    ],
)
def test_filters_a_database_cannot_take_are_answered_without_a_server_error(
    client: Client, key: str, query: str, status: int
) -> None:
    response = call(client, "get", f"/offers?{query}", key)
    if status == 200:
        assert response.status_code == 200 and response.json()["data"] == []
    else:
        problem(response, status)


@pytest.mark.parametrize(
    "fields",
    [
        {"department": "Engi\x00neering"},
        {"hiring_manager": "h\x00m"},
        {"external": {"candidate_id": "c-\x00"}},
        {"external": {"cand\x00idate_id": "c-1"}},
        {"role_title": "Platform\x00Engineer"},
    ],
    ids=["department", "hiring_manager", "external-value", "external-key", "role_title"],
)
def test_a_nul_byte_in_an_offer_field_is_refused_naming_the_field(
    client: Client, key: str, fields: dict[str, Any]
) -> None:
    body = problem(call(client, "post", "/offers", key, draft(**fields)), 422)
    named = {error["field"].split(".")[0] for error in body["errors"]}
    assert named == set(fields), body
    assert not Offer.objects.exists()


def test_a_body_too_large_is_answered_413_problem_json(client: Client, key: str) -> None:
    huge = draft(internal_notes="x" * (5 * 1024 * 1024))
    body = problem(call(client, "post", "/offers", key, huge), 413)
    assert "too large" in body["detail"]
    assert not Offer.objects.exists()


def test_too_many_requests_says_when_to_try_again(client: Client, key: str, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.API_RATE_LIMIT = "2/m"
    for _ in range(2):
        assert call(client, "get", "/offers", key).status_code == 200
    response = call(client, "get", "/offers", key)
    problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60


def test_a_typed_name_that_matches_only_once_folded_is_signed_folded(
    client: Client, sent_to_sign: Sent, django_capture_on_commit_callbacks: Any
) -> None:
    """Over 200 characters of the candidate's name with the spaces doubled many times: it
    matches, and is adopted with its spaces folded (no server error from a long column)."""
    from signing.models import Signature
    from tests.test_signing import consent_and_code, post

    offer, _, token = sent_to_sign
    code = consent_and_code(client, token, django_capture_on_commit_callbacks)
    assert post(client, "code_check", token, code=code).status_code == 302
    stretched = (" " * 250).join(offer.candidate_name.split())
    assert len(stretched) > 200
    with django_capture_on_commit_callbacks(execute=False):
        response = post(client, "sign", token, typed_name=stretched)
    assert response.status_code == 302
    assert Signature.objects.get(offer=offer).typed_name == offer.candidate_name


def test_a_typed_name_over_200_characters_that_does_not_match_is_refused(
    client: Client, sent_to_sign: Sent, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.test_signing import consent_and_code, post

    offer, _, token = sent_to_sign
    code = consent_and_code(client, token, django_capture_on_commit_callbacks)
    assert post(client, "code_check", token, code=code).status_code == 302
    response = post(client, "sign", token, typed_name="x" * 5000)
    assert response.status_code == 400
    offer.refresh_from_db()
    assert offer.status == Offer.Status.SENT


# 6. Who may do what through the API --------------------------------------------------------


def test_a_webhook_endpoint_belongs_to_the_user_whose_key_made_it(
    client: Client, recruiter: Any
) -> None:
    from api.models import WebhookEndpoint
    from api.webhooks import endpoint_add
    from tests import factories

    mine = factories.api_key(recruiter.username, "webhooks:manage")
    other = factories.user("quinn")
    theirs = factories.api_key(other.username, "webhooks:manage")
    made = call(client, "post", "/webhooks", theirs, {"url": "http://127.0.0.1:9/theirs"}).json()
    operators = endpoint_add(url="http://127.0.0.1:9/operator", events=[])

    assert call(client, "get", "/webhooks", mine).json()["data"] == []
    for endpoint_id in (made["id"], operators.pk):
        rotated = call(client, "post", f"/webhooks/{endpoint_id}/rotate", mine)
        assert rotated.status_code == 404 and "secret" not in rotated.json()
        assert call(client, "delete", f"/webhooks/{endpoint_id}", mine).status_code == 404
    assert WebhookEndpoint.objects.count() == 2
    stored = WebhookEndpoint.objects.get(pk=made["id"])
    assert stored.secret == made["secret"]  # not rotated
    assert [e["id"] for e in call(client, "get", "/webhooks", theirs).json()["data"]] == [
        made["id"]
    ]

    admin = factories.user("root", role=None, is_superuser=True, is_staff=True)
    every = factories.api_key(admin.username, "webhooks:manage")
    listed = {e["id"] for e in call(client, "get", "/webhooks", every).json()["data"]}
    assert listed == {made["id"], operators.pk}


def test_a_recruiter_creates_offers_only_in_their_departments(
    client: Client, key: str, recruiter: Any
) -> None:
    from offers.models import Department

    Department.objects.create(name="Sales")
    response = call(client, "post", "/offers", key, draft(department="Sales"))
    body = problem(response, 422)
    assert [error["field"] for error in body["errors"]] == ["department"]
    assert not Offer.objects.exists()
    assert call(client, "post", "/offers", key, draft()).status_code == 201  # Engineering

    client.force_login(recruiter)
    page = client.get(reverse("offers:new")).content.decode()
    assert ">Engineering<" in page and ">Sales<" not in page


def test_a_recruiter_assigned_to_no_department_recruits_for_all(
    client: Client, recruiter: Any
) -> None:
    from offers.models import Department

    Department.objects.create(name="Sales")
    Department.objects.create(name="Engineering")
    client.force_login(recruiter)
    page = client.get(reverse("offers:new")).content.decode()
    assert ">Engineering<" in page and ">Sales<" in page


# 7. An answered offer's link closes after a window ------------------------------------------


def test_an_answered_link_shows_the_offer_for_a_window_then_410_and_a_fresh_link_reopens_it(
    client: Client, settings: Any, recruiter: Any, manager: Any, offer: Offer
) -> None:
    import datetime

    from django.utils import timezone

    from offers.services import candidate_link_create, offer_decline
    from tests import factories

    settings.CANDIDATE_LINK_DAYS_AFTER_ANSWER = 30
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    link, token = candidate_link_create(offer=approved, by=recruiter)
    offer_decline(link=link, reason="", ip="", user_agent="")
    link.refresh_from_db()
    now = timezone.now()
    assert now + datetime.timedelta(days=29) < link.expires_at <= now + datetime.timedelta(days=30)
    assert client.get(reverse("candidate:offer", args=[token])).status_code == 200

    CandidateLink.objects.filter(pk=link.pk).update(expires_at=now)  # the window is over
    for name in ("candidate:offer", "candidate:letter"):
        gone = client.get(reverse(name, args=[token]))
        assert gone.status_code == 410
        assert 'data-gone="closed"' in gone.content.decode()
        assert offer.role_title not in gone.content.decode()

    _, fresh = candidate_link_create(offer=Offer.objects.get(pk=offer.pk), by=recruiter)
    assert client.get(reverse("candidate:offer", args=[fresh])).status_code == 200
    assert client.get(reverse("candidate:offer", args=[token])).status_code == 410
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED  # no move, an audited reissue
    assert offer.events.filter(action="link reissued").exists()


def test_the_recruiter_sends_a_fresh_link_to_an_answered_offer_from_its_page(
    client: Client, recruiter: Any, manager: Any, offer: Offer
) -> None:
    from offers.services import candidate_link_create, offer_decline
    from tests import factories

    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    link, _ = candidate_link_create(offer=approved, by=recruiter)
    offer_decline(link=link, reason="", ip="", user_agent="")
    client.force_login(recruiter)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Send a new link to read the answered offer (works 30 days)" in page
    nonce = page.split('name="nonce" value="')[1].split('"')[0]
    response = client.post(reverse("offers:link_create", args=[offer.pk]), {"nonce": nonce})
    assert response.status_code == 302
    shown = client.get(offer.get_absolute_url())
    assert "Copy the link now" in shown.content.decode()
    # The token is in the page, not its URL: the site's policy keeps referrers same-origin,
    # and the page's forms post with their real origin (issue 39.11).
    assert shown["Referrer-Policy"] == "same-origin"
    assert offer.links.filter(revoked_at__isnull=True).count() == 1


# 8. The signed letter's loose ends -----------------------------------------------------------


def letter_text(offer: Offer, tmp_path: Any) -> str:
    from offers.models import Letter
    from tests.test_signing import pdftotext

    letter = Letter.objects.filter(offer=offer, draft=False).latest("pk")
    with letter.file.open("rb") as handle:
        return pdftotext(handle.read(), tmp_path)


def test_a_letter_to_be_signed_electronically_has_no_blank_for_a_date(
    sent_to_sign: Sent, tmp_path: Any, settings: Any
) -> None:
    offer, _, _ = sent_to_sign
    text = letter_text(offer, tmp_path)
    assert "(date)" not in text and "accepted on" not in text
    # No one is named to countersign: the line names the company; the stamp names who signs.
    assert f"For {settings.COMPANY_NAME}" in text


def test_a_letter_signed_on_paper_keeps_its_blanks(
    recruiter: Any, manager: Any, offer: Offer, tmp_path: Any
) -> None:
    from offers.models import Letter
    from offers.services import candidate_link_create, letter_render
    from tests import factories

    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    candidate_link_create(offer=approved, by=recruiter)
    letter_render(letter_id=Letter.objects.get(offer=offer, draft=False).pk)
    assert f"{offer.candidate_name}, accepted on (date)" in letter_text(offer, tmp_path)


def test_the_letter_names_the_person_its_template_lets_countersign(
    signing_on: Any, recruiter: Any, manager: Any, offer: Offer, tmp_path: Any
) -> None:
    from offers.models import Letter, LetterTemplateVersion
    from offers.roles import PEOPLE_TEAM
    from offers.services import candidate_link_create, letter_render
    from tests import factories

    version = offer.letter_template_version
    assert version is not None
    LetterTemplateVersion.objects.filter(pk=version.pk).update(signatory_name="Jordan Lee")
    version.refresh_from_db()
    signer = factories.user("pat", role=PEOPLE_TEAM, first_name="Pat", last_name="People")
    version.template.countersigner = signer
    version.template.save()
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    candidate_link_create(offer=approved, by=recruiter)
    letter_render(letter_id=Letter.objects.get(offer=offer, draft=False).pk)
    text = letter_text(offer, tmp_path)
    assert "Pat People, for" in text and version.signatory_name not in text


def test_a_letter_made_again_byte_for_byte_keeps_the_signature_in_progress(
    client: Client, sent_to_sign: Sent, recruiter: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from offers.models import Letter
    from offers.services import letter_render, letter_request
    from signing.models import Signature
    from tests.test_signing import consent_and_code

    offer, _, token = sent_to_sign
    consent_and_code(client, token, django_capture_on_commit_callbacks)
    again = letter_request(offer=offer, by=recruiter)
    letter_render(letter_id=again.pk)
    again.refresh_from_db()
    assert again.sha256 == Letter.objects.get(offer=offer, draft=False, pk__lt=again.pk).sha256
    client.get(reverse("candidate:offer", args=[token]))  # pages read the live signature
    assert Signature.objects.get(offer=offer).state == Signature.State.CODE_SENT


# 10. The API reads the offer's signature as every page does ----------------------------------


def test_the_api_reports_no_failed_or_superseded_signature(
    client: Client,
    sent_to_sign: Sent,
    recruiter: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    import datetime

    from django.utils import timezone

    from offers.models import Department
    from offers.services import letter_render, letter_request
    from signing import services
    from signing.models import Signature
    from tests import factories
    from tests.test_signing import consent_and_code, post

    offer, _, token = sent_to_sign
    Department.objects.get(pk=offer.department_id).recruiters.add(recruiter)
    key = factories.api_key(recruiter.username)

    def reported() -> Any:
        return call(client, "get", f"/offers/{offer.pk}", key).json()["signed_letter"]

    consent_and_code(Client(), token, django_capture_on_commit_callbacks)
    assert reported() == {"state": "code_sent", "sha256": None}

    # The letter made again the next day (other bytes): the signature in progress is on a
    # letter no longer to be signed, and no page shows it.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    letter_render(letter_id=letter_request(offer=offer, by=recruiter).pk)
    monkeypatch.undo()
    # Voided when the letter changed (issue 36.1), not by a page or the API reading it.
    assert Signature.objects.get(offer=offer).state == "void"
    events = offer.events.count()
    assert reported() is None
    assert offer.events.count() == events  # a read writes nothing

    # Signed, and its seal failed for good: the pages show no signature; nor does the API.
    candidate = Client()
    code = consent_and_code(candidate, token, django_capture_on_commit_callbacks)
    assert post(candidate, "code_check", token, code=code).status_code == 302
    with django_capture_on_commit_callbacks(execute=False):
        assert post(candidate, "sign", token, typed_name=offer.candidate_name).status_code == 302
    signature = Signature.objects.get(offer=offer, state=Signature.State.SIGNED)
    assert reported() == {"state": "signed", "sha256": None}
    services.seal_failed(signature_id=signature.pk, reason="storage gone", final=True)
    assert reported() is None
