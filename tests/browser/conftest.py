"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against live_server.

Never a downloaded browser: Playwright launches /usr/bin/chromium. Without it the tests
skip with what to install (and CI, which turns skips into failures, says so).
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would then refuse
# database access from it (STYLE.md, "Traps we know about").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING = "Install Debian's chromium (apt-get install chromium) to run browser tests"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session; each test gets its own context (cookies)."""
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page on the live server at a viewport size; all are closed after the test."""
    contexts = []

    def make(viewport: dict[str, int] = DESKTOP):
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real sign-in page, as a person would."""
    page.goto("/accounts/login/")
    page.fill('input[name="login"]', email)
    page.fill('input[name="password"]', password)
    page.locator('form[action="/accounts/login/"] button[type=submit]').click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
