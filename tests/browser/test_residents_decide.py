"""Issue 13's acceptance path in a real browser, end to end: a resident proposes a topic on a phone →
community staff screen it → the resident discusses → a meeting with minutes → staff open a household
vote from the topic → the resident votes and checks the receipt in the public ledger → the result with
its rule checks → the decision is carried out (progress updates) → the resident rates it."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.pages import MOBILE, login, screenshot

pytestmark = pytest.mark.browser

GRID = "34170200100101"
COMMUNITY = "341702001001"


@pytest.fixture
def neighbourhood(demo):
    """Reference data a live-server flush removed, 幸福社区's committee, and four households of which
    the demo resident (王居民) heads the first."""
    from gongzhi.areas.models import Area
    from gongzhi.deliberation import defaults
    from gongzhi.deliberation.models import Body, BodyMember, CatalogueItem, MemberKind
    from gongzhi.registry.models import Household, ResidentLink
    from gongzhi.registry.tests.factories import make_person

    for kind, texts in (("may", defaults.MAY), ("may_not", defaults.MAY_NOT)):
        for order, text in enumerate(texts, 1):
            CatalogueItem.objects.get_or_create(kind=kind, text=text, defaults={"order": order})
    for body_kind, names in defaults.MEMBER_KINDS.items():
        for order, name in enumerate(names, 1):
            MemberKind.objects.get_or_create(body_kind=body_kind, name=name, defaults={"order": order})
    grid = Area.objects.get(code=GRID)
    heads = []
    for index, name in enumerate(("王居民", "赵大勇", "钱小红", "孙立新")):
        household = Household.objects.create(area=grid, number=f"E2E{index}")
        head = make_person(grid=GRID, name=name, household=household, birth_date=datetime.date(1980, 1, 1))
        household.head = head
        household.save()
        heads.append(head)
    ResidentLink.objects.create(user=demo.users["resident"], person=heads[0], area=grid, method="counter")
    body = Body.objects.create(area=Area.objects.get(code=COMMUNITY), kind="committee", name="幸福社区协商委员会")
    for kind, person in zip(MemberKind.objects.filter(body_kind="committee").order_by("order"), heads[1:]):
        BodyMember.objects.create(body=body, kind=kind, person=person)
    return heads


def test_a_resident_proposal_goes_all_the_way_to_an_evaluated_decision(site, open_page, console, neighbourhood,
                                                                       demo):
    from gongzhi.deliberation import votes
    from gongzhi.deliberation.models import Topic, Vote

    # 民事民提: the resident proposes on a phone.
    phone = open_page(MOBILE)
    login(phone, site, "resident")
    phone.goto(f"{site}/m/")
    with phone.expect_navigation():
        phone.click("[data-testid=participation] >> text=议题")
    with phone.expect_navigation():
        phone.click("[data-testid=topic-new]")
    phone.fill("#t-title", "小区增设电动自行车充电桩")
    phone.fill("#t-desc", "楼道里充电有火灾隐患，希望在小区空地集中建设充电桩。")
    with phone.expect_navigation():
        phone.click("[data-testid=topic-form] button[type=submit]")
    assert phone.inner_text("[data-testid=topic-status]") == "待审核"
    topic = Topic.objects.get(title="小区增设电动自行车充电桩")
    screenshot(phone, "decide-1-proposed-phone")

    # Staff screen it against 六议六不议.
    staff = open_page()
    login(staff, site, "community")
    staff.goto(f"{site}/deliberation/topics/{topic.pk}/")
    staff.select_option("#s-item", index=1)
    staff.select_option("#s-form", value="meeting")
    staff.select_option("#s-body", label="幸福社区协商委员会")
    with staff.expect_navigation():
        staff.click("[data-testid=accept-form] button[type=submit]")
    assert staff.inner_text("[data-testid=topic-status]") == "协商中"

    # 民事民议: the resident discusses.
    phone.goto(f"{site}/deliberation/topics/{topic.pk}/")
    phone.fill("#c-text", "建议建在3栋北侧空地，按次收费。")
    with phone.expect_navigation():
        phone.click("[data-testid=comment-form] button[type=submit]")
    assert "3栋北侧空地" in phone.inner_text("[data-testid=discussion]")

    # A meeting with attendance and minutes; the opinion formed.
    staff.goto(f"{site}/deliberation/topics/{topic.pk}/")
    with staff.expect_navigation():
        staff.click("[data-testid=schedule-meeting]")
    staff.fill("#m-place", "幸福社区议事厅")
    with staff.expect_navigation():
        staff.click("[data-testid=meeting-form] button[type=submit]")
    boxes = staff.locator("[data-testid=attendance] input[name=present]")
    for index in range(boxes.count()):
        boxes.nth(index).check()
    with staff.expect_navigation():
        staff.click("[data-testid=save-attendance]")
    staff.fill("#mn-minutes", "一、消防部门介绍充电安全；二、居民代表讨论选址。")
    staff.fill("#mn-opinion", "建议在3栋北侧建设集中充电桩，提交全体住户表决。")
    with staff.expect_navigation():
        staff.click("[data-testid=save-minutes]")
    assert staff.inner_text("[data-testid=meeting-status]") == "已召开"
    screenshot(staff, "decide-2-meeting-minutes")

    # 民事民决: staff open a household vote (60% of ALL households) from the topic.
    staff.goto(f"{site}/deliberation/topics/{topic.pk}/")
    with staff.expect_navigation():
        staff.click("[data-testid=start-vote]")
    assert staff.input_value("#id_title") == "小区增设电动自行车充电桩"
    staff.select_option("#id_area", label=f"幸福社区（{COMMUNITY}）")
    staff.select_option("#id_electorate", value="households")
    staff.select_option("#id_rule", value="households_60")
    screenshot(staff, "decide-3-vote-form")
    with staff.expect_navigation():
        staff.click("[data-testid=vote-form] button[type=submit]")
    assert "名册 4 人（户）" in staff.inner_text(".messages")
    vote = Vote.objects.get(topic=topic)

    phone.goto(f"{site}/deliberation/votes/{vote.pk}/")
    phone.check("input[name=choice][value='同意']")
    phone.check("input[name=confirm]")
    screenshot(phone, "decide-4-ballot-phone")
    with phone.expect_navigation():
        phone.click("[data-testid=ballot-form] button[type=submit]")
    receipt = phone.inner_text("[data-testid=receipt]")
    assert len(receipt) == 16
    screenshot(phone, "decide-5-receipt-phone")
    with phone.expect_navigation():
        phone.click("text=在公开账本中核对回执")
    assert "回执已计入：账本第 1 条" in phone.inner_text("[data-testid=receipt-found]")
    assert "（保密）" in phone.inner_text("[data-testid=ledger-table]")

    # Two more households vote on paper, entered by staff (marked as such); one stays away.
    for name, choice in (("赵", "同意"), ("钱", "反对")):
        staff.goto(f"{site}/deliberation/votes/{vote.pk}/?elector_q={name}")
        staff.locator("[data-testid=paper-form] input[name=elector]").first.check()
        staff.select_option("[data-testid=paper-form] select[name=choice]", value=choice)
        with staff.expect_navigation():
            staff.click("[data-testid=paper-form] button[type=submit]")
        assert "已录入纸质选票" in staff.inner_text(".messages")
    Vote.objects.filter(pk=vote.pk).update(closes=datetime.datetime.now(datetime.timezone.utc))

    # The result, rule by rule: 2 of 4 households agree = 50% < 60%: not passed.
    anonymous = open_page(MOBILE)
    anonymous.goto(f"{site}/deliberation/votes/{vote.pk}/result/")
    checks = anonymous.inner_text("[data-testid=vote-checks]")
    assert "同意户数占全体住户" in checks and "50.0%" in checks and "≥ 60%" in checks and "未达到" in checks
    assert anonymous.inner_text("[data-testid=vote-outcome]") == "未通过"
    screenshot(anonymous, "decide-6-result-failed-phone")
    assert votes.verify(Vote.objects.get(pk=vote.pk)).ok

    # A second vote after more consultation: 3 of 4 agree (75% ≥ 60%), passed; the topic is decided.
    second = votes.create_vote(actor=demo.users["community"], draft=votes.VoteDraft(
        title="充电桩选址调整后再次表决", area=vote.area, electorate="households", rule="households_60",
        options=list(votes.YES_NO_ABSTAIN), topic=Topic.objects.get(pk=topic.pk),
        opens=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1),
        closes=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)))
    for elector in second.electors.order_by("pk")[:3]:
        votes.enter_paper_ballot(actor=demo.users["community"], vote_id=second.pk, elector_id=elector.pk,
                                 choice="同意")
    Vote.objects.filter(pk=second.pk).update(closes=datetime.datetime.now(datetime.timezone.utc))
    phone.goto(f"{site}/deliberation/votes/{second.pk}/")
    assert phone.inner_text("[data-testid=vote-outcome]") == "通过"
    assert "75.0%" in phone.inner_text("[data-testid=vote-checks]")
    screenshot(phone, "decide-7-result-passed-phone")
    assert Topic.objects.get(pk=topic.pk).status == "decided"

    # 民事民办: staff split the decision into a task and report progress to 100%.
    staff.goto(f"{site}/deliberation/topics/{topic.pk}/")
    assert "表决通过" in staff.inner_text("[data-testid=topic-votes]")
    staff.goto(f"{site}/deliberation/topics/{topic.pk}/tasks/")
    staff.click("text=添加落实任务")
    staff.fill("#id_title", "建设集中充电桩")
    staff.fill("#id_owner_unit", "幸福社区居委会")
    staff.fill("#id_deadline", "2030-06-30")
    with staff.expect_navigation():
        staff.click("[data-testid=task-form] button[type=submit]")
    staff.click("text=更新进展")
    staff.fill("[data-testid=task-update-form] textarea[name=text]", "充电桩20个已建成投用。")
    staff.fill("[data-testid=task-update-form] input[name=percent]", "100")
    with staff.expect_navigation():
        staff.click("[data-testid=task-update-form] button[type=submit]")
    assert "已办结" in staff.inner_text("#followup-title")
    screenshot(staff, "decide-8-implemented")

    # 民事民评: the resident rates it on the topic page, which keeps the whole record public.
    phone.goto(f"{site}/deliberation/topics/{topic.pk}/")
    phone.check("input[name=rating][value='5']")
    with phone.expect_navigation():
        phone.click("[data-testid=evaluate-form] button[type=submit]")
    assert phone.inner_text("[data-testid=satisfied-share]") == "100.0%"
    record = phone.inner_text("main")
    assert "通过：同意户数占全体住户 75.0%" in record and "充电桩20个已建成投用" in record, record
    assert demo.users["community"].real_name not in record
    screenshot(phone, "decide-9-evaluated-phone")
    assert console.errors == []
