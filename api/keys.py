"""API keys: made once, shown once, found by their public prefix and checked by hash."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from api.models import SCOPES, ApiKey

KEY_PREFIX = "ofk"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_create(*, name: str, user: User, scopes: list[str]) -> tuple[ApiKey, str]:
    """A new key and its secret, which is never stored and cannot be shown again."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"Unknown scope {', '.join(unknown)}: choose from {', '.join(SCOPES)}.")
    if not scopes:
        raise ValueError(f"Give the key at least one scope: {', '.join(SCOPES)}.")
    if not name.strip():
        raise ValueError("Give the key a name.")
    prefix = secrets.token_hex(4)
    secret = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        name=name.strip(),
        prefix=prefix,
        key_hash=_hash(secret),
        scopes=sorted(set(scopes)),
        user=user,
    )
    return key, secret


def key_find(secret: str) -> ApiKey | None:
    """The live key this secret is, or None (revoked, unknown, malformed, inactive user)."""
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != KEY_PREFIX:
        return None
    key = ApiKey.objects.select_related("user").filter(prefix=parts[1]).first()
    if key is None or not constant_time_compare(key.key_hash, _hash(secret)):
        return None
    if key.revoked_at is not None or not key.user.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def key_revoke(key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
