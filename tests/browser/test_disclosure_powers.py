"""Issue 13 items 9 and 10 in a real browser: the public small-powers page with its flow charts on a
phone, without signing in; community staff fill in, correct and publish a quarterly property
evaluation; the resident rates the property service; the public property page shows the result."""

from __future__ import annotations

import pytest

from tests.browser.pages import DESKTOP, MOBILE, SCREENSHOTS, login, screenshot

pytestmark = pytest.mark.browser

COMMUNITY = "341702001001"
GRID = "34170200100101"


@pytest.fixture
def powers(demo):
    """The default catalogue (a transactional test flushes the migration's rows), a few exercises of
    幸福社区, and an estate with its property company where the demo resident lives, verified."""
    from django.utils import timezone
    from stdnum.cn import ric

    from gongzhi.areas.models import Area
    from gongzhi.disclosure import defaults, powers_services
    from gongzhi.disclosure.models import PowerStep, PropertySettings
    from gongzhi.registry.models import Building, Estate, House, Organisation, Person
    from gongzhi.registry.verification import verify_at_counter

    defaults.install()
    PropertySettings.current()
    community = Area.objects.get(code=COMMUNITY)
    grid = Area.objects.get(code=GRID)
    company = Organisation.objects.create(area=grid, kind="property_company", name="池州阳光物业服务有限公司")
    estate = Estate.objects.create(area=grid, name="阳光小区", address="幸福路88号", property_company=company,
                                   management_mode="entrusted")
    building = Building.objects.create(area=grid, estate=estate, name="3栋")
    house = House.objects.create(area=grid, building=building, address="幸福路88号阳光小区3栋501室")
    body = "34170219800101201"
    wang = Person(area=grid, real_name="王居民", id_number=body + ric.calc_check_digit(body + "0"),
                  phone="13800000008", house=house)
    wang.full_clean()
    wang.save()
    verify_at_counter(demo.users["community"], demo.users["resident"], wang)
    staff = demo.users["community"]
    for code, order, outcome, summary in [
        ("dibao_review", 3, "in_progress", "一户因病申请最低生活保障，已入户调查核实家庭收入。"),
        ("certificate", 4, "completed", "出具居住证明一份。"),
        ("hardship_aid", 6, "approved", "一户遭遇火灾申请临时救助，已报街道审批。"),
    ]:
        step = PowerStep.objects.get(item__code=code, order=order)
        powers_services.log_exercise(actor=staff, item=step.item, area=community, date=timezone.localdate(),
                                     step=step, outcome=outcome, public_summary=summary,
                                     subject=wang if code == "dibao_review" else None)
    return estate


def test_the_public_powers_page_on_a_phone_without_signing_in(site, open_page, console, powers):
    page = open_page(MOBILE)
    page.goto(f"{site}/disclosure/{COMMUNITY}/powers/")
    assert page.locator("h1").inner_text() == "幸福社区小微权力清单"
    charts = page.locator("svg[data-testid=flowchart]")
    assert charts.count() >= 5
    first = page.locator("[data-testid=power-item]").first
    assert first.locator("svg rect.flow-box").count() == first.locator("[data-testid=flow-steps] li").count()
    # The chart fits the phone: nothing scrolls sideways.
    box = charts.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= MOBILE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    assert page.locator("svg[data-testid=flowchart] title").first.text_content().endswith("办理流程图")
    table = page.inner_text("[data-testid=exercise-table]")
    assert "出具居住证明一份。" in table and "王居民" not in page.content()
    screenshot(page, "disclosure-powers-public-phone")
    page.locator("[data-testid=power-item]").first.screenshot(path=str(SCREENSHOTS / "disclosure-powers-flowchart.png"))
    page.fill("input[name=q]", "救助")
    with page.expect_navigation():
        page.click("[data-testid=filters] button[type=submit]")
    table = page.inner_text("[data-testid=exercise-table]")
    assert "临时救助" in table and "居住证明" not in table
    assert console.errors == []


