"""Letter rendering speed: WeasyPrint against Chromium's print-to-PDF, then 300 letters in a worker.

Run by hand: `.venv/bin/python tests/benchmarks/bench_letters.py` (needs Redis, default
redis://127.0.0.1:6379, and Debian's Chromium at /usr/bin/chromium). It uses a fresh SQLite
database unless DATABASE_URL is set.

1. Renders the standard letter of a demo offer ROUNDS times with our rendering function
   (stylesheet and fonts reused between renders, as in a worker) and the same HTML with headless
   Chromium's `page.pdf()` (browser already started); prints Chromium's median.
2. Before the worker, in turns: the bare render against the whole job of one letter without
   Celery (`service_ms`), and one process rendering alone against two at once
   (`alone_render_ms`, `paired_render_ms`, `paired_ratio`): what sharing the two cores costs.
3. Queues LETTERS letters, then starts one `celery worker --concurrency 2` over Redis and prints
   letters per minute once it is ready, how many failed, and the worker's memory (all its
   processes) after 10 and after all. Every SAMPLE_EVERY seconds the worker is stopped for a
   moment and this process renders the same letter alone (after one render to warm its caches);
   the worker's processes log each render's time too. `weasyprint_ms` is the faster of the two
   means (letters a minute is a mean rate; medians are printed too), so the render and the
   worker are measured at the same moments: this machine's speed drifts by 10-30% within a
   minute, and a render measured before the worker said little about it.
4. Prints `limit_ratio`: letters per minute against what the worker's two processes could do if
   they did nothing but render (2 x 60,000 / weasyprint_ms), and how it comes about: how long
   the worker's processes took for the whole task (`pool_task_ms`) against the render
   (`render_share`) and the share of the time they were in a task (`pool_busy`);
   `pool_limit_ratio` is render_share x pool_busy in effect, with the worker's own renders as
   the limit.
Targets (issue 16): limit_ratio >= 0.90; failed = 0; mem_growth_mb <= 100 over the letters;
chromium_ms and the ratio to it are printed as information.
5. Signing (issue 28), first, with a test certificate and a timestamp authority on loopback:
   `sign_ms`, the median of the worker's whole job for one signed letter (read the letter,
   render its completion certificate page, seal it with a timestamp, store it, record it), in
   turns with `weasyprint_ms`, the median render of the same offer's letter, in the same run;
   target sign_ms <= 0.5 x weasyprint_ms. Then `signed_letters_per_min`: two processes (as a
   worker's --concurrency 2) each certificate-rendering, sealing and timestamping letters for
   SIGN_SECONDS, without the database. `--signing` runs this part alone.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import gc
import hashlib
import io
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
SIGN_SECONDS = 20
CHROMIUM = "/usr/bin/chromium"

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from offers.letters import letter_html, letter_render_pdf  # noqa: E402
from offers.models import Letter, Offer  # noqa: E402
from offers.services import letter_render, letter_request  # noqa: E402
from offers.services.letters import offer_for_letter  # noqa: E402
from tests.benchmarks import parts  # noqa: E402
from tests.workers import WorkerProcess  # noqa: E402


def prepare() -> Offer:
    signing_certificate()
    call_command("migrate", verbosity=0)
    call_command("demo_data", force=True, verbosity=0, stdout=io.StringIO())
    # Approved, two token models, GBP; loaded as the letter's job loads it.
    return offer_for_letter(Offer.objects.get(candidate_name="Amelia Clarke").pk)


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
    offer = offer_for_letter(offer_pk)

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


def server_cpu_seconds(name: str) -> float:
    """CPU of a server's processes, with the ones that ended since it started (PostgreSQL
    starts a process per connection; the server's main process counts its ended children)."""
    total = 0.0
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != name:
            continue
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


# The worker is paused this often (seconds of it running) for renders in this process alone:
# one to warm the caches the worker's processes used meanwhile, then SAMPLE_RENDERS measured.
SAMPLE_EVERY = 2.0
SAMPLE_RENDERS = 3
# Celery's log lines: "[2026-12-02 17:55:56,156: INFO/ForkPoolWorker-1] <message>".
LOG_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): [A-Z]+/[^]]+\] (.*)$")
# Each task's run time, measured by Celery in the pool process around the task function ...
SUCCEEDED = re.compile(r"Task offers\.tasks\.render_letter\[[^]]+\] succeeded in ([0-9.]+)s")
# ... and the render alone inside it, logged by the service.
RENDERED = re.compile(r"Letter \d+ ready: .* rendered in (\d+) ms")


