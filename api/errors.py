"""Errors as `application/problem+json` (RFC 9457), naming the field where there is one."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

PROBLEM = "application/problem+json"


class Problem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or []
        self.headers = headers or {}


def problem_response(problem: Problem) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail or problem.title,
    }
    if problem.errors:
        body["errors"] = problem.errors
    response = HttpResponse(json.dumps(body), status=problem.status, content_type=PROBLEM)
    for header, value in problem.headers.items():
        response[header] = value
    return response


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


PROBLEMS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 422, 429), ProblemOut)
WRITE_PROBLEMS: dict[int, Any] = {**PROBLEMS, 412: ProblemOut, 428: ProblemOut}


def _problem(request: HttpRequest, problem: Problem) -> HttpResponse:
    return problem_response(problem)


def _unauthenticated(request: HttpRequest, error: Exception) -> HttpResponse:
    response = problem_response(
        Problem(401, "Unauthorized", "Send a live API key: Authorization: Bearer <key>.")
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def _invalid(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    def field(location: list[Any]) -> str:
        # ["body", "fields", "models", 0, "share_percent"] → "models.0.share_percent"
        parts = [str(part) for part in location]
        if parts[:1] and parts[0] in {"body", "query", "path"}:
            parts = parts[1:]
        if parts[:1] and parts[0] in {"fields", "filters"}:
            parts = parts[1:]
        return ".".join(parts) or "body"

    errors = [
        {"field": field(list(e.get("loc", []))), "message": str(e.get("msg", ""))}
        for e in error.errors
    ]
    return problem_response(
        Problem(422, "Invalid request", "The request does not validate.", errors)
    )


def _too_large(request: HttpRequest, error: Exception) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem_response(
        Problem(413, "Request too large", f"The body is too large: at most {limit} bytes.")
    )


def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem_response(Problem(error.status_code, str(error)))


def install(api: NinjaAPI) -> None:
    """The API's errors as problem+json."""
    api.exception_handler(Problem)(_problem)
    api.exception_handler(AuthenticationError)(_unauthenticated)
    api.exception_handler(NinjaValidationError)(_invalid)
    api.exception_handler(RequestDataTooBig)(_too_large)
    api.exception_handler(HttpError)(_http_error)
