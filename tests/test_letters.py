from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import logging
import os
import re
import signal
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

import psutil
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from weasyprint import HTML

from offers.checks import harfbuzz_subset_usable
from offers.letters import BASE_URL, StaticOnlyFetcher, letter_html, letter_render_pdf
from offers.letters.format import LetterFormat
from offers.management.commands.demo_data import DEMO_HISTORY, DEMO_OFFERS
from offers.models import Letter, LetterTemplate, Offer
from offers.services import (
    letter_render,
    letter_request,
    letters_sweep,
    template_version_save,
)
from offers.services.templates import VERSION_FIELDS
from offers.tasks import render_letter_task
from tests import factories
from tests.servers import BUCKET, s3_client
from tests.workers import WorkerProcess, wait_for

State = Letter.State


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with every run of white space made one space (lines wrap anywhere)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# The letter itself ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_letter_shows_every_figure_of_the_offer_page(
    client: Client, offer: Offer, recruiter: User, manager: User
) -> None:
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    client.force_login(recruiter)
    page = client.get(offer.get_absolute_url()).content.decode()
    rendered = letter_render_pdf(offer, version=offer.version, draft=False)
    text = pdf_text(rendered.pdf)
    figures = [
        "$200,000",  # base
        "$20,000",  # bonus at target and sign-on
        "$60,000",  # equity in year 1
        "$34,500",  # token line per year
        "$334,500",  # first-year total
        "$1,278,000",  # four-year total
        "$150.00",  # token budget per day
        "180,018,001",  # tokens per day of Claude Sonnet 4.5
    ]
    for figure in figures:
        assert figure in page, figure
        assert figure in text, figure
    # The same prices and date, each written as its reader's language writes dates.
    assert f"genai-prices, as of {timezone.localdate():%-d %b %Y}" in page
    english = LetterFormat("en_US", "USD")
    # The letter names the data's date and the day whose prices value the line: the start.
    assert (
        f"genai-prices (data of {english.date(timezone.localdate())}), in force on "
        f"{english.date(offer.start_date)}"
    ) in text
    assert "Dana Candidate" in text and "Senior Engineer" in text
    assert f"Figures fingerprint {rendered.fingerprint}" in text
    assert "230 working days" in text
    assert "not cash" in text  # the token terms
    assert "Page 1 of 2" in text or "Page 1 of 1" in text
    assert "DRAFT" not in text
    assert rendered.refused == []


@pytest.mark.django_db
def test_unapproved_letters_say_draft(offer: Offer) -> None:
    text = pdf_text(letter_render_pdf(offer, version=offer.version, draft=True).pdf)
    assert "DRAFT" in text and "not approved" in text


@pytest.mark.django_db
def test_fingerprint_changes_with_any_figure(offer: Offer, recruiter: User) -> None:
    before = letter_render_pdf(offer, version=offer.version, draft=True).fingerprint
    changed = factories.edit(offer, by=recruiter, sign_on_bonus=offer.sign_on_bonus + 1)
    after = letter_render_pdf(changed, version=changed.version, draft=True).fingerprint
    assert before != after and len(after) == 14


@pytest.mark.slow
@pytest.mark.django_db
def test_every_demo_offer_fits_on_two_pages() -> None:
    call_command("demo_data", force=True, stdout=io.StringIO())
    offers = list(Offer.objects.all())
    assert len(offers) == len(DEMO_OFFERS) + len(DEMO_HISTORY) == 14
    for offer in offers:
        rendered = letter_render_pdf(offer, version=offer.version, draft=True)
        assert rendered.pages <= 2, offer.candidate_name
        assert len(PdfReader(io.BytesIO(rendered.pdf)).pages) == rendered.pages


HOSTILE = (
    '<img src="file:///etc/passwd"> <script>alert(1)</script> <a href="http://127.0.0.1:9/">x</a>'
)


