from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from offers.checks import harfbuzz_subset_usable
from ops.models import WorkerHeartbeat
from ops.tasks import heartbeat as heartbeat_task
from tests.workers import ROOT, WorkerProcess, wait_for


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


@pytest.mark.processes
def test_missing_secret_key_with_debug_off_fails_with_a_clear_message() -> None:
    result = run_python("import django; django.setup()", DJANGO_SETTINGS_MODULE="config.settings")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


@pytest.mark.processes
def test_missing_secret_key_is_allowed_with_debug_on() -> None:
    result = run_python(
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_bad_boolean_setting_is_refused() -> None:
    result = run_python(
        "import django; django.setup()", DJANGO_SETTINGS_MODULE="config.settings", DEBUG="maybe"
    )
    assert "DEBUG must be true or false, not 'maybe'" in result.stderr


def deploy_check(**environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"DEBUG", "CACHE_URL", "EMAIL_BACKEND"}
            },
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "p9Xq-7vLz2Rk_w4Hn8Tc1Yb5Jm3Gd6Fs0Ae_QuKoPiLyNhMtRgVbCxZaSdWeRtY",
            "ALLOWED_HOSTS": "offers.example.com",
            **environment,
        },
        capture_output=True,
        text=True,
    )


@pytest.mark.processes
def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    from signing.certificates import make_test_authority

    certificate = tmp_path / "company.p12"  # as a certificate authority would issue it
    certificate.write_bytes(make_test_authority("Example Corp", test=False).signer_pkcs12())
    result = deploy_check(
        CACHE_URL="redis://127.0.0.1:6379/1",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        SIGNING_CERTIFICATE=str(certificate),
    )
    if harfbuzz_subset_usable():
        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues" in result.stdout
    else:  # a machine without HarfBuzz-Subset: that warning, and nothing else
        issues = re.findall(r"\?: \(([\w.]+)\)", result.stdout + result.stderr)
        assert issues == ["offers.W001"], result.stdout + result.stderr


@pytest.mark.django_db
def test_roles_are_created_by_migrations() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {"Recruiters", "Hiring managers"}


