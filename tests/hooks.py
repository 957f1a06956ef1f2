"""The tests' own hooks into a worker (an app only `tests.settings` installs): where the
environment asks, a letter is held mid-render (`LETTER_RENDER_PAUSE_SECONDS`) or between
storing its file and recording it (`LETTER_STORED_PAUSE_SECONDS`), so that a test can kill its
worker there. Production code carries none of this."""

from __future__ import annotations

import functools
import os
import time
from typing import Any

from django.apps import AppConfig


def _pause_before(function: Any, seconds: float) -> Any:
    @functools.wraps(function)
    def paused(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return function(*args, **kwargs)

    return paused


def _pause_after(function: Any, seconds: float) -> Any:
    @functools.wraps(function)
    def paused(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        time.sleep(seconds)
        return result

    return paused


class TestHooksConfig(AppConfig):
    name = "tests"
    label = "test_hooks"

    def ready(self) -> None:
        from offers.services import letters

        render = float(os.environ.get("LETTER_RENDER_PAUSE_SECONDS") or 0)
        stored = float(os.environ.get("LETTER_STORED_PAUSE_SECONDS") or 0)
        if render:  # the render reads the offer first, once the letter is marked rendering
            letters.offer_for_letter = _pause_before(letters.offer_for_letter, render)
        if stored:
            letters.letter_file_store = _pause_after(letters.letter_file_store, stored)
