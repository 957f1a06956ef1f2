from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from offers.models import Offer
from offers.roles import HIRING_MANAGERS
from tests.browser import browser_page  # noqa: E402,F401  (a fixture)

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_workers() -> str:
    """The URL of the test database, for worker processes started by a test."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


class WorkerProcess:
    """A real `celery worker` process reading the tests' queue on the configured broker."""

    def __init__(self, *, pool: str = "prefork", concurrency: int = 1, extra_env=None):  # type: ignore[no-untyped-def]
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.pool = pool
        self.concurrency = concurrency
        self.extra_env = extra_env or {}
        self.output: list[str] = []
        self.process: subprocess.Popen[str] | None = None

    def start(self, *, timeout: float = 60) -> WorkerProcess:
        env = os.environ.copy()
        env.update(
            DJANGO_SETTINGS_MODULE="tests.settings",
            DATABASE_URL=database_url_for_workers(),
            CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        self.output = []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                self.pool,
                "--concurrency",
                str(self.concurrency),
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--hostname",
                self.name,
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()

        def read() -> None:
            assert self.process and self.process.stdout
            for line in self.process.stdout:
                self.output.append(line)
                if " ready." in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(timeout):
            self.stop()
            raise RuntimeError("Celery worker did not start:\n" + "".join(self.output[-40:]))
        return self

    def stop(self) -> None:
        if os.environ.get("SHOW_WORKER_LOG"):
            sys.stderr.write(self.log())
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return "".join(self.output)


@pytest.fixture
def worker_db(transactional_db: None) -> None:
    """Committed rows a worker process can read, with the roles and prices tests build on."""
    from tests import factories

    factories.ensure_roles()
    factories.snapshot()
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        # Jobs left by an earlier test (a killed worker's, given back later) would name rows
        # of this test's database.
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    elif settings.CELERY_BROKER_URL.startswith("filesystem://"):
        queue = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
        for message in queue.glob("*"):
            message.unlink(missing_ok=True)


@pytest.fixture
def celery_worker_process(worker_db: None) -> Iterator[WorkerProcess]:
    worker = WorkerProcess().start()
    yield worker
    worker.stop()


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# The people and the offer most tests start from (database tests only).


@pytest.fixture
def recruiter(db: None) -> User:
    from tests import factories

    factories.snapshot()
    return factories.user("riley")


@pytest.fixture
def manager(db: None) -> User:
    from tests import factories

    return factories.user("hm", role=HIRING_MANAGERS, is_staff=True)


@pytest.fixture
def offer(recruiter: User, manager: User) -> Offer:
    from tests import factories

    return factories.offer(by=recruiter, hiring_manager=manager)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield
    if "browser_page" in getattr(item, "fixturenames", ()):
        # Under Playwright the test's own queries get a database connection of their own
        # (another context than the fixtures'); close it here, in that context, or PostgreSQL
        # refuses to drop the test database at the end of the run.
        from django.db import connections

        connections.close_all()
