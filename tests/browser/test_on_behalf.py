"""Issue 14 item 2 in a real browser: community staff act for residents who cannot use a phone (代办) —
propose a topic for an elder, support a topic for her and write down a resident's comment, ask a
question on the disclosures for her — each picked from the registry and stored as the resident's;
the resident reads "社区工作人员代为提交", never the staff member's name. axe-core checks the 代办 page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.pages import MOBILE, login, screenshot
from tests.browser.test_accessibility import serious_violations

pytestmark = pytest.mark.browser

GRID = "34170200100101"


@pytest.fixture
def setting(demo):
    """An elder without an account (张奶奶), the demo resident verified, a topic under discussion."""
    from gongzhi.areas.models import Area
    from gongzhi.deliberation.models import Body, CatalogueItem, Topic, TopicStatus
    from gongzhi.registry.models import ResidentLink
    from gongzhi.registry.tests.factories import make_person

    elder = make_person(grid=GRID, name="张奶奶")
    person = make_person(grid=GRID, name="王居民")
    ResidentLink.objects.create(user=demo.users["resident"], person=person, area=person.area, method="counter")
    community = Area.objects.get(code="341702001001")
    item = CatalogueItem.objects.create(kind="may", text="涉及居民切身利益的公共事务", order=1)
    body = Body.objects.create(area=community, kind="committee", name="幸福社区协商委员会")
    topic = Topic.objects.create(area=community, title="小区加装电梯", description="六层老楼没有电梯。",
                                 status=TopicStatus.DISCUSSING, form="meeting", body=body, catalogue_item=item,
                                 proposed_by=demo.users["community"], proposed_by_staff=True)
    return elder, person, topic


def _pick(page, name: str) -> None:
    page.fill("#on-behalf-q", name)
    with page.expect_navigation():
        page.click("[data-testid=on-behalf-search] button[type=submit]")
    page.locator("[data-testid=on-behalf-people] label", has_text=name).locator("input").check()


def _submit(page) -> None:
    with page.expect_navigation():
        page.click("[data-testid=on-behalf-submit]")


def test_community_staff_act_for_residents_who_cannot_use_a_phone(site, open_page, console, setting, demo):
    from gongzhi.deliberation.models import Comment, Support, Topic
    from gongzhi.disclosure.models import Question

    elder, person, topic = setting
    staff_name = demo.users["community"].real_name
    staff = open_page()
    login(staff, site, "community")

    # 1. A topic proposed for 张奶奶, who came to the counter.
    staff.goto(f"{site}/deliberation/topics/")
    with staff.expect_navigation():
        staff.click("[data-testid=topic-propose-on-behalf]")
    _pick(staff, "张奶奶")
    staff.locator("input[name=channel][value=in_person]").check()
    staff.fill("#id_title", "单元门口增设扶手")
    staff.fill("#id_description", "单元门口台阶没有扶手，老人进出容易摔倒。")
    staff.fill("#id_note", "窗口口述")
    screenshot(staff, "on-behalf-propose")
    assert serious_violations(Axe(), staff) == []
    _submit(staff)
    proposed = Topic.objects.get(title="单元门口增设扶手")
    assert proposed.proposed_for == elder and proposed.on_behalf_channel == "in_person"

    # 2. 附议 for her by phone; a second time is refused with a clear message.
    staff.goto(f"{site}/deliberation/topics/{topic.pk}/")
    with staff.expect_navigation():
        staff.click("[data-testid=on-behalf-links] >> text=代居民附议")
    _pick(staff, "张奶奶")
    staff.locator("input[name=channel][value=phone]").check()
    _submit(staff)
    assert staff.inner_text("[data-testid=support-count]") == "1"
    staff.goto(f"{site}/deliberation/topics/{topic.pk}/support/on-behalf/?q=张奶奶")
    staff.locator("input[name=channel][value=phone]").check()
    _submit(staff)
    assert "不能重复附议" in staff.inner_text("[data-testid=on-behalf-error]")
    screenshot(staff, "on-behalf-support-refused-twice")
    assert Support.objects.filter(topic=topic).count() == 1

    # 3. The demo resident's comment, written down at a home visit.
    staff.goto(f"{site}/deliberation/topics/{topic.pk}/comments/on-behalf/")
    _pick(staff, "王居民")
    staff.locator("input[name=channel][value=home_visit]").check()
    staff.fill("#id_text", "支持加装，希望施工时注意噪音。")
    _submit(staff)
    assert Comment.objects.get(topic=topic).person == person
    assert "代办" in staff.inner_text("[data-testid=comment-author]")
    screenshot(staff, "on-behalf-topic-staff-view")

    # 4. A question on the disclosures for 张奶奶; the staff list marks it.
    staff.goto(f"{site}/disclosure/manage/questions/")
    with staff.expect_navigation():
        staff.click("[data-testid=question-on-behalf]")
    _pick(staff, "张奶奶")
    staff.locator("input[name=channel][value=home_visit]").check()
    staff.fill("#id_text", "今年的低保名单在哪里公示？")
    _submit(staff)
    assert Question.objects.get().person == elder
    assert "张奶奶" in staff.inner_text("[data-testid=question-proxy]")
    screenshot(staff, "on-behalf-questions-staff")

    # The resident reads their comment as theirs, submitted by community staff, without a name.
    phone = open_page(MOBILE)
    login(phone, site, "resident")
    phone.goto(f"{site}/deliberation/topics/{topic.pk}/")
    author = phone.inner_text("[data-testid=comment-author]")
    assert "社区工作人员代为提交" in author and staff_name not in phone.content()
    screenshot(phone, "on-behalf-resident-view-phone")
    assert console.errors == []
