from __future__ import annotations

import gc
import os

from celery import Celery, states
from celery.signals import task_postrun, task_prerun, worker_process_init
from django.db import close_old_connections, connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("offers")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def leave_startup_objects_to_rest(**_: object) -> None:
    """Each pool process starts holding everything the worker imported (Django, Celery,
    WeasyPrint). The collections a letter's render sets off walked those long-lived objects
    again and again; frozen, they are left out and the collector walks only what was made since
    (Python's gc.freeze, meant for forked workers). Measured with
    tests/benchmarks/bench_letters.py on 2 cores: `limit_ratio` 0.62–0.83 (median 0.73, six runs)
    before, 0.84–0.87 (three runs) after; memory grew 11–14 MB over 300 letters (8–11 before)."""
    gc.freeze()


@task_prerun.connect
def database_connections_before_a_task(**_: object) -> None:
    """As at the start of a web request (Django's `close_old_connections`): a connection past
    DATABASE_CONN_MAX_AGE, or one an error may have broken, is closed; a kept one is checked
    before its first query (CONN_HEALTH_CHECKS)."""
    close_old_connections()


@task_postrun.connect
def database_connections_after_a_task(state: str | None = None, **_: object) -> None:
    """As at the end of a web request; and after a task that did not succeed the connections
    are closed whatever their state. Celery's own rule, closing them around every task, exists
    because a time limit can interrupt a query and leave a connection that looks usable and is
    not (celery/celery#9824); on PostgreSQL that rule cost each letter a new server process
    (CELERY_DB_REUSE_MAX in settings turns it down). A task that catches its own time limit
    closes them itself before writing the failure (offers.tasks)."""
    if state == states.SUCCESS:
        close_old_connections()
    else:
        connections.close_all()
