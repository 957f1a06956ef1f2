"""Letter rendering speed: WeasyPrint against Chromium's print-to-PDF, then 300 letters in a worker.

Run by hand: `.venv/bin/python tests/benchmarks/bench_letters.py` (needs Redis, default
redis://127.0.0.1:6379, and Debian's Chromium at /usr/bin/chromium). It uses a fresh SQLite
database unless DATABASE_URL is set.

1. Renders the standard letter of a demo offer ROUNDS times with our rendering function
   (stylesheet and fonts reused between renders, as in a worker) and the same HTML with headless
   Chromium's `page.pdf()` (browser already started); prints both medians.
2. Queues LETTERS letters, then starts one `celery worker --concurrency 2` over Redis and prints
   letters per minute once it is ready, how many failed, and the worker's memory (all its
   processes) after 10 and after all.
3. Prints `limit_ratio`: letters per minute against what the worker's two processes could do if
   they did nothing but render (2 × 60,000 / weasyprint_ms, measured in the same run).
4. Prints `service_ms`: the whole job of one letter without Celery (the row locked and saved,
   the file stored), measured in turns with the bare render; and `paired_render_ms`: the median
   render while a second process renders too, with no worker, broker or database around them,
   as the worker's two pool processes do, in turns with `alone_render_ms` (one process alone).
   That is the machine's own limit for two renders at once; `pair_ratio` is letters per minute
   against it (2 × 60,000 / paired_render_ms).
Targets (issue 16): limit_ratio >= 0.90; failed = 0; mem_growth_mb <= 100 over the letters;
chromium_ms and the ratio to it are printed as information.
"""

from __future__ import annotations

import base64
import io
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.benchmarks.bench_settings"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("TEST_MEDIA_ROOT", tempfile.mkdtemp())
ROUNDS = 30
LETTERS = 300
CHROMIUM = "/usr/bin/chromium"

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from offers.letters import letter_html, letter_render_pdf  # noqa: E402
from offers.models import Letter, Offer  # noqa: E402
from offers.services import letter_render, letter_request  # noqa: E402
from tests.benchmarks import parts  # noqa: E402
from tests.workers import WorkerProcess  # noqa: E402


def prepare() -> Offer:
    call_command("migrate", verbosity=0)
    call_command("demo_data", force=True, verbosity=0, stdout=io.StringIO())
    return Offer.objects.get(candidate_name="Amelia Clarke")  # approved, two models, GBP


def median_ms(action: Callable[[], object]) -> float:
    """Median milliseconds of ROUNDS runs of `action`, after one run to warm up."""
    return parts.median_ms(action, rounds=ROUNDS)


def render_and_job_ms(offer: Offer) -> tuple[float, float]:
    """Medians of the bare render and of the whole job a pool process runs for a letter
    (`letter_render`: lock and mark the row, load the offer, render, store the file, save),
    without Celery. Measured in turns, render then job, so that the machine's speed drifting
    during the run (it does, by 10-20%) does not pass for a difference between the two. The
    jobs queued here are dropped before the worker starts (worker_throughput empties the broker).
    """
    by = User.objects.get(username="recruiter")
    ids = iter([letter_request(offer=offer, by=by).pk for _ in range(ROUNDS + 1)])
    actions = {
        "render": lambda: letter_render_pdf(offer, version=offer.version, draft=False),
        "job": lambda: letter_render(letter_id=next(ids)),
    }
    times: dict[str, list[float]] = {name: [] for name in actions}
    for action in actions.values():
        action()  # warm-up: the stylesheet and fonts every later render reuses
    for _ in range(ROUNDS):
        for name, action in actions.items():
            times[name].append(parts.elapsed_ms(action))
    return statistics.median(times["render"]), statistics.median(times["job"])


def _render_in_turns(args: tuple[int, int, Any]) -> tuple[list[float], list[float]]:
    """One of two processes: in each round, the first renders alone while the second waits,
    then both render at once. Alone and together alternate, so drift cannot tell them apart."""
    index, offer_pk, barrier = args
    offer = Offer.objects.get(pk=offer_pk)

    def render() -> float:
        return parts.elapsed_ms(
            lambda: letter_render_pdf(offer, version=offer.version, draft=False)
        )

    render()  # this process's warm-up
    alone, together = [], []
    for _ in range(ROUNDS):
        barrier.wait()
        if index == 0:
            alone.append(render())
        barrier.wait()
        together.append(render())
    return alone, together


def paired_render_ms(offer: Offer) -> tuple[float, float]:
    """Medians of one render alone and of a render while another process renders too."""
    connections.close_all()  # each process opens its own
    context = multiprocessing.get_context("fork")
    barrier = context.Manager().Barrier(2)
    with context.Pool(2) as pool:
        results = pool.map(_render_in_turns, [(index, offer.pk, barrier) for index in (0, 1)])
    alone = results[0][0]
    together = results[0][1] + results[1][1]
    return statistics.median(alone), statistics.median(together)


