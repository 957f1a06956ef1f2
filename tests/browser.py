"""Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parent.parent / "test-results"


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture
def browser_page(live_server, monkeypatch) -> Iterator[object]:  # type: ignore[no-untyped-def]
    require_chromium()
    from playwright.sync_api import sync_playwright

    from tests.factories import ensure_roles

    ensure_roles()  # the live server's tests run on emptied tables

    # The live server runs in a thread; Playwright's sync API runs its own event loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


def log_in(page, live_server, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def phone_page(browser_page):  # type: ignore[no-untyped-def]
    """A new 375 px touch phone beside the test's desk browser: (its context, its page)."""
    phone = browser_page.context.browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.set_default_timeout(15000)
    return phone, page


def off_loop(job, *args):  # type: ignore[no-untyped-def]
    """Run a worker's job in this process but off Playwright's event loop (pyHanko, which
    seals letters, runs an asyncio loop of its own)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run():  # type: ignore[no-untyped-def]
        try:
            return job(*args)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()
