"""Test settings: the real settings, with only what tests need changed."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-any-real-deployment-0123456789")
os.environ.setdefault("CELERY_QUEUE", "offers-tests")

from config.settings import *  # noqa: E402,F403
from config.settings import BROKER_DIR, CELERY_BROKER_URL  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", str(VAR_DIR / "test-media")))  # noqa: F405
# Tests hold a letter mid-render, or between storing its file and recording it, to kill its
# worker there: tests/hooks.py (an app of the tests' own) wraps those steps, never the app.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.hooks.TestHooksConfig"]  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

if CELERY_BROKER_URL.startswith("filesystem://"):
    # Away from the folder a local `make run` worker reads, so it cannot take the tests' tasks.
    TEST_BROKER_DIR = BROKER_DIR.parent / "test-broker"
    for folder in ("queue", "processed", "control"):
        (TEST_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(TEST_BROKER_DIR / "queue"),
        "data_folder_out": str(TEST_BROKER_DIR / "queue"),
        "processed_folder": str(TEST_BROKER_DIR / "processed"),
        "control_folder": str(TEST_BROKER_DIR / "control"),
        "store_processed": False,
    }

if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A Redis database of the tests' own, which the worker tests empty before they start.
    _broker = urlsplit(CELERY_BROKER_URL)
    CELERY_BROKER_URL = urlunsplit(
        _broker._replace(path="/" + os.environ.get("TEST_REDIS_DB", "15"))
    )
    # Celery prefers this variable to the setting; worker processes of the tests inherit it.
    os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL

# The browser tests talk plain HTTP to a live server on loopback.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SIGNING_CERTIFICATE = os.environ.get("SIGNING_CERTIFICATE", "")  # off unless a test sets it
WEBHOOK_ALLOW_PRIVATE_URLS = True  # the tests' receivers are on loopback
