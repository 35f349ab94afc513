"""axe-core (bundled by axe-playwright-python, run inside the page) on every page of each role's menu,
and for residents also in 长辈模式: no serious or critical violation (issue 14, first slice: the
menu pages; detail pages follow). A page that introduces one fails here with the rule and the element."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.pages import MOBILE, login, screenshot

pytestmark = pytest.mark.browser

ROLES = ["resident", "grid", "community", "street", "district", "dept", "auditor", "admin", "villager", "village"]
PHONE_ROLES = {"resident", "grid", "villager"}
SERIOUS = ("serious", "critical")


def _pages(page) -> list[str]:
    links = page.evaluate("""() => [...document.querySelectorAll('header a[href^="/"]')]
        .map(a => a.getAttribute('href')).filter(href => !href.startsWith('/?'))""")
    return ["/", *dict.fromkeys(links)]


def _violations(axe, page) -> list[str]:
    found = []
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in SERIOUS:
            nodes = "; ".join(node["html"][:100] for node in violation["nodes"][:2])
            found.append(f"{page.url}: {violation['id']} ({violation['impact']}) {nodes}")
    return found


@pytest.mark.parametrize("username", ROLES)
def test_no_serious_accessibility_violation_on_a_roles_pages(site, open_page, username):
    axe = Axe()
    page = open_page(MOBILE if username in PHONE_ROLES else None)
    login(page, site, username)
    found = []
    for path in _pages(page):
        page.goto(site + path)
        found += _violations(axe, page)
    assert found == []


def test_no_serious_accessibility_violation_in_elder_mode(site, open_page, demo):
    demo.users["resident"].elder_mode = True
    demo.users["resident"].save(update_fields=["elder_mode"])
    axe = Axe()
    page = open_page(MOBILE)
    login(page, site, "resident")
    found = []
    for path in _pages(page):
        page.goto(site + path)
        found += _violations(axe, page)
    screenshot(page, "elder-mode-last-menu-page")
    assert found == []


def test_the_check_fails_on_a_page_that_introduces_a_violation(site, open_page):
    """The check itself: an image without a text alternative and an unnamed field are reported."""
    axe = Axe()
    page = open_page()
    page.goto(f"{site}/")
    page.evaluate("""() => { const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<img src="/static/gongzhi/favicon.svg"><select><option>1</option></select>'); }""")
    rules = " ".join(_violations(axe, page))
    assert "image-alt" in rules and "select-name" in rules
