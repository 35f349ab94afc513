"""The public disclosure pages: readable without signing in, searchable, filtered, paginated, and
free of personal data (the demo's ID numbers, phones and private persons' names never appear)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.disclosure import cadence, demo_items, services_items
from gongzhi.disclosure.models import DisclosureItem, Question, Status

from .conftest import COMMUNITY, VILLAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_disclosures(demo):
    from gongzhi.registry import demo as registry_demo

    registry_demo.build(demo.district, residents=400)
    assert demo_items.build(demo.district) > 0
    return demo


def _pages(client: Client, code: str) -> dict[str, str]:
    """Every public page of a community: index, the community page and its filters, every item."""
    pages = {"/disclosure/": client.get("/disclosure/").content.decode()}
    base = f"/disclosure/{code}/"
    for query in ("", "?category=finance", "?category=affairs&year=2026", "?page=2", "?q=公开"):
        response = client.get(base + query)
        assert response.status_code == 200
        pages[base + query] = response.content.decode()
    for item in DisclosureItem.objects.filter(area__code=code, status=Status.PUBLISHED):
        url = f"{base}items/{item.pk}/"
        response = client.get(url)
        assert response.status_code == 200
        pages[url] = response.content.decode()
    return pages


def test_public_pages_hold_no_personal_data(demo_disclosures):
    from gongzhi.accounts.models import User
    from gongzhi.registry.models import Person

    client = Client()
    pages = {**_pages(client, COMMUNITY), **_pages(client, VILLAGE)}
    html = "\n".join(pages.values())
    assert Question.objects.filter(answered_at__isnull=False).count() >= 4
    assert "社区居委会答复" in pages[f"/disclosure/{COMMUNITY}/"] and "村民委员会答复" in pages[f"/disclosure/{VILLAGE}/"]
    text = re.sub(r"<[^>]+>", " ", html)
    persons = list(Person.objects.all())
    assert len(persons) >= 300
    leaks = []
    for person in persons:
        for value in (person.id_number, person.phone, person.real_name):
            if value and value in text:
                leaks.append(value)
    assert leaks == []
    for user in User.objects.all():  # staff and askers: names and phones
        for value in (user.display_name, user.real_name, getattr(user, "phone", "")):
            assert not value or value not in text, value


def test_community_page_without_login_search_filters_and_overdue(demo_disclosures):
    client = Client()
    page = client.get(f"/disclosure/{COMMUNITY}/").content.decode()
    assert "幸福社区" in page and "居务公开" in page
    # 幸福社区's 服务 was left without a publication for two quarters.
    late = cadence.overdue_for([DisclosureItem.objects.filter(area__code=COMMUNITY).first().area])
    [service] = [o for o in next(iter(late.values())) if o.category == "service"]
    assert f"服务公开已逾期 {service.days} 天" in page
    assert "财务公开已逾期" not in page
    finance = client.get(f"/disclosure/{COMMUNITY}/?category=finance").content.decode()
    assert "财务收支公开" in finance and "党务公开" not in finance.split("data-testid=\"items\"")[1].split("</ol>")[0]
    found = client.get(f"/disclosure/{COMMUNITY}/", {"q": "雨污分流"}).content.decode()
    assert "关于老旧小区雨污分流改造方案的决议公开" in found
    nothing = client.get(f"/disclosure/{COMMUNITY}/", {"q": "不存在的词语"}).content.decode()
    assert "没有符合条件的公开事项" in nothing
    assert "page=2" in page  # more than one page
    village = client.get(f"/disclosure/{VILLAGE}/").content.decode()
    assert "村务公开" in village and "各类公开均在规定时限内" in village
    assert client.get("/disclosure/999999999999/").status_code == 404


def test_period_filter_keeps_overlapping_items(area, make_item, staff):
    q1 = services_items.publish(actor=staff, item=make_item(title="一季度"))
    q3 = services_items.publish(actor=staff, item=make_item(
        title="三季度", period_start=datetime.date(2026, 7, 1), period_end=datetime.date(2026, 9, 30)))
    page = Client().get(f"/disclosure/{area.code}/", {"year": "2026", "quarter": "3"}).content.decode()
    assert q3.title in page and q1.title not in page


def test_drafts_and_withdrawn_items_are_not_public(area, make_item, staff):
    draft = make_item(title="草稿事项")
    client = Client()
    assert client.get(f"/disclosure/{area.code}/items/{draft.pk}/").status_code == 404
    item = services_items.publish(actor=staff, item=make_item(title="已公开事项"))
    assert client.get(f"/disclosure/{area.code}/items/{item.pk}/").status_code == 200
    services_items.withdraw(actor=staff, item=item, reason="重复发布")
    assert client.get(f"/disclosure/{area.code}/items/{item.pk}/").status_code == 404
    assert "草稿事项" not in client.get(f"/disclosure/{area.code}/").content.decode()


def test_residents_ask_and_the_answer_is_public_without_names(area, make_item, staff, demo, login_as):
    item = services_items.publish(actor=staff, item=make_item())
    anonymous = Client()
    response = anonymous.post(f"/disclosure/{area.code}/ask/", {"text": "问题"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "登录后可以提问" in anonymous.get(f"/disclosure/{area.code}/").content.decode()
    client = login_as("resident")
    client.post(f"/disclosure/{area.code}/ask/", {"text": "楼道照明什么时候换？我的电话 13912345678",
                                                  "item": str(item.pk)})
    question = Question.objects.get()
    assert question.item == item and question.asker == demo.users["resident"]
    assert "楼道照明" not in anonymous.get(f"/disclosure/{area.code}/items/{item.pk}/").content.decode().split(
        'id="questions"')[1]  # not public before it is answered
    staff_client = login_as("community")
    assert "楼道照明什么时候换" in staff_client.get("/disclosure/manage/questions/").content.decode()
    staff_client.post(f"/disclosure/manage/questions/{question.pk}/answer/", {"answer": "下月初更换。"})
    page = anonymous.get(f"/disclosure/{area.code}/items/{item.pk}/").content.decode()
    assert "楼道照明什么时候换" in page and "下月初更换。" in page and "社区居委会答复" in page
    assert "13912345678" not in page and "139****5678" in page
    for name in ("王居民", "周书记", "resident", "community"):
        assert name not in page.split('id="questions"')[1]
    # Residents of another community cannot ask here; staff of another community cannot answer.
    villager = Client()
    villager.force_login(demo.users["villager"])
    villager.post(f"/disclosure/{area.code}/ask/", {"text": "别处的问题"})
    assert not Question.objects.filter(text="别处的问题").exists()
    assert login_as("village").post(f"/disclosure/manage/questions/{question.pk}/answer/",
                                    {"answer": "x"}).status_code == 404


def test_index_lists_communities_with_their_status(demo_disclosures):
    page = Client().get("/disclosure/").content.decode()
    assert "幸福社区" in page and "青山村" in page and "项逾期" in page and "按时公开" in page
    assert "青山村" in Client().get("/disclosure/", {"q": "青山"}).content.decode()


def test_demo_is_built_once_and_fast(demo):
    import time

    start = time.monotonic()
    assert demo_items.build(demo.district) > 0
    assert time.monotonic() - start < 30
    assert demo_items.build(demo.district) is None
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    assert DisclosureItem.objects.filter(area__code=COMMUNITY, statement_month=last_month,
                                         status=Status.PUBLISHED).exists()
    assert DisclosureItem.objects.filter(area__code=VILLAGE, statement_month__isnull=False).count() == 12


def test_the_demo_step_is_declared_after_the_registry(demo):
    from gongzhi.core import plugins
    from gongzhi.demo.steps import DemoContext

    names = [step.name for step in plugins.declarations().demo_steps]
    assert names.index("disclosure_items") > names.index("registry")
    lines = []
    plugins.resolve("gongzhi.disclosure.plugin:build_demo")(DemoContext(root=demo.district, residents=0,
                                                                        write=lines.append))
    plugins.resolve("gongzhi.disclosure.plugin:build_demo")(DemoContext(root=demo.district, residents=0,
                                                                        write=lines.append))
    assert "公开事项" in lines[0] and "跳过生成" in lines[1]


def test_the_home_page_promises_the_public_disclosure(client):
    page = client.get("/").content.decode()
    assert "居务公开" in page and "无需登录即可查阅" in page


def test_the_index_leads_a_resident_to_their_community(login_as):
    page = login_as("resident").get("/disclosure/").content.decode()
    mine = page.split('data-testid="mine"')[1].split("</p>")[0]
    assert f"/disclosure/{COMMUNITY}/" in mine and "青山村" not in mine
    assert 'data-testid="mine"' not in login_as("district").get("/disclosure/").content.decode()
