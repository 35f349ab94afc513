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


def test_pages_keep_the_filters(client, cases_demo, three, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    client.force_login(cases_demo.users["community"])

    first = client.get("/cases/", {"queue": "all", "order": "oldest"}).content.decode()
    assert numbers(first) == [three[0].number, three[1].number] and "第 1 / 2 页，共 3 条" in first
    next_link = re.search(r'<a href="\?([^"]*)">下一页</a>', first).group(1).replace("&amp;", "&")
    assert set(next_link.split("&")) == {"queue=all", "order=oldest", "page=2"}
    second = client.get("/cases/", {"queue": "all", "order": "oldest", "page": 2}).content.decode()
    assert numbers(second) == [three[2].number]
    beyond = client.get("/cases/", {"queue": "all", "order": "oldest", "page": 99}).content.decode()
    assert numbers(beyond) == [three[2].number]  # past the end: the last page, not an error


def test_empty_queue_and_empty_search_say_different_things(client, cases_demo):
    client.force_login(cases_demo.users["community"])

    assert "这里暂时没有事件。" in client.get("/cases/", {"queue": "suspended"}).content.decode()
    new_case(cases_demo)
    page = client.get("/cases/", {"queue": "all", "q": "没有这样的描述"}).content.decode()
    assert "没有符合条件的事件。" in page and 'data-testid="export-form"' not in page
