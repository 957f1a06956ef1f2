"""Recruiter and approver pages under load, against the floors any such page can reach.

Run by hand: `.venv/bin/python tests/benchmarks/bench_builder.py`. It makes a fresh SQLite
database (or uses DATABASE_URL) with 10,000 offers, starts gunicorn (two workers) on 127.0.0.1,
and loads each URL from four client processes for a few seconds.

`recruiter_floor` is a view that only passes the recruiter check every builder page makes
(session, user and role) and answers "ok": the most any recruiter page could reach on this stack.
Targets (issue 16), each a ratio of rates in this run: floor against a trivial view >= 0.40, the
live totals against the floor >= 0.50, the list against the floor >= 0.40; the list's and the
admin's queries the same for 100 and for 10,000 offers.

Then, in-process, the median milliseconds of one request of each page and of its parts
(tests/benchmarks/parts.py): database, templates, the offer form, valuing it, and the rest.

`--beside COMMIT` then runs the live totals of COMMIT's code beside today's, alternating, and
prints both and the ratios (tests/benchmarks/bench_totals_beside.py; issue 39's targets against
2132bba, the code of 2026-12-03: valuing <= 1.5, the whole request <= 1.2).
"""

from __future__ import annotations

import datetime
import http.client
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.benchmarks.bench_settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
PORT = 8765
SECONDS = 5.0
OFFERS = 10_000
CLIENTS = 4
MIXED_STATUSES = ["pending_approval", "accepted", "approved", "sent", "accepted"]

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from offers.models import Offer, TokenAllocation  # noqa: E402
from offers.roles import FINANCE  # noqa: E402
from tests import factories  # noqa: E402
from tests.benchmarks import parts  # noqa: E402


def grow_to(count: int, first: Offer, **changes: object) -> None:
    """Copies of the first offer (figures stored, one token model each) up to `count` offers;
    with `mixed`, in the statuses, levels and start dates the token commitments add up."""
    allocation = first.allocations.get()
    mixed = bool(changes.pop("mixed", False))
    missing = count - Offer.objects.count()
    offers = []
    for index in range(max(missing, 0)):
        copy = Offer(**{f.attname: getattr(first, f.attname) for f in Offer._meta.fields})
        copy.pk = None
        copy.candidate_name = f"Candidate {index}"
        for name, value in changes.items():
            setattr(copy, name, value)
        if mixed:
            copy.status = MIXED_STATUSES[index % len(MIXED_STATUSES)]
            copy.level = f"L{index % 5 + 3}"
            copy.start_date = first.start_date + datetime.timedelta(days=index % 800 - 400)
        offers.append(copy)
    created = Offer.objects.bulk_create(offers, batch_size=500)
    TokenAllocation.objects.bulk_create(
        (
            TokenAllocation(
                offer_id=o.pk,
                model_id=allocation.model_id,
                display_name=allocation.display_name,
                share_percent=allocation.share_percent,
                listed_usd_per_day=allocation.listed_usd_per_day,
                listed_tokens_per_day=allocation.listed_tokens_per_day,
            )
            for o in created
        ),
        batch_size=500,
    )


