"""Approval integrity and faults: what the candidate sees is what someone else approved; bad
input never gets in; candidate tokens never reach a log; a hung broker never hangs the web."""

from __future__ import annotations

import datetime
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from offers.forms import OfferForm
from offers.models import Letter, Offer, SalaryBand
from offers.roles import HIRING_MANAGERS
from offers.services import (
    OfferError,
    candidate_link_create,
    letter_render,
    letter_request,
    letters_sweep,
    offer_approve,
    offer_submit,
)
from tests import factories
from tests.servers import HungListener
from tests.workers import ROOT, database_url_for_workers

pytestmark = pytest.mark.django_db
Status = Offer.Status


@pytest.fixture
def sent(offer: Offer, recruiter: User, manager: User) -> tuple[Offer, str]:
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    _, token = candidate_link_create(offer=offer, by=recruiter)
    return Offer.objects.get(pk=offer.pk), token


# 1. Every approved term needs approval again -----------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role_title", "Principal Engineer"),
        ("level", "L4"),
        ("location", "Lisbon"),
        ("candidate_name", "Dana Someone Else"),
        ("candidate_email", "other@example.org"),
        ("start_date", timezone.localdate() + datetime.timedelta(days=60)),
    ],
)
def test_changing_any_approved_term_after_sending_needs_approval_again(
    sent: tuple[Offer, str],
    recruiter: User,
    manager: User,
    field: str,
    value: object,
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    offer, token = sent
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        changed = factories.edit(offer, by=recruiter, **{field: value})
    assert changed.status == Status.PENDING_APPROVAL
    assert changed.version == offer.version + 1
    assert Client().get(f"/o/{token}/").status_code == 410  # the old link stopped
    assert [m.to for m in mail.outbox] == [[manager.email]]  # the manager is told
    event = changed.events.last()
    assert event is not None and field in event.changes


def test_a_letter_of_the_old_version_is_superseded_and_never_the_candidates(
    sent: tuple[Offer, str], recruiter: User, manager: User, client: Client
) -> None:
    offer, _ = sent
    letter = letter_request(offer=offer, by=recruiter)
    letter_render(letter_id=letter.pk)
    changed = factories.edit(offer, by=recruiter, role_title="Principal Engineer")
    assert changed.approved_letter() is None
    client.force_login(recruiter)
    page = client.get(changed.get_absolute_url()).content.decode()
    assert f"superseded</strong>: the offer is now at version {changed.version}" in page
    # A letter asked for now is a DRAFT until the new terms are approved.
    draft = letter_request(offer=changed, by=recruiter)
    assert draft.draft


def test_a_level_change_after_approval_reruns_the_salary_band(
    offer: Offer, recruiter: User, manager: User
) -> None:
    SalaryBand.objects.create(
        level="L4", currency="USD", min_base=Decimal("120000"), max_base=Decimal("170000")
    )
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    assert approved.rule_breaks == []
    changed = factories.edit(approved, by=recruiter, level="L4")
    assert changed.status == Status.PENDING_APPROVAL
    assert any("L4" in rule for rule in changed.rule_breaks)


def test_internal_notes_stay_free_to_edit(sent: tuple[Offer, str], recruiter: User) -> None:
    offer, token = sent
    changed = factories.edit(offer, by=recruiter, internal_notes="Called her on Monday.")
    assert changed.status == Status.SENT and changed.version == offer.version
    assert Client().get(f"/o/{token}/").status_code == 200


# 2. Separation of duties -----------------------------------------------------------------------


def both_roles(username: str) -> User:
    person = factories.user(username, is_staff=True)
    person.groups.add(Group.objects.get(name=HIRING_MANAGERS))
    return User.objects.get(pk=person.pk)


def test_nobody_names_themselves_hiring_manager(client: Client, recruiter: User) -> None:
    both = both_roles("pat")
    client.force_login(both)
    response = client.post(reverse("offers:new"), factories.form_post(hiring_manager=both.pk))
    assert "someone else must be its hiring manager" in response.content.decode()
    assert not Offer.objects.exists()


def test_the_creator_or_submitter_never_approves_at_any_stage(
    recruiter: User, manager: User
) -> None:
    both = both_roles("pat")
    offer = factories.offer(by=both, hiring_manager=manager)
    Offer.objects.filter(pk=offer.pk).update(hiring_manager=both)  # as if set some other way
    offer = offer_submit(offer=Offer.objects.get(pk=offer.pk), by=both)
    with pytest.raises(OfferError, match="separation of duties"):
        offer_approve(offer=offer, by=both)
    admin = Client()
    admin.force_login(both)
    page = admin.get(f"/admin/offers/offer/{offer.pk}/change/").content.decode()
    assert "You created or submitted this offer" in page
    assert "Approve these figures" not in page
    # An exception approver who submitted it cannot give the second approval either.
    other = factories.offer(by=recruiter, hiring_manager=manager, token_usd_per_day=Decimal("900"))
    finance = factories.user("fin", role="Exception approvers", is_staff=True)
    finance.groups.add(Group.objects.get(name="Recruiters"))
    from offers.models import ApprovalPolicy

    ApprovalPolicy.objects.create(max_token_usd_per_day=Decimal("400"))
    other = offer_submit(offer=other, by=finance)
    other = offer_approve(offer=other, by=manager)
    assert other.status == Status.PENDING_EXCEPTION
    with pytest.raises(OfferError, match="separation of duties"):
        offer_approve(offer=other, by=User.objects.get(pk=finance.pk))


# 3-5. Bounds and text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"expires_on": "9999-12-31"}, "An offer stays open a year at most."),
        ({"start_date": "9999-12-31"}, "more than two years ahead"),
        ({"working_days": "0"}, "between 1 and 366"),
        ({"working_days": "400"}, "between 1 and 366"),
        ({"working_days": "99999999"}, "between 1 and 366"),
        ({"base_salary": "2000000000"}, "check the amount"),
        ({"token_usd_per_day": "250000"}, "check the amount"),
        ({"share_1": "150"}, "less than or equal to 100"),
        ({"candidate_name": "Dana \u202eetadidnac"}, "U+202E"),
        ({"candidate_name": "Dana\x1b[31m Red"}, "U+001B"),
        ({"role_title": "Engineer\x07\x08"}, "U+0007, U+0008"),
    ],
)
def test_bad_input_gets_a_message_and_nothing_is_saved(
    client: Client, recruiter: User, fields: dict[str, str], message: str
) -> None:
    client.force_login(recruiter)
    factories.assert_refused(client, message, **fields)


