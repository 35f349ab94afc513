"""Issue 12's acceptance in the browser: the community whistles a department (社区吹哨), the grid worker
verifies, the street centre closes, and the resident rates on a public timeline; a hotline case rated
through the centre's 回访; a refused photo keeps the note typed with it. Screenshots of the key pages."""

from __future__ import annotations

import pytest

from tests.browser.pages import DESKTOP, MOBILE, act, login, panel, photo, screenshot

pytestmark = pytest.mark.browser

GRID = "34170200100101"  # the demo grid worker's grid, in 幸福社区 (341702001001), 东城街道
# The demo staff's real names: the resident's page must name none of them.
STAFF_NAMES = ("赵系统", "钱审计", "孙区长", "李主任", "周书记", "吴网格", "郑科长")
INTERNAL_NOTE = "内部备注：已协调施工队，费用走养护合同"


@pytest.fixture
def loop_site(site):
    from gongzhi.cases.demo_links import link_departments

    link_departments()  # 道路破损 (0303) → 区城市管理局
    return site


def user(username: str):
    from gongzhi.accounts.models import User

    return User.objects.get(username=username)


def report(actor: str, description: str, **extra):
    """A case in the demo grid, filed through the service (the report page has its own test)."""
    from gongzhi.areas.models import Area
    from gongzhi.cases import services

    grid = Area.objects.get(code=GRID)
    lon, lat = grid.centroid
    return services.report_case(actor=user(actor), description=description, lon=lon, lat=lat, **extra)


def status(page) -> str:
    return page.locator("[data-testid=case-status]").inner_text()