@dataclass
class WorkerRun:
    letters_per_min: float = 0.0
    failed: int = 0
    peak_mb: float = 0.0
    mb_after_ten: float = 0.0
    mb_after_all: float = 0.0
    # Renders of the same letter in this process, one in each pause of the worker.
    samples_ms: list[float] = field(default_factory=list)
    # Cores in use on average while the worker ran (2.00 = both cores, all the time).
    cores: dict[str, float] = field(default_factory=dict)
    pool_task_ms: float = 0.0
    pool_render_ms: float = 0.0
    pool_render_median_ms: float = 0.0
    pool_busy: float = 0.0


def log_events(lines: list[str], pattern: re.Pattern[str]) -> list[tuple[float, float]]:
    """(when the line was logged, as time.time(); the number it reports) for each match."""
    events = []
    for line in lines:
        logged = LOG_LINE.match(line.rstrip())
        found = logged and pattern.search(logged[2])
        if logged and found:
            when = datetime.datetime.strptime(logged[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            events.append((when, float(found[1])))
    return events


def outside_pauses(
    events: list[tuple[float, float]], pauses: list[tuple[float, float]], *, seconds: float
) -> list[float]:
    """The durations (ending at each event) that no pause of the worker cut into."""
    kept = []
    for end, value in events:
        begin = end - value * seconds
        if not any(begin < stop and end > halt for halt, stop in pauses):
            kept.append(value)
    return kept


def worker_throughput(offer: Offer) -> WorkerRun:
    """Letters a minute of one worker working through LETTERS queued letters.

    The letters are asked for before the worker starts, as a busy web process would have queued
    them: asking for one (a row, an audit event, a publish) is the web's work, and on a 2-core
    machine the benchmark doing it while the worker runs took the worker's CPU. The clock starts
    once the worker is ready; letters it finished while starting are not counted.

    This machine's speed drifts by 10-30% within a minute, so a render measured before the
    worker runs says little about the worker's minute. Every SAMPLE_EVERY seconds the worker's
    processes are stopped (SIGSTOP), this process renders the same letter alone (first once to
    warm its caches, then SAMPLE_RENDERS times measured), and the worker goes on (SIGCONT); the
    pauses are taken out of its time. The sample render reads
    nothing from the database: a paused process may hold SQLite's lock."""
    render = lambda: letter_render_pdf(offer, version=offer.version, draft=False)  # noqa: E731
    with CaptureQueriesContext(connection) as queries:
        render()
    if queries.captured_queries:
        raise SystemExit("The sample render read the database; it could wait on a paused worker.")
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    by = User.objects.get(username="recruiter")
    ids = [letter_request(offer=offer, by=by).pk for _ in range(LETTERS)]
    run = WorkerRun()
    worker = WorkerProcess(concurrency=2).start()  # returns once it is ready
    try:
        assert worker.process is not None
        main = psutil.Process(worker.process.pid)
        pool = main.children(recursive=True)
        me = psutil.Process()

        def cpu() -> dict[str, float]:
            return {
                "pool": cpu_seconds(pool),
                "worker_main": cpu_seconds([main]),
                "bench": cpu_seconds([me]),
                "redis": server_cpu_seconds("redis-server"),
                "postgres": server_cpu_seconds("postgres"),
            }

        before = cpu()
        start = time.perf_counter()
        lines_at_start = len(worker.output)
        finished = [Letter.State.READY, Letter.State.FAILED]
        done_at_start = Letter.objects.filter(pk__in=ids, state__in=finished).count()
        pauses: list[tuple[float, float]] = []  # (stopped, continued), as time.time()
        paused = sample_cpu = 0.0
        running_since = time.perf_counter()
        while True:
            done = Letter.objects.filter(pk__in=ids, state__in=finished).count()
            rss = worker_rss_mb(worker)
            run.peak_mb = max(run.peak_mb, rss)
            if not run.mb_after_ten and ready_count(ids) >= 10:
                run.mb_after_ten = rss
            if done == LETTERS:
                break
            if time.perf_counter() - start > 900:
                raise SystemExit(f"only {done} of {LETTERS} letters done after 15 minutes")
            time.sleep(0.25)
            if time.perf_counter() - running_since >= SAMPLE_EVERY:
                halted, halted_at = time.perf_counter(), time.time()
                for process in [main, *pool]:
                    process.suspend()
                cpu_before = time.process_time()
                render()
                run.samples_ms += [parts.elapsed_ms(render) for _ in range(SAMPLE_RENDERS)]
                sample_cpu += time.process_time() - cpu_before
                for process in [main, *pool]:
                    process.resume()
                pauses.append((halted_at, time.time()))
                running_since = time.perf_counter()
                paused += running_since - halted
        elapsed = time.perf_counter() - start - paused
        after = cpu()
        after["bench"] -= sample_cpu  # the sample renders ran while the worker was stopped
        run.cores = {name: (after[name] - before[name]) / elapsed for name in before}
        run.mb_after_all = worker_rss_mb(worker)
        lines = worker.output[lines_at_start:]
        tasks = log_events(lines, SUCCEEDED)
        # Means: letters a minute is a mean rate, and renders have a long tail (a median
        # render was 10% under the mean).
        run.pool_task_ms = statistics.mean(outside_pauses(tasks, pauses, seconds=1)) * 1000
        renders = outside_pauses(log_events(lines, RENDERED), pauses, seconds=0.001)
        run.pool_render_ms = statistics.mean(renders)
        run.pool_render_median_ms = statistics.median(renders)
        # The share of the worker's running time its two processes spent in a task (a task's
        # time minus the pauses it was stopped in).
        in_tasks = sum(
            seconds
            - sum(max(0.0, min(end, stop) - max(end - seconds, halt)) for halt, stop in pauses)
            for end, seconds in tasks
        )
        run.pool_busy = in_tasks / (2 * elapsed)
        run.failed = Letter.objects.filter(pk__in=ids, state=Letter.State.FAILED).count()
        run.letters_per_min = (LETTERS - done_at_start) / elapsed * 60
    finally:
        worker.stop()
    return run


def signing_certificate() -> None:
    """A test certificate for this run (demo_data then signs Daniel Kim's letter with it)."""
    from signing.certificates import make_test_authority

    authority = make_test_authority("Example Corp")
    path = Path(tempfile.mkdtemp()) / "signing.p12"
    path.write_bytes(authority.signer_pkcs12())
    settings.SIGNING_CERTIFICATE = str(path)
    global AUTHORITY
    AUTHORITY = authority


AUTHORITY: Any = None


def _seal_for(args: tuple[bytes, str, float, str]) -> int:
    """One of two processes: render certificate pages and seal letters until the time is up."""
    from offers.letters import StaticOnlyFetcher, render_document
    from signing import pdf

    letter_pdf, certificate, until, name = args
    count = 0
    while time.time() < until:
        page = render_document(certificate, StaticOnlyFetcher()).write_pdf()
        pdf.seal_candidate(
            letter_pdf,
            certificate_pdf=page,
            typed_name=name,
            signed_at=datetime.datetime.now(datetime.UTC),
            reason="benchmark",
        )
        count += 1
    return count


def signing_figures() -> None:
    from offers.letters import StaticOnlyFetcher, render_document
    from signing import pdf, services
    from signing.models import Signature
    from signing.pdf import _timestamper_for
    from tests.servers import TimestampAuthority

    signature = Signature.objects.select_related("offer").get()
    offer = offer_for_letter(signature.offer_id)
    with TimestampAuthority(AUTHORITY) as tsa:
        settings.SIGNING_TSA_URL = tsa.url

        def seal_job() -> None:
            Signature.objects.filter(pk=signature.pk).update(state=Signature.State.SIGNED)
            services.seal(signature_id=signature.pk)

        with signature.letter.file.open("rb") as handle:
            letter_pdf = handle.read()
        certificate = services.certificate_html(signature)
        page = render_document(certificate, StaticOnlyFetcher()).write_pdf()
        now = datetime.datetime.now(datetime.UTC)
        actions = {
            "render": lambda: letter_render_pdf(offer, version=offer.version, draft=False),
            "sign": seal_job,
            # Its parts: the certificate page (WeasyPrint), the seal (pyHanko, with one request
            # to the timestamp authority), and that request alone.
            "certificate": lambda: render_document(certificate, StaticOnlyFetcher()).write_pdf(),
            "seal": lambda: pdf.seal_candidate(
                letter_pdf,
                certificate_pdf=page,
                typed_name=signature.typed_name,
                signed_at=now,
                reason="benchmark",
            ),
            "timestamp": lambda: asyncio.run(
                _timestamper_for(tsa.url).async_timestamp(hashlib.sha256(b"x").digest(), "sha256")
            ),
        }
        times: dict[str, list[float]] = {name: [] for name in actions}
        for action in actions.values():
            action()  # warm-up: stylesheet, fonts, the scaled signature font
        for _ in range(ROUNDS):
            for name, action in actions.items():
                times[name].append(parts.elapsed_ms(action))
        sign, render = statistics.median(times["sign"]), statistics.median(times["render"])
        parts_ms = {name: statistics.median(times[name]) for name in ["certificate", "seal"]}
        stamp_ms = statistics.median(times["timestamp"])
        signature.refresh_from_db()
        connections.close_all()
        context = multiprocessing.get_context("fork")
        until = time.time() + SIGN_SECONDS
        with context.Pool(2) as pool:
            counts = pool.map(
                _seal_for, [(letter_pdf, certificate, until, signature.typed_name)] * 2
            )
    per_min = sum(counts) / SIGN_SECONDS * 60
    print(
        f"sign_ms={sign:.0f} weasyprint_ms={render:.0f} sign_ratio={sign / render:.2f} "
        f"(target <= 0.50) signed_letters_per_min={per_min:.0f} rounds={ROUNDS}"
    )
    rest = sign - parts_ms["certificate"] - parts_ms["seal"]
    print(
        f"sign_parts: certificate_page_ms={parts_ms['certificate']:.0f} "
        f"seal_ms={parts_ms['seal']:.0f} (of which timestamp_ms={stamp_ms:.0f}) "
        f"job_rest_ms={rest:.0f} (read, check, store, record)"
    )


def main() -> None:
    offer = prepare()
    signing_figures()
    if "--signing" in sys.argv:
        return
    # As each of the worker's pool processes does when it starts (config.celery): what this
    # process holds so far is left out of the collections its renders set off.
    gc.collect()
    gc.freeze()
    before, service = render_and_job_ms(offer)
    alone, paired = paired_render_ms(offer)
    theirs = chromium_ms(offer)
    run = worker_throughput(offer)
    # The render, measured during the worker's run two ways: alone in this process in the
    # worker's pauses, and by the worker's own processes between them. Means, as letters a
    # minute is a mean rate: a process doing nothing but render makes 60,000 / (mean render ms)
    # a minute, and renders here have a long tail (medians are printed beside them). The faster
    # of the two sets the limit: the stricter reading of "if they did nothing but render".
    sampled = statistics.mean(run.samples_ms)
    median = statistics.median(run.samples_ms)
    ours = min(sampled, run.pool_render_ms)
    print(
        f"rounds={ROUNDS} letters={LETTERS} broker={settings.CELERY_BROKER_URL.split('@')[-1]} "
        f"database={settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} "
        f"worker_peak_mb={run.peak_mb:.0f} worker_mb_after_10={run.mb_after_ten:.0f} "
        f"worker_mb_after_all={run.mb_after_all:.0f}"
    )
    limit = 2 * 60_000 / ours  # two processes doing nothing but render
    # Measured before the worker ran, each pair in turns: the render and the whole job without
    # Celery; one process rendering alone and two at once.
    print(
        f"render_before_ms={before:.0f} service_ms={service:.0f} alone_render_ms={alone:.0f} "
        f"paired_render_ms={paired:.0f} paired_ratio={paired / alone:.2f} "
        f"chromium_ratio={ours / theirs:.2f}"
    )
    print(" ".join(f"cores_{name}={share:.2f}" for name, share in run.cores.items()))
    # Inside the worker, outside the pauses (means): the render as its pool processes timed
    # it, the whole task around it, and the share of the time they were in a task at all.
    # Letters a minute = 2 processes x 60,000 x pool_busy / pool_task_ms, so
    # pool_limit_ratio = render_share x pool_busy: what the job, Celery and the dispatch
    # between tasks cost, measured in the same processes at the same moments.
    print(
        f"samples={len(run.samples_ms)} sample_min_ms={min(run.samples_ms):.0f} "
        f"sample_max_ms={max(run.samples_ms):.0f} "
        f"sample_mean_ms={sampled:.0f} sample_median_ms={median:.0f} "
        f"pool_render_median_ms={run.pool_render_median_ms:.0f} "
        f"limit_ratio_by_samples={run.letters_per_min / (2 * 60_000 / sampled):.2f} "
        f"limit_ratio_by_medians={run.letters_per_min / (2 * 60_000 / median):.2f}"
    )
    print(
        f"pool_render_ms={run.pool_render_ms:.0f} pool_task_ms={run.pool_task_ms:.0f} "
        f"render_share={run.pool_render_ms / run.pool_task_ms:.2f} pool_busy={run.pool_busy:.2f} "
        f"pool_limit_ratio={run.letters_per_min * run.pool_render_ms / 120_000:.2f}"
    )
    print(
        f"weasyprint_ms={ours:.0f} letters_per_min={run.letters_per_min:.0f} "
        f"limit_ratio={run.letters_per_min / limit:.2f} failed={run.failed} "
        f"mem_growth_mb={run.mb_after_all - run.mb_after_ten:.0f} chromium_ms={theirs:.0f}"
    )


if __name__ == "__main__":
    main()
