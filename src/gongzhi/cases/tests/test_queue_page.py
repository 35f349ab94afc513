"""The queue page: search, sorting, pages that keep the filters, and what it says when nothing matches."""

import datetime
import re

import pytest

from gongzhi.cases.views import queue

from .helpers import NOW, new_case

pytestmark = pytest.mark.django_db


def numbers(page: str) -> list[str]:
    table = page.split('data-testid="case-table"')[1].split("</table>")[0] if 'data-testid="case-table"' in page else ""
    return re.findall(r'href="/cases/\d+/">(\d+)</a>', table)


@pytest.fixture
def three(cases_demo):
    texts = ["幸福路井盖松动，过车哐哐响", "小区门口垃圾堆积好几天了", "幸福路路灯不亮了"]
    return [new_case(cases_demo, description=text, now=NOW + datetime.timedelta(hours=hours))
            for hours, text in zip((0, 1, 2), texts)]


def test_search_matches_number_description_and_address(client, cases_demo, three):
    client.force_login(cases_demo.users["community"])

    found = numbers(client.get("/cases/", {"queue": "all", "q": "幸福路"}).content.decode())
    assert sorted(found) == sorted([three[0].number, three[2].number])
    assert numbers(client.get("/cases/", {"queue": "all", "q": three[1].number}).content.decode()) == [three[1].number]
    addressed = new_case(cases_demo, description="楼道里堆满杂物挡住通道", address="阳光小区3栋2单元")
    assert numbers(client.get("/cases/", {"queue": "all", "q": "阳光小区"}).content.decode()) == [addressed.number]


def test_sorting_by_report_time_both_ways(client, cases_demo, three):
    client.force_login(cases_demo.users["community"])

    newest = numbers(client.get("/cases/", {"queue": "all", "order": "reported"}).content.decode())
    oldest = numbers(client.get("/cases/", {"queue": "all", "order": "oldest"}).content.decode())

    assert newest == [c.number for c in reversed(three)] and oldest == [c.number for c in three]


def links(page: str) -> dict[str, str]:
    """The pager's links by name (first, previous, next, last) as query strings."""
    found = re.findall(r'<a href="\?([^"]*)" data-testid="page-(\w+)">', page)
    return {name: query.replace("&amp;", "&") for query, name in found}


def test_pages_keep_the_filters(client, cases_demo, three, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    client.force_login(cases_demo.users["community"])

    first = client.get("/cases/", {"queue": "all", "order": "oldest"}).content.decode()
    assert numbers(first) == [three[0].number, three[1].number] and "共 3 件" in first
    next_link = links(first)["next"]
    assert {part.split("=")[0] for part in next_link.split("&")} == {"queue", "order", "after"}
    second = client.get(f"/cases/?{next_link}").content.decode()
    assert numbers(second) == [three[2].number] and "next" not in links(second)
    # Numbered pages in deadline order: past the end, the last page, not an error.
    beyond = client.get("/cases/", {"queue": "all", "order": "deadline", "page": 99}).content.decode()
    assert len(numbers(beyond)) == 1 and 'data-testid="page-previous"' in beyond


def test_the_queue_pages_by_the_last_case_seen_both_ways_with_ties(client, cases_demo, monkeypatch):
    """Keyset pages (first / next / previous / last) in report order, with cases reported at the same
    moment (ties broken by the key): every case exactly once each way, filters kept."""
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    made = [new_case(cases_demo, description=f"幸福路第{k}处井盖松动", now=NOW + datetime.timedelta(hours=k // 3))
            for k in range(7)]  # three at NOW, three an hour later, one two hours later
    expected = [c.number for c in sorted(made, key=lambda c: (c.reported_at, c.pk), reverse=True)]
    client.force_login(cases_demo.users["community"])
    page = client.get("/cases/", {"queue": "all", "order": "reported", "q": "井盖"}).content.decode()
    assert set(links(page)) == {"next", "last"}
    seen = numbers(page)
    while "next" in links(page):
        assert "q=%E4%BA%95%E7%9B%96" in links(page)["next"]  # the search is kept
        page = client.get(f"/cases/?{links(page)['next']}").content.decode()
        seen += numbers(page)
    assert seen == expected
    last = client.get("/cases/", {"queue": "all", "order": "reported", "q": "井盖", "last": "1"}).content.decode()
    assert numbers(last) == expected[-2:] and set(links(last)) == {"first", "previous"}
    backwards, page = numbers(last), last
    while "previous" in links(page):
        page = client.get(f"/cases/?{links(page)['previous']}").content.decode()
        backwards = numbers(page) + backwards
    assert backwards == expected
    garbled = client.get("/cases/", {"queue": "all", "order": "reported", "after": "not~a~cursor"}).content.decode()
    assert numbers(garbled) == expected[:2]  # a damaged link shows the first page


def test_a_tab_beyond_the_exact_limit_shows_an_estimate_or_a_bound(client, cases_demo, monkeypatch):
    from gongzhi.core import paging

    for k in range(4):
        new_case(cases_demo, description=f"幸福路第{k}处路灯不亮", now=NOW + datetime.timedelta(minutes=k))
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 2)
    client.force_login(cases_demo.users["community"])
    page = client.get("/cases/", {"queue": "reported"}).content.decode()
    tab = re.search(r'href="\?queue=reported"[^>]*>[^<]*<span class="count">([^<]+)</span>', page).group(1)
    # PostgreSQL's figure is the planner's estimate (it follows the table's statistics): its form is fixed.
    assert tab == "超过 2" or re.fullmatch(r"约 [\d,]+", tab), tab
    assert re.search(r'data-testid="case-count">(超过 2|约 [\d,]+) 件<', page)
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 10)
    page = client.get("/cases/", {"queue": "reported"}).content.decode()
    assert '共 4 件' in page and re.search(r'href="\?queue=open"[^>]*>[^<]*<span class="count">4</span>', page)


def test_empty_queue_and_empty_search_say_different_things(client, cases_demo):
    client.force_login(cases_demo.users["community"])

    assert "这里暂时没有事件。" in client.get("/cases/", {"queue": "suspended"}).content.decode()
    new_case(cases_demo)
    page = client.get("/cases/", {"queue": "all", "q": "没有这样的描述"}).content.decode()
    assert "没有符合条件的事件。" in page and 'data-testid="export-form"' not in page
