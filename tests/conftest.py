"""Fixtures for the top-level tests: Playwright (sync API) driving Debian's Chromium.

The browser is shared by tests/browser (against pytest-django's live server) and tests/e2e
(against the demo served by ``./gz demo``). The sync API runs an asyncio loop in the test
thread, which makes Django's async-safety guard refuse ORM calls in fixtures and tests; the
guard is meant for real async code, so it is lifted for this test session.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pytest

from tests.browser.pages import DESKTOP

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # A service worker's own requests reach context.route only with this flag; the offline field
    # test needs them to fail too (context.set_offline alone does not cut a service worker off).
    os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class ConsoleLog:
    """What a user would see in the developer console: CSP violations, JS errors, broken resources.

    Chromium also logs "Failed to load resource" for a page answered with 401/403 (a refused
    sign-in is one); that is the page's status, not a fault, so resource failures are taken from
    the network events instead, where documents and sub-resources can be told apart.
    """

    errors: list[str] = field(default_factory=list)

    def on_console(self, message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text} @ {message.location.get('url', '')}")

    def on_page_error(self, error) -> None:
        self.errors.append(f"pageerror: {error}")

    def on_response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.request.resource_type} {response.url}: HTTP {response.status}")

    def on_request_failed(self, request) -> None:
        # ERR_ABORTED is a load cut short by the next navigation, not a broken resource.
        if request.failure != "net::ERR_ABORTED":
            self.errors.append(f"{request.resource_type} {request.url}: {request.failure}")

    def attach(self, page) -> None:
        page.on("console", self.on_console)
        page.on("pageerror", self.on_page_error)
        page.on("response", self.on_response)
        page.on("requestfailed", self.on_request_failed)


@pytest.fixture
def console():
    return ConsoleLog()


@pytest.fixture
def open_page(browser, console):
    """``open_page(viewport)`` opens a fresh browser context (own cookies) and returns its page."""
    contexts = []

    def _open(viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        console.attach(page)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()
