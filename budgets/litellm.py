"""The LiteLLM proxy, behind the gateway interface: one virtual key per employee (its
`key_alias` and `user_id` are the app's identity) with `max_budget` in USD, `budget_duration`
"1d" and the offer's models.

Tested against request/response exchanges written from LiteLLM's published documentation
(docs.litellm.ai/docs/proxy/virtual_keys, /docs/proxy/key_budgets, /docs/proxy/cost_tracking
"Daily Spend Breakdown API") and its source's types (litellm 1.110.2,
`litellm/proxy/_types.py`, `types/proxy/management_endpoints/common_daily_activity.py`):
`tests/test_gateway_contracts.py`. It cannot run here (its key store needs Prisma's engines,
downloaded at install), so what is tested is that we send what those documents describe and
read what they return; a change in LiteLLM is not seen by the tests.

Facts used: the master key as `Authorization: Bearer`; a key's `token` (its hash) stands for the
key in `/key/update`, `/key/delete` and `/key/info`; key aliases are unique, so the alias finds
an employee's key after a crash; a budget of "1d" resets at the next midnight in the proxy's
configured time zone (UTC unless its operator set another) and `/key/info`'s `spend` is the
current window's; over the cap a call fails with `error.type == "budget_exceeded"` (status 400
before 1.80, 429, or 422 in 1.110.2: the type is matched, not the status). A key cannot be given
a new secret in place without LiteLLM Enterprise (`/key/{key}/regenerate`), so rotating deletes
the old key and makes a new one with the same alias, budget and models.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import httpx

from budgets.gateways import IDENTITY, TIMEOUT, GatewayError, Grant, HttpGateway, _usd


class LitellmGateway(HttpGateway):
    name = "litellm"
    label = "LiteLLM proxy"
    auth = "bearer"
    keeps_history = True  # /user/daily/activity, per day and model
    limits_models = True

    def __init__(self, *, url: str, master_key: str) -> None:
        self.base_url = url.rstrip("/")
        self.call_url = f"{self.base_url}/v1"
        self.client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {master_key}"},
            timeout=TIMEOUT,
        )

    def _key(self, identity: str) -> dict[str, Any] | None:
        """The employee's key (its alias is the identity), or None."""
        found = self._call(
            "GET",
            "/key/list",
            params={"key_alias": identity, "return_full_object": "true"},
        )
        keys = [key for key in found.get("keys", []) if key.get("key_alias") == identity]
        return keys[0] if keys else None

    def served_models(self) -> set[str]:
        return {model["id"] for model in self._call("GET", "/v1/models").get("data", [])}

    def _generate(self, identity: str, usd_per_day: Decimal, models: list[str]) -> dict[str, Any]:
        made: dict[str, Any] = self._call(
            "POST",
            "/key/generate",
            {
                "key_alias": identity,
                "user_id": identity,
                "max_budget": float(usd_per_day),  # the proxy's JSON takes a number
                "budget_duration": "1d",
                "models": models,
                "metadata": {"offer_builder_identity": identity},
            },
        )
        if not made.get("key") or not made.get("token"):
            raise GatewayError("LiteLLM proxy made a key but did not return it")
        return made

    def provision(self, *, identity: str, usd_per_day: Decimal, models: list[str]) -> Grant:
        """The employee's key with the cap and the offer's models the proxy serves; where one
        exists (an earlier run), it is replaced, so that the credential returned works."""
        if not IDENTITY.match(identity):
            raise ValueError(f"not an identity the app gives: {identity!r}")
        served = self.served_models()
        granted = [model for model in models if model in served]
        existing = self._key(identity)
        if existing is not None:
            self._call("POST", "/key/delete", {"keys": [existing["token"]]})
        made = self._generate(identity, usd_per_day, granted)
        return Grant(
            identity=identity,
            credential=made["key"],
            cap_id=made["token"],
            models=tuple(granted),
            missing_models=tuple(model for model in models if model not in served),
        )

    def change_cap(self, *, identity: str, usd_per_day: Decimal) -> None:
        key = self._key(identity)
        if key is None:
            raise GatewayError(f"{identity} has no key in the LiteLLM proxy: provision it")
        self._call(
            "POST",
            "/key/update",
            {"key": key["token"], "max_budget": float(usd_per_day), "budget_duration": "1d"},
        )

    def rotate(self, *, identity: str) -> str:
        key = self._key(identity)
        if key is None:
            raise GatewayError(f"{identity} has no key in the LiteLLM proxy: provision it")
        self._call("POST", "/key/delete", {"keys": [key["token"]]})
        made = self._generate(identity, _usd(key.get("max_budget")), list(key.get("models", [])))
        return str(made["key"])

    def revoke(self, *, identity: str) -> None:
        key = self._key(identity)
        if key is not None:
            self._call("POST", "/key/delete", {"keys": [key["token"]]})

    def spend_today(self) -> dict[str, Decimal]:
        """Each app-made key's spend in its current budget window (one paged listing)."""
        spend: dict[str, Decimal] = {}
        page = 1
        while True:
            found = self._call(
                "GET",
                "/key/list",
                params={"return_full_object": "true", "page": str(page), "size": "100"},
            )
            for key in found.get("keys", []):
                alias = key.get("key_alias") or ""
                if IDENTITY.match(alias) and alias.startswith("offer-"):
                    spend[alias] = _usd(key.get("spend"))
            if page >= int(found.get("total_pages") or 1):
                return spend
            page += 1

    def spend_by_day(self, *, identity: str) -> dict[datetime.date, dict[str, Decimal]]:
        key = self._key(identity)
        if key is None:
            return {}
        today = datetime.datetime.now(datetime.UTC).date()
        days: dict[datetime.date, dict[str, Decimal]] = {}
        page = 1
        while True:
            found = self._call(
                "GET",
                "/user/daily/activity",
                params={
                    "start_date": (today - datetime.timedelta(days=31)).isoformat(),
                    "end_date": today.isoformat(),
                    "api_key": key["token"],
                    "page": str(page),
                    "page_size": "100",
                },
            )
            for result in found.get("results", []):
                day = datetime.date.fromisoformat(str(result["date"])[:10])
                models = result.get("breakdown", {}).get("models", {})
                days[day] = {
                    model: _usd(entry.get("metrics", {}).get("spend"))
                    for model, entry in models.items()
                }
            if not found.get("metadata", {}).get("has_more"):
                return days
            page += 1

    def is_cap_refusal(self, status: int, body: str) -> bool:
        return status in {400, 422, 429} and '"budget_exceeded"' in body