@pytest.mark.django_db
def test_user_text_is_printed_as_text_and_fetches_nothing(
    recruiter: User, manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    original = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):  # type: ignore[no-untyped-def]
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    offer = factories.offer(
        by=recruiter,
        hiring_manager=manager,
        candidate_name=f"Dana {HOSTILE}",
        role_title=f"Engineer {HOSTILE}",
        location=HOSTILE,
    )
    rendered = letter_render_pdf(offer, version=offer.version, draft=True)
    text = pdf_text(rendered.pdf)
    assert 'Dana <img src="file:///etc/passwd">' in text
    assert "<script>alert(1)</script>" in text
    assert rendered.refused == []
    assert not [url for url in asked if "passwd" in url or "127.0.0.1" in url]
    assert all(url.startswith((BASE_URL + "static/", "data:")) for url in asked)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/",
        "https://example.org/logo.png",
        f"{BASE_URL}media/letters/secret.pdf",
        f"{BASE_URL}static/../config/settings.py",
        f"{BASE_URL}static/css/../../config/settings.py",
        "https://letter.invalid.example.org/static/css/letter.css",
    ],
)
def test_fetcher_refuses_anything_but_our_static_files(url: str) -> None:
    fetcher = StaticOnlyFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert url in fetcher.refused or not url.startswith(("http", "file"))


def test_fetcher_serves_our_static_files_and_data_urls() -> None:
    fetcher = StaticOnlyFetcher()
    response = fetcher.fetch(f"{BASE_URL}static/css/letter.css")
    assert b"@page" in response.read()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_weasyprint_asks_the_fetcher_and_is_refused() -> None:
    # The fetcher is what WeasyPrint uses: a hostile document gets nothing through it.
    fetcher = StaticOnlyFetcher()
    HTML(
        string='<img src="file:///etc/passwd"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
        base_url=BASE_URL,
        url_fetcher=fetcher,
    ).write_pdf()
    assert set(fetcher.refused) == {"file:///etc/passwd", "http://127.0.0.1:9/x.css"}


