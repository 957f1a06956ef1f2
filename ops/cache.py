"""The shared cache (Redis) as something a fault cannot turn into an error page.

What lives in the cache is worth less than the page asking for it (today: the candidate-link
guess counter), so a Redis that is down or hangs costs a request at most one short timeout:
after a failure every process uses its own memory for `skip_seconds` (a small circuit
breaker), then tries Redis again. The operator hears of it once a minute, not per request, and
`/healthz` reports it (`ops.services.cache_check`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What a Redis that is gone, refusing, restarting or hanging raises.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
LOG_EVERY_SECONDS = 60.0


class Breaker:
    """One process's view of one Redis: whether to skip it, and when it was last logged.
    Shared by every thread's cache object (Django makes one per thread)."""

    def __init__(self, location: str, skip_seconds: float) -> None:
        self.location = location
        self.skip_seconds = skip_seconds
        self.skip_until = 0.0
        self.down_since: float | None = None
        self.last_logged = float("-inf")
        self.last_error = ""
        self.lock = threading.Lock()

    def open(self) -> bool:
        return time.monotonic() < self.skip_until

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self.lock:
            self.skip_until = now + self.skip_seconds
            self.last_error = f"{type(error).__name__}: {error}"
            if self.down_since is None:
                self.down_since = now
            if now - self.last_logged < LOG_EVERY_SECONDS:
                return
            self.last_logged = now
        logger.warning(
            "Cache %s unreachable (%s): this process uses its own memory for it (the "
            "candidate-link guess limit counts per process) and tries again every %.0f s",
            self.location,
            self.last_error,
            self.skip_seconds,
        )

    def worked(self) -> None:
        if self.down_since is None:
            return
        with self.lock:
            if self.down_since is None:
                return
            away = time.monotonic() - self.down_since
            self.down_since = None
            self.last_logged = float("-inf")
        logger.warning("Cache %s answers again, after %.0f s away", self.location, away)


BREAKERS: dict[str, Breaker] = {}
BREAKERS_LOCK = threading.Lock()


def breaker_for(location: str, skip_seconds: float) -> Breaker:
    with BREAKERS_LOCK:
        if location not in BREAKERS:
            BREAKERS[location] = Breaker(location, skip_seconds)
        return BREAKERS[location]


class ResilientRedisCache(RedisCache):
    """Django's Redis cache with short socket timeouts, no retries, and this process's memory
    in its place while Redis cannot be reached.

    CACHES = {"default": {"BACKEND": "ops.cache.ResilientRedisCache", "LOCATION": url,
    "TIMEOUT_SECONDS": 0.3, "SKIP_SECONDS": 5}}
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        timeout = float(params.get("TIMEOUT_SECONDS", 0.3))
        options = dict(params.get("OPTIONS") or {})
        # One try of one command: a hanging Redis costs a request one timeout, not several.
        options.setdefault("socket_connect_timeout", timeout)
        options.setdefault("socket_timeout", timeout)
        options.setdefault("retry_on_timeout", False)
        options.setdefault("health_check_interval", 0)
        super().__init__(server, {**params, "OPTIONS": options})
        self.breaker = breaker_for(server, float(params.get("SKIP_SECONDS", 5)))
        # LocMemCache keeps its entries per name, process-wide: every thread sees the same.
        self.local = LocMemCache(f"fallback:{server}", {"TIMEOUT": params.get("TIMEOUT", 300)})

    def ping(self) -> None:
        """Ask Redis itself, past the breaker (for the health check); raises if unreachable."""
        self._cache.get_client().ping()

    def _guarded(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.breaker.open():
            return getattr(self.local, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except UNREACHABLE as error:
            self.breaker.failed(error)
            return getattr(self.local, name)(*args, **kwargs)
        self.breaker.worked()
        return result

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        return self._guarded("clear")
