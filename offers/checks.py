"""System checks for what the letters need from the machine they run on."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning


def harfbuzz_subset_usable() -> bool:
    """WeasyPrint subsets the letter's fonts with HarfBuzz when this library is installed."""
    from weasyprint.text import ffi

    return ffi.harfbuzz_subset is not None and bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))


@register(Tags.compatibility)
def letters_font_subsetting(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if harfbuzz_subset_usable():
        return []
    return [
        CheckWarning(
            "HarfBuzz-Subset (4.1 or newer) is not installed: WeasyPrint falls back to fontTools "
            "to subset the fonts of every letter, which makes each letter several times slower "
            "to render.",
            hint="Install it on every machine that runs a Celery worker "
            "(Debian/Ubuntu: apt-get install libharfbuzz-subset0).",
            id="offers.W001",
        )
    ]


@register(Tags.security, deploy=True)
def shared_cache_and_real_email(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production, candidate links need a cache every web process shares, and real email."""
    from django.conf import settings

    found: list[CheckMessage] = []
    backend = str(settings.CACHES["default"]["BACKEND"])
    if backend.endswith(("LocMemCache", "DummyCache")):
        found.append(
            CheckWarning(
                "The cache is kept in each process: the candidate-link guess limit counts per "
                "process, so N web processes let N times the wrong guesses through.",
                hint="Set CACHE_URL to a Redis every web process shares (redis://host:6379/1).",
                id="offers.W002",
            )
        )
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "filebased.EmailBackend")):
        found.append(
            CheckWarning(
                "Emails are written to the console (or files), not sent: candidate links and "
                "approval requests would end up in the server's log.",
                hint="Set EMAIL_BACKEND (e.g. django.core.mail.backends.smtp.EmailBackend) "
                "and EMAIL_HOST etc.",
                id="offers.W003",
            )
        )
    return found
