"""Candidates' personal data: retention, erasure on request, export, legal holds."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from offers.models import Letter, Offer, OfferEvent
from offers.roles import FINANCE, HIRING_MANAGERS
from offers.services import (
    candidate_link_create,
    candidate_link_find,
    letter_render,
    offer_decline,
)
from offers.services.personal_data import legal_hold_set
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_storage(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Letters in a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run a command as if its transaction committed: an anonymized offer's files are deleted
    only then."""

    def run(*args: str) -> str:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command(*args, stdout=out)
        return out.getvalue()

    return run


NAME = "Zoë Quillfeather"
RETENTION_DAYS: int = settings.CANDIDATE_RETENTION_DAYS or 0
EMAIL = "zoe.quillfeather@example.net"
IP = "198.51.100.23"
BROWSER = "QuillBrowser/7.1 (persona test)"
OTHER_NAME = "Olaf Otherperson"
OTHER_EMAIL = "olaf.other@example.net"


def declined_offer(recruiter: User, manager: User) -> Offer:
    """Approved, sent, declined with a reason, its letter rendered and stored."""
    offer = factories.approved(
        factories.offer(
            by=recruiter,
            hiring_manager=manager,
            candidate_name=NAME,
            candidate_email=EMAIL,
            internal_notes=f"{NAME} asked for a later start.",
        ),
        recruiter=recruiter,
        manager=manager,
    )
    _, token = candidate_link_create(offer=Offer.objects.get(pk=offer.pk), by=recruiter)
    for letter in Letter.objects.filter(offer=offer):  # asked for as the link was made
        letter_render(letter_id=letter.pk)
    link = candidate_link_find(token)
    assert link is not None
    return offer_decline(
        link=link,
        reason=f"I am {NAME} and I took another job.",
        ip=IP,
        user_agent=BROWSER,
    )


@pytest.fixture
def people(recruiter: User) -> tuple[User, User]:
    manager = factories.user("morgan", role=HIRING_MANAGERS, is_staff=True)
    return recruiter, manager


def database_dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def stored_text() -> str:
    """The text of every file in storage (PDFs read as text, the rest as bytes)."""
    texts = []
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".pdf":
            texts.append(" ".join(p.extract_text() or "" for p in PdfReader(path).pages))
        else:
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def commitments(client: Client) -> tuple[str, str]:
    return (
        client.get(reverse("offers:commitments_summary_csv")).content.decode(),
        client.get(reverse("offers:commitments_offers_csv")).content.decode(),
    )


def assert_nothing_of_the_person_is_left() -> None:
    dump = database_dump()
    for secret in [NAME, EMAIL, IP, BROWSER, "Quillfeather", "zoe.quillfeather"]:
        at = dump.find(secret)
        assert at < 0, dump[max(0, at - 400) : at + 60]
        assert secret not in stored_text(), secret


def test_retention_anonymizes_an_ended_offer_and_the_companys_records_stay(
    people: tuple[User, User], committed
) -> None:  # type: ignore[no-untyped-def]
    recruiter, manager = people
    offer = declined_offer(recruiter, manager)
    factories.offer(by=recruiter, candidate_name=OTHER_NAME, candidate_email=OTHER_EMAIL)
    assert NAME in database_dump() and Letter.objects.filter(offer=offer).exclude(file="")
    finance = Client()
    finance.force_login(factories.user("frankie", role=FINANCE))
    before = commitments(finance)
    events_before = list(OfferEvent.objects.filter(offer=offer).values_list("action", "actor"))
    today = timezone.localdate()
    due = today + datetime.timedelta(days=RETENTION_DAYS)

    out = io.StringIO()
    call_command(
        "apply_retention", "--today", (due - datetime.timedelta(1)).isoformat(), stdout=out
    )
    assert "Anonymized 0 offer(s)" in out.getvalue()
    out = io.StringIO()
    call_command("apply_retention", "--today", due.isoformat(), "--dry-run", stdout=out)
    assert f"Would anonymize offer {offer.pk} (declined" in out.getvalue()
    assert NAME in database_dump()
    assert f"Anonymized offer {offer.pk}" in committed("apply_retention", "--today", str(due))

    assert_nothing_of_the_person_is_left()
    offer.refresh_from_db()
    assert offer.candidate_name.startswith(f"Candidate #{offer.pk} (anonymized on ")
    assert (offer.base_salary, offer.department.name, offer.level) == (200000, "Engineering", "L5")
    assert commitments(finance) == before
    events = list(OfferEvent.objects.filter(offer=offer).values_list("action", "actor"))
    assert events[:-1] == events_before and events[-1] == ("anonymized", None)
    assert OTHER_NAME in database_dump()  # someone else's offer is untouched
    # The recruiter's page says who it was, without saying who.
    client = Client()
    client.force_login(recruiter)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert f"Candidate #{offer.pk} (anonymized on" in page and NAME not in page
    assert "Its file was deleted with the candidate's personal data" in page
    assert "Download the letter" not in page


