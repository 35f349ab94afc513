"""/api/v1/docs in a real browser: Swagger UI from our own static files, under our CSP."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.pages import login, screenshot

pytestmark = pytest.mark.browser


def test_the_api_docs_render_the_operations_with_no_outside_request(site, page, console):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    login(page, site, "street")
    page.goto(f"{site}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15000)

    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/auth/token" in " ".join(paths)
    assert any(p.startswith("/api/v1/areas") for p in paths)
    assert "Gongzhi API" in page.inner_text(".information-container")
    screenshot(page, "api-docs")
    assert hosts == {urlsplit(site).netloc}, hosts  # no CDN: every request went to our own server
    assert console.errors == []  # no CSP violation, no script error, no broken resource