@pytest.mark.django_db
def test_demo_data_is_idempotent_and_prints_the_logins(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo_data", "--force")
    call_command("demo_data", "--force")
    out = capsys.readouterr().out
    assert User.objects.filter(username__in=["recruiter", "manager", "admin"]).count() == 3
    assert User.objects.get(username="recruiter").groups.filter(name="Recruiters").exists()
    manager = User.objects.get(username="manager")
    assert manager.is_staff and manager.groups.filter(name="Hiring managers").exists()
    assert "demo-recruiter-2026" in out
    assert User.objects.get(username="recruiter").check_password("demo-recruiter-2026")


@pytest.mark.django_db
def test_login_page_is_served_with_a_same_origin_content_security_policy(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
def test_recruiter_logs_in_and_lands_on_the_offers_list(client: Client) -> None:
    call_command("demo_data", "--force")
    response = client.post(
        reverse("login"), {"username": "recruiter", "password": "demo-recruiter-2026"}, follow=True
    )
    assert response.redirect_chain == [(reverse("home"), 302), (reverse("offers:list"), 302)]
    assert response.status_code == 200


@pytest.mark.django_db
def test_offers_list_requires_login(client: Client) -> None:
    response = client.get(reverse("offers:list"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_password_guessing_is_locked_out(client: Client, url_name: str) -> None:
    call_command("demo_data", "--force")
    for _ in range(4):
        response = client.post(reverse(url_name), {"username": "manager", "password": "wrong"})
        assert response.status_code == 200
    fifth = client.post(reverse(url_name), {"username": "manager", "password": "wrong"})
    assert fifth.status_code == 429
    # Locked out: even the right password is refused now.
    locked = client.post(
        reverse(url_name), {"username": "manager", "password": "demo-manager-2026"}
    )
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content


@pytest.mark.django_db
def test_health_endpoint_reports_database_and_broker(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


@pytest.mark.django_db
def test_health_endpoint_answers_503_with_a_reason_when_the_broker_is_unreachable(
    client: Client,
) -> None:
    with override_settings(
        CELERY_BROKER_URL="redis://127.0.0.1:9/0", CELERY_BROKER_TRANSPORT_OPTIONS={}
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False
    assert "broker unreachable" in body["broker"]["detail"]
    assert body["database"]["ok"] is True


@pytest.mark.worker
def test_a_queued_task_is_run_by_a_real_worker_through_the_real_broker(
    celery_worker_process: WorkerProcess,
) -> None:
    assert not WorkerHeartbeat.objects.exists()
    heartbeat_task.delay()
    beat = wait_for(
        lambda: WorkerHeartbeat.objects.first(), timeout=30, what="the worker's heartbeat row"
    )
    assert beat.beats == 1
    assert "ops.tasks.heartbeat" in celery_worker_process.log()


@pytest.mark.processes
def test_deploy_check_warns_of_a_per_process_cache_and_console_email() -> None:
    result = deploy_check()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "offers.W002" in output and "guess limit counts per process" in output
    assert "offers.W003" in output and "candidate links and approval requests" in output
    assert "signing.W001" in output and "No signing certificate" in output


@pytest.mark.django_db
def test_the_logged_in_user_comes_with_their_recruiter_role_in_one_query(
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    from offers.auth import RoleBackend
    from offers.roles import RECRUITERS, is_recruiter

    recruiter = User.objects.create_user("rae", password="x" * 12)
    recruiter.groups.add(Group.objects.get(name=RECRUITERS))
    other = User.objects.create_user("oli", password="x" * 12)
    gone = User.objects.create_user("gil", password="x" * 12, is_active=False)
    backend = RoleBackend()
    with django_assert_num_queries(1):
        loaded = backend.get_user(str(recruiter.pk))  # the session keeps the id as text
        assert loaded == recruiter and is_recruiter(loaded)
        assert loaded.get_session_auth_hash() == recruiter.get_session_auth_hash()
    with django_assert_num_queries(1):
        assert not is_recruiter(backend.get_user(other.pk))
    assert backend.get_user(gone.pk) is None
    assert backend.get_user(10**9) is None
    assert backend.get_user(10**30) is None  # past a 64-bit id
    with django_assert_num_queries(0):
        assert backend.get_user("not a number") is None


@pytest.mark.processes
def test_a_pool_process_leaves_what_it_started_with_out_of_garbage_collection() -> None:
    import gc

    from celery.signals import worker_process_init

    from config.celery import leave_startup_objects_to_rest

    # Connected: Celery runs it in each pool process it forks (receivers are weak references).
    assert leave_startup_objects_to_rest in [ref() for _, ref in worker_process_init.receivers]
    before = gc.get_freeze_count()
    try:
        leave_startup_objects_to_rest()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_database_connection_under_the_webs_rules(settings) -> None:
    """Between tasks as between requests: kept while young and sound, closed after a task that
    did not succeed (a time limit may have struck mid-query), closed once past its age."""
    from celery import states
    from celery.signals import task_postrun, task_prerun
    from django.db import connection

    from config.celery import app

    assert app.conf.get("CELERY_DB_REUSE_MAX")  # Celery's closing around every task is off

    def run_task(state: str) -> None:
        task_prerun.send(sender=None, task_id="t", task=None)
        connection.ensure_connection()  # the task's queries
        task_postrun.send(sender=None, task_id="t", task=None, state=state)

    connection.close()
    run_task(states.SUCCESS)
    kept = connection.connection
    assert kept is not None
    run_task(states.SUCCESS)
    assert connection.connection is kept
    run_task(states.FAILURE)
    assert connection.connection is None
    run_task(states.RETRY)
    assert connection.connection is None
    connection.settings_dict["CONN_MAX_AGE"] = 0  # DATABASE_CONN_MAX_AGE=0: a new one each time
    try:
        run_task(states.SUCCESS)
        assert connection.connection is None
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = settings.DATABASES["default"]["CONN_MAX_AGE"]
