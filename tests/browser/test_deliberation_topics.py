"""Issue 13 items 1–3 in a real browser: a verified resident proposes a topic on a phone, community
staff screen it against the catalogue, the discussion is moderated, a meeting is scheduled, notified,
attended and recorded, and the resident reads the opinion formed."""

from __future__ import annotations

import pytest

from tests.browser.pages import MOBILE, login, screenshot

pytestmark = pytest.mark.browser

GRID = "34170200100101"


@pytest.fixture
def consultation(demo):
    """The catalogue and member kinds (a live-server test's flush removes migration data), the demo
    resident verified, and 幸福社区's committee with three members."""
    from gongzhi.areas.models import Area
    from gongzhi.deliberation import defaults
    from gongzhi.deliberation.models import Body, BodyMember, CatalogueItem, MemberKind
    from gongzhi.registry.models import ResidentLink
    from gongzhi.registry.tests.factories import make_person

    for kind, texts in (("may", defaults.MAY), ("may_not", defaults.MAY_NOT)):
        for order, text in enumerate(texts, 1):
            CatalogueItem.objects.get_or_create(kind=kind, text=text, defaults={"order": order})
    for body_kind, names in defaults.MEMBER_KINDS.items():
        for order, name in enumerate(names, 1):
            MemberKind.objects.get_or_create(body_kind=body_kind, name=name, defaults={"order": order})
    resident = demo.users["resident"]
    person = make_person(grid=GRID, name="王居民")
    ResidentLink.objects.create(user=resident, person=person, area=person.area, method="counter")
    community = Area.objects.get(code="341702001001")
    body = Body.objects.create(area=community, kind="committee", name="幸福社区协商委员会")
    kinds = list(MemberKind.objects.filter(body_kind="committee").order_by("order"))
    for kind, name in zip(kinds[:3], ("张建国", "李秀兰", "陈志强")):
        BodyMember.objects.create(body=body, kind=kind, person=make_person(grid=GRID, name=name))
    return body


def test_resident_proposes_staff_screen_and_a_meeting_is_recorded(site, open_page, console, consultation):
    from gongzhi.deliberation.models import Topic

    phone = open_page(MOBILE)
    login(phone, site, "resident")
    phone.goto(f"{site}/deliberation/topics/")
    with phone.expect_navigation():
        phone.click("[data-testid=topic-new]")
    phone.fill("#t-title", "幸福小区加装电梯")
    phone.fill("#t-desc", "小区3栋是六层老楼，没有电梯，老人上下楼困难，希望协商加装电梯。")
    screenshot(phone, "delib-resident-propose-phone")
    with phone.expect_navigation():
        phone.click("[data-testid=topic-form] button[type=submit]")
    assert phone.inner_text("[data-testid=topic-status]") == "待审核"
    screenshot(phone, "delib-resident-proposed-phone")
    topic = Topic.objects.get(title="幸福小区加装电梯")

    staff = open_page()
    login(staff, site, "community")
    staff.goto(f"{site}/deliberation/topics/{topic.pk}/")
    staff.select_option("#s-item", index=1)
    staff.select_option("#s-form", value="meeting")
    staff.select_option("#s-body", label="幸福社区协商委员会")
    screenshot(staff, "delib-staff-screening")
    with staff.expect_navigation():
        staff.click("[data-testid=accept-form] button[type=submit]")
    assert staff.inner_text("[data-testid=topic-status]") == "协商中"

    # The resident comments; staff hide one comment with a reason; the resident sees the reason only.
    phone.goto(f"{site}/deliberation/topics/{topic.pk}/")
    phone.fill("#c-text", "支持加装，费用按楼层分摊。")
    with phone.expect_navigation():
        phone.click("[data-testid=comment-form] button[type=submit]")
    phone.fill("#c-text", "三楼那户人家太自私了，电话13912345678")
    with phone.expect_navigation():
        phone.click("[data-testid=comment-form] button[type=submit]")
    staff.goto(f"{site}/deliberation/topics/{topic.pk}/")
    hide = staff.locator("[data-testid=comment]", has_text="太自私").locator("details")
    hide.locator("summary").click()
    hide.locator("input[name=reason]").fill("含人身攻击和他人电话")
    with staff.expect_navigation():
        hide.locator("button[type=submit]").click()
    phone.goto(f"{site}/deliberation/topics/{topic.pk}/")
    discussion = phone.inner_text("[data-testid=discussion]")
    assert "该发言已被屏蔽：含人身攻击和他人电话" in discussion and "13912345678" not in discussion
    screenshot(phone, "delib-resident-discussion-phone")

    # A meeting on the next 协商议事日, its notice, attendance, minutes and the opinion formed.
    with staff.expect_navigation():
        staff.click("[data-testid=schedule-meeting]")
    staff.fill("#m-place", "幸福社区党群服务中心议事厅")
    with staff.expect_navigation():
        staff.click("[data-testid=meeting-form] button[type=submit]")
    with staff.expect_navigation():
        staff.click("[data-testid=send-notice]")
    assert "已于" in staff.inner_text("[data-testid=notice-sent]")
    boxes = staff.locator("[data-testid=attendance] input[name=present]")
    assert boxes.count() == 3
    boxes.nth(0).check()
    boxes.nth(1).check()
    with staff.expect_navigation():
        staff.click("[data-testid=save-attendance]")
    assert "应到 3 人，实到 2 人" in staff.inner_text("[data-testid=meeting-counts]")
    staff.fill("#mn-minutes", "一、介绍加装电梯补贴政策；二、3栋居民代表发言，多数同意加装。")
    staff.fill("#mn-opinion", "同意在3栋试点加装电梯，费用按楼层系数分摊。")
    with staff.expect_navigation():
        staff.click("[data-testid=save-minutes]")
    assert staff.inner_text("[data-testid=meeting-status]") == "已召开"
    screenshot(staff, "delib-meeting-recorded")

    # The body: members by kind, masked, and the fixed kinds still missing (4 of the 7).
    staff.goto(f"{site}/deliberation/bodies/{consultation.pk}/")
    assert "张*国" in staff.inner_text("[data-testid=members]") and "张建国" not in staff.inner_text("body")
    assert "业主委员会代表" in staff.inner_text("[data-testid=missing-kinds]")
    screenshot(staff, "delib-body-detail")

    phone.goto(f"{site}/deliberation/topics/{topic.pk}/")
    assert "同意在3栋试点加装电梯" in phone.inner_text("[data-testid=topic-opinion]")
    page_text = phone.inner_text("body")
    assert "周书记" not in page_text and "张建国" not in page_text
    screenshot(phone, "delib-resident-opinion-phone")
    assert console.errors == []
