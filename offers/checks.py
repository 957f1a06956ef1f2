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