def test_community_whistles_grid_verifies_centre_closes_resident_rates(loop_site, open_page, console):
    from gongzhi.accounts.models import Department
    from gongzhi.cases.models import Category

    site = loop_site
    case = report("resident", "幸福路88号门口人行道地砖破损塌陷，老人容易绊倒")
    road = Category.objects.get(code="0303")
    assert road.community_whistle

    community = open_page(DESKTOP)
    login(community, site, "community")
    community.goto(f"{site}/cases/{case.pk}/")
    act(community, "accept", category=road.code)  # the form posts codes
    assert status(community) == "已立案"
    # Community staff blow the whistle themselves for a whistle-enabled department category.
    whistle = panel(community, "dispatch")
    assert whistle.locator("summary").inner_text() == "社区吹哨（派遣部门）"
    assert whistle.locator("button[type=submit]").inner_text() == "社区吹哨（派遣部门）"
    assert "区城市管理局" in whistle.locator("[data-testid=route]").inner_text()
    screenshot(community, "case-whistle-01-community-whistle")
    act(community, "dispatch", department=str(Department.objects.get(code="CG").pk))
    assert status(community) == "已派遣"

    dept = open_page(DESKTOP)
    login(dept, site, "dept")
    dept.goto(f"{site}/cases/{case.pk}/")
    act(dept, "acknowledge")
    assert status(dept) == "已报到"
    act(dept, "start")
    act(dept, "feedback", note=INTERNAL_NOTE)
    assert status(dept) == "待核查"
    assert INTERNAL_NOTE in dept.locator("[data-testid=timeline]").inner_text()  # staff see the note

    grid = open_page(MOBILE)
    login(grid, site, "grid")
    grid.goto(f"{site}/cases/{case.pk}/")
    act(grid, "verify", note="现场核查，路面已修复平整")
    # GB/T 30428: 核查 and 结案 are two steps; the grid worker cannot close a department case.
    assert status(grid) == "已核查待结案"
    assert grid.locator("details[data-action='close']").count() == 0

    street = open_page(DESKTOP)
    login(street, site, "street")
    street.goto(f"{site}/cases/{case.pk}/")
    close = panel(street, "close")
    assert close.locator("button[type=submit]").inner_text() == "结案"
    screenshot(street, "case-whistle-02-centre-close")
    act(street, "close", note="道路已修复，感谢您的反映")
    assert status(street) == "已结案"

    resident = open_page(MOBILE)
    login(resident, site, "resident")
    resident.goto(f"{site}/cases/mine/")
    resident.click(f"text={case.number}")
    rate = panel(resident, "rate")
    assert rate.locator("select[name=rating] option").all_inner_texts() == [
        "请选择", "非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    act(resident, "rate", rating="3", resolved="yes", comment="修好了，就是慢了点")
    assert "基本满意" in resident.locator("[data-testid=rating]").inner_text()
    assert resident.locator("details[data-action='rate']").count() == 0  # rated once

    timeline = resident.locator("[data-testid=timeline]").inner_text()
    labels = ("已上报", "已受理立案", "已转职能部门办理", "职能部门已签收", "正在处置", "已处置，待核查",
              "已现场核查", "已办结", "已评价")
    positions = [timeline.find(label) for label in labels]
    assert -1 not in positions, dict(zip(labels, positions))
    assert positions == sorted(positions)  # oldest first, in the order they happened
    assert "道路已修复，感谢您的反映" in timeline  # the closing note is the public reply
    body = resident.inner_text("body")
    for secret in (INTERNAL_NOTE, "已协调施工队", "现场核查，路面已修复平整", *STAFF_NAMES,
                   "处置时限", "报到时限", "派遣时限", "立案时限"):
        assert secret not in body, secret
    screenshot(resident, "case-whistle-03-resident-public")

    case.refresh_from_db()
    assert (case.status, case.rating, case.resolved) == ("closed", 3, True)
    assert case.lead_department.code == "CG"
    assert case.events.get(action="dispatch").actor == user("community")
    assert console.errors == []


def test_hotline_case_is_rated_by_the_centres_callback(loop_site, open_page, console):
    from gongzhi.accounts.models import Department
    from gongzhi.cases import services
    from gongzhi.cases.workflow import took_part

    site = loop_site
    cg = Department.objects.get(code="CG").pk
    typist = user("street")
    case = report("street", "来电反映：幸福路与和平路交叉口路面坑洼，雨天积水", source="hotline",
                  reporter_name="陈女士", reporter_phone="13912345678")
    steps = [("street", "accept", {"category": "0303"}, ""), ("street", "dispatch", {"department": cg}, ""),
             ("dept", "acknowledge", {}, ""), ("dept", "start", {}, ""),
             ("dept", "feedback", {}, "坑洼已修补"), ("grid", "verify", {}, ""), ("street", "close", {}, "")]
    for who, action, params, note in steps:
        case = services.act(actor=user(who), case=case, action=action, note=note, **params)
    assert (case.source, case.status) == ("hotline", "closed")
    district = user("district")
    assert took_part(typist, case) and not took_part(district, case)

    # The typist took the call: no 评价 (the caller rates through 回访) and no 回访 of their own work.
    street = open_page(DESKTOP)
    login(street, site, "street")
    street.goto(f"{site}/cases/{case.pk}/")
    assert status(street) == "已结案"
    assert street.locator("details[data-action='rate']").count() == 0
    assert street.locator("details[data-action='callback']").count() == 0
    buttons = street.locator("[data-testid=case-actions] summary").all_inner_texts()
    assert not [label for label in buttons if "评价" in label or "回访" in label], buttons

    centre = open_page(DESKTOP)
    login(centre, site, "district")
    centre.goto(f"{site}/cases/{case.pk}/")
    callback = panel(centre, "callback")
    assert callback.locator("summary").inner_text() == "回访"
    assert centre.locator("details[data-action='rate']").count() == 0
    act(centre, "callback", note="已电话回访陈女士，路面已修补", reached="yes", rating="4", resolved="yes")
    rating = centre.locator("[data-testid=rating]").inner_text()
    assert "满意" in rating and "基本满意" not in rating and "问题已解决" in rating
    assert "已联系上" in centre.locator("[data-testid=callback]").inner_text()
    timeline = centre.locator("[data-testid=timeline]").inner_text()
    assert "回访" in timeline and "孙区长" in timeline
    assert centre.locator("details[data-action='callback']").count() == 0  # rated: the callback is done
    screenshot(centre, "case-whistle-04-centre-callback")

    case.refresh_from_db()
    assert (case.rating, case.resolved, case.callback_reached) == (4, True, True)
    assert case.callback_at is not None
    street.reload()
    assert street.locator("details[data-action='rate']").count() == 0
    assert console.errors == []


def test_a_hotline_case_names_the_caller_not_the_typist(loop_site, open_page):
    case = report("street", "来电反映：和平路路灯不亮", source="hotline", reporter_name="陈女士",
                  reporter_phone="13912345678")
    centre = open_page(DESKTOP)
    login(centre, loop_site, "district")
    centre.goto(f"{loop_site}/cases/{case.pk}/")
    props = centre.locator("[data-testid=case-props]").inner_text()
    assert "陈女士" in props and "李主任" not in props, props


def test_a_refused_photo_keeps_the_typed_note(loop_site, open_page, console, tmp_path):
    from gongzhi.accounts.models import Department
    from gongzhi.cases import services

    site = loop_site
    cg = Department.objects.get(code="CG").pk
    case = report("resident", "和平路12号人行道地砖松动翘起")
    for who, action, params in (("street", "accept", {"category": "0303"}), ("street", "dispatch", {"department": cg}),
                                ("dept", "acknowledge", {}), ("dept", "start", {})):
        case = services.act(actor=user(who), case=case, action=action, **params)
    fake = tmp_path / "现场.jpg"
    fake.write_text("这不是图片，只是改了扩展名的文本文件\n", encoding="utf-8")
    note = "已更换松动地砖 8 块，现场已恢复平整"

    dept = open_page(DESKTOP)
    login(dept, site, "dept")
    dept.goto(f"{site}/cases/{case.pk}/")
    act(dept, "feedback", note=note, photos=str(fake))
    error = dept.locator(".messages .msg-error").inner_text()
    assert "现场.jpg" in error and "不是 JPEG、PNG 或 WebP 格式" in error, error
    form = dept.locator("details[data-action='feedback']")
    assert form.get_attribute("open") is not None  # the refused form is shown again, open
    assert form.locator("textarea[name='note']").input_value() == note
    assert status(dept) == "处置中"
    screenshot(dept, "case-whistle-05-refused-photo")

    # With a real photo the same form goes through.
    act(dept, "feedback", photos=photo(tmp_path / "after.jpg", (60, 160, 60)))
    assert status(dept) == "待核查"
    case.refresh_from_db()
    assert case.status == "feedback" and case.events.get(action="feedback").note == note
    assert console.errors == []