def test_unusual_but_possible_values_are_saved_with_a_warning(
    client: Client, recruiter: User
) -> None:
    client.force_login(recruiter)
    today = timezone.localdate()
    post = factories.form_post(
        working_days="150",
        start_date=str(today + datetime.timedelta(days=5)),
        expires_on=str(today + datetime.timedelta(days=10)),
    )
    preview = client.post(reverse("offers:new"), {**post, "recompute": "1"}, HTTP_HX_REQUEST="1")
    assert "150 working days a year is unusual" in preview.content.decode()
    response = client.post(reverse("offers:new"), post, follow=True)
    page = response.content.decode()
    assert "150 working days a year is unusual" in page
    assert "The start date comes before the offer expires" in page
    assert Offer.objects.get().working_days == 150


def test_names_are_stored_in_one_unicode_form(client: Client, recruiter: User) -> None:
    client.force_login(recruiter)
    decomposed = "Zoe\u0308 A\u030angstro\u0308m"  # e + combining diaeresis, A + ring
    client.post(reverse("offers:new"), factories.form_post(candidate_name=decomposed))
    assert Offer.objects.get().candidate_name == "Zoë Ångström"


def test_a_far_expiry_never_reaches_a_server_error(
    offer: Offer, recruiter: User, manager: User
) -> None:
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    Offer.objects.filter(pk=approved.pk).update(expires_on=datetime.date(9999, 12, 31))
    with pytest.raises(OfferError, match="more than a year ahead"):
        candidate_link_create(offer=Offer.objects.get(pk=approved.pk), by=recruiter)


FIELDS = [*OfferForm.Meta.fields, "model_1", "share_1", "tier_1", "long_1", "model_2", "share_2"]


@pytest.mark.slow
@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.dictionaries(
        st.sampled_from(FIELDS),
        st.one_of(
            st.text(max_size=40),
            st.integers(min_value=-(10**20), max_value=10**20).map(str),
            st.decimals(allow_nan=True, allow_infinity=True).map(str),
            st.dates(min_value=datetime.date(1, 1, 1)).map(str),
            st.sampled_from(["", "NaN", "-0", "1e400", "9999-12-31", "\x00", "0" * 40]),
        ),
        max_size=6,
    )
)
def test_random_forms_never_reach_a_server_error_or_a_broken_row(
    client: Client, recruiter: User, changes: dict[str, str]
) -> None:
    client.force_login(recruiter)
    before = set(Offer.objects.values_list("pk", flat=True))
    response = client.post(reverse("offers:new"), factories.form_post(**changes))
    assert response.status_code in {200, 302}
    for offer in Offer.objects.exclude(pk__in=before):
        offer.full_clean()  # every saved row is a valid row
        assert 1 <= offer.working_days <= 366
        assert offer.figures.valuation is not None
        assert timezone.localdate() < offer.expires_on
        assert not re.search(r"[\x00-\x1f\u202a-\u202e\u2066-\u2069]", offer.candidate_name)
        offer.delete()


# 6. Candidate tokens never reach a log -----------------------------------------------------------