def test_staff_evaluate_and_publish_and_the_resident_rates(site, open_page, console, powers):
    resident = open_page(MOBILE)
    login(resident, site, "resident")
    resident.goto(f"{site}/disclosure/property/rate/")
    assert "阳光小区" in resident.inner_text("main")
    resident.check("input[name=rating][value='4']")
    screenshot(resident, "disclosure-property-rate-phone")
    with resident.expect_navigation():
        resident.click("[data-testid=rating-form] button[type=submit]")
    assert "您本季度的评价：满意" in resident.inner_text("[data-testid=my-rating]")

    page = open_page(DESKTOP)
    login(page, site, "community")
    page.goto(f"{site}/disclosure/property/")
    assert "池州阳光物业服务有限公司" in page.inner_text("[data-testid=property-table]")
    with page.expect_navigation():
        page.click("[data-testid=evaluate-link]")
    inputs = page.locator("[data-testid=evaluation-form] input[type=number]")
    assert inputs.count() == 6
    for i in range(inputs.count()):
        inputs.nth(i).fill(inputs.nth(i).get_attribute("max"))
    inputs.first.fill("25")  # 环境卫生 is out of 20
    page.fill("textarea[name=comments]", "保洁到位，车辆停放需加强管理。")
    with page.expect_navigation():
        page.click("[data-testid=save-evaluation]")
    assert "须在0到20分之间" in page.inner_text("[data-testid=evaluation-form]")
    screenshot(page, "disclosure-property-evaluation-error")
    page.locator("[data-testid=evaluation-form] input[type=number]").first.fill("18")
    with page.expect_navigation():
        page.click("[data-testid=save-evaluation]")
    preview = page.inner_text("[data-testid=preview]")
    assert "91.1" in preview  # 98 of 100 × 0.7 + 满意 (75) × 0.3
    screenshot(page, "disclosure-property-evaluation")
    with page.expect_navigation():
        page.click("[data-testid=publish-evaluation]")
    assert "已公布" in page.inner_text("main")

    public = open_page(MOBILE)
    public.goto(f"{site}/disclosure/{COMMUNITY}/property/")
    result = public.inner_text("[data-testid=published-result]")
    assert "池州阳光物业服务有限公司" in public.inner_text("[data-testid=estate-result]") and "1 人参评" in result
    assert "王居民" not in public.content() and "周书记" not in public.content()
    assert public.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot(public, "disclosure-property-public-phone")
    assert console.errors == []


def test_staff_log_an_exercise_and_personal_data_is_refused(site, open_page, console, powers):
    page = open_page(DESKTOP)
    login(page, site, "community")
    page.goto(f"{site}/disclosure/powers/")
    with page.expect_navigation():
        page.click("[data-testid=log-exercise]")
    page.select_option("select[name=step]", label="2. 受理登记（低保、特困供养申请初审）")
    page.select_option("select[name=outcome]", label="办理中")
    from gongzhi.registry.models import Person

    wang = Person.objects.get(real_name="王居民")
    page.fill("input[name=subject_id_number]", wang.id_number)
    page.fill("textarea[name=public_summary]", "王居民申请低保，已受理。")
    with page.expect_navigation():
        page.click("[data-testid=exercise-form] button[type=submit]")
    assert "公开摘要含有当事人的姓名" in page.inner_text("[data-testid=exercise-form]")
    screenshot(page, "disclosure-powers-log-refused")
    assert wang.id_number not in page.content()  # the ID number typed is not shown back
    page.fill("input[name=subject_id_number]", wang.id_number)
    page.fill("textarea[name=public_summary]", "一户申请低保，已受理。")
    with page.expect_navigation():
        page.click("[data-testid=exercise-form] button[type=submit]")
    facts = page.inner_text("[data-testid=exercise-facts]")
    assert "一户申请低保，已受理。" in facts and "王*民" in facts and "王居民" not in facts
    screenshot(page, "disclosure-powers-exercise")
    assert console.errors == []


def test_the_district_edits_the_catalogue(site, open_page, console, powers):
    page = open_page(DESKTOP)
    login(page, site, "district")
    page.goto(f"{site}/disclosure/powers/catalogue/")
    item = page.locator("[data-testid=power-item]", has_text="出具证明").first
    assert item.locator("svg rect.flow-box").count() == 4
    with page.expect_navigation():
        item.locator("a.button").click()
    steps = page.locator("textarea[name=steps]")
    steps.fill(steps.input_value() + "\n送达申请人｜村（居）委会经办人")
    screenshot(page, "disclosure-powers-item-edit")
    with page.expect_navigation():
        page.click("[data-testid=item-form] button[type=submit]")
    item = page.locator("[data-testid=power-item]", has_text="出具证明").first
    assert item.locator("svg rect.flow-box").count() == 5
    assert "5. 送达申请人" in item.locator("svg").text_content()
    screenshot(page, "disclosure-powers-catalogue")
    assert console.errors == []
