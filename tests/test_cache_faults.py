"""Redis as the operator runs it (broker and cache in one) goes down, then hangs, then returns.

A Redis of the test's own on a spare port; a web process (gunicorn) and a worker with beat that
use it for both roles. While it is down and while it hangs, every page a recruiter or candidate
uses answers within two seconds, a wrong candidate token still gets 404, and a letter asked for
waits for the queue; after it returns, every such letter is ready within 90 seconds with the
default settings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from offers.models import Letter, Offer
from offers.roles import HIRING_MANAGERS
from offers.services import candidate_link_create
from tests import factories
from tests.servers import (
    HungListener,
    RedisServer,
    csrf_of,
    free_port,
    log_in,
    wait_until_answering,
)
from tests.workers import ROOT, WorkerProcess, database_url_for_workers, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def environment(redis: RedisServer, tmp_path: Path, *, debug: bool) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url_for_workers(),
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "CELERY_BROKER_URL": f"{redis.url}/0",
        "CACHE_URL": f"{redis.url}/1",
        "DEBUG": "true" if debug else "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "VAR_DIR": str(tmp_path),
        "TEST_MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def web(request: pytest.FixtureRequest, worker_db: None, tmp_path: Path) -> Iterator[dict]:  # type: ignore[type-arg]
    """Redis of our own, and a gunicorn web process using it as broker and cache."""
    redis = RedisServer().start()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment(redis, tmp_path, debug=request.param),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    output: list[str] = []
    try:
        wait_until_answering(f"{url}/healthz", process, "the web process")

        def read() -> None:
            assert process.stdout is not None
            output.extend(process.stdout)

        threading.Thread(target=read, daemon=True).start()
        yield {"url": url, "redis": redis, "output": output, "tmp_path": tmp_path}
    finally:
        process.terminate()
        process.wait(timeout=20)
        redis.stop()


class Visit:
    """Every page of the recruiter's and the candidate's journey, timed."""

    def __init__(self, url: str, offer: Offer, draft: Offer, token: str) -> None:
        self.url, self.offer, self.draft, self.token = url, offer, draft, token

    def all_pages(self) -> dict[str, tuple[int, float]]:
        answers: dict[str, tuple[int, float]] = {}

        def timed(name: str, call):  # type: ignore[no-untyped-def]
            started = time.monotonic()
            response = call()
            answers[name] = (response.status_code, time.monotonic() - started)
            return response

        url = self.url
        browser = httpx.Client(timeout=30)
        timed("login page", lambda: browser.get(f"{url}/login/"))
        started = time.monotonic()
        log_in(browser, url, "riley", "pw-riley")
        answers["log in"] = (302, time.monotonic() - started)
        timed("offer list", lambda: browser.get(f"{url}/offers/"))
        page = f"{url}/offers/{self.offer.pk}/"
        timed("offer page", lambda: browser.get(page))
        edit = f"{url}/offers/{self.draft.pk}/edit/"
        csrf = csrf_of(browser, edit)
        timed(
            "live totals",
            lambda: browser.post(
                edit,
                data={
                    **factories.form_post(recompute="1", token_usd_per_day="300"),
                    "csrfmiddlewaretoken": csrf,
                },
                headers={"HX-Request": "true"},
            ),
        )
        csrf = csrf_of(browser, page)
        asked = timed(
            "generate letter",
            lambda: browser.post(
                f"{url}/offers/{self.offer.pk}/letters/", data={"csrfmiddlewaretoken": csrf}
            ),
        )
        assert asked.headers.get("location", "").endswith(f"/offers/{self.offer.pk}/"), asked
        after = timed("offer page after asking", lambda: browser.get(page))
        assert "Queued…" in after.text or "Rendering…" in after.text or "Ready" in after.text
        timed("wrong candidate token", lambda: httpx.get(f"{url}/o/wrong-guess/", timeout=30))
        timed("candidate page", lambda: httpx.get(f"{url}/o/{self.token}/", timeout=30))
        started = time.monotonic()
        log_out = browser.post(
            f"{url}/logout/", data={"csrfmiddlewaretoken": csrf_of(browser, page)}
        )
        answers["log out"] = (log_out.status_code, time.monotonic() - started)
        return answers


EXPECTED = {
    "login page": 200,
    "log in": 302,
    "offer list": 200,
    "offer page": 200,
    "live totals": 200,
    "generate letter": 302,
    "offer page after asking": 200,
    "wrong candidate token": 404,
    "candidate page": 200,
    "log out": 302,
}


def journey_offers() -> tuple[Offer, Offer, str]:
    recruiter = factories.user("riley")
    manager = factories.user("morgan", role=HIRING_MANAGERS, is_staff=True)
    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )
    _, token = candidate_link_create(offer=Offer.objects.get(pk=offer.pk), by=recruiter)
    draft = factories.offer(by=recruiter, hiring_manager=manager)
    return Offer.objects.get(pk=offer.pk), draft, token


def assert_every_page_answers(visit: Visit, when: str) -> None:
    answers = visit.all_pages()
    statuses = {name: status for name, (status, _) in answers.items()}
    assert statuses == EXPECTED, f"{when}: {answers}"
    slow = {name: seconds for name, (_, seconds) in answers.items() if seconds >= 2}
    assert not slow, f"{when}: slower than 2 s: {slow}"


def health(url: str) -> dict:  # type: ignore[type-arg]
    return httpx.get(f"{url}/healthz", timeout=10).json()


@pytest.mark.parametrize("web", [False], indirect=True, ids=["DEBUG off"])
def test_pages_answer_while_redis_is_down_or_hangs_and_letters_follow_its_return(
    web: dict,  # type: ignore[type-arg]
) -> None:
    url, redis = web["url"], web["redis"]
    offer, draft, token = journey_offers()
    visit = Visit(url, offer, draft, token)
    # The approval asked for a letter through this test's own broker, not the web's.
    approval_letters = list(offer.letters.values_list("pk", flat=True))
    asked = Letter.objects.filter(offer=offer).exclude(pk__in=approval_letters)
    worker = WorkerProcess(
        extra_env={
            "CELERY_BROKER_URL": f"{redis.url}/0",
            "CACHE_URL": f"{redis.url}/1",
            "TEST_MEDIA_ROOT": str(web["tmp_path"] / "media"),
        },
        beat_schedule=web["tmp_path"] / "beat-schedule",
    ).start()
    try:
        assert_every_page_answers(visit, "Redis up")
        assert health(url)["cache"]["ok"] is True
        wait_for(
            lambda: asked.filter(state=Letter.State.READY).exists(),
            timeout=60,
            what="the letter asked for while Redis was up",
        )

        redis.stop()
        assert_every_page_answers(visit, "Redis down")
        down = health(url)
        assert down["status"] == "unavailable" and down["cache"]["ok"] is False, down

        hung = HungListener(redis.port)
        try:
            assert_every_page_answers(visit, "Redis hung")
        finally:
            hung.close()

        waiting = list(asked.exclude(state=Letter.State.READY))
        assert len(waiting) == 2 and all(w.state == Letter.State.QUEUED for w in waiting)
        redis.start()
        returned = time.monotonic()
        wait_for(
            lambda: not asked.exclude(state=Letter.State.READY),
            timeout=90,
            interval=0.5,
            what="every letter asked for during the outage to be ready",
        )
        print(f"letters ready {time.monotonic() - returned:.1f} s after Redis returned")
        assert asked.filter(state=Letter.State.READY).count() == 3
        assert health(url)["status"] == "ok"
    finally:
        worker.stop()
    # The operator hears of the outage once a minute and of the return once, not per request.
    log = "".join(web["output"])
    assert log.count(f"Cache {redis.url}/1 unreachable") == 1, log[-3000:]
    assert "Internal Server Error" not in log


@pytest.mark.parametrize("web", [True], indirect=True, ids=["DEBUG on"])
def test_with_debug_on_pages_answer_while_redis_is_down_or_hangs(
    web: dict,  # type: ignore[type-arg]
) -> None:
    url, redis = web["url"], web["redis"]
    offer, draft, token = journey_offers()
    visit = Visit(url, offer, draft, token)
    redis.stop()
    assert_every_page_answers(visit, "Redis down, DEBUG on")
    hung = HungListener(redis.port)
    try:
        assert_every_page_answers(visit, "Redis hung, DEBUG on")
        assert health(url)["cache"]["ok"] is False
    finally:
        hung.close()


# In one process: the breaker, the guess counter and the health check --------------------------


@pytest.fixture
def unreachable_cache(settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The cache pointed at a port where nothing listens, with a breaker of its own."""
    from django.core.cache import caches

    from ops import cache as resilient

    location = f"redis://127.0.0.1:{free_port()}/1"
    settings.CACHES = {
        "default": {
            "BACKEND": "ops.cache.ResilientRedisCache",
            "LOCATION": location,
            "TIMEOUT_SECONDS": 0.3,
            "SKIP_SECONDS": 5,
        }
    }
    caches["default"].clear()
    yield location
    resilient.BREAKERS.pop(location, None)


