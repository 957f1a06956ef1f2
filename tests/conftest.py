from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from offers.models import Offer
from offers.roles import HIRING_MANAGERS
from tests.browser import browser_page  # noqa: E402,F401  (a fixture)
from tests.servers import bucket  # noqa: F401  (a fixture)
from tests.workers import RUNNING, WorkerProcess


@pytest.fixture(autouse=True)
def no_worker_outlives_its_test() -> Iterator[None]:
    yield
    for worker in list(RUNNING):
        worker.stop()


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