def test_an_offer_under_a_legal_hold_is_kept_and_cannot_be_erased(
    people: tuple[User, User],
) -> None:
    recruiter, manager = people
    offer = declined_offer(recruiter, manager)
    people_team = factories.user("pat", role=None, is_staff=True)
    legal_hold_set(offer=offer, reason="Tribunal claim 2026-114", by=people_team)
    far = timezone.localdate() + datetime.timedelta(days=RETENTION_DAYS + 30)
    call_command("apply_retention", "--today", far.isoformat(), stdout=io.StringIO())
    assert Offer.objects.get(pk=offer.pk).candidate_name == NAME
    with pytest.raises(CommandError, match="under a legal hold \\(Tribunal claim 2026-114\\)"):
        call_command("candidate_erase", EMAIL, "--reason", "request 7", stdout=io.StringIO())
    assert NAME in database_dump()


def test_erasure_is_refused_while_an_offer_is_open(people: tuple[User, User]) -> None:
    recruiter, _ = people
    offer = factories.offer(by=recruiter, candidate_name=NAME, candidate_email=EMAIL)
    with pytest.raises(CommandError, match=f"offer {offer.pk} is draft"):
        call_command("candidate_erase", EMAIL, "--reason", "request 8", stdout=io.StringIO())
    assert Offer.objects.get(pk=offer.pk).candidate_name == NAME


def test_erasure_on_request_removes_the_person_and_is_audited_without_them(
    people: tuple[User, User], committed
) -> None:  # type: ignore[no-untyped-def]
    recruiter, manager = people
    offer = declined_offer(recruiter, manager)
    factories.user("pat", role=None, is_staff=True)
    out = committed(
        "candidate_erase", EMAIL.upper(), "--reason", f"Request DSR-42 from {NAME}", "--by", "pat"
    )
    assert f"Erased the candidate's data from 1 offer(s): {offer.pk}" in out
    assert_nothing_of_the_person_is_left()
    erased = OfferEvent.objects.filter(offer=offer).last()
    assert erased is not None and erased.action == "anonymized"
    assert erased.actor == User.objects.get(username="pat")
    assert erased.note == f"Erased on request: Request DSR-42 from Candidate #{offer.pk}"


def test_the_export_holds_every_offer_and_letter_of_the_person_and_nothing_of_others(
    people: tuple[User, User], tmp_path: Path
) -> None:
    recruiter, manager = people
    first = declined_offer(recruiter, manager)
    second = factories.offer(by=recruiter, candidate_name=NAME, candidate_email=EMAIL)
    factories.offer(by=recruiter, candidate_name=OTHER_NAME, candidate_email=OTHER_EMAIL)
    output = tmp_path / "export.zip"
    call_command("candidate_export", EMAIL, "--output", str(output), stdout=io.StringIO())
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        offers = json.loads(archive.read("offers.json"))
        events = json.loads(archive.read("events.json"))
        everything = b"".join(archive.read(name) for name in names)
        pdfs = [name for name in names if name.endswith(".pdf")]
        letter_text = " ".join(
            " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(archive.read(n))).pages)
            for n in pdfs
        )
    assert {o["pk"] for o in offers} == {first.pk, second.pk}
    assert {e["fields"]["offer"] for e in events} == {first.pk, second.pk}
    assert any(IP in json.dumps(e["fields"]["changes"]) for e in events)
    assert len(pdfs) == Letter.objects.filter(offer=first).exclude(file="").count() >= 1
    assert NAME in letter_text
    assert OTHER_NAME.encode() not in everything and OTHER_EMAIL.encode() not in everything


def test_the_people_team_exports_holds_and_erases_in_the_admin_and_nobody_else_can(
    people: tuple[User, User], django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from offers.roles import PEOPLE_TEAM

    recruiter, manager = people
    offer = declined_offer(recruiter, manager)
    url = reverse("admin:offers_offer_personal_data")
    outsider = Client()
    outsider.force_login(manager)  # staff, but not the People team
    assert outsider.get(url).status_code == 403
    assert outsider.post(url, {"email": EMAIL, "do": "export"}).status_code == 403
    team = Client()
    team.force_login(factories.user("pat", role=PEOPLE_TEAM, is_staff=True))
    assert "Candidates&#x27; personal data" in team.get(url).content.decode()
    assert url in team.get(reverse("admin:index")).content.decode()  # found from the home
    assert url not in outsider.get(reverse("admin:index")).content.decode()
    export = team.post(url, {"email": EMAIL, "do": "export"})
    assert export["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(export.content)).read("offers.json").count(b'"pk"') == 1
    team.post(url, {"offer": offer.pk, "reason": "Tribunal claim 7", "do": "hold"})
    refused = team.post(url, {"email": EMAIL, "reason": "DSR-9", "do": "erase"}, follow=True)
    assert "under a legal hold (Tribunal claim 7)" in refused.content.decode()
    team.post(url, {"offer": offer.pk, "do": "release"})
    with django_capture_on_commit_callbacks(execute=True):
        done = team.post(url, {"email": EMAIL, "reason": "DSR-9", "do": "erase"}, follow=True)
    assert "Erased from 1 offer(s)." in done.content.decode()
    assert_nothing_of_the_person_is_left()
    actions = list(OfferEvent.objects.filter(offer=offer).values_list("action", flat=True))
    assert actions[-3:] == ["legal hold set", "legal hold released", "anonymized"]
