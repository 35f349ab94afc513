"""The grid map draws the polygons of the caller's scope; the area tree expands through htmx."""

from __future__ import annotations

import pytest

from tests.browser.pages import MOBILE, login, screenshot

pytestmark = pytest.mark.browser


def test_grid_map_draws_every_grid_of_the_district(site, page, console):
    login(page, site, "district")
    page.goto(f"{site}/areas/map/")

    page.wait_for_selector("#map[data-loaded]")
    assert page.get_attribute("#map", "data-loaded") == "132"
    assert page.locator("#map path.leaflet-interactive").count() == 132
    screenshot(page, "grid-map")
    assert console.errors == []


def test_grid_map_of_a_grid_worker_shows_only_their_grid(site, open_page, console):
    page = open_page(MOBILE)
    login(page, site, "grid")
    page.goto(f"{site}/areas/map/")

    page.wait_for_selector("#map[data-loaded]")
    assert page.get_attribute("#map", "data-loaded") == "1"
    assert page.locator("#map path.leaflet-interactive").count() == 1
    screenshot(page, "grid-map-mobile")
    assert console.errors == []


def test_area_detail_highlights_the_area_on_its_map(site, page, console):
    login(page, site, "street")
    page.goto(f"{site}/areas/341702001001/")

    page.wait_for_selector("#map[data-loaded]")
    assert page.inner_text("h1").startswith("幸福社区")
    # The community's ten grids are listed and drawn.
    assert page.locator("section.panel .tree li").count() == 10
    assert page.get_attribute("#map", "data-loaded") == "10"
    screenshot(page, "area-detail")
    assert console.errors == []


def test_area_tree_expands_a_node_with_htmx(site, page, console):
    login(page, site, "district")
    page.goto(f"{site}/areas/")
    tree = page.locator("[data-testid=area-tree]")
    root = tree.locator(":scope > li > details")
    assert tree.locator(":scope > li > a").first.inner_text() == "示范区"  # the link beside, not inside, the summary
    assert root.locator(".children li").count() == 0

    with page.expect_response(lambda r: "fragment=children" in r.url and "/areas/341702/" in r.url) as answer:
        root.locator("summary").click()
    assert answer.value.status == 200
    streets = root.locator(":scope > .children > ul > li")
    streets.first.wait_for()
    assert streets.all_inner_texts()[0].startswith("东城街道")
    assert streets.count() == 4  # three streets and the town 青山镇

    # One level further: the first street's four communities.
    street = streets.first.locator(":scope > details")
    with page.expect_response(lambda r: "fragment=children" in r.url and "/areas/341702001/" in r.url):
        street.locator("summary").click()
    communities = street.locator(":scope > .children > ul > li")
    communities.first.wait_for()
    assert communities.count() == 4
    assert "幸福社区" in communities.first.inner_text()
    screenshot(page, "area-tree")
    assert console.errors == []
