"""What a session costs a request, in the database and with the cache in front of it.

Run by hand: `.venv/bin/python tests/benchmarks/bench_sessions.py` with DATABASE_URL (PostgreSQL)
and CACHE_URL (Redis) set, as in production; without them SQLite and each process's memory.

Times loading one logged-in session the way SessionMiddleware does on every request, with
`backends.db` (one indexed SELECT) and `backends.cached_db` (a cache GET, the SELECT on a miss),
and a trivial in-process request to the offer list for scale. Last line: key=value.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ROUNDS = 2000


def median_us(load) -> float:  # type: ignore[no-untyped-def]
    for _ in range(100):
        load()
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        load()
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def main() -> None:
    from django.db import connection

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("migrate", verbosity=0)
        from tests import factories

        factories.ensure_roles()
        user = factories.user("bench")
        client = Client()
        client.force_login(user)
        key = client.cookies["sessionid"].value
        figures: dict[str, float] = {}
        for engine in ("db", "cached_db"):
            store = import_module(f"django.contrib.sessions.backends.{engine}").SessionStore
            store(key).load()  # a cached_db load fills the cache

            def load(store=store) -> None:  # type: ignore[no-untyped-def]
                store(key).load()

            figures[f"{engine}_load_us"] = median_us(load)
        figures["offer_list_us"] = median_us(lambda: client.get("/offers/"))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    cache = type(caches["default"]).__name__
    print(f"database={connection.vendor} cache={cache} rounds={ROUNDS}")
    saved = figures["db_load_us"] - figures["cached_db_load_us"]
    print(
        " ".join(f"{name}={value:.0f}" for name, value in figures.items())
        + f" cache_saves_us={saved:.0f} cache_saves_share={saved / figures['offer_list_us']:.3f}"
    )


if __name__ == "__main__":
    main()
