"""OpenRouter, behind the gateway interface: one API key per employee (named by the app's
identity) with `limit` in USD and `limit_reset: "daily"` (midnight UTC), made with a
management key.

Tested against request/response exchanges written from OpenRouter's published API reference
(openrouter.ai/docs/api/api-reference/api-keys: create, update, get, delete and list keys;
openrouter.ai/docs/guides/overview/auth/management-api-keys) and the `@openrouter/sdk` types
(`CreateKeysResponse`): `tests/test_gateway_contracts.py`. OpenRouter is hosted and cannot be
reached here, so what is tested is that we send what those documents describe and read what
they return.

What it cannot do, said wherever it matters: limit a key to models (every model OpenRouter
serves is open to the key: the grant names none as limited), or tell spend of past days (a key
knows `usage_daily`, today's, only; so "spent" is read while the day lasts and a day's last
minutes after the final read are not seen). Over the limit a call gets 402 (the documentation's
"insufficient credits"); a 403 naming the key's limit is reported elsewhere and also read as
the cap. A key's secret cannot be changed: rotating deletes the key and makes another with the
same name and limit.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import httpx

from budgets.gateways import IDENTITY, TIMEOUT, GatewayError, Grant, HttpGateway, _usd


class OpenRouterGateway(HttpGateway):
    name = "openrouter"
    label = "OpenRouter"
    auth = "bearer"
    keeps_history = False  # usage_daily is today's only
    limits_models = False

    def __init__(self, *, url: str, management_key: str) -> None:
        self.base_url = (url or "https://openrouter.ai/api/v1").rstrip("/")
        self.call_url = self.base_url
        self.client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {management_key}"},
            timeout=TIMEOUT,
        )

    def _keys(self) -> list[dict[str, Any]]:
        """Every key of the account, the app's and others (paged by offset)."""
        keys: list[dict[str, Any]] = []
        while True:
            found = self._call("GET", "/keys", params={"offset": str(len(keys))}).get("data", [])
            keys += found
            if len(found) < 100:
                return keys

    def _key(self, identity: str) -> dict[str, Any] | None:
        named = [key for key in self._keys() if key.get("name") == identity]
        return named[0] if named else None

    def served_models(self) -> set[str]:
        return {model["id"] for model in self._call("GET", "/models").get("data", [])}

    def _create(self, identity: str, usd_per_day: Decimal) -> dict[str, Any]:
        made: dict[str, Any] = self._call(
            "POST",
            "/keys",
            {
                "name": identity,
                "limit": float(usd_per_day),  # the API's JSON takes a number
                "limit_reset": "daily",
                "include_byok_in_limit": True,
            },
        )
        if not made.get("key") or not made.get("data", {}).get("hash"):
            raise GatewayError("OpenRouter made a key but did not return it")
        return made

    def provision(self, *, identity: str, usd_per_day: Decimal, models: list[str]) -> Grant:
        if not IDENTITY.match(identity):
            raise ValueError(f"not an identity the app gives: {identity!r}")
        served = self.served_models()
        existing = self._key(identity)
        if existing is not None:
            self._call("DELETE", f"/keys/{existing['hash']}")
        made = self._create(identity, usd_per_day)
        return Grant(
            identity=identity,
            credential=made["key"],
            cap_id=made["data"]["hash"],
            models=tuple(model for model in models if model in served),
            missing_models=tuple(model for model in models if model not in served),
        )

    def change_cap(self, *, identity: str, usd_per_day: Decimal) -> None:
        key = self._key(identity)
        if key is None:
            raise GatewayError(f"{identity} has no OpenRouter key: provision it")
        self._call(
            "PATCH", f"/keys/{key['hash']}", {"limit": float(usd_per_day), "limit_reset": "daily"}
        )

    def rotate(self, *, identity: str) -> str:
        key = self._key(identity)
        if key is None:
            raise GatewayError(f"{identity} has no OpenRouter key: provision it")
        self._call("DELETE", f"/keys/{key['hash']}")
        return str(self._create(identity, _usd(key.get("limit")))["key"])

    def revoke(self, *, identity: str) -> None:
        key = self._key(identity)
        if key is not None:
            self._call("DELETE", f"/keys/{key['hash']}")

    def spend_today(self) -> dict[str, Decimal]:
        return {
            key["name"]: _usd(key.get("usage_daily"))
            for key in self._keys()
            if IDENTITY.match(key.get("name") or "") and key["name"].startswith("offer-")
        }

    def spend_by_day(self, *, identity: str) -> dict[datetime.date, dict[str, Decimal]]:
        return {}  # no history, and no split by model: today's total is `spend_today`

    def is_cap_refusal(self, status: int, body: str) -> bool:
        return status == 402 or (status == 403 and "limit" in body.lower())
