"""The API through HTTP: keys and scopes, pages, ETags, idempotency, problems; webhooks to a
receiver on loopback that checks every signature."""

from __future__ import annotations

import datetime
import io
import json
import socket
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from api import webhooks
from api.models import ApiKey, IdempotentRequest, WebhookDelivery, WebhookEndpoint, WebhookEvent
from offers.models import Department, Offer
from offers.services import offer_approve
from tests import factories
from tests.factories import api_key as make_key
from tests.servers import free_port

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


def call(
    client: Client, method: str, path: str, key: str | None, body: Any = None, **headers: str
) -> Any:
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    if key:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return getattr(client, method)(
        BASE + path,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        **extra,
    )


def draft(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    body = {
        "candidate_name": "Sam Applicant",
        "candidate_email": "sam@example.org",
        "role_title": "Platform Engineer",
        "level": "L5",
        "department": "Engineering",
        "location": "Berlin",
        "hiring_manager": "hm",
        "currency": "USD",
        "usd_exchange_rate": "1",
        "base_salary": "180000",
        "target_bonus_percent": "10",
        "sign_on_bonus": "0",
        "equity_type": "none",
        "token_budget_unit": "usd",
        "token_usd_per_day": "100",
        "token_profile": "agentic-coding",
        "working_days": 230,
        "start_date": (today + datetime.timedelta(days=40)).isoformat(),
        "expires_on": (today + datetime.timedelta(days=10)).isoformat(),
        "models": [{"model_id": "claude-sonnet-4-5", "share_percent": "100"}],
        "external": {"ats": "greenhouse", "candidate_id": "c-1", "application_id": "a-1"},
    }
    body.update(overrides)
    return body


# Keys and scopes ---------------------------------------------------------------------------------


def test_a_key_is_shown_once_stored_hashed_and_acts_within_its_users_offers(
    client: Client, key: str, recruiter: User, manager: User
) -> None:
    stored = ApiKey.objects.get()
    assert key not in json.dumps([stored.key_hash, stored.prefix, stored.name])
    mine = factories.offer(by=recruiter, hiring_manager=manager)
    stranger = factories.user("other")
    elsewhere = factories.offer(
        by=stranger, hiring_manager=manager, department=Department.objects.create(name="Sales")
    )
    listed = call(client, "get", "/offers", key).json()
    assert [row["id"] for row in listed["data"]] == [mine.pk]
    assert call(client, "get", f"/offers/{elsewhere.pk}", key).status_code == 404
    response = call(client, "get", "/offers", None)
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"
    assert call(client, "get", "/offers", key[:-2] + "xx").status_code == 401
    call_command("api_key", "revoke", stored.prefix, stdout=io.StringIO())
    assert call(client, "get", "/offers", key).status_code == 401


def test_a_read_key_cannot_write(client: Client, recruiter: User, manager: User) -> None:
    read_only = make_key(recruiter.username, "offers:read")
    response = call(client, "post", "/offers", read_only, draft())
    assert response.status_code == 403
    assert response.json()["detail"] == "This key lacks the scope offers:write."
    assert not Offer.objects.exists()


# Writing -----------------------------------------------------------------------------------------


def test_a_draft_from_ats_data_is_audited_as_the_keys_user_with_its_references(
    client: Client, key: str, recruiter: User
) -> None:
    response = call(client, "post", "/offers", key, draft())
    assert response.status_code == 201, response.content
    body = response.json()
    offer = Offer.objects.get(pk=body["id"])
    assert (offer.status, offer.created_by, offer.candidate_name) == (
        "draft",
        recruiter,
        "Sam Applicant",
    )
    assert body["external"]["application_id"] == "a-1"
    assert body["merge_status"] == "DRAFT"
    assert body["token_line"]["usd_per_day"] == "100.00"
    assert body["token_line"]["prices_as_of"]
    assert response["ETag"] == f'"{offer.version}"'
    assert response["Location"].endswith(f"/api/v1/offers/{offer.pk}")
    assert offer.events.get().actor == recruiter


def test_errors_are_problem_json_naming_the_field(client: Client, key: str) -> None:
    response = call(client, "post", "/offers", key, draft(base_salary="lots"))
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert "base_salary" in [e["field"] for e in response.json()["errors"]]
    response = call(client, "post", "/offers", key, draft(candidate_email="not-an-email"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["candidate_email"]
    response = call(client, "post", "/offers", key, draft(department="Nowhere"))
    assert response.json()["errors"] == [
        {"field": "department", "message": "No department 'Nowhere'."}
    ]
    assert not Offer.objects.exists()


def test_etag_and_if_match_guard_a_patch_and_an_approved_term_reopens_approval(
    client: Client, key: str, manager: User
) -> None:
    offer_id = call(client, "post", "/offers", key, draft()).json()["id"]
    got = call(client, "get", f"/offers/{offer_id}", key)
    tag = got["ETag"]
    assert (
        call(client, "get", f"/offers/{offer_id}", key, **{"If-None-Match": tag}).status_code == 304
    )
    assert call(client, "patch", f"/offers/{offer_id}", key, {"level": "L6"}).status_code == 428
    stale = call(
        client, "patch", f"/offers/{offer_id}", key, {"level": "L6"}, **{"If-Match": '"999"'}
    )
    assert stale.status_code == 412 and stale["Content-Type"] == "application/problem+json"
    assert (
        call(client, "post", f"/offers/{offer_id}/submit", key).json()["status"]
        == "pending_approval"
    )
    offer_approve(offer=Offer.objects.get(pk=offer_id), by=manager)
    tag = call(client, "get", f"/offers/{offer_id}", key)["ETag"]
    changed = call(
        client, "patch", f"/offers/{offer_id}", key, {"base_salary": "190000"}, **{"If-Match": tag}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["status"] == "pending_approval"  # the builder's rule: approve again
    assert changed.json()["terms"]["base_salary"] == "190000.00"
    assert changed["ETag"] != tag
    assert Offer.objects.get(pk=offer_id).level == "L5"  # what was not sent stays


def test_one_idempotency_key_drafts_one_offer(client: Client, key: str) -> None:
    first = call(client, "post", "/offers", key, draft(), **{"Idempotency-Key": "ats-77"})
    again = call(client, "post", "/offers", key, draft(), **{"Idempotency-Key": "ats-77"})
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert Offer.objects.count() == 1
    other = call(client, "post", "/offers", key, draft(level="L6"), **{"Idempotency-Key": "ats-77"})
    assert other.status_code == 422 and "another request" in other.json()["detail"]
    IdempotentRequest.objects.create(api_key=ApiKey.objects.get(), key="busy", request_sha256="x")
    busy = call(client, "post", "/offers", key, draft(), **{"Idempotency-Key": "busy"})
    assert busy.status_code == 409
    assert Offer.objects.count() == 1


def test_two_requests_at_once_with_one_idempotency_key_make_one_offer(
    transactional_db: None,
) -> None:
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: CI runs this on PostgreSQL")
    factories.ensure_roles()
    factories.snapshot()
    recruiter = factories.user("riley")
    factories.user("hm", role="Hiring managers", is_staff=True)
    Department.objects.get_or_create(name="Engineering")[0].recruiters.add(recruiter)
    secret = make_key("riley")
    barrier, statuses = threading.Barrier(2), []

    def send() -> None:
        try:
            barrier.wait()
            response = call(
                Client(), "post", "/offers", secret, draft(), **{"Idempotency-Key": "same"}
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) in ([201, 201], [201, 409])
    assert Offer.objects.count() == 1


# Pages -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_pages_over_ten_thousand_offers_cost_the_same_queries(
    client: Client, key: str, recruiter: User, manager: User, django_assert_num_queries: Any
) -> None:
    template = factories.offer(by=recruiter, hiring_manager=manager)
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Offer._meta.concrete_fields
        if not f.primary_key
    }
    Offer.objects.bulk_create(
        [Offer(**{**fields, "candidate_name": f"Candidate {n}"}) for n in range(9_999)],
        batch_size=1000,
    )
    seen: list[int] = []
    url = "/offers?limit=100"
    counts = []
    while url:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = call(client, "get", url, key)
        counts.append(len(queries))
        page = response.json()
        seen += [row["id"] for row in page["data"]]
        url = page["next"].split("/api/v1", 1)[1] if page["next"] else ""
        if page["next"]:
            assert response["Link"] == f'<{page["next"]}>; rel="next"'
    assert len(seen) == len(set(seen)) == 10_000
    # Every page the same: the key, the page; the first also writes when the key was last used
    # (once a minute at most).
    assert counts[0] == counts[1] + 1 and set(counts[1:]) == {2}, counts


def test_filters_and_a_bad_cursor(client: Client, key: str, recruiter: User, manager: User) -> None:
    draft_offer = factories.offer(by=recruiter, hiring_manager=manager)
    submitted = factories.offer(by=recruiter, hiring_manager=manager)
    from offers.services import offer_submit

    offer_submit(offer=submitted, by=recruiter)
    rows = call(client, "get", "/offers?status=pending_approval", key).json()["data"]
    assert [row["id"] for row in rows] == [submitted.pk]
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    response = client.get(
        BASE + "/offers", {"updated_after": later}, HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.json()["data"] == []
    bad = call(client, "get", "/offers?cursor=nonsense", key)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "cursor"
    assert draft_offer.pk


def test_the_openapi_document_and_the_docs_are_served(client: Client) -> None:
    schema = client.get(BASE + "/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/offers", "/api/v1/offers/{offer_id}", "/api/v1/events"} <= set(schema["paths"])
    docs = client.get(BASE + "/docs").content.decode()
    # Served from our static files under our CSP (script-src 'self'): no CDN, no inline script.
    assert "ninja/swagger-ui-bundle.js" in docs and "cdn.jsdelivr" not in docs


# Webhooks ----------------------------------------------------------------------------------------


class Receiver:
    """A webhook receiver on loopback that checks every signature with the endpoint's secret."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.secret = ""
        self.received: list[dict[str, Any]] = []
        self.answers: list[int] = []  # status codes to give before 200
        self.bad_signatures = 0

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(body, headers)
                except Exception:
                    receiver.bad_signatures += 1
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.received.append(
                    {
                        "id": headers["webhook-id"],
                        "status": status,
                        "host": headers["host"],
                        **json.loads(body),
                    }
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as hooks:
        yield hooks


def register(receiver: Receiver, events: str = "") -> WebhookEndpoint:
    out = io.StringIO()
    arguments = ["webhook_endpoint", "add", receiver.url]
    if events:
        arguments += ["--events", events]
    call_command(*arguments, stdout=out, stderr=io.StringIO())
    receiver.secret = out.getvalue().strip()
    assert receiver.secret.startswith("whsec_")
    return WebhookEndpoint.objects.get(url=receiver.url)


def deliver_all(endpoint: WebhookEndpoint) -> None:
    WebhookDelivery.objects.filter(state="pending").update(next_attempt_at=timezone.now())
    webhooks.deliver_due(endpoint.pk)


def test_each_change_is_delivered_once_signed_and_in_order(
    client: Client,
    key: str,
    manager: User,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoint = register(receiver)
    offer_id = call(client, "post", "/offers", key, draft()).json()["id"]
    call(client, "post", f"/offers/{offer_id}/submit", key)
    offer_approve(offer=Offer.objects.get(pk=offer_id), by=manager)
    deliver_all(endpoint)
    assert receiver.bad_signatures == 0
    assert [r["type"] for r in receiver.received] == [
        "offer.created",
        "offer.submitted",
        "offer.approved",
    ]
    assert len({r["id"] for r in receiver.received}) == 3
    data = receiver.received[-1]["data"]
    assert data == {
        "id": offer_id,
        "version": 1,
        "status": "approved",
        "url": f"http://127.0.0.1:8000/api/v1/offers/{offer_id}",
    }
    assert "base_salary" not in json.dumps(receiver.received)  # thin: no pay
    deliver_all(endpoint)
    assert len(receiver.received) == 3  # once each
    events = call(client, "get", "/events", key).json()
    assert [e["type"] for e in events["data"]] == [
        "offer.created",
        "offer.submitted",
        "offer.approved",
    ]
    assert call(client, "get", f"/events?after={events['next_after']}", key).json()["data"] == []


def test_a_failed_delivery_is_retried_with_the_same_id_and_later_events_wait(
    client: Client, key: str, receiver: Receiver
) -> None:
    endpoint = register(receiver, "offer.created,offer.submitted")
    receiver.answers = [500]
    offer_id = call(client, "post", "/offers", key, draft()).json()["id"]
    call(client, "post", f"/offers/{offer_id}/submit", key)
    webhooks.deliver_due(endpoint.pk)
    assert [(r["type"], r["status"]) for r in receiver.received] == [("offer.created", 500)]
    failed = WebhookDelivery.objects.get(event__type="offer.created")
    assert failed.attempts == 1 and failed.state == "pending"
    assert failed.next_attempt_at > timezone.now() + datetime.timedelta(seconds=20)
    assert failed.log[0]["status"] == 500
    deliver_all(endpoint)
    assert [(r["type"], r["status"]) for r in receiver.received] == [
        ("offer.created", 500),
        ("offer.created", 200),
        ("offer.submitted", 200),
    ]
    assert receiver.received[0]["id"] == receiver.received[1]["id"]  # the same webhook-id


def test_410_disables_the_endpoint(client: Client, key: str, receiver: Receiver) -> None:
    endpoint = register(receiver)
    receiver.answers = [410]
    offer_id = call(client, "post", "/offers", key, draft()).json()["id"]
    call(client, "post", f"/offers/{offer_id}/submit", key)
    deliver_all(endpoint)
    endpoint.refresh_from_db()
    assert not endpoint.active and "410" in endpoint.disabled_reason
    assert len(receiver.received) == 1
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"dropped"}
    offer = Offer.objects.get(pk=offer_id)
    webhooks.emit("offer.updated", offer)
    assert WebhookDelivery.objects.count() == 2  # nothing new for a disabled endpoint


def test_a_rotated_secret_signs_beside_the_old_one(
    client: Client, key: str, receiver: Receiver
) -> None:
    endpoint = register(receiver)
    old = receiver.secret
    out = io.StringIO()
    call_command("webhook_endpoint", "rotate", str(endpoint.pk), stdout=out, stderr=io.StringIO())
    call(client, "post", "/offers", key, draft())
    deliver_all(endpoint)
    assert receiver.bad_signatures == 0  # the old secret still verifies
    receiver.secret = out.getvalue().strip()
    call(client, "post", "/offers", key, draft(candidate_email="b@example.org"))
    deliver_all(endpoint)
    assert receiver.bad_signatures == 0 and receiver.secret != old


def test_private_addresses_are_refused_unless_allowed(settings: Any) -> None:
    from django.core.management.base import CommandError

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    for url in [
        "http://127.0.0.1:9/x",
        "http://10.0.0.8/x",
        "http://[::1]/x",
        "ftp://example.com/",
    ]:
        with pytest.raises(CommandError):
            call_command("webhook_endpoint", "add", url, stdout=io.StringIO(), stderr=io.StringIO())
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "address",
    [
        "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254, the cloud metadata service
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
        "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
        "[::127.0.0.1]",  # IPv4-compatible
        "[::ffff:10.0.0.8]",  # IPv4-mapped
    ],
)
def test_ipv6_forms_of_a_private_ipv4_address_are_refused(settings: Any, address: str) -> None:
    from django.core.management.base import CommandError

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(CommandError, match="private, loopback or reserved"):
        call_command(
            "webhook_endpoint",
            "add",
            f"https://{address}/x",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not WebhookEndpoint.objects.exists()


def resolving(monkeypatch: Any, answers: dict[str, str]) -> None:
    """Resolve these names to these addresses; every other name as the machine does."""
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_that_resolves_elsewhere_at_delivery_is_not_contacted(
    client: Client, key: str, receiver: Receiver, settings: Any, monkeypatch: Any
) -> None:
    """DNS rebinding: public when registered, loopback when delivered."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    url = f"http://hooks.example.com:{receiver.port}/hooks"
    resolving(monkeypatch, {"hooks.example.com": "93.184.216.34"})
    endpoint = webhooks.endpoint_add(url=url, events=[])
    resolving(monkeypatch, {"hooks.example.com": "127.0.0.1"})
    call(client, "post", "/offers", key, draft())
    deliver_all(endpoint)
    assert receiver.received == []
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.state == "pending" and delivery.attempts == 1
    assert "Not contacted" in delivery.log[0]["error"] and "127.0.0.1" in delivery.log[0]["error"]


def test_a_delivery_goes_to_the_address_the_name_resolved_to_and_was_checked(
    client: Client, key: str, receiver: Receiver, monkeypatch: Any
) -> None:
    """The name resolves once, to the receiver's address here (private addresses allowed, as in
    tests): the request reaches it with the name in its Host header."""
    url = f"http://hooks.example.com:{receiver.port}/hooks"
    resolving(monkeypatch, {"hooks.example.com": "127.0.0.1"})
    endpoint = webhooks.endpoint_add(url=url, events=[])
    receiver.secret = endpoint.secret
    call(client, "post", "/offers", key, draft())
    deliver_all(endpoint)
    assert [(r["type"], r["host"]) for r in receiver.received] == [
        ("offer.created", f"hooks.example.com:{receiver.port}")
    ]
    assert receiver.bad_signatures == 0


def test_an_event_is_written_with_the_change_or_not_at_all(
    key: str, recruiter: User, manager: User
) -> None:
    from django.db import transaction

    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/x", secret=webhooks.new_secret())
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.offer(by=recruiter, hiring_manager=manager)
        assert WebhookEvent.objects.count() == 1
        raise RuntimeError("the change fails")
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()
    assert Decimal(1)


@pytest.mark.worker
def test_an_event_whose_job_was_lost_is_delivered_by_the_worker_from_the_outbox(
    worker_db: None, tmp_path: Any
) -> None:
    import redis
    from django.conf import settings

    from tests.workers import WorkerProcess, wait_for

    recruiter = factories.user("riley")
    manager = factories.user("hm", role="Hiring managers", is_staff=True)
    with Receiver() as hooks:
        endpoint = register(hooks, "offer.created")
        offer = factories.offer(by=recruiter, hiring_manager=manager)  # its job is queued
        # The job is lost (a worker killed before it took it, a broker emptied): the event and
        # its delivery wait in the database, and the beat's sweep delivers them.
        if settings.CELERY_BROKER_URL.startswith("redis"):
            redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
        else:
            from pathlib import Path

            folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
            for message in folder.glob("*"):
                message.unlink(missing_ok=True)
        worker = WorkerProcess(
            beat_schedule=str(tmp_path / "beat"), extra_env={"WEBHOOK_SWEEP_SECONDS": "1"}
        ).start()
        try:
            wait_for(lambda: len(hooks.received) == 1, timeout=60, what="the delivery")
        finally:
            worker.stop()
        assert hooks.bad_signatures == 0
        assert hooks.received[0]["data"]["id"] == offer.pk
        assert WebhookDelivery.objects.get(endpoint=endpoint).state == "delivered"


def test_the_operator_makes_a_key_in_the_admin_and_sends_a_failed_delivery_again(
    client: Client, recruiter: User, receiver: Receiver
) -> None:
    admin_user = factories.user("ops", role=None, is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        "/admin/api/apikey/add/",
        {"name": "Greenhouse", "user": recruiter.pk, "scopes": '["offers:read"]'},
        follow=True,
    )
    secret = next(
        str(m).split(": ", 1)[1]
        for m in response.context["messages"]
        if "shown this once" in str(m)
    )
    assert call(Client(), "get", "/offers", secret).status_code == 200
    bad = client.post(
        "/admin/api/apikey/add/", {"name": "x", "user": recruiter.pk, "scopes": '["all"]'}
    )
    assert bad.status_code == 200 and ApiKey.objects.count() == 1  # refused, said on the form

    endpoint = register(receiver)
    offer = factories.offer(
        by=recruiter, hiring_manager=factories.user("hm2", role="Hiring managers")
    )
    WebhookDelivery.objects.update(state="failed")
    client.post(
        "/admin/api/webhookdelivery/",
        {
            "action": "send_again",
            "_selected_action": list(WebhookDelivery.objects.values_list("pk", flat=True)),
        },
    )
    deliver_all(endpoint)
    assert [r["data"]["id"] for r in receiver.received] == [offer.pk]


def test_versions_say_when_each_began_and_what_changed(client: Client, key: str) -> None:
    offer_id = call(client, "post", "/offers", key, draft()).json()["id"]
    tag = call(client, "get", f"/offers/{offer_id}", key)["ETag"]
    call(
        client, "patch", f"/offers/{offer_id}", key, {"base_salary": "185000"}, **{"If-Match": tag}
    )
    tag = call(client, "get", f"/offers/{offer_id}", key)["ETag"]
    call(
        client,
        "patch",
        f"/offers/{offer_id}",
        key,
        {"internal_notes": "call Friday"},
        **{"If-Match": tag},
    )
    versions = call(client, "get", f"/offers/{offer_id}/versions", key).json()["data"]
    assert [v["version"] for v in versions] == [1, 2]  # a note is not a term: no new version
    assert versions[1]["changes"]["base_salary"] == ["180000.00", "185000.00"]
    assert Offer.objects.get(pk=offer_id).version == 2


def test_webhook_endpoints_are_managed_through_the_api_with_their_scope(
    client: Client, key: str, recruiter: User
) -> None:
    assert call(client, "get", "/webhooks", key).status_code == 403
    manage = make_key(recruiter.username, "webhooks:manage")
    made = call(
        client,
        "post",
        "/webhooks",
        manage,
        {"url": "http://127.0.0.1:9/in", "events": ["offer.signed"]},
    )
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    listed = call(client, "get", "/webhooks", manage).json()["data"]
    assert listed == [{**made.json(), "secret": None}]
    bad = call(client, "post", "/webhooks", manage, {"url": "http://x/", "events": ["offer.nope"]})
    assert bad.status_code == 422
    rotated = call(client, "post", f"/webhooks/{made.json()['id']}/rotate", manage).json()
    assert rotated["secret"] != made.json()["secret"]
    assert call(client, "delete", f"/webhooks/{made.json()['id']}", manage).status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_the_letter_downloads_and_a_missing_file_is_a_404_not_a_crash(
    client: Client, key: str, recruiter: User, manager: User
) -> None:
    from django.core.files.storage import default_storage

    from offers.models import Letter
    from offers.services import letter_render, letter_request

    offer = factories.approved(
        factories.offer(by=recruiter, hiring_manager=manager), recruiter=recruiter, manager=manager
    )
    letter = letter_request(offer=offer, by=recruiter)
    letter_render(letter_id=letter.pk)
    response = call(client, "get", f"/offers/{offer.pk}/letter.pdf", key)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    default_storage.delete(str(Letter.objects.get(pk=letter.pk).file.name))
    gone = call(client, "get", f"/offers/{offer.pk}/letter.pdf", key)
    assert gone.status_code == 404 and gone["Content-Type"] == "application/problem+json"
    assert call(client, "get", f"/offers/{offer.pk}/signed-letter.pdf", key).status_code == 404
