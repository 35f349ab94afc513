"""The demo town (issue 12 item 9): its staff see 镇 / 村 / 村民小组 on the area pages and the map
draws the villagers' groups; a villager's phone page says 我的村 and names them 村民."""

from __future__ import annotations

import pytest

from tests.browser.pages import MOBILE, login, screenshot

pytestmark = pytest.mark.browser


def test_town_staff_see_their_villages_and_villagers_groups(site, page, console):
    login(page, site, "town")
    assert page.inner_text(".usermenu .who small").strip() == "镇指挥中心"
    page.goto(f"{site}/areas/341702101/")

    page.wait_for_selector("#map[data-loaded]")
    assert page.inner_text("h1").split() == ["青山镇", "镇"]
    villages = page.locator("section.panel .tree > li")
    assert villages.count() == 2
    assert villages.first.locator(":scope > .muted").inner_text() == "村 · 341702101201"
    # The town's twelve villagers' groups are drawn on its map.
    assert page.get_attribute("#map", "data-loaded") == "12"

    village = villages.first.locator(":scope > details")
    with page.expect_response(lambda r: "fragment=children" in r.url and "/areas/341702101201/" in r.url):
        village.locator("summary").click()
    groups = village.locator(":scope > .children > ul > li")
    groups.first.wait_for()
    assert groups.count() == 6
    assert groups.first.inner_text().startswith("青山村第一村民小组 村民小组 · 34170210120101")
    screenshot(page, "town-detail")
    assert console.errors == []


def test_a_villager_sees_my_village(site, open_page, console):
    page = open_page(MOBILE)
    login(page, site, "villager")

    assert page.inner_text(".usermenu .who small").strip() == "村民"
    panel = page.locator("section.panel", has_text="我的村")
    assert "青山村" in panel.inner_text() and "青山村第一村民小组" in panel.inner_text()
    screenshot(page, "villager-home")
    assert console.errors == []
