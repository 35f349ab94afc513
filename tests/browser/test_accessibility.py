"""Every page of every role, in Chromium: axe-core (bundled by axe-playwright-python) finds no serious
or critical violation, and the rendered page reads as Chinese (issue 14, items 2 and 4).

One crawl per demo account (and per resident account again in 长辈模式, and for a visitor): sign in
once, start from the home page, follow same-site links with GET (never sign out, download, export or
stream), and visit each route pattern once (ids and query values collapsed, tests/wording.py). On each
page axe runs inside the page, and the text a user meets is read from the live DOM — so what script
writes (the map's controls, labels set by app.js) is read too: text nodes, title, aria-label,
placeholder, alt and button values, checked with the same word rule as tests/test_chinese_pages.py.

The dataset is the demo's (``demo_setup`` with few residents, plus a day of use) built ONCE for the
module and served by a live server of its own, so the crawls do not each rebuild it; the module
empties the database afterwards, as a transactional test would.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

from tests.browser.pages import DESKTOP, MOBILE, login, screenshot
from tests.support import DEMO_USERNAMES, demo_after_a_day_of_use, reinstall_reference_data
from tests.wording import SKIP_PATH, offending, route_key

pytestmark = pytest.mark.browser

PHONE_ROLES = {"resident", "grid", "villager", "villagegrid"}
ELDER_ROLES = ("resident", "villager")
SERIOUS = ("serious", "critical")
FILE = re.compile(r"\.[a-z]{2,5}$")  # ledger.json, roster.xlsx: files, not pages
VISITS_PER_PATH = 1  # each route pattern once (ids collapsed), whatever its query parameters
MAX_PAGES = 120
# Pages a role reaches without a link from its own pages (typed, bookmarked or sent in a notice).
EXTRA_STARTS = {
    "visitor": ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"),
    "resident": ("/registry/verify/",),
    "admin": ("/manage/",),
}
CRAWLS = [*DEMO_USERNAMES, "visitor", *(f"{role}:elder" for role in ELDER_ROLES)]

# What a reader meets in the live DOM: text nodes outside script and style, the attributes read
# aloud or shown (title, aria-label, placeholder, alt) and the labels of buttons written as <input>;
# and the links to follow.
READ_PAGE = """() => {
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.data.trim() && !node.parentElement.closest('script, style, template, noscript')) texts.push(node.data);
  }
  for (const element of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
    for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
      const value = element.getAttribute(name);
      if (value) texts.push(value);
    }
  }
  for (const input of document.querySelectorAll('input[type=submit], input[type=button], input[type=reset]')) {
    if (input.value) texts.push(input.value);
  }
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  const controls = new Set([...document.querySelectorAll('main :is(input, select, textarea, button)')]
    .map(c => `${c.tagName}:${c.type}:${c.name}`));
  return {texts, links, controls: [...controls].sort().join(' ')};
}"""


# Rules whose findings are never serious or critical (axe-core's rule descriptions: moderate or minor
# impact) are not run: the check fails only on serious and critical ones, and these rules walk the
# whole page (``region`` above all), which is most of axe's time on a long list.
NEVER_SERIOUS = ("region", "landmark-banner-is-top-level", "landmark-complementary-is-top-level",
                 "landmark-contentinfo-is-top-level", "landmark-main-is-top-level", "landmark-no-duplicate-banner",
                 "landmark-no-duplicate-contentinfo", "landmark-no-duplicate-main", "landmark-one-main",
                 "landmark-unique", "heading-order", "page-has-heading-one", "empty-heading", "empty-table-header",
                 "meta-viewport-large", "image-redundant-alt", "aria-allowed-role",
                 "table-duplicate-name", "presentation-role-conflict", "skip-link")
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {rule: {"enabled": False} for rule in NEVER_SERIOUS}}


def serious_violations(axe, page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each; folded panels
    (<details>: a case's action forms, a person's tag form) are opened first so their forms count."""
    page.evaluate("() => document.querySelectorAll('main details:not([open])').forEach(d => { d.open = true; })")
    found = []
    for violation in axe.run(page, options=AXE_OPTIONS).response["violations"]:
        if violation["impact"] in SERIOUS:
            nodes = "; ".join(f"{node['target']} {node['html'][:90]}" for node in violation["nodes"][:3])
            found.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}×) {nodes}")
    return found


def read_page(page) -> tuple[list[str], list[str], str]:
    """The English words and raw codes in what the page shows; the page's links; its form controls."""
    read = page.evaluate(READ_PAGE)
    words = [f"{token!r} in {' '.join(text.split())[:100]!r}" for text in read["texts"] for token in offending(text)]
    return sorted(set(words)), read["links"], read["controls"]


