"""Letters under killed workers: 100 letters, 10 pool processes killed, every letter counted.

Run by hand: `.venv/bin/python tests/benchmarks/fault_letters.py [RUNS]` (Redis at
CELERY_BROKER_URL, default redis://127.0.0.1:6379/0; a fresh SQLite database unless
DATABASE_URL is set; letters in a fresh folder). Each run queues LETTERS letters, starts one
`celery worker --concurrency 2`, kills a pool process (SIGKILL) every KILL_EVERY seconds until
KILLS were killed, and waits for every letter to finish. It then compares storage with the rows:
every ready letter's file is there with its SHA-256, and no other file is (no orphan from an
attempt killed between storing its file and recording it). Last line: key=value per run.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.benchmarks.bench_settings"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/faults.sqlite3")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
MEDIA = Path(os.environ.setdefault("TEST_MEDIA_ROOT", tempfile.mkdtemp()))
LETTERS = 100
KILLS = 10
KILL_EVERY = 1.5

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402

from offers.models import Letter, Offer  # noqa: E402
from offers.services import letter_request  # noqa: E402
from tests.workers import WorkerProcess  # noqa: E402


def one_run(offer: Offer, by: User) -> dict[str, int]:
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    Letter.objects.all().delete()
    for path in MEDIA.rglob("*.pdf"):
        path.unlink()
    ids = [letter_request(offer=offer, by=by).pk for _ in range(LETTERS)]
    worker = WorkerProcess(concurrency=2).start()
    killed = 0
    try:
        assert worker.process is not None
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            done = Letter.objects.filter(
                pk__in=ids, state__in=[Letter.State.READY, Letter.State.FAILED]
            ).count()
            if done == LETTERS:
                break
            if killed < KILLS:
                time.sleep(KILL_EVERY * random.uniform(0.5, 1.5))  # noqa: S311
                children = psutil.Process(worker.process.pid).children()
                if children:
                    random.choice(children).send_signal(signal.SIGKILL)  # noqa: S311
                    killed += 1
            else:
                time.sleep(0.5)
    finally:
        worker.stop()
    letters = list(Letter.objects.filter(pk__in=ids))
    stored = {str(path.relative_to(MEDIA)): path for path in MEDIA.rglob("*.pdf")}
    recorded = {letter.file.name: letter for letter in letters if letter.file}
    intact = sum(
        1
        for name, letter in recorded.items()
        if name in stored and hashlib.sha256(stored[name].read_bytes()).hexdigest() == letter.sha256
    )
    return {
        "letters": LETTERS,
        "killed": killed,
        "ready": sum(letter.state == Letter.State.READY for letter in letters),
        "failed": sum(letter.state == Letter.State.FAILED for letter in letters),
        "files": len(stored),
        "intact": intact,
        "orphans": len(set(stored) - set(recorded)),
        "missing": len(set(recorded) - set(stored)),
        "retried": sum(letter.attempts > 1 for letter in letters),
    }


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    call_command("migrate", verbosity=0)
    call_command("demo_data", force=True, verbosity=0, stdout=io.StringIO())
    offer = Offer.objects.get(candidate_name="Amelia Clarke")
    by = User.objects.get(username="recruiter")
    for run in range(1, runs + 1):
        figures = one_run(offer, by)
        print(f"run={run} " + " ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
