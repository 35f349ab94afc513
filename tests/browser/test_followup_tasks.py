"""Implementation and evaluation (issue 13 item 5): community staff split a decided topic into a task
and report its progress to 100 %; the topic is done and a verified resident rates it. Residents see
the owning unit, never the staff member's name."""

from __future__ import annotations

import pytest

from tests.browser.pages import MOBILE, login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def decided_topic(demo):
    from gongzhi.areas.models import Area
    from gongzhi.deliberation.models import Topic, TopicStatus
    from gongzhi.registry.models import ResidentLink
    from gongzhi.registry.tests.factories import make_person

    person = make_person(grid="34170200100101", name="王居民", phone="13800000008")
    ResidentLink.objects.create(user=demo.users["resident"], person=person, area=person.area, method="counter")
    return Topic.objects.create(area=Area.objects.get(code="341702001001"), title="3号楼楼道加装声控照明",
                                description="夜间楼道无照明", status=TopicStatus.DECIDED,
                                opinion="社区出资加装声控灯，物业负责维护。")


def test_staff_carry_out_and_a_resident_rates(site, page, open_page, console, decided_topic, demo):
    url = f"{site}/deliberation/topics/{decided_topic.pk}/tasks/"
    login(page, site, "community")
    page.goto(url)
    page.click("text=添加落实任务")
    page.fill("#id_title", "采购并安装声控灯")
    page.fill("#id_owner_unit", "幸福社区居委会")
    page.fill("#id_deadline", "2030-06-30")
    with page.expect_navigation():
        page.click("[data-testid=task-form] button[type=submit]")
    assert "已添加落实任务" in page.inner_text(".messages")
    page.click("text=更新进展")
    page.fill("[data-testid=task-update-form] textarea[name=text]", "24 套声控灯已安装并调试完毕。")
    page.fill("[data-testid=task-update-form] input[name=percent]", "100")
    with page.expect_navigation():
        page.click("[data-testid=task-update-form] button[type=submit]")
    assert "已办结" in page.inner_text("#followup-title")
    screenshot(page, "followup-staff-done")

    resident = open_page(MOBILE)
    login(resident, site, "resident")
    resident.goto(url)
    panel = resident.locator("[data-testid=followup-panel]")
    assert "幸福社区居委会" in panel.inner_text() and demo.users["community"].real_name not in panel.inner_text()
    resident.check("input[name=rating][value='4']")
    resident.fill("#evaluate-comment", "楼道亮了，谢谢。")
    with resident.expect_navigation():
        resident.click("[data-testid=evaluate-form] button[type=submit]")
    assert "感谢您的评价" in resident.inner_text(".messages")
    assert resident.inner_text("[data-testid=satisfied-share]") == "100.0%"
    assert resident.locator("[data-testid=evaluate-form]").count() == 0
    timeline = resident.inner_text("[data-testid=followup-timeline]")
    assert "议题提出" in timeline and "进展 100%" in timeline and "居民评价 1 份" in timeline
    screenshot(resident, "followup-resident-rated")
    assert console.errors == []