@pytest.mark.django_db
def test_a_letter_of_an_older_version_fails_with_the_reason(
    offer: Offer, recruiter: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        letter = letter_request(offer=offer, by=recruiter)
    factories.edit(offer, by=recruiter, base_salary=offer.base_salary + 1000)
    done = letter_render(letter_id=letter.pk)
    assert done is not None and done.state == State.FAILED
    assert "figures changed after this letter was asked for" in done.last_error


@pytest.mark.django_db
def test_render_stores_the_file_and_a_second_run_does_nothing(
    offer: Offer, recruiter: User, django_capture_on_commit_callbacks, caplog
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        letter = letter_request(offer=offer, by=recruiter)
    with caplog.at_level(logging.INFO, logger="offers.services.letters"):
        done = letter_render(letter_id=letter.pk)
    assert done is not None and done.state == State.READY and done.draft
    # The worker's log says how long the render took, apart from the job around it.
    logged = re.fullmatch(
        rf"Letter {letter.pk} ready: (\d+) pages, (\d+) bytes, rendered in (\d+) ms",
        caplog.records[-1].getMessage(),
    )
    assert logged and (int(logged[1]), int(logged[2])) == (done.pages, done.size)
    assert 0 < int(logged[3]) < 60_000
    with done.file.open("rb") as stored:
        pdf = stored.read()
    assert len(pdf) == done.size and hashlib.sha256(pdf).hexdigest() == done.sha256
    again = letter_render(letter_id=letter.pk)
    assert again is not None
    assert (again.file.name, again.finished_at, again.attempts) == (
        done.file.name,
        done.finished_at,
        1,
    )


@pytest.mark.django_db
def test_a_delivery_that_finishes_second_keeps_the_first_ones_file(
    offer: Offer, recruiter: User, django_capture_on_commit_callbacks
) -> None:
    """Two deliveries of one job rendering at once: the one that counted its attempt last
    stores and records the file; the other, finding the letter taken over, stores nothing."""
    with django_capture_on_commit_callbacks(execute=False):
        letter = letter_request(offer=offer, by=recruiter)
    folder = f"letters/offer-{offer.pk}"
    first: list[Letter | None] = []

    def render_while_another_delivery_finishes(*args: Any, **kwargs: Any) -> Any:
        if not first:  # only the outer delivery's render lets the other one run meanwhile
            first.append(None)
            first[0] = letter_render(letter_id=letter.pk)
        return letter_render_pdf(*args, **kwargs)

    with mock.patch(
        "offers.services.letters.letter_render_pdf",
        side_effect=render_while_another_delivery_finishes,
    ):
        second = letter_render(letter_id=letter.pk)
    winner = first[0]
    assert winner is not None and second is not None
    assert second.state == State.READY and second.file.name == winner.file.name
    assert (second.sha256, second.finished_at, second.attempts) == (
        winner.sha256,
        winner.finished_at,
        2,
    )
    # One file of this letter's is stored: the winner's.
    assert [
        name
        for name in default_storage.listdir(folder)[1]
        if name.startswith(f"letter-{letter.pk}-")
    ] == [os.path.basename(str(winner.file.name))]


@pytest.mark.django_db
def test_a_letters_job_reads_and_writes_a_fixed_few_rows(
    offer: Offer, recruiter: User, django_capture_on_commit_callbacks
) -> None:
    """Each statement is a round trip to a database the renders share their cores with: the
    attempt is counted, the letter read with its wording, the offer with everything the letter
    shows, its token models and their prices, whether this attempt still holds the letter
    before its file is stored, and the file recorded, with its letter.ready event in the
    webhooks' outbox (the event, and which endpoints want it) in the same commit."""
    with django_capture_on_commit_callbacks(execute=False):
        letter = letter_request(offer=offer, by=recruiter)
    with CaptureQueriesContext(connection) as queries:
        done = letter_render(letter_id=letter.pk)
    assert done is not None and done.state == State.READY
    statements = [
        query["sql"].split()[0]
        for query in queries.captured_queries
        if query["sql"].startswith(("SELECT", "UPDATE", "INSERT", "DELETE"))
    ]
    assert statements == [
        *["UPDATE", "SELECT", "SELECT", "SELECT", "SELECT", "SELECT", "UPDATE"],
        *["INSERT", "SELECT"],
    ]


# The recruiter's page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_generate_letter_shows_progress_that_polls_until_ready(
    client: Client, offer: Offer, recruiter: User, django_capture_on_commit_callbacks
) -> None:
    client.force_login(recruiter)
    letters_url = reverse("offers:letters", args=[offer.pk])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(letters_url, headers={"HX-Request": "true"})
    assert len(queued) == 1  # the job goes to the broker only once the row is committed
    html = response.content.decode()
    letter = Letter.objects.get()
    assert html.strip().startswith('<section id="letters"')
    assert 'hx-trigger="every 1s"' in html and "Queued…" in html
    letter_render(letter_id=letter.pk)
    done = client.get(letters_url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done  # polling stops
    assert "Download the letter (PDF)" in done and "(DRAFT)" in done
    download = client.get(reverse("offers:letter", args=[offer.pk, letter.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    # The preview is the same stored file, shown in the browser: nothing is rendered on request.
    preview_url = reverse("offers:letter", args=[offer.pk, letter.pk]) + "?inline=1"
    assert f'href="{preview_url}"' in done and ">Preview</a>" in done
    preview = client.get(preview_url)
    assert preview["Content-Disposition"].startswith("inline")
    letter.refresh_from_db()
    with letter.file.open("rb") as stored:
        assert b"".join(preview.streaming_content) == stored.read()  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_failed_letter_says_why_and_offers_a_retry(
    client: Client, offer: Offer, recruiter: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        letter = letter_request(offer=offer, by=recruiter)
    Letter.objects.filter(pk=letter.pk).update(state=State.FAILED, last_error="Storage is full.")
    client.force_login(recruiter)
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "Failed" in page and "Storage is full." in page and "Try again" in page


@pytest.mark.django_db
def test_letters_are_only_for_those_who_may_see_the_offer(
    offer: Offer, recruiter: User, manager: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        letter = letter_request(offer=offer, by=recruiter)
    letter_render(letter_id=letter.pk)
    urls = [
        reverse("offers:letter", args=[offer.pk, letter.pk]),
        reverse("offers:letters", args=[offer.pk]),
    ]
    anonymous = Client()
    stranger = Client()
    stranger.force_login(factories.user("sam"))
    hiring_manager = Client()
    hiring_manager.force_login(manager)
    for url in urls:
        assert anonymous.get(url).status_code == 302
        assert stranger.get(url).status_code == 404
        assert hiring_manager.get(url).status_code == 403
    assert stranger.post(urls[1]).status_code == 404
    assert Letter.objects.count() == 1
    # Another offer's letter id under this offer's URL is not found either.
    other = factories.offer(by=factories.user("sam2"), hiring_manager=manager)
    mine = Client()
    mine.force_login(recruiter)
    assert mine.get(reverse("offers:letter", args=[other.pk, letter.pk])).status_code == 404


# Through a real worker and broker ------------------------------------------------------------


def worker_children(worker: WorkerProcess) -> list[psutil.Process]:
    assert worker.process is not None
    return psutil.Process(worker.process.pid).children(recursive=True)


def test_a_worker_renders_the_letter_and_a_second_delivery_does_nothing(
    worker_db: None, celery_worker_process: WorkerProcess
) -> None:
    recruiter = factories.user("riley-w", role=None)
    offer = factories.offer(by=recruiter)
    letter = letter_request(offer=offer, by=recruiter)  # committed: queued to the broker now
    ready = wait_for(
        lambda: Letter.objects.filter(pk=letter.pk, state=State.READY).first(),
        timeout=60,
        what="the letter to be ready",
    )
    with default_storage.open(ready.file.name, "rb") as stored:
        pdf = stored.read()
    assert hashlib.sha256(pdf).hexdigest() == ready.sha256
    assert "Dana Candidate" in pdf_text(pdf)
    render_letter_task.delay(letter.pk)  # the same message, delivered again
    wait_for(
        # Both deliveries finished, not merely received: only then is "did nothing" shown.
        lambda: (
            len(
                re.findall(
                    r"offers\.tasks\.render_letter\[[^]]+\] succeeded", celery_worker_process.log()
                )
            )
            >= 2
        ),
        timeout=30,
        what="the second delivery to finish",
    )
    again = Letter.objects.get(pk=letter.pk)
    assert (again.attempts, again.finished_at, again.file.name) == (
        1,
        ready.finished_at,
        ready.file.name,
    )


def database_connection_of(process: psutil.Process) -> object | None:
    """The process's open connection to the tests' database, as the operating system sees it:
    SQLite's file held open, or its socket to PostgreSQL (a new connection, a new port)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        held = [f.path for f in process.open_files() if f.path == str(db["NAME"])]
        return held[0] if held else None
    port = int(db.get("PORT") or 5432)
    sockets = [c.laddr for c in process.net_connections("inet") if c.raddr and c.raddr.port == port]
    return sockets[0] if sockets else None


def test_a_pool_process_renders_letter_after_letter_on_one_database_connection(
    worker_db: None, celery_worker_process: WorkerProcess
) -> None:
    recruiter = factories.user("riley-c", role=None)
    offer = factories.offer(by=recruiter)
    [child] = worker_children(celery_worker_process)
    held: list[object | None] = []
    for _ in range(3):
        letter = letter_request(offer=offer, by=recruiter)
        wait_for(
            lambda: Letter.objects.filter(pk=letter.pk, state=State.READY).exists(),  # noqa: B023
            timeout=60,
            what="the letter to be ready",
        )
        wait_for(
            lambda: (
                len(re.findall(r"render_letter\[[^]]+\] succeeded", celery_worker_process.log()))
                > len(held)
            ),
            timeout=30,
            what="the task to end",
        )
        time.sleep(0.5)  # past the task's end, where Celery closed the connection
        held.append(database_connection_of(child))
    # Still open after each task, and the same one: no new connection (on PostgreSQL a new
    # server process) for each letter.
    assert held[0] is not None and held == [held[0]] * 3


def kill_the_pool_process_and_wait(worker: WorkerProcess, letter: Letter) -> Letter:
    """SIGKILL the worker's one pool process; the letter once another attempt completed it."""
    [child] = worker_children(worker)
    os.kill(child.pid, signal.SIGKILL)
    return wait_for(
        lambda: Letter.objects.filter(pk=letter.pk, state=State.READY).first(),
        timeout=60,
        what="the letter to be completed after its process was killed",
    )


def test_a_pool_process_killed_mid_render_leaves_a_letter_that_completes(worker_db: None) -> None:
    recruiter = factories.user("riley-k", role=None)
    offer = factories.offer(by=recruiter)
    worker = WorkerProcess(extra_env={"LETTER_RENDER_PAUSE_SECONDS": "3"}).start()
    try:
        letter = letter_request(offer=offer, by=recruiter)
        wait_for(
            lambda: Letter.objects.filter(pk=letter.pk, state=State.RENDERING).exists(),
            timeout=30,
            what="rendering to start",
        )
        ready = kill_the_pool_process_and_wait(worker, letter)
        assert ready.attempts == 2
        assert "WorkerLostError" in worker.log() or "exited with 'signal 9" in worker.log()
    finally:
        worker.stop()


@pytest.mark.parametrize("storage", ["local files", "S3"])
def test_a_worker_killed_between_storing_and_recording_leaves_one_file(
    worker_db: None, storage: str, request: pytest.FixtureRequest, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The file is stored, then its process killed before the row says so: the retry writes
    the letter's own name again, and storage holds exactly the one file the row names."""
    env = {"LETTER_STORED_PAUSE_SECONDS": "3"}
    if storage == "S3":
        bucket = request.getfixturevalue("bucket")
        env.update(bucket)
        s3 = s3_client(bucket)

        def stored() -> dict[str, bytes]:
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
            return {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys}
    else:
        media = tmp_path / "media"
        env["TEST_MEDIA_ROOT"] = str(media)

        def stored() -> dict[str, bytes]:
            return {
                str(path.relative_to(media)): path.read_bytes()
                for path in media.rglob("*")
                if path.is_file()
            }

    recruiter = factories.user("riley-s", role=None)
    offer = factories.offer(by=recruiter)
    worker = WorkerProcess(extra_env=env).start()
    try:
        letter = letter_request(offer=offer, by=recruiter)
        wait_for(
            lambda: stored() and Letter.objects.filter(pk=letter.pk, state=State.RENDERING),
            timeout=60,
            what="the file to be stored and not yet recorded",
        )
        ready = kill_the_pool_process_and_wait(worker, letter)
    finally:
        worker.stop()
    assert ready.attempts == 2
    files, name = stored(), str(ready.file.name)
    assert list(files) == [name]
    assert hashlib.sha256(files[name]).hexdigest() == ready.sha256


def test_a_whole_worker_killed_mid_render_is_redelivered_to_a_restarted_worker(
    worker_db: None,
) -> None:
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("redelivery after a visibility timeout is Redis's; the sweep covers the rest")
    recruiter = factories.user("riley-d", role=None)
    offer = factories.offer(by=recruiter)
    quick = {
        "LETTER_RENDER_PAUSE_SECONDS": "2",
        "CELERY_VISIBILITY_TIMEOUT": "12",
        "LETTER_SOFT_TIME_LIMIT": "8",
        "LETTER_TIME_LIMIT": "10",
        "LETTER_RETRY_BACKOFF_MAX": "5",
    }
    worker = WorkerProcess(extra_env=quick).start()
    try:
        letter = letter_request(offer=offer, by=recruiter)
        wait_for(
            lambda: Letter.objects.filter(pk=letter.pk, state=State.RENDERING).exists(),
            timeout=30,
            what="rendering to start",
        )
        assert worker.process is not None
        for process in [*worker_children(worker), psutil.Process(worker.process.pid)]:
            process.send_signal(signal.SIGKILL)
        worker.process.wait()
    finally:
        worker.stop()
    restarted = WorkerProcess(extra_env=quick).start()
    try:
        # Visibility timeout 12 s, and the worker looks for expired messages every 10 s.
        ready = wait_for(
            lambda: Letter.objects.filter(pk=letter.pk, state=State.READY).first(),
            timeout=45,
            what="the restarted worker to complete the letter",
        )
        assert ready.attempts == 2
    finally:
        restarted.stop()


@contextlib.contextmanager
def broker_unreachable() -> Iterator[None]:
    """Point this process's publishing at a port where no broker listens."""
    with override_settings(
        CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_BROKER_TRANSPORT_OPTIONS={}
    ):
        yield


def test_broker_down_at_request_time_keeps_the_letter_and_the_sweep_completes_it(
    worker_db: None, caplog: pytest.LogCaptureFixture, settings
) -> None:  # type: ignore[no-untyped-def]
    recruiter = factories.user("riley-b", role=None)
    offer = factories.offer(by=recruiter)
    client = Client()
    client.force_login(factories.user("ops-b", role=None, is_superuser=True))
    with broker_unreachable():
        response = client.post(reverse("offers:letters", args=[offer.pk]))
    assert response.status_code == 302  # the request succeeded
    letter = Letter.objects.get()
    assert letter.state == State.QUEUED
    assert "stays queued: the broker did not take its job" in caplog.text
    assert not letter.enqueued and "The broker did not take its job" in letter.last_error
    worker = WorkerProcess().start()
    try:
        # The next sweep sends it at once: the broker never had its job, so none is doubled.
        Letter.objects.filter(pk=letter.pk).update(
            queued_at=timezone.now() - datetime.timedelta(seconds=10)
        )
        assert letters_sweep() == 1
        assert Letter.objects.get(pk=letter.pk).enqueued
        wait_for(
            lambda: Letter.objects.filter(pk=letter.pk, state=State.READY).exists(),
            timeout=60,
            what="the swept letter to be ready",
        )
    finally:
        worker.stop()


def test_a_render_over_the_soft_time_limit_fails_with_the_reason(worker_db: None, settings) -> None:  # type: ignore[no-untyped-def]
    recruiter = factories.user("riley-t", role=None)
    offer = factories.offer(by=recruiter)
    # The limits travel with the job from the process that queues it.
    settings.LETTER_SOFT_TIME_LIMIT, settings.LETTER_TIME_LIMIT = 1, 30
    worker = WorkerProcess(
        extra_env={"LETTER_RENDER_PAUSE_SECONDS": "5", "LETTER_SOFT_TIME_LIMIT": "1"}
    ).start()
    try:
        letter = letter_request(offer=offer, by=recruiter)
        failed = wait_for(
            lambda: Letter.objects.filter(pk=letter.pk, state=State.FAILED).first(),
            timeout=30,
            what="the letter to fail",
        )
        assert "took longer than 1 s" in failed.last_error
    finally:
        worker.stop()


def test_the_system_check_warns_when_fonts_would_be_subset_the_slow_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from weasyprint.text import ffi

    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "offers.W001" in out.getvalue()
    assert "apt-get install libharfbuzz-subset0" in out.getvalue()


@pytest.mark.skipif(
    not harfbuzz_subset_usable() and not os.environ.get("CI"),
    reason="HarfBuzz-Subset is not installed here (CI installs it)",
)
def test_letters_are_subset_with_harfbuzz_where_it_is_installed(
    offer: Offer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from weasyprint.pdf.fonts import Font

    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "offers.W001" not in out.getvalue()
    used: list[str] = []

    def spy(name: str, subset: Any) -> Any:
        def spied(font: Font, *args: Any) -> Any:
            used.append(name)
            return subset(font, *args)

        return spied

    monkeypatch.setattr(Font, "_harfbuzz_subset", spy("harfbuzz", Font._harfbuzz_subset))
    monkeypatch.setattr(Font, "_fonttools_subset", spy("fonttools", Font._fonttools_subset))
    rendered = letter_render_pdf(offer, version=offer.version, draft=True)
    assert used and set(used) == {"harfbuzz"}
    assert len(rendered.pdf) < 100_000  # subsets of the fonts, not 700 kB of whole fonts


@pytest.mark.django_db
def test_letter_names_people_reads_its_chart_and_keeps_the_signatures_with_the_closing(
    recruiter: User, manager: User
) -> None:
    standard = LetterTemplate.objects.get(is_default=True)
    newest = standard.versions.get()
    template_version_save(
        template=standard,
        content={
            **{name: getattr(newest, name) for name in VERSION_FIELDS},
            "signatory_name": "Jordan Lee",
        },
        by=recruiter,
    )
    manager.first_name, manager.last_name = "Morgan", "Hale"
    manager.save()
    offer = factories.offer(by=recruiter, hiring_manager=manager, location="Berlin (hybrid)")
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    rendered = letter_render_pdf(offer, version=offer.version, draft=False)
    text = pdf_text(rendered.pdf)
    assert "reporting to Morgan Hale" in text
    assert "Location: Berlin (hybrid)." in text and "((" not in text
    assert "Jordan Lee, Head of People, for Example Corp" in text
    # The chart writes each year's total under its bar, in a legible size.
    html = letter_html(offer, draft=False)
    assert 'font-size="19" font-weight="bold" fill="#1d2330">$334,500</text>' in html
    # The signatures are on the page of the closing paragraph.
    reader = PdfReader(io.BytesIO(rendered.pdf))
    last = " ".join(reader.pages[-1].extract_text().split())
    assert "This offer is open until" in last and "accepted on (date)" in last
    # Prices per 1M tokens with one precision.
    assert re.search(r"\$0\.833\b", text)
