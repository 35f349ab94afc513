"""Each demo account signs in through the real login form and lands on the page for its role."""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import MOBILE, ROLE_HOMES, login, screenshot

pytestmark = pytest.mark.browser

HAN = re.compile(r"[\u4e00-\u9fff]")

@pytest.mark.parametrize(("username", "real_name", "path", "heading", "fact", "viewport"), ROLE_HOMES,
                         ids=[r[0] for r in ROLE_HOMES])
def test_demo_account_lands_on_its_role_page(site, open_page, console, username, real_name, path, heading, fact,
                                             viewport):
    page = open_page(viewport)
    login(page, site, username)

    assert page.url == f"{site}{path}"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.inner_text("h1").strip() == heading
    assert HAN.search(page.inner_text(".topbar"))
    assert real_name in page.inner_text(".usermenu .who")
    assert fact in page.inner_text("main")
    screenshot(page, username)
    assert console.errors == []


def test_mobile_layout_fits_the_phone_width(site, open_page, console):
    """The grid worker's phone page has no horizontal scrolling and uses the mobile layout."""
    page = open_page(MOBILE)
    login(page, site, "grid")

    assert page.evaluate("document.body.classList.contains('layout-mobile')")
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    assert console.errors == []


def test_anonymous_home_is_the_chinese_landing_page(site, page, console):
    response = page.goto(f"{site}/")

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert "社区治理平台" in page.inner_text("h1")
    assert page.get_by_role("link", name="登录", exact=True).first.is_visible()
    screenshot(page, "landing")
    assert console.errors == []


def test_console_log_catches_a_csp_violation(site, page, console):
    """The CSP is enforced and the console check sees it: an inline script is refused and reported."""
    page.goto(f"{site}/")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.appendChild(script);
    }""")

    assert page.evaluate("window.injected === undefined")
    assert any("Content Security Policy" in e for e in console.errors), console.errors