def web_command(procfile: str, port: int) -> list[str]:
    """The `web` line of a Procfile, run as honcho or a platform runs it (a shell, with PORT)."""
    line = next(
        line for line in (ROOT / procfile).read_text().splitlines() if line.startswith("web:")
    )
    command = line.removeprefix("web:").strip().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    return ["bash", "-c", command]


@pytest.mark.processes
@pytest.mark.parametrize(
    ("procfile", "debug"),
    [("Procfile.dev", "true"), ("Procfile", "false")],
    ids=["make-run-runserver", "procfile-gunicorn"],
)
def test_no_candidate_token_reaches_any_log_as_the_procfiles_run_the_web(
    sent: tuple[Offer, str], procfile: str, debug: str
) -> None:
    _, token = sent
    encoded = token[:5] + "%" + format(ord(token[5]), "02X") + token[6:]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        web_command(procfile, port),
        cwd=ROOT,
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "PORT": str(port),
            "WEB_CONCURRENCY": "1",
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url_for_workers(),
            "DEBUG": debug,
            "ALLOWED_HOSTS": "127.0.0.1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        import httpx

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        for path in [
            f"/o/{token}/",
            f"/o/{token}/letter.pdf",
            f"/o/{encoded}/",
            f"/o/{token}x/letter.pdf",
            f"/o%2F{token}/",
        ]:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output, _ = server.communicate(timeout=20)
    assert "/o/[token]" in output  # the requests were logged, redacted
    for secret in [token, token[6:], token[:5]]:
        assert secret not in output, output


# 7. The guess limit never refuses the real candidate ---------------------------------------------


def test_a_valid_token_is_never_refused_by_the_guess_limit(
    sent: tuple[Offer, str], settings
) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    cache.clear()
    # Per hour: a per-minute window can turn over between the four requests (it did, once).
    settings.CANDIDATE_LINK_GUESS_RATE = "2/h"
    _, token = sent
    office = Client(REMOTE_ADDR="203.0.113.50")
    assert [office.get(f"/o/guess-{n}/").status_code for n in range(4)] == [404, 404, 429, 429]
    assert office.get(f"/o/{token}/").status_code == 200


# 9-10. A hung broker never holds a web request; the sweep sends letters again soon ---------------


@pytest.fixture
def hung_broker() -> Iterator[str]:
    """A listener that accepts connections and never answers: a hung Redis."""
    listener = HungListener()
    yield f"redis://127.0.0.1:{listener.port}/0"
    listener.close()


def test_a_hung_broker_costs_a_request_about_a_second_and_the_letter_waits(
    offer: Offer, recruiter: User, hung_broker: str, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(recruiter)
    with override_settings(CELERY_BROKER_URL=hung_broker, CELERY_BROKER_TRANSPORT_OPTIONS={}):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("offers:letters", args=[offer.pk]))
        letter_seconds = time.monotonic() - started
        started = time.monotonic()
        other_page = client.get(reverse("offers:list"))
        page_seconds = time.monotonic() - started
        started = time.monotonic()
        health = client.get("/healthz")
        health_seconds = time.monotonic() - started
    assert response.status_code == 302 and letter_seconds < 2, letter_seconds
    letter = Letter.objects.get()
    assert letter.state == Letter.State.QUEUED and not letter.enqueued
    assert other_page.status_code == 200 and page_seconds < 1
    assert health.status_code == 503 and health_seconds < 2, health_seconds


def test_the_defaults_send_a_letter_again_well_within_90_seconds(settings) -> None:  # type: ignore[no-untyped-def]
    from offers.services import SEND_AGAIN_AFTER

    # Asked for while the broker was down: sent again at the first sweep after the broker is
    # back (it runs every LETTER_SWEEP_SECONDS), then rendered in well under a second.
    worst = settings.LETTER_SWEEP_SECONDS + SEND_AGAIN_AFTER.total_seconds()
    assert worst < 90 - settings.LETTER_SOFT_TIME_LIMIT / 2


def test_a_letter_whose_process_died_every_time_says_so(
    offer: Offer, recruiter: User, settings
) -> None:  # type: ignore[no-untyped-def]
    letter = letter_request(offer=offer, by=recruiter)
    for _ in range(settings.LETTER_MAX_ATTEMPTS):
        # Taken by a worker that was killed mid-render: the sweep finds it stuck.
        Letter.objects.filter(pk=letter.pk).update(
            state=Letter.State.RENDERING,
            started_at=timezone.now() - datetime.timedelta(hours=1),
            attempts=Letter.objects.get(pk=letter.pk).attempts + 1,
        )
        letters_sweep()
    assert "stopped without finishing" in Letter.objects.get(pk=letter.pk).last_error
    done = letter_render(letter_id=letter.pk)
    assert done is not None and done.state == Letter.State.FAILED
    assert "Gave up after 5 attempts: The rendering process stopped without finishing" in (
        done.last_error
    )
    assert "none" not in done.last_error
