"""schemathesis against /api/v1/openapi.json: generated requests for every operation,
authenticated with a key of a recruiter who has an offer; no answer may be a server error or
stray from the document (status codes, content types, bodies)."""

from __future__ import annotations

import io
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from offers.models import Department
from tests import factories


@pytest.mark.slow
def test_the_api_answers_every_generated_request_as_documented(
    transactional_db: None, settings: Any
) -> None:
    # The app's WSGI handler closes database connections after each request: committed rows.
    factories.ensure_roles()
    factories.snapshot()
    recruiter = factories.user("riley")
    manager = factories.user("hm", role="Hiring managers", is_staff=True)
    Department.objects.get_or_create(name="Engineering")[0].recruiters.add(recruiter)
    factories.offer(by=recruiter, hiring_manager=manager)
    out = io.StringIO()
    call_command(
        "api_key",
        "create",
        "--name",
        "fuzz",
        "--user",
        "riley",
        "--scopes",
        "offers:read,offers:write",
        stdout=out,
        stderr=io.StringIO(),
    )
    headers = {"Authorization": f"Bearer {out.getvalue().strip()}"}
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.API_RATE_LIMIT = "100000/m"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=12,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case: Any) -> None:
            # Every check but "schema-valid data is accepted": a cursor the API never gave,
            # an offer in a status that cannot move, are valid JSON and rightly refused.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        answers_as_documented()
