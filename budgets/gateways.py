"""The LLM gateway the company runs, behind one interface: give an employee an identity with a
credential and a daily USD cap on the offer's models, change the cap, rotate the credential,
revoke it, and read spend back (today, and by day).

Adapters follow each gateway's published contract; the MLflow AI Gateway (`mlflow[auth]`
3.17.2) runs in the tests for real (`tests/gateways.py`). Its facts, as exercised here:
budget policies are per USER in USD over a UTC day (midnight to midnight, aligned to the
epoch); a new or changed policy applies after `MLFLOW_GATEWAY_BUDGET_REFRESH_INTERVAL`; the call
that crosses the cap is let through, later ones get 429 "Budget limit exceeded"; a model with no
price in the gateway's catalog costs nothing against the cap; amounts are floats, read here into
`Decimal` by their text; usage tracking keeps every prompt and response as a trace, of which only
the cost is read.
"""

from __future__ import annotations

import datetime
import json
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, Protocol

import httpx

TIMEOUT = httpx.Timeout(10.0, connect=3.0)
# The names the app gives employees in a gateway ("offer-42-9f3a1c"): safe in a gateway's filters.
IDENTITY = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class GatewayError(Exception):
    """The gateway did not do what was asked: down, refusing, or answering nonsense. Every
    step is safe to try again."""


@dataclass(frozen=True)
class Grant:
    """What provisioning made: who the employee is in the gateway, their credential (shown
    once, never stored in clear), the gateway's id of the cap, and the models they may call."""

    identity: str
    credential: str
    cap_id: str
    models: tuple[str, ...]
    missing_models: tuple[str, ...]  # asked for, not served by the gateway


class Gateway(Protocol):
    name: str
    base_url: str
    call_url: str  # where employees send OpenAI-shaped calls with their credential
    auth: str  # how they send it: "basic" (identity and credential) or "bearer" (credential)
    keeps_history: bool  # spend of past days can be read (else only today's, while it lasts)
    limits_models: bool  # a credential can be limited to the offer's models

    def served_models(self) -> set[str]: ...

    def provision(self, *, identity: str, usd_per_day: Decimal, models: list[str]) -> Grant: ...

    def change_cap(self, *, identity: str, usd_per_day: Decimal) -> None: ...

    def rotate(self, *, identity: str) -> str: ...

    def revoke(self, *, identity: str) -> None: ...

    def spend_today(self) -> dict[str, Decimal]: ...

    def spend_by_day(self, *, identity: str) -> dict[datetime.date, dict[str, Decimal]]:
        """Spend per UTC day and model (the gateway's model names)."""
        ...

    def is_cap_refusal(self, status: int, body: str) -> bool: ...


def _usd(value: object) -> Decimal:
    """A gateway's float amount as the Decimal of its text (never a float's binary value)."""
    return Decimal(str(value)) if value is not None else Decimal("0")


def new_credential() -> str:
    return secrets.token_urlsafe(24)


class HttpGateway:
    """One place for a gateway's HTTP errors: down, refusing or answering nonsense is a
    `GatewayError` naming the gateway and the path, never the credentials."""

    label = "The gateway"
    client: httpx.Client

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
        done_if_exists: bool = False,
        absent_ok: bool = False,
    ) -> Any:
        try:
            response = self.client.request(method, path, json=body, params=params)
        except httpx.HTTPError as error:
            raise GatewayError(f"{self.label} unreachable: {type(error).__name__}") from None
        if done_if_exists and "RESOURCE_ALREADY_EXISTS" in response.text:
            return {}  # a step an earlier run (or a crash after it) already made
        if absent_ok and response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise GatewayError(
                f"{self.label} answered {response.status_code} to {path}: {response.text[:300]}"
            )
        try:
            return response.json() if response.content else {}
        except ValueError:
            raise GatewayError(f"{self.label} answered {path} with no JSON") from None


