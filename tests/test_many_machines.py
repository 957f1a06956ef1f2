"""Many machines: two web processes and a worker that share no folder, only PostgreSQL, Redis and
an S3-compatible bucket (moto's server on loopback), driven through their real HTTP endpoints.

A letter asked for on web 1 is rendered by the worker into the bucket, downloaded by the
recruiter from web 2 and by the candidate from web 1; the candidate-link guess limit holds across
both web processes; the bucket refuses an unsigned request for the letter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from offers.models import Letter, Offer
from offers.roles import HIRING_MANAGERS
from offers.services import candidate_link_create
from tests import factories
from tests.servers import BUCKET, csrf_of, free_port, log_in, wait_until_answering
from tests.workers import ROOT, WorkerProcess, database_url_for_workers, wait_for

pytestmark = [
    pytest.mark.machines,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        or not settings.CELERY_BROKER_URL.startswith("redis://"),
        reason="many machines share PostgreSQL and Redis (CI runs this; SQLite is one machine's)",
    ),
]
SHARED_CACHE = "redis://127.0.0.1:6379/14"


def host_env(tmp_path: Path, name: str, bucket: dict[str, str]) -> dict[str, str]:
    """One machine's environment: its own folder, and only shared services besides."""
    folder = tmp_path / name
    folder.mkdir()
    return {
        **os.environ,
        **bucket,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url_for_workers(),
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "CACHE_URL": SHARED_CACHE,
        "CANDIDATE_LINK_GUESS_RATE": "4/h",  # per hour: no window turns over mid-test
        "ALLOWED_HOSTS": "127.0.0.1",
        "VAR_DIR": str(folder),
        "TEST_MEDIA_ROOT": str(folder / "media"),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def machines(tmp_path: Path, bucket: dict[str, str], worker_db: None) -> Iterator[list[str]]:
    """Two gunicorn web processes and one Celery worker, each with a folder of its own."""
    import redis

    redis.Redis.from_url(SHARED_CACHE).flushdb()
    webs = []
    urls = []
    worker = WorkerProcess(extra_env=host_env(tmp_path, "worker", bucket))
    try:
        for name in ["web1", "web2"]:
            port = free_port()
            web = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                ],
                cwd=ROOT,
                env=host_env(tmp_path, name, bucket),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            webs.append(web)
            urls.append(f"http://127.0.0.1:{port}")
            wait_until_answering(f"{urls[-1]}/healthz", web, name)
        worker.start()
        yield urls
    finally:
        worker.stop()
        for web in webs:
            web.terminate()
            web.wait(timeout=20)


@pytest.mark.worker
def test_letters_go_from_one_machine_to_another_only_through_the_bucket(
    machines: list[str], bucket: dict[str, str], tmp_path: Path
) -> None:
    import boto3

    web1, web2 = machines
    recruiter = factories.user("riley")
    manager = factories.user("morgan", role=HIRING_MANAGERS, is_staff=True)
    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )

    # The recruiter asks for the letter on web 1 (a load balancer sent them there).
    recruiter_browser = httpx.Client(follow_redirects=False, timeout=30)
    log_in(recruiter_browser, web1, "riley", "pw-riley")
    page = f"{web1}/offers/{offer.pk}/"
    asked = recruiter_browser.post(
        f"{web1}/offers/{offer.pk}/letters/",
        data={"csrfmiddlewaretoken": csrf_of(recruiter_browser, page)},
    )
    assert asked.status_code == 302
    letter = wait_for(
        lambda: Letter.objects.filter(offer=offer, state=Letter.State.READY).first(),
        timeout=90,
        what="the worker to render the letter",
    )
    # The worker stored it in the bucket, and in no folder of any machine.
    s3 = boto3.client(
        "s3",
        endpoint_url=bucket["AWS_S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id=bucket["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=bucket["AWS_SECRET_ACCESS_KEY"],
    )
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert letter.file.name in keys
    assert not list(tmp_path.glob("**/*.pdf")), "a machine wrote a letter to its own folder"

    # The recruiter downloads it from web 2 (same session: sessions live in the database).
    downloaded = recruiter_browser.get(f"{web2}/offers/{offer.pk}/letters/{letter.pk}.pdf")
    assert downloaded.status_code == 200 and downloaded.content.startswith(b"%PDF-")
    assert downloaded.content == s3.get_object(Bucket=BUCKET, Key=letter.file.name)["Body"].read()

    # The candidate downloads it through their link from web 1.
    _, token = candidate_link_create(offer=Offer.objects.get(pk=offer.pk), by=recruiter)
    candidate = httpx.Client(timeout=30)
    assert candidate.get(f"{web1}/o/{token}/").status_code == 200
    pdf = candidate.get(f"{web1}/o/{token}/letter.pdf")
    assert pdf.status_code == 200 and pdf.content == downloaded.content

    # Private bucket: an unsigned request for the letter is refused.
    unsigned = httpx.get(f"{bucket['AWS_S3_ENDPOINT_URL']}/{BUCKET}/{letter.file.name}")
    assert unsigned.status_code == 403

    # The guess limit (4 a minute here) counts across both web processes: the cache is shared.
    guesser = httpx.Client(timeout=30)
    answers = [
        guesser.get(f"{web}/o/wrong-guess-{n}/").status_code
        for n, web in enumerate([web1, web2, web1, web2, web1, web2])
    ]
    assert answers == [404, 404, 404, 404, 429, 429]
    assert guesser.get(f"{web2}/o/{token}/").status_code == 200  # the candidate still gets in
