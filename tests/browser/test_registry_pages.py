"""Community records in a real browser: staff search by initials and follow person → house;
a grid worker updates a resident's phone on the visit page at phone size."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.pages import MOBILE, login, screenshot

pytestmark = pytest.mark.browser

GRID = "34170200100101"


@pytest.fixture
def household(demo):
    from stdnum.cn import ric

    from gongzhi.areas.models import Area
    from gongzhi.registry.models import House, Household, Person, PersonTag, SpecialGroup

    def make_id(birth: str, sequence: str) -> str:
        body = f"341702{birth}{sequence}"
        return body + ric.calc_check_digit(body + "0")

    grid = Area.objects.get(code=GRID)
    house = House.objects.create(area=grid, address="幸福路88号 阳光小区3栋2单元501室", use="rented",
                                 floor_area="89.50", last_rental_check=datetime.date(2026, 11, 1))
    home = Household.objects.create(area=grid, number="H001", house=house)
    people = {}
    for name, birth, seq, relation, phone in [("张三", "19880312", "011", "head", "13912345678"),
                                              ("王芳", "19900705", "022", "spouse", "13698765432"),
                                              ("张小雨", "20150120", "031", "child", "")]:
        person = Person(area=grid, real_name=name, id_number=make_id(birth, seq), phone=phone, house=house,
                        household=home, relation_to_head=relation, registration="local",
                        residence_status="permanent")
        person.full_clean()
        person.save()
        people[name] = person
    home.head = people["张三"]
    home.save()
    # Transactional tests flush the data migration's groups after the first test: create it if gone.
    group, _ = SpecialGroup.objects.get_or_create(code="left_behind_child", defaults={"name": "留守儿童"})
    PersonTag.objects.create(person=people["张小雨"], group=group)
    return {"house": house, **people}


def test_staff_search_by_initials_then_person_then_house(site, page, console, household):
    login(page, site, "community")
    page.goto(f"{site}/registry/")
    page.fill("input[name=q]", "zs")
    with page.expect_navigation():
        page.click("[data-testid=filters] button[type=submit]")
    rows = page.locator("[data-testid=person-table] tbody tr")
    assert rows.count() == 1
    assert "张三" in rows.first.inner_text()
    assert "139****5678" in rows.first.inner_text()
    screenshot(page, "registry-person-list")

    with page.expect_navigation():
        rows.first.locator("a").first.click()
    assert page.inner_text("h1").startswith("张三")
    assert "配偶" in page.inner_text("[data-testid=household]")
    screenshot(page, "registry-person-detail")

    with page.expect_navigation():
        page.click("[data-testid=house-link]")
    assert "阳光小区" in page.inner_text("h1")
    residents = page.inner_text("[data-testid=residents]")
    assert "王芳" in residents and "留守儿童" in residents
    screenshot(page, "registry-house-detail")

    page.goto(f"{site}/registry/statistics/")
    assert page.locator("[data-testid=age-pyramid] svg .rect").count() > 0
    screenshot(page, "registry-statistics")
    assert console.errors == []


def test_grid_worker_updates_a_phone_on_the_visit_page(site, open_page, console, household):
    page = open_page(MOBILE)
    login(page, site, "grid")
    page.goto(f"{site}/registry/m/")
    screenshot(page, "registry-mobile-households")
    with page.expect_navigation():
        page.click("[data-testid=visit-houses] a")
    wang = page.locator(f"[data-testid=resident][data-person='{household['王芳'].pk}']")
    wang.locator("summary", has_text="更新信息").click()
    wang.locator("input[name=phone]").fill("13700002222")
    screenshot(page, "registry-mobile-house-form")
    with page.expect_navigation():
        wang.locator("[data-testid=update-form] button[type=submit]").click()
    assert "已更新 王芳 的信息" in page.inner_text(".messages")
    assert "137****2222" in page.locator(f"[data-testid=resident][data-person='{household['王芳'].pk}']").inner_text()
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot(page, "registry-mobile-house")
    assert console.errors == []


def test_staff_put_a_person_in_a_special_group_with_its_own_attributes(site, page, console, household):
    """Choosing 残疾人 shows only that group's fields (type and grade as drop-downs); they are saved typed."""
    import importlib

    from gongzhi.registry.models import SpecialGroup

    defaults = importlib.import_module("gongzhi.registry.migrations.0002_default_special_groups").DEFAULT_GROUPS
    for spec in defaults:  # transactional tests flush the data migration's groups
        SpecialGroup.objects.get_or_create(code=spec["code"], defaults={
            "name": spec["name"], "attribute_schema": spec["attribute_schema"]})
    disabled, veteran = SpecialGroup.objects.get(code="disabled"), SpecialGroup.objects.get(code="veteran")
    login(page, site, "community")
    page.goto(f"{site}/registry/persons/{household['王芳'].pk}/")
    page.click("summary:has-text('加入特殊人群')")
    form = page.locator("[data-testid=tag-form]")
    form.locator("select[name=group]").select_option(str(disabled.pk))
    assert form.locator(f"fieldset[data-tag-group='{disabled.pk}']").is_visible()
    assert not form.locator(f"fieldset[data-tag-group='{veteran.pk}']").is_visible()
    form.locator("select[name=attr-disabled-disability_type]").select_option("肢体残疾")
    form.locator("select[name=attr-disabled-grade]").select_option("三级")
    screenshot(page, "registry-tag-form")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    tags = page.inner_text("[data-testid=tags]")
    assert "残疾人" in tags and "肢体残疾" in tags and "三级" in tags
    assert console.errors == []
