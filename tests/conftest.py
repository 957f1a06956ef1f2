from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from offers.models import CandidateLink, Offer
from offers.roles import HIRING_MANAGERS
from tests.browser import browser_page  # noqa: E402,F401  (a fixture)
from tests.gateways import gateway_on, mlflow_gateway  # noqa: F401  (fixtures)
from tests.servers import bucket  # noqa: F401  (a fixture)
from tests.workers import RUNNING, WorkerProcess

if TYPE_CHECKING:
    from signing.certificates import SigningAuthority


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


@pytest.fixture
def key(recruiter: User, manager: User) -> str:
    """An API key of the recruiter, who is assigned to the Engineering department."""
    from offers.models import Department
    from tests import factories

    Department.objects.get_or_create(name="Engineering")[0].recruiters.add(recruiter)
    return factories.api_key(recruiter.username)


# Signing with a test authority, and an offer sent to its candidate with its letter rendered.


@pytest.fixture(scope="session")
def authority() -> SigningAuthority:
    from signing.certificates import make_test_authority

    return make_test_authority("Example Corp")


@pytest.fixture
def signing_on(settings: Any, tmp_path: Path, authority: SigningAuthority) -> Path:
    from django.core.cache import cache

    path = tmp_path / "signing.p12"
    path.write_bytes(authority.signer_pkcs12())
    settings.SIGNING_CERTIFICATE = str(path)
    settings.SIGNING_CERTIFICATE_PASSWORD = ""
    settings.SIGNING_TSA_URL = ""
    cache.clear()
    return path


@pytest.fixture
def sent_to_sign(
    signing_on: Path, offer: Offer, recruiter: User, manager: User
) -> tuple[Offer, CandidateLink, str]:
    """An approved offer sent to the candidate, its letter rendered, while letters are signed."""
    from offers.models import Letter
    from offers.services import candidate_link_create, letter_render
    from tests import factories

    approved = factories.approved(offer, recruiter=recruiter, manager=manager)
    link, token = candidate_link_create(offer=approved, by=recruiter)
    letter = Letter.objects.get(offer=offer, draft=False)
    letter_render(letter_id=letter.pk)
    return Offer.objects.get(pk=offer.pk), link, token


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield
    if "browser_page" in getattr(item, "fixturenames", ()):
        # Under Playwright the test's own queries get a database connection of their own
        # (another context than the fixtures'); close it here, in that context, or PostgreSQL
        # refuses to drop the test database at the end of the run.
        from django.db import connections

        connections.close_all()


# Every test that needs more than this process is marked by what it needs, so that
# `make test-fast` can leave them out: by its fixtures, or by hand where it starts processes itself.
NEEDS = {
    "worker_db": "worker",
    "celery_worker_process": "worker",
    "browser_page": "browser",
    "mlflow_gateway": "gateway",
    "gateway_on": "gateway",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in NEEDS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
