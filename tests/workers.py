"""Real Celery worker processes for the tests and the benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

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


# Workers started and not yet stopped: a test that fails before it stops its worker must not
# leave it consuming the next tests' jobs (conftest stops these after every test).
RUNNING: set[WorkerProcess] = set()


class WorkerProcess:
    """A real `celery worker` process reading the tests' queue on the configured broker."""

    def __init__(  # type: ignore[no-untyped-def]
        self, *, pool: str = "prefork", concurrency: int = 1, extra_env=None, beat_schedule=None
    ):
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.pool = pool
        self.concurrency = concurrency
        self.extra_env = extra_env or {}
        # A file for Celery beat's state: with one, the worker runs the app's schedule too.
        self.beat_schedule = beat_schedule
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
        RUNNING.add(self)
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
                *(["--beat", "--schedule", str(self.beat_schedule)] if self.beat_schedule else []),
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
        RUNNING.discard(self)
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


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
