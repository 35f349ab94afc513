"""The platform's own base map with no internet: the grid worker's grid map and the resident's
report form draw roads, the river, estates, building footprints and their names from the
platform's data alone (every request outside the live server is refused and none is made), and
picking a place on the report form names the nearest building instead of coordinates."""

from __future__ import annotations

import pytest

from tests.browser.pages import DESKTOP, MOBILE, login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def map_site(site, demo):
    from gongzhi.basemap import demo as basemap_demo
    from gongzhi.registry import demo as registry_demo

    registry_demo.build(demo.district, residents=300)  # a building or two in every grid: enough to draw
    basemap_demo.build(demo.district)
    return site


def no_internet(page, site: str) -> list[str]:
    """Refuse every request that does not go to the live server; return the refused URLs."""
    refused: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith(site) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()
    page.route("**/*", handle)
    return refused


def visible_labels(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => e.offsetParent !== null || e.getClientRects().length)"
                  ".map(e => e.textContent)")


def zoom_to(page, map_id: str, lon: float, lat: float, zoom: float) -> None:
    page.wait_for_function("id => document.getElementById(id)._gzBase", arg=map_id)
    page.evaluate("([id, lon, lat, zoom]) => { document.getElementById(id)._gzBase.map.setView([lat, lon], zoom, "
                  "{animate: false}); }", [map_id, lon, lat, zoom])
    page.wait_for_timeout(400)


def test_grid_map_and_report_pick_draw_streets_buildings_and_names_offline(map_site, open_page, console):
    from gongzhi.registry.models import Building

    site = map_site
    page = open_page(DESKTOP)
    refused = no_internet(page, site)
    login(page, site, "grid")
    page.goto(f"{site}/areas/map/")
    page.wait_for_selector("#map[data-base-features][data-base-labels]")
    page.wait_for_selector("#map .gz-label-road span")
    assert int(page.get_attribute("#map", "data-base-features")) >= 10  # roads, parks, estates, buildings, outline
    assert page.get_attribute("#map", "aria-label") == "网格地图"
    roads = visible_labels(page, "#map .gz-label-road span")
    assert "西环路" in roads or "北环路" in roads, roads
    screenshot(page, "base-map-grid")

    building = (Building.objects.filter(area__code="34170200100101", footprint__isnull=False)
                .select_related("estate").order_by("pk").first())
    zoom_to(page, "map", building.centroid_lon, building.centroid_lat, 17.5)
    page.wait_for_selector("#map[data-base-detail=buildings] .gz-label-building span")
    names = visible_labels(page, "#map .gz-label-building span")
    assert building.name in names, names
    assert building.estate.name in visible_labels(page, "#map .gz-label-estate span")
    screenshot(page, "base-map-grid-buildings")

    # The resident's report form: pick a point beside a building of their community.
    resident = open_page(MOBILE)
    refused += no_internet(resident, site)
    login(resident, site, "resident")
    resident.goto(f"{site}/cases/report/")
    resident.wait_for_selector("#pick-map[data-base-features]")
    zoom_to(resident, "pick-map", building.centroid_lon, building.centroid_lat, 17)
    resident.wait_for_selector("#pick-map[data-base-detail=buildings] .gz-label-building span")
    point = resident.evaluate(
        "([lon, lat]) => { const m = document.getElementById('pick-map')._gzBase.map;"
        " const p = m.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [building.centroid_lon + 0.00012, building.centroid_lat])
    resident.locator("#pick-map").click(position={"x": point[0], "y": point[1]})
    text = resident.locator("[data-location-text]")
    expected = f"最近：{building.estate.name} {building.name}（{building.estate.address}）"
    resident.wait_for_function("t => document.querySelector('[data-location-text]').textContent === t", arg=expected)
    assert text.inner_text() == expected
    assert resident.input_value("#address") == expected.removeprefix("最近：")  # the reporter can still edit it
    assert resident.input_value("input[name=lon]") and resident.input_value("input[name=lat]")  # as before
    assert visible_labels(resident, "#pick-map .gz-label-building span")
    screenshot(resident, "base-map-report-pick")
    assert refused == []  # nothing was asked of the internet
    assert console.errors == []