def session_of(user: object) -> str:
    client = Client()
    client.force_login(user, backend="offers.auth.RoleBackend")  # type: ignore[arg-type]
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def queries_of(session: str, path: str) -> int:
    """Queries of one request of a logged-in person (the second: their session is cached)."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def hammer(args: tuple[str, str, dict[str, str], bytes | None, float]) -> int:
    method, path, headers, body, seconds = args
    done = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{method} {path} answered {response.status}")
        conn.close()
        done += 1
    return done


def rate(method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> float:
    hammer((method, path, headers, body, 0.5))  # warm up
    with multiprocessing.Pool(CLIENTS) as pool:
        counts = pool.map(hammer, [(method, path, headers, body, SECONDS)] * CLIENTS)
    return sum(counts) / SECONDS


def main() -> None:
    call_command("migrate", verbosity=0)
    recruiter = factories.user(f"bench-{time.time_ns()}")
    manager = factories.user(
        f"manager-{time.time_ns()}", role=factories.HIRING_MANAGERS, is_staff=True
    )
    first = factories.offer(by=recruiter, hiring_manager=manager)
    finance = factories.user(f"finance-{time.time_ns()}", role=FINANCE)
    session, manager_session = session_of(recruiter), session_of(manager)
    finance_session = session_of(finance)
    grow_to(100, first, status="pending_approval", mixed=True)
    list_queries_100 = queries_of(session, "/offers/")
    admin_queries_100 = queries_of(manager_session, "/admin/offers/offer/?awaiting=me")
    commitments_queries_100 = queries_of(finance_session, "/offers/commitments/")
    grow_to(OFFERS, first, status="pending_approval", mixed=True)
    list_queries_10000 = queries_of(session, "/offers/")
    admin_queries_10000 = queries_of(manager_session, "/admin/offers/offer/?awaiting=me")
    commitments_queries_10000 = queries_of(finance_session, "/offers/commitments/")

    csrf = "b" * 32
    cookies = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
    staff = f"{settings.SESSION_COOKIE_NAME}={manager_session}"
    # As a browser posts it while the recruiter types: the level hint on the page is for L5.
    form = factories.form_post(recompute="1", hiring_manager=manager.pk, budget_hint_for="L5")
    body = urllib.parse.urlencode(form).encode()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ},
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/")
                break
            except OSError:
                time.sleep(0.1)
        get = {"Cookie": cookies}
        post = {
            "Cookie": cookies,
            "X-CSRFToken": csrf,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{PORT}/offers/new/",
        }
        trivial = rate("GET", "/bench/trivial", get)
        floor = rate("GET", "/bench/recruiter-floor", get)
        totals = rate("POST", "/offers/new/", post, body)
        listing = rate("GET", "/offers/", get)
        staff_floor = rate("GET", "/bench/staff-floor", {"Cookie": staff})
        admin_list = rate("GET", "/admin/offers/offer/?awaiting=me", {"Cookie": staff})
        finance_cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={finance_session}"}
        commitments_page = rate("GET", "/offers/commitments/", finance_cookie)
    finally:
        server.terminate()
        server.wait()
    print(f"offers={Offer.objects.count()} clients={CLIENTS} seconds_per_url={SECONDS}")
    print_parts(session, manager_session, body)
    print(
        f"trivial_rps={trivial:.0f} floor_rps={floor:.0f} totals_rps={totals:.0f} "
        f"list_rps={listing:.0f} staff_floor_rps={staff_floor:.0f} admin_rps={admin_list:.0f} "
        f"commitments_rps={commitments_page:.0f} "
        f"admin_queries_100={admin_queries_100} admin_queries_10000={admin_queries_10000}"
    )
    print(
        f"floor_ratio={floor / trivial:.2f} totals_floor_ratio={totals / floor:.2f} "
        f"list_floor_ratio={listing / floor:.2f} list_queries_100={list_queries_100} "
        f"list_queries_10000={list_queries_10000} admin_floor_ratio={admin_list / staff_floor:.2f} "
        f"commitments_floor_ratio={commitments_page / staff_floor:.2f} "
        f"commitments_queries_100={commitments_queries_100} "
        f"commitments_queries_10000={commitments_queries_10000}"
    )


def print_parts(session: str, manager_session: str, body: bytes) -> None:
    """One request of each page in-process (the production middleware, no HTTP), in parts."""
    recruiter, manager = Client(), Client()
    recruiter.cookies[settings.SESSION_COOKIE_NAME] = session
    manager.cookies[settings.SESSION_COOKIE_NAME] = manager_session
    form = body.decode()
    pages: dict[str, Callable[[], object]] = {
        "trivial": lambda: recruiter.get("/bench/trivial"),
        "floor": lambda: recruiter.get("/bench/recruiter-floor"),
        "totals": lambda: recruiter.post(
            "/offers/new/",
            form,
            content_type="application/x-www-form-urlencoded",
            headers={"HX-Request": "true"},
        ),
        "list": lambda: recruiter.get("/offers/"),
        "admin": lambda: manager.get("/admin/offers/offer/?awaiting=me"),
    }
    for page, request in pages.items():
        response = request()
        if response.status_code != 200:  # type: ignore[attr-defined]
            raise SystemExit(f"{page} answered {response.status_code}")  # type: ignore[attr-defined]
        print(parts.line(page, parts.parts_ms(request)))
    print(parts.floors(urllib.parse.parse_qs(form)))


if __name__ == "__main__":
    main()
    if "--beside" in sys.argv:
        from tests.benchmarks import bench_totals_beside

        bench_totals_beside.main(sys.argv[sys.argv.index("--beside") + 1])
