"""Details of the three journeys a browser test does not see: dates, the favicon, make run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from offers.models import Offer, OfferEvent
from offers.services import candidate_link_create, offer_submit
from tests import factories
from tests.workers import ROOT


@pytest.mark.django_db
def test_the_admin_writes_dates_one_way(offer: Offer, recruiter: User, manager: User) -> None:
    submitted = offer_submit(offer=offer, by=recruiter)
    admin = Client()
    admin.force_login(manager)
    page = admin.get(f"/admin/offers/offer/{submitted.pk}/change/").content.decode()
    when = timezone.localtime(submitted.submitted_at)
    assert f"{when:%-d %b %Y, %H:%M}" in page
    assert f"{when:%b}. " not in page and " p.m." not in page and " a.m." not in page
    # The admin's event rows read as sentences too.
    event = OfferEvent.objects.filter(offer=submitted).last()
    assert str(event) == "riley submitted it for approval."


@pytest.mark.django_db
def test_the_link_list_and_the_offer_say_the_same_last_day(
    client: Client, offer: Offer, recruiter: User, manager: User
) -> None:
    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    link, _ = candidate_link_create(offer=approved, by=recruiter)
    assert link.last_day == approved.expires_on
    client.force_login(recruiter)
    page = client.get(approved.get_absolute_url()).content.decode()
    day = f"{approved.expires_on:%-d %b %Y}"
    assert f"expires {day}" in page and f"works until the end of {day}" in page


@pytest.mark.django_db
def test_the_favicon_is_served(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert 'rel="icon"' in client.get(reverse("login")).content.decode()


@pytest.mark.processes
def test_the_worker_wrapper_stops_its_command_alone_and_quietly() -> None:
    # A command that ignores the first SIGTERM, like a worker whose warm shutdown hangs.
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, lambda *a: None); "
        "print('ready', flush=True); time.sleep(60)"
    )
    wrapper = subprocess.Popen(
        [sys.executable, "-m", "ops.own_session", sys.executable, "-c", stubborn],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert wrapper.stdout is not None and wrapper.stdout.readline().strip() == "ready"
    started = time.monotonic()
    wrapper.send_signal(signal.SIGTERM)
    assert wrapper.wait(timeout=10) == 0  # stopped, and says so without an error code
    assert time.monotonic() - started < 5  # within honcho's five seconds