# Pages axe has checked in this process, by route pattern, layout and the form controls on them:
# staff roles share most routes, and the same route for another role is checked again only when
# that role sees other controls on it (its own actions, forms, filters).
AXE_CHECKED: set[tuple] = set()


def crawl(page, site: str, starts, layout: str) -> tuple[dict, dict, int]:
    """Visit what the signed-in ``page`` can reach; returns ({url: violations}, {url: words}, pages)."""
    axe = Axe()
    queue = list(starts)
    seen: set[str] = set()
    per_path: Counter = Counter()
    violations: dict[str, list[str]] = {}
    words: dict[str, list[str]] = {}
    pages = 0

    def admit(url: str) -> bool:
        parts = urlsplit(url)
        key = route_key(parts.path, parts.query)
        if url in seen or per_path[key[0]] >= VISITS_PER_PATH:
            return False
        seen.add(url)
        per_path[key[0]] += 1
        return True

    while queue and pages < MAX_PAGES:
        url = queue.pop(0)
        if not admit(url):
            continue
        try:
            response = page.goto(site + url)
        except PlaywrightError as error:  # a file the browser downloads instead of showing
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        landed = page.url[len(site):]
        if landed != url and not admit(landed):  # a redirect to a page already checked
            continue
        pages += 1
        found, links, controls = read_page(page)
        if found:
            words[landed] = found
        parts = urlsplit(landed)
        seen_as = (route_key(parts.path, "")[0], layout, controls)
        started = time.monotonic()
        if seen_as not in AXE_CHECKED:
            AXE_CHECKED.add(seen_as)
            if found := serious_violations(axe, page):
                violations[landed] = found
        if os.environ.get("CRAWL_SHOW"):  # CRAWL_SHOW=1 ./gz test … -s: the pages visited, axe's time on each
            print(f"VISIT {landed} axe {time.monotonic() - started:.2f}s")
        for href in links:
            target = urlsplit(urljoin(page.url, href))
            if (target.scheme not in {"http", "https"} or site.split("//")[1] != target.netloc
                    or SKIP_PATH.search(target.path) or FILE.search(target.path) or "lang=" in target.query):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return violations, words, pages


@pytest.fixture
def transactional_db():
    """Stands in for pytest-django's fixture of this name in this module: the name has the test
    database set up, and no test here opens a transaction (the server's writes would wait on it) or
    empties the tables (the module's data would be gone). Every write goes through the pages."""


@pytest.fixture(scope="module")
def crawl_site(django_db_setup, django_db_blocker):
    """The demo after a day of use, built once, served by a live server of the module's own."""
    from django.core.management import call_command
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        reinstall_reference_data()
        users = demo_after_a_day_of_use(DEMO_USERNAMES)
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server.url, users
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            reinstall_reference_data()


def set_elder_mode(page, site: str, on: bool) -> None:
    """Turn 长辈模式 on or off with the page's own switch (remembered for the account)."""
    page.goto(site + "/")
    switch = page.locator("[data-testid=elder-switch] button")
    if switch.count() and (switch.get_attribute("aria-pressed") == "true") != on:
        with page.expect_navigation():
            switch.click()


@pytest.mark.parametrize("crawl_name", CRAWLS)
def test_every_page_of_a_role_is_accessible_and_reads_as_chinese(crawl_site, transactional_db, open_page, crawl_name):
    site, _users = crawl_site
    username, _, mode = crawl_name.partition(":")
    page = open_page(MOBILE if username in PHONE_ROLES else DESKTOP)
    if username != "visitor":
        login(page, site, username)
        set_elder_mode(page, site, mode == "elder")
    started = time.monotonic()
    try:
        layout = "elder" if mode == "elder" else "phone" if username in PHONE_ROLES else "desktop"
        violations, words, pages = crawl(page, site, ["/", *EXTRA_STARTS.get(username, ())], layout)
        if mode == "elder":
            for path in ("/m/", "/cases/report/"):
                page.goto(site + path)
                screenshot(page, f"elder-mode-{username}-{path.strip('/').replace('/', '-')}")
    finally:
        if mode == "elder":
            set_elder_mode(page, site, False)
    print(f"{crawl_name}: {pages} pages in {time.monotonic() - started:.1f}s")
    assert pages > {"visitor": 2, "auditor": 3, "admin": 15}.get(username, 5), f"the crawl reached only {pages} pages"
    report = "\n".join(f"{url}:\n    " + "\n    ".join(found[:6]) for url, found in sorted(violations.items()))
    report += "\n".join(f"{url}:\n    " + "\n    ".join(found[:6]) for url, found in sorted(words.items()))
    assert not violations and not words, (
        f"serious accessibility violations on {len(violations)}, English words or raw codes on {len(words)} "
        f"of {pages} pages:\n{report}")


