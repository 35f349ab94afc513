"""Every page of every role reads as Chinese: no English word outside proper names, no raw code.

A crawl per demo account (issue 12, item 16): start from the home page, follow every same-site
link with GET (never sign out, download, export or stream a file), visit each route a few times
(ids and query values collapsed), and read what a user sees: text nodes outside <script> and
<style>, and the title, aria-label, placeholder and alt attributes (and the labels of buttons
written as <input>). The system administrator's crawl also walks the management site (/manage/),
Django's own admin pages included. The dataset is the demo's own (``demo_setup`` with few
residents, so 90 days of cases, audit entries, an import batch), with one resident's report still
waiting for a category, so the classifier's suggestion is on a page. It is built once for the module
(the crawls only read; each test's own writes roll back).
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from tests.support import demo_after_a_day_of_use, reinstall_reference_data
from tests.wording import SKIP_PATH, VISIBLE_ATTRIBUTES, offending, route_key

pytestmark = pytest.mark.django_db

ROLES = ["resident", "grid", "community", "street", "dept", "district", "auditor", "admin", "town", "village",
         "villagegrid", "villager"]

VISITS_PER_ROUTE = 2  # each path with each set of query parameters (ids collapsed)…
VISITS_PER_PATH = 6  # …and each path whatever its parameters (filters and sort orders)
MAX_PAGES = 400


class VisibleText(HTMLParser):
    """Collects the text a reader sees, and the same-site links to follow."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"script", "style", "template"}:
            self._hidden += 1
            return
        for name in VISIBLE_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"} and attrs.get("value"):
            self.texts.append(attrs["value"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data)


def crawl(client, start: str = "/", *, extra: tuple[str, ...] = (), check=None, max_pages: int = MAX_PAGES,
          visits_per_route: int = VISITS_PER_ROUTE, visits_per_path: int = VISITS_PER_PATH) -> tuple[dict, int]:
    """Visit what ``client`` can reach from ``start``; returns {page: [offending text]} and the page count.

    ``check(url, response)`` (the stored-XSS suite's) replaces the wording check: it returns the
    page's problems."""
    queue = [start, *extra]
    seen: set[str] = set()
    per_route: Counter = Counter()
    per_path: Counter = Counter()
    problems: dict[str, list[str]] = defaultdict(list)
    pages = 0
    while queue and pages < max_pages:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        parts = urlsplit(url)
        key = route_key(parts.path, parts.query)
        if per_route[key] >= visits_per_route or per_path[key[0]] >= visits_per_path:
            continue
        per_route[key] += 1
        per_path[key[0]] += 1
        response = client.get(url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        if os.environ.get("CRAWL_SHOW"):
            print("VISIT", url)
        parser = VisibleText()
        parser.feed(response.content.decode())
        if check is not None:
            problems[url].extend(check(url, response))
        else:
            for text in parser.texts:
                for token in offending(text):
                    problems[url].append(f"{token!r} in {' '.join(text.split())[:120]!r}")
        base = response.redirect_chain[-1][0] if response.redirect_chain else url
        for href in parser.links:
            if urlsplit(href).scheme or urlsplit(href).netloc or href.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            target = urlsplit(urljoin(base, href))
            path = target.path
            if SKIP_PATH.search(path) or "lang=" in target.query:
                continue
            queue.append(path + (f"?{target.query}" if target.query else ""))
    return {url: found for url, found in problems.items() if found}, pages


@pytest.mark.parametrize(("text", "found"), [
    ("login.success", ["login.success"]),
    ("操作人 demo_setup", ["demo_setup"]),
    ("指标口径见 docs/indicators.md", ["docs/indicators.md"]),
    ("Zoom in", ["Zoom"]),
    ("Choose all 服务区域", ["Choose", "all"]),
    ("disability_type: 听力残疾 grade: 一级", ["disability_type", "grade"]),
    ("SHA-256", ["SHA-256"]),
    ("导出 Excel · Open311 接口 · API 令牌", []),
    ("校验码 77483826eecb · UTF-8 · WGS84 · 0566-2001001", []),
    ("NMKL 3WH2 2AZ3 P7OS Q73U PM64 4HHO AD2C", []),  # a two-factor key, grouped for typing
    ('{"type": "Polygon", "coordinates": [...]}', []),
])
def test_the_checker_finds_words_and_codes_not_data(text, found):
    assert offending(text) == found


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo after a day of use, built once for the module's crawls (committed; each test's own
    writes roll back) and emptied after them, as a transactional test would."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        reinstall_reference_data()
        try:
            yield demo_after_a_day_of_use(ROLES)
        finally:
            call_command("flush", interactive=False, verbosity=0)
            reinstall_reference_data()


@pytest.fixture
def demo_site(demo_data, db):
    return demo_data


# Pages a role reaches without a link from its own pages (typed, bookmarked or sent in a notice).
EXTRA_STARTS = {
    "visitor": ("/accounts/login/", "/accounts/signup/"),
    "resident": ("/registry/verify/",),
    "admin": ("/manage/",),
}


@pytest.mark.parametrize("role", ["visitor", *ROLES])
def test_every_page_of_every_role_reads_as_chinese(client, demo_site, role):
    if role != "visitor":
        client.force_login(demo_site[role])
    problems, pages = crawl(client, extra=EXTRA_STARTS.get(role, ()))
    assert pages > {"admin": 30, "visitor": 2}.get(role, 5), f"the crawl reached only {pages} pages"
    report = "\n".join(f"{url}:\n    " + "\n    ".join(sorted(set(found))[:8]) for url, found in sorted(problems.items()))
    assert not problems, f"English words or raw codes on {len(problems)} of {pages} pages ({role}):\n{report}"
