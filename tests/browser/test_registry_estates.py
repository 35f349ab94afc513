"""Issue 12 items 10 and 11 in a real browser: community staff set an estate's 业委会 and management
mode; a tag's tooltip names its attributes in Chinese."""

from __future__ import annotations

import pytest

from tests.browser.pages import login, screenshot

pytestmark = pytest.mark.browser

GRID = "34170200100101"
NEIGHBOUR_GRID = "34170200100102"

DISABLED_SCHEMA = [
    {"key": "disability_type", "label": "残疾类别", "type": "choice", "required": True,
     "choices": ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]},
    {"key": "grade", "label": "残疾等级", "type": "choice", "required": True, "choices": ["一级", "二级", "三级", "四级"]},
]


@pytest.fixture
def estate(demo):
    from stdnum.cn import ric

    from gongzhi.areas.models import Area
    from gongzhi.registry.models import Building, Estate, House, Organisation, Person, PersonTag, SpecialGroup

    grid = Area.objects.get(code=GRID)
    company = Organisation.objects.create(area=grid, kind="property_company", name="池州阳光物业服务有限公司")
    Organisation.objects.create(area=Area.objects.get(code=NEIGHBOUR_GRID), kind="owners_committee",
                                name="阳光小区业主委员会")
    estate = Estate.objects.create(area=grid, name="阳光小区", address="幸福路88号", property_company=company)
    building = Building.objects.create(area=grid, estate=estate, name="3栋", floors=6)
    house = House.objects.create(area=grid, building=building, address="幸福路88号 阳光小区3栋501室")
    body = "34170219500312011"
    person = Person(area=grid, real_name="张三", id_number=body + ric.calc_check_digit(body + "0"), house=house)
    person.full_clean()
    person.save()
    # Transactional tests flush the data migrations' groups after the first test: create it if gone.
    group, _ = SpecialGroup.objects.get_or_create(
        code="disabled", defaults={"name": "残疾人", "attribute_schema": DISABLED_SCHEMA})
    PersonTag.objects.create(person=person, group=group, attributes={"disability_type": "听力残疾", "grade": "一级"})
    return estate


def test_community_staff_set_the_committee_and_mode_and_read_tags_in_chinese(site, page, console, estate):
    login(page, site, "community")
    page.goto(f"{site}/registry/estates/")
    row = page.locator("[data-testid=estate-table] tbody tr").first
    assert "阳光小区" in row.inner_text() and "池州阳光物业服务有限公司" in row.inner_text()
    with page.expect_navigation():
        row.locator("a").first.click()
    with page.expect_navigation():
        page.click("[data-testid=estate-edit]")
    page.select_option("select[name=management_mode]", label="准物业")
    page.select_option("select[name=owners_committee]", label="阳光小区业主委员会")
    screenshot(page, "registry-estate-edit")
    with page.expect_navigation():
        page.click("[data-testid=estate-form] button[type=submit]")
    assert "准物业" in page.inner_text("[data-testid=management-mode]")
    assert "阳光小区业主委员会" in page.inner_text("[data-testid=owners-committee]")
    assert "阳光小区业主委员会" in page.inner_text("[data-testid=history]")
    screenshot(page, "registry-estate-detail")

    page.goto(f"{site}/registry/")
    tag = page.locator("[data-testid=person-table] span.tag", has_text="残疾人").first
    assert tag.get_attribute("title") == "残疾类别：听力残疾；残疾等级：一级"
    tag.hover()
    screenshot(page, "registry-tag-tooltip")
    assert console.errors == []
