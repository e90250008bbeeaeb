"""pytest plugin: the real headless Chromium (Debian's, driven by Playwright) for browser tests.

One Chromium is launched per test session with the project's arguments; each test gets fresh
browser contexts (no cookies or storage shared between tests), closed after it. A test that
uses any of these fixtures is marked ``browser`` (tests/conftest.py), so ``make test-fast``
leaves it out. Fixtures:

``playwright`` (session) · ``chromium`` (session): the Playwright driver and the launched browser.
``new_page(**context_options)``: a page in a context of its own (viewport, device, locale …),
    with ``page.errors`` (uncaught page errors) and ``page.dialogs`` (messages of the dialogs,
    which are dismissed).
``browser_page``: ``new_page()``, for a test that needs one page. Both make ``tests/artifacts/``
    for screenshots.
``login(page, base, next="/inbox", username=…, password=…)`` signs in through the real form.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import ADMIN_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: screenshots of browser tests (gitignored)
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def watched(page):
    """Record the page's uncaught errors in ``page.errors`` and its dialogs in ``page.dialogs``."""
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


@pytest.fixture
def new_page(chromium):
    ARTIFACTS.mkdir(exist_ok=True)
    contexts = []

    def make(**context_options):
        contexts.append(chromium.new_context(**context_options))
        return watched(contexts[-1].new_page())

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(new_page):
    return new_page()


def login(page, base: str, next: str = "/inbox", username: str = "admin", password: str = ADMIN_PASSWORD):
    """Sign in through the login form and wait until the browser is on ``next``."""
    page.goto(f"{base}/login?next={next}")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base}{next}")
    return page