class MlflowGateway(HttpGateway):
    """The MLflow AI Gateway with its basic-auth app: an MLflow user per employee, granted USE
    on the endpoints of the offer's models, and a USER budget policy of USD per day, REJECT."""

    name = "mlflow"
    label = "MLflow gateway"
    auth = "basic"
    keeps_history = True  # every call's trace keeps its cost and day
    limits_models = True

    def __init__(self, *, url: str, admin_user: str, admin_key: str) -> None:
        self.base_url = url.rstrip("/")
        self.call_url = f"{self.base_url}/gateway/mlflow/v1"
        self.client = httpx.Client(
            base_url=self.base_url, auth=(admin_user, admin_key), timeout=TIMEOUT
        )

    def endpoints(self) -> dict[str, dict[str, Any]]:
        """The gateway's endpoints by name (the names employees call models by)."""
        found = self._call("GET", "/api/3.0/mlflow/gateway/endpoints/list")
        return {endpoint["name"]: endpoint for endpoint in found.get("endpoints", [])}

    @cached_property
    def _experiments(self) -> list[str]:
        """Where the endpoints keep their traces: read once per gateway object, that is once
        per sync run, not once per employee."""
        return sorted(
            {
                str(endpoint["experiment_id"])
                for endpoint in self._endpoints_once.values()
                if endpoint.get("experiment_id")
            }
        )

    @cached_property
    def _endpoints_once(self) -> dict[str, dict[str, Any]]:
        return self.endpoints()

    @cached_property
    def _endpoint_names(self) -> dict[str, str]:
        """Endpoint ids (as each trace records them) to the names employees call."""
        return {str(e["endpoint_id"]): name for name, e in self._endpoints_once.items()}

    def served_models(self) -> set[str]:
        return set(self.endpoints())

    def _policies(self, identity: str) -> list[dict[str, Any]]:
        found = self._call("GET", "/api/3.0/mlflow/gateway/budgets/list")
        return [
            policy
            for policy in found.get("budget_policies", [])
            if policy.get("target_scope") == "USER" and policy.get("target_value") == identity
        ]

    def _user_exists(self, identity: str) -> bool:
        found = self._call(
            "GET", "/api/2.0/mlflow/users/get", params={"username": identity}, absent_ok=True
        )
        return found is not None

    # The interface ---------------------------------------------------------------------------

    def provision(self, *, identity: str, usd_per_day: Decimal, models: list[str]) -> Grant:
        """The employee's user (or, where one exists, a new password for it: the earlier
        credential stops working), USE on the endpoints the gateway serves of `models`, and one
        daily cap. Run twice, it leaves one user and one cap."""
        if not IDENTITY.match(identity):
            raise ValueError(f"not an identity the app gives: {identity!r}")
        if self._user_exists(identity):
            credential = self.rotate(identity=identity)
        else:
            credential = new_credential()
            self._call(
                "POST",
                "/api/2.0/mlflow/users/create",
                {"username": identity, "password": credential},
            )
        served = self.endpoints()
        granted = [model for model in models if model in served]
        for model in granted:
            self._call(
                "POST",
                "/api/3.0/mlflow/users/permissions/grant",
                {
                    "username": identity,
                    "resource_type": "gateway_endpoint",
                    "resource_id": served[model]["endpoint_id"],
                    "permission": "USE",
                },
                done_if_exists=True,
            )
        policies = self._policies(identity)
        if policies:
            cap_id = policies[0]["budget_policy_id"]
            self._set_cap(cap_id, usd_per_day)
        else:
            made = self._call(
                "POST",
                "/api/3.0/mlflow/gateway/budgets/create",
                {
                    "budget_unit": "USD",
                    "budget_amount": float(usd_per_day),  # the gateway's JSON takes a number
                    "duration": {"unit": "DAYS", "value": 1},
                    "target_scope": "USER",
                    "target_value": identity,
                    "budget_action": "REJECT",
                },
            )
            cap_id = made["budget_policy"]["budget_policy_id"]
        return Grant(
            identity=identity,
            credential=credential,
            cap_id=cap_id,
            models=tuple(granted),
            missing_models=tuple(model for model in models if model not in served),
        )

    def _set_cap(self, cap_id: str, usd_per_day: Decimal) -> None:
        self._call(
            "POST",
            "/api/3.0/mlflow/gateway/budgets/update",
            {"budget_policy_id": cap_id, "budget_amount": float(usd_per_day)},
        )

    def change_cap(self, *, identity: str, usd_per_day: Decimal) -> None:
        policies = self._policies(identity)
        if not policies:
            raise GatewayError(f"{identity} has no cap in the MLflow gateway: provision it")
        self._set_cap(policies[0]["budget_policy_id"], usd_per_day)

    def rotate(self, *, identity: str) -> str:
        credential = new_credential()
        self._call(
            "PATCH",
            "/api/2.0/mlflow/users/update-password",
            {"username": identity, "password": credential},
        )
        return credential

    def revoke(self, *, identity: str) -> None:
        """The user goes (the next call is 401), and so does its cap, so that a name used again
        does not inherit it. Revoking what is already gone is done."""
        for policy in self._policies(identity):
            self._call(
                "DELETE",
                "/api/3.0/mlflow/gateway/budgets/delete",
                {"budget_policy_id": policy["budget_policy_id"]},
            )
        if self._user_exists(identity):
            self._call("DELETE", "/api/2.0/mlflow/users/delete", {"username": identity})

    def spend_today(self) -> dict[str, Decimal]:
        """Every employee's spend in the current UTC day, by identity (one call for all)."""
        by_policy = {
            window["budget_policy_id"]: _usd(window.get("current_spend"))
            for window in self._call("GET", "/api/3.0/mlflow/gateway/budgets/windows").get(
                "windows", []
            )
        }
        found = self._call("GET", "/api/3.0/mlflow/gateway/budgets/list")
        return {
            policy["target_value"]: by_policy.get(policy["budget_policy_id"], Decimal("0"))
            for policy in found.get("budget_policies", [])
            if policy.get("target_scope") == "USER"
        }

    def spend_by_day(self, *, identity: str) -> dict[datetime.date, dict[str, Decimal]]:
        """Spend per UTC day and endpoint, from the cost each call's trace records (written
        just after the call: a few seconds behind `spend_today`, which the periodic sync reads
        beside it)."""
        if not IDENTITY.match(identity):
            raise ValueError(f"not an identity the app gives: {identity!r}")
        found = self._traces(f"metadata.`mlflow.auth.username` = '{identity}'")
        return found.get(identity, {})

    def spend_since(
        self, since: datetime.date
    ) -> dict[str, dict[datetime.date, dict[str, Decimal]]]:
        """Every app-made identity's spend per UTC day and endpoint from `since` on, in one
        search (paged) instead of one per person."""
        since_ms = int(datetime.datetime.combine(since, datetime.time(), datetime.UTC).timestamp())
        return self._traces(
            f"trace.timestamp_ms >= {since_ms * 1000} "
            "AND metadata.`mlflow.auth.username` LIKE 'offer-%'"
        )

    def _traces(self, where: str) -> dict[str, dict[datetime.date, dict[str, Decimal]]]:
        """The traces of every endpoint's experiment that match, added up by user, day and
        endpoint: one search over all the experiments, 500 traces a page."""
        spend: dict[str, dict[datetime.date, dict[str, Decimal]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(Decimal))
        )
        if not self._experiments:
            return {}
        token = None
        while True:
            body: dict[str, Any] = {
                "locations": [
                    {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": e}}
                    for e in self._experiments
                ],
                "filter": where,
                "max_results": 500,
            }
            if token:
                body["page_token"] = token
            found = self._call("POST", "/api/3.0/mlflow/traces/search", body)
            for trace in found.get("traces", []):
                metadata = trace.get("trace_metadata", {})
                user = str(metadata.get("mlflow.auth.username", ""))
                cost = json.loads(metadata.get("mlflow.trace.cost") or "{}")
                day = datetime.date.fromisoformat(trace["request_time"][:10])
                endpoint = str(metadata.get("mlflow.gateway.endpointId", ""))
                model = self._endpoint_names.get(endpoint, endpoint or "unknown")
                spend[user][day][model] += _usd(cost.get("total_cost"))
            token = found.get("next_page_token")
            if not token:
                break
        return {
            user: {day: dict(models) for day, models in days.items()}
            for user, days in spend.items()
        }

    def is_cap_refusal(self, status: int, body: str) -> bool:
        return status == 429 and "Budget limit exceeded" in body


def configured() -> Gateway | None:
    """The gateway the settings name, or None where budgets are not provisioned."""
    from django.conf import settings

    if settings.TOKEN_GATEWAY == "mlflow":  # noqa: S105  (a gateway's name, not a password)
        return MlflowGateway(
            url=settings.TOKEN_GATEWAY_URL,
            admin_user=settings.TOKEN_GATEWAY_ADMIN_USER,
            admin_key=settings.TOKEN_GATEWAY_ADMIN_KEY,
        )
    if settings.TOKEN_GATEWAY == "litellm":  # noqa: S105
        from budgets.litellm import LitellmGateway

        return LitellmGateway(
            url=settings.TOKEN_GATEWAY_URL, master_key=settings.TOKEN_GATEWAY_ADMIN_KEY
        )
    if settings.TOKEN_GATEWAY == "openrouter":  # noqa: S105
        from budgets.openrouter import OpenRouterGateway

        return OpenRouterGateway(
            url=settings.TOKEN_GATEWAY_URL, management_key=settings.TOKEN_GATEWAY_ADMIN_KEY
        )
    return None


def gateway_model(model_id: str) -> str:
    """The gateway's name for one of the app's models (`TOKEN_GATEWAY_MODELS`; else its id)."""
    from django.conf import settings

    return str(settings.TOKEN_GATEWAY_MODELS.get(model_id, model_id))