def standalone_html(offer: Offer) -> str:
    """The same letter with its stylesheet and logo inlined, for a browser with no server."""
    html = letter_html(offer, draft=False)
    css = (ROOT / "static/css/letter.css").read_text()
    logo = base64.b64encode((ROOT / "static" / settings.COMPANY_LOGO).read_bytes()).decode()
    html = html.replace(f"/static/{settings.COMPANY_LOGO}", f"data:image/svg+xml;base64,{logo}")
    return html.replace("</head>", f"<style>{css}</style></head>")


def chromium_ms(offer: Offer) -> float:
    return chromium_median(standalone_html(offer))


def chromium_median(html: str) -> float:
    """Median of ROUNDS `set_content` + `page.pdf()` in one started Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()

        def print_to_pdf() -> bytes:
            page.set_content(html)
            return page.pdf(format="A4", print_background=True)

        median = median_ms(print_to_pdf)
        browser.close()
    return median


def worker_rss_mb(worker: WorkerProcess) -> float:
    assert worker.process is not None
    main = psutil.Process(worker.process.pid)
    processes = [main, *main.children(recursive=True)]
    return sum(process.memory_info().rss for process in processes) / 1024 / 1024


def ready_count(ids: list[int]) -> int:
    return Letter.objects.filter(pk__in=ids, state=Letter.State.READY).count()


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


CPU: dict[str, float] = {}


def worker_throughput(offer: Offer) -> tuple[float, int, float, float, float]:
    """Letters a minute of one worker working through LETTERS queued letters.

    The letters are asked for before the worker starts, as a busy web process would have queued
    them: asking for one (a row, an audit event, a publish) is the web's work, and on a 2-core
    machine the benchmark doing it while the worker runs took the worker's CPU. The clock starts
    once the worker is ready; letters it finished while starting are not counted."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    by = User.objects.get(username="recruiter")
    ids = [letter_request(offer=offer, by=by).pk for _ in range(LETTERS)]
    worker = WorkerProcess(concurrency=2).start()  # returns once it is ready
    try:
        assert worker.process is not None
        main = psutil.Process(worker.process.pid)
        pool = main.children(recursive=True)
        me = psutil.Process()
        redis_server = [
            p for p in psutil.process_iter(["name"]) if p.info["name"] == "redis-server"
        ]
        before = {
            "pool": cpu_seconds(pool),
            "worker_main": cpu_seconds([main]),
            "bench": cpu_seconds([me]),
            "redis": cpu_seconds(redis_server),
        }
        start = time.perf_counter()
        finished = [Letter.State.READY, Letter.State.FAILED]
        done_at_start = Letter.objects.filter(pk__in=ids, state__in=finished).count()
        after_ten = peak = 0.0
        while True:
            done = Letter.objects.filter(pk__in=ids, state__in=finished).count()
            rss = worker_rss_mb(worker)
            peak = max(peak, rss)
            if not after_ten and ready_count(ids) >= 10:
                after_ten = rss
            if done == LETTERS:
                break
            if time.perf_counter() - start > 900:
                raise SystemExit(f"only {done} of {LETTERS} letters done after 15 minutes")
            time.sleep(0.25)
        elapsed = time.perf_counter() - start
        after = {
            "pool": cpu_seconds(pool),
            "worker_main": cpu_seconds([main]),
            "bench": cpu_seconds([me]),
            "redis": cpu_seconds(redis_server),
        }
        # Where the machine's two cores went while the letters were made.
        for name in before:
            CPU[name] = (after[name] - before[name]) / elapsed
        after_all = worker_rss_mb(worker)
        failed = Letter.objects.filter(pk__in=ids, state=Letter.State.FAILED).count()
    finally:
        worker.stop()
    return (LETTERS - done_at_start) / elapsed * 60, failed, peak, after_ten, after_all


def main() -> None:
    offer = prepare()
    ours, service = render_and_job_ms(offer)
    alone, paired = paired_render_ms(offer)
    theirs = chromium_ms(offer)
    per_min, failed, peak, after_ten, after_all = worker_throughput(offer)
    print(
        f"rounds={ROUNDS} letters={LETTERS} broker={settings.CELERY_BROKER_URL.split('@')[-1]} "
        f"database={settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} "
        f"worker_peak_mb={peak:.0f} worker_mb_after_10={after_ten:.0f} "
        f"worker_mb_after_all={after_all:.0f}"
    )
    limit = 2 * 60_000 / ours  # two processes doing nothing but render
    paired_limit = 2 * 60_000 / paired  # the same, with the two renders sharing the machine
    print(
        f"limit_per_min={limit:.0f} chromium_ratio={ours / theirs:.2f} service_ms={service:.0f} "
        f"alone_render_ms={alone:.0f} paired_render_ms={paired:.0f} "
        f"paired_limit_per_min={paired_limit:.0f} "
        f"pair_ratio={per_min / paired_limit:.2f}"
    )
    # Cores in use on average while the letters were made (2.00 = both cores, all the time).
    print(" ".join(f"cores_{name}={share:.2f}" for name, share in CPU.items()))
    print(
        f"weasyprint_ms={ours:.0f} letters_per_min={per_min:.0f} "
        f"limit_ratio={per_min / limit:.2f} failed={failed} "
        f"mem_growth_mb={after_all - after_ten:.0f} chromium_ms={theirs:.0f}"
    )


if __name__ == "__main__":
    main()