def test_the_check_fails_on_a_page_that_introduces_a_violation(crawl_site, transactional_db, open_page):
    """The check itself: an image without a text alternative and an unnamed field are reported, and
    English written by script into the page is read."""
    page = open_page()
    page.goto(f"{crawl_site[0]}/")
    page.evaluate("""() => { const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<img src="/static/gongzhi/favicon.svg"><select><option>1</option></select>');
        main.insertAdjacentHTML('beforeend', '<a href="#" title="Zoom in">+</a>'); }""")
    rules = " ".join(serious_violations(Axe(), page))
    assert "image-alt" in rules and "select-name" in rules
    assert any("'Zoom'" in word for word in read_page(page)[0])


# --- Forms: errors tied to their fields; focus visible; a skip link --------------------------------

TIED_ERRORS = """() => {
  const problems = [];
  const invalid = [...document.querySelectorAll('main [aria-invalid="true"]')];
  const referenced = new Set();
  for (const field of invalid) {
    const ids = (field.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    ids.forEach(id => referenced.add(id));
    const missing = ids.filter(id => !document.getElementById(id));
    const said = ids.map(id => document.getElementById(id)).filter(Boolean).map(e => e.textContent.trim()).join(' ');
    if (missing.length) problems.push(`${field.name}: aria-describedby names no element ${missing.join(' ')}`);
    if (!said) problems.push(`${field.name}: in error, with no error text tied to it`);
  }
  for (const error of document.querySelectorAll('main .field-error, main .errorlist')) {
    const holder = error.closest('[id]');
    if (error.closest('[role=alert]') || (holder && referenced.has(holder.id))) continue;
    problems.push(`error shown but tied to no field: ${error.textContent.trim()}`);
  }
  return {invalid: invalid.map(f => f.name), problems};
}"""


def submit_empty(page, site: str, path: str, form: str) -> dict:
    """Open the form, send it as it stands (the browser's own checks off), read how errors are tied."""
    page.goto(site + path)
    page.eval_on_selector(form, "f => { f.noValidate = true; }")
    with page.expect_navigation():
        page.locator(form).first.locator("[type=submit]").last.click()
    return page.evaluate(TIED_ERRORS)


@pytest.mark.parametrize(("username", "forms"), [
    ("visitor", [("/accounts/signup/", "main form", {"phone"})]),
    ("resident", [("/deliberation/topics/new/", "[data-testid=topic-form]", {"title"}),
                  ("/cases/report/", "[data-testid=report-form]", {"description"})]),
    ("community", [("/disclosure/manage/new/", "[data-testid=item-form]", {"title"}),
                   ("/registry/counter/", "main form[method=post]", set())]),
    ("admin", [("/manage/accounts/user/add/", "#user_form", {"username", "password1"})]),
])
def test_form_errors_are_tied_to_their_fields(crawl_site, transactional_db, open_page, username, forms):
    """Key forms sent empty: each field in error is marked aria-invalid and described by its error
    text (aria-describedby), and no error is shown apart from a field."""
    site, _users = crawl_site
    page = open_page(MOBILE if username == "resident" else DESKTOP)
    if username != "visitor":
        login(page, site, username)
    for path, form, expected in forms:
        found = submit_empty(page, site, path, form)
        assert found["problems"] == [], f"{path}: {found['problems']}"
        assert expected <= set(found["invalid"]) and found["invalid"], f"{path}: fields in error {found['invalid']}"
    if username == "resident":
        screenshot(page, "form-errors-tied-resident-report")


def test_a_skip_link_comes_first_and_focus_is_always_visible(crawl_site, transactional_db, open_page):
    """Tab from the top of a page: the first stop is 跳到正文, shown on screen; Enter moves to the
    page's main part; the next stops inside it show a focus outline."""
    site, _users = crawl_site
    page = open_page(MOBILE)
    login(page, site, "resident")
    page.goto(site + "/m/")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const e = document.activeElement, box = e.getBoundingClientRect(),
        style = getComputedStyle(e); return {cls: e.className, text: e.textContent.trim(), top: box.top,
        outline: style.outlineStyle, width: parseFloat(style.outlineWidth)}; }""")
    assert focused["cls"] == "skip-link" and focused["text"] == "跳到正文"
    assert focused["top"] >= 0 and focused["outline"] != "none" and focused["width"] >= 2
    screenshot(page, "skip-link-focused")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(3):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement, style = getComputedStyle(e);
            return {inMain: !!e.closest('main'), tag: e.tagName, outline: style.outlineStyle,
                    width: parseFloat(style.outlineWidth)}; }""")
        assert focused["inMain"], focused
        assert focused["outline"] != "none" and focused["width"] >= 2, focused
