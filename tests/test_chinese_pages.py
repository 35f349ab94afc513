"""Every page of every role reads as Chinese: no English word outside proper names, no raw code.

A crawl per demo account (issue 12, item 16): start from the home page, follow every same-site
link with GET (never sign out, download, export or stream a file), visit each route a few times
(ids and query values collapsed), and read what a user sees: text nodes outside <script> and
<style>, and the title, aria-label, placeholder and alt attributes (and the labels of buttons
written as <input>). The system administrator's crawl also walks the management site (/manage/),
Django's own admin pages included. The dataset is the demo's own (``demo_setup`` with few
residents, so 90 days of cases, audit entries, an import batch), with one resident's report still
waiting for a category, so the classifier's suggestion is on a page.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

ROLES = ["resident", "grid", "community", "street", "dept", "district", "auditor", "admin"]

# Words in Latin letters a Chinese user legitimately reads on these pages. Kept short on purpose:
# each is a proper name or an acronym with no Chinese name in common use.
ALLOWED_WORDS = {
    "API",      # 接口 tokens and docs are called API everywhere in Chinese government IT
    "Excel",    # the spreadsheet program people open the exports and ledgers with
    "Open311", "GeoReport",  # the name of the standard (Open311 GeoReport v2: its endpoint and keys)
    "TOTP",     # the two-factor standard authenticator apps name (RFC 6238)
    "GeoJSON",  # the boundary file format, a proper name
    "JSON",     # the same
    "CSV",      # the same (the importer accepts .csv)
    "xlsx", "xls", "csv", "json", "geojson",  # file extensions, as typed in an upload hint
    "English",  # the language switch names the language in its own words, as switches do
    "UTF",      # the text encoding a CSV file must be saved in (UTF-8), by its name
    "Ctrl",     # printed on the key the management site's multiple choice asks to hold
    "FreeOTP", "Google", "Authenticator",  # authenticator apps, named so people can find them
    "JPEG", "PNG", "WebP",  # the photo formats accepted, by their names (as the upload refusal names them)
    "PDF",  # the document format attachments accept, by its name
    "Han",  # GB/T 3304's romanised spelling of 汉族, cited as an accepted form of the 民族 column
    "Shapefile", "WGS", "CGCS",  # the map layer format and the two coordinate systems, by their names
    "zip", "shp", "shx", "dbf", "prj",  # the Shapefile's parts, as the upload hint names them
}
# Account names are what people type to sign in (like a phone number): shown as typed. The demo's
# happen to be English words.
ACCOUNT_NAMES = {"admin", "auditor", "district", "street", "community", "grid", "dept", "resident",
                 "town", "village", "villagegrid", "villager"}

SKIP_PATH = re.compile(r"^/(api|open311|static|media)/|logout|download|export|/photo|/files?/|/jsi18n/"
                       r"|template|error_report|/delete/")
VISITS_PER_ROUTE = 2  # each path with each set of query parameters (ids collapsed)…
VISITS_PER_PATH = 6  # …and each path whatever its parameters (filters and sort orders)
MAX_PAGES = 400
VISIBLE_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}

WORD = re.compile(r"[A-Za-z0-9]+(?:[._/:-][A-Za-z0-9]+)*")
DOTTED_CODE = re.compile(r"^[a-z][a-z0-9]*(?:\.[a-z_][a-z0-9_]*)+$")


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


# Data whose letters are not words: the two-factor key grouped for typing (base32), GeoJSON text
# (its member names are fixed by RFC 7946) in a boundary box or as a format example.
BASE32_KEY = re.compile(r"(?:[A-Z2-7]{4} )+[A-Z2-7]{1,4}")


def offending(text: str) -> list[str]:
    """The English words, raw codes and file paths in one piece of visible text."""
    stripped = text.strip()
    if BASE32_KEY.fullmatch(stripped) or (stripped.startswith("{") and '"type"' in stripped):
        return []
    found = []
    for token in WORD.findall(text):
        token = token.rstrip(".:/-")
        if not token:
            continue
        if "/" in token and re.search(r"[A-Za-z]{2}", token):
            if not re.fullmatch(r"[A-Za-z]{1,4}/[A-Za-z]{1,4}", token):  # "km/h" and the like
                found.append(token)
            continue
        if "_" in token or DOTTED_CODE.match(token):
            found.append(token)
            continue
        for part in re.split(r"[-:.]", token):
            if any(ch.isdigit() for ch in part):
                continue  # codes, numbers, hash prefixes: data, not words ("SHA" of "SHA-256" is a word)
            if len(part) >= 3 and part not in ALLOWED_WORDS and part not in ACCOUNT_NAMES:
                found.append(token)
                break
    return found


def route_key(path: str, query: str) -> tuple[str, tuple[str, ...]]:
    """Ids and codes collapsed: each route (and each set of query parameters) counts as one."""
    collapsed = re.sub(r"\d+", "N", path)
    return collapsed, tuple(sorted({k for k, _v in parse_qsl(query, keep_blank_values=True) if k != "page"}))


def crawl(client, start: str = "/", *, extra: tuple[str, ...] = ()) -> tuple[dict, int]:
    """Visit what ``client`` can reach from ``start``; returns {page: [offending text]} and the page count."""
    queue = [start, *extra]
    seen: set[str] = set()
    per_route: Counter = Counter()
    per_path: Counter = Counter()
    problems: dict[str, list[str]] = defaultdict(list)
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        parts = urlsplit(url)
        key = route_key(parts.path, parts.query)
        if per_route[key] >= VISITS_PER_ROUTE or per_path[key[0]] >= VISITS_PER_PATH:
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
    return problems, pages


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


@pytest.fixture
def demo_site(db, django_capture_on_commit_callbacks):
    """The demo as ``./gz demo`` builds it (fewer residents), plus what a day of use leaves behind."""
    from gongzhi.accounts.models import User
    from gongzhi.audit.services import record
    from gongzhi.cases import services as case_services

    call_command("demo_setup", residents=300, stdout=open("/dev/null", "w"))
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    record(actor=users["resident"], action="login.success")
    record(actor=users["community"], action="login.success")
    record(actor=None, actor_name="grid", action="login.failure", success=False)
    # A resident's report the community has not classified yet: the classifier's suggestion shows.
    from gongzhi.areas.models import Area
    from gongzhi.demo.district import RESIDENT_GRID

    grid = Area.objects.get(code=RESIDENT_GRID)
    lon, lat = grid.centroid
    case_services.report_case(actor=users["resident"], description="小区门口的路灯坏了好几天，晚上很黑", lon=lon, lat=lat)
    # A patrol under way, with a visit (its page is reached from the grid worker's patrol list).
    from gongzhi.cases import patrols

    patrol = patrols.start_patrol(actor=users["grid"], area=grid)
    patrols.add_visit(actor=users["grid"], patrol=patrol, door="3栋2单元101", head_name="张大爷", note="独居老人，身体尚可")
    # A registry import batch, so the import history (and its checksum column) has a row.
    from gongzhi.registry.tests.test_import_page import messy_xlsx, upload
    from django.test import Client

    staff = Client()
    staff.force_login(users["community"])
    upload(staff, messy_xlsx(), capture=django_capture_on_commit_callbacks)
    return users


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