def test_a_hung_cache_costs_one_short_wait_then_is_skipped_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from ops.cache import BREAKERS, ResilientRedisCache

    hung = HungListener()
    location = f"redis://127.0.0.1:{hung.port}/1"
    try:
        cache = ResilientRedisCache(location, {"TIMEOUT_SECONDS": 0.3, "SKIP_SECONDS": 5})
        started = time.monotonic()
        assert cache.add("guesses", 1, 60) is True  # counted in this process's memory
        first = time.monotonic() - started
        started = time.monotonic()
        counts = [cache.incr("guesses") for _ in range(50)]
        rest = time.monotonic() - started
    finally:
        hung.close()
        BREAKERS.pop(location, None)
    assert 0.25 < first < 1.0, first
    assert rest < 0.1, rest
    assert counts == list(range(2, 52))
    warnings = [r.getMessage() for r in caplog.records if r.name == "ops.cache"]
    assert len(warnings) == 1 and "Timeout" in warnings[0], warnings


@pytest.mark.django_db
def test_with_the_cache_gone_wrong_tokens_get_404_then_429_and_the_candidate_gets_in(
    unreachable_cache: str, offer: Offer, recruiter, manager, settings
) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    settings.CANDIDATE_LINK_GUESS_RATE = "2/h"
    offer = factories.approved(offer, recruiter=recruiter, manager=manager)
    _, token = candidate_link_create(offer=offer, by=recruiter)
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    answers = [guesser.get(f"/o/wrong-guess-{n}/").status_code for n in range(4)]
    assert answers == [404, 404, 429, 429]  # counted in this process while the cache is away
    assert guesser.get(f"/o/{token}/").status_code == 200


@pytest.mark.django_db
def test_health_says_degraded_and_stays_200_when_only_the_cache_is_gone(
    unreachable_cache: str,
) -> None:
    from django.test import Client

    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True and body["broker"]["ok"] is True
    assert body["cache"]["ok"] is False
    assert "guess limit counts per process" in body["cache"]["detail"]
