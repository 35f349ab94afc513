"""The raster base layer from an MBTiles file, in the browser: tiles drawn under the grid map, and
with GCJ-02 tiles a WGS-84 point lands on the tiles where GCJ-02 puts it."""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image

from gongzhi.core.maps.coords import wgs84_to_gcj02
from gongzhi.core.tests.mbtiles_factory import global_pixel, make_mbtiles, write_mbtiles
from tests.browser.pages import login, screenshot

pytestmark = pytest.mark.browser

TILES_LOADED = """el => {
  const imgs = [...el.querySelectorAll('.leaflet-tile-pane img.leaflet-tile')];
  return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0 && i.src.includes('/map/tiles/'));
}"""


def district_bounds():
    from gongzhi.areas.models import Area

    lons, lats = [], []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            lons.append(coords[0]), lats.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for geometry in Area.objects.filter(code__startswith="341702").exclude(geometry=None).values_list("geometry", flat=True):
        walk(geometry["coordinates"])
    return min(lons), min(lats), max(lons), max(lats)


def padded(bounds, by: float):
    w, s, e, n = bounds
    return w - by, s - by, e + by, n + by


def label_tiles(draw, z, x, y):
    draw.line([(0, 128), (255, 128)], fill=(255, 255, 255), width=6)  # a "road" across every tile
    draw.text((8, 8), f"{z}/{x}/{y}", fill=(90, 80, 60))


def test_mbtiles_tiles_are_drawn_under_the_grid_map(site, page, console, settings, tmp_path):
    bounds = district_bounds()
    path = make_mbtiles(tmp_path / "district.mbtiles", padded(bounds, 0.02), range(10, 15), paint=label_tiles,
                        attribution="示范区自然资源局")
    settings.GONGZHI_MAP_MBTILES = str(path)
    login(page, site, "district")

    page.goto(f"{site}/areas/map/")
    page.wait_for_selector("#map[data-loaded][data-tiles-layer]")
    page.wait_for_function(TILES_LOADED, arg=page.locator("#map").element_handle())

    tiles = page.locator("#map .leaflet-tile-pane img.leaflet-tile")
    assert tiles.count() >= 4
    assert page.locator("#map .leaflet-control-attribution").inner_text() == "示范区自然资源局"
    assert page.locator("#map path.leaflet-interactive").count() == 132  # the grids still drawn above
    screenshot(page, "raster-grid-map")
    assert console.errors == []

    # A file without the tiles the page asks for: empty tiles (no broken-image icons), a notice in Chinese.
    empty = write_mbtiles(tmp_path / "empty.mbtiles", {}, {
        "format": "png", "bounds": ",".join(map(str, padded(bounds, 0.02))), "minzoom": "10", "maxzoom": "14"})
    settings.GONGZHI_MAP_MBTILES = str(empty)
    page.goto(f"{site}/areas/map/")
    page.wait_for_selector("#map .map-tiles-error")
    assert page.locator("#map .map-tiles-error").inner_text() == "底图暂时无法加载，仅显示矢量地图。"
    page.wait_for_function("""() => [...document.querySelectorAll('#map img.leaflet-tile')]
        .every(i => i.src.startsWith('data:image/gif') && i.complete && i.naturalWidth > 0)""")
    page.wait_for_selector("#map[data-loaded]")
    assert page.locator("#map path.leaflet-interactive").count() == 132
    screenshot(page, "raster-grid-map-no-tiles")
    assert console.errors and all("/map/tiles/" in e and "HTTP 404" in e for e in console.errors)


def test_gcj02_tiles_put_a_wgs84_point_where_the_projection_says(site, page, console, settings, tmp_path, demo):
    from gongzhi.areas.models import Area
    from gongzhi.cases import services

    lon, lat = Area.objects.get(code="34170200100101").centroid
    case = services.report_case(actor=demo.users["resident"], description="路口井盖缺失很危险", lon=lon, lat=lat)
    glon, glat = wgs84_to_gcj02(lon, lat)

    def dot(draw, z, x, y):  # a blue dot on the tiles at the case's GCJ-02 position
        px, py = global_pixel(glon, glat, z)
        if int(px // 256) == x and int(py // 256) == y:
            cx, cy = px - x * 256, py - y * 256
            draw.ellipse([cx - 4, cy - 4, cx + 4, cy + 4], fill=(0, 0, 255))

    path = make_mbtiles(tmp_path / "gcj.mbtiles", (lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02), [15, 16],
                        paint=dot)
    settings.GONGZHI_MAP_MBTILES = str(path)
    settings.GONGZHI_MAP_TILE_CRS = "gcj02"
    # Without the GCJ-02 CRS the dot would sit this far from the marker at zoom 16.
    wx, wy = global_pixel(lon, lat, 16)
    gx, gy = global_pixel(glon, glat, 16)
    assert math.hypot(gx - wx, gy - wy) > 50
    login(page, site, "district")

    page.goto(f"{site}/cases/{case.pk}/")
    page.wait_for_selector("#case-map[data-tiles-layer] path.leaflet-interactive >> nth=-1")
    page.wait_for_function(TILES_LOADED, arg=page.locator("#case-map").element_handle())
    page.wait_for_timeout(300)  # the marker is added after the grid outline

    # The projection round-trips: WGS-84 in, the GCJ-02 Web Mercator pixel out, WGS-84 back on a click.
    check = page.evaluate("""([lat, lng, glat, glng]) => {
      const el = document.getElementById('case-map'), crs = GZRaster.mapOptions(el).crs;
      const p = crs.latLngToPoint(L.latLng(lat, lng), 16), q = L.CRS.EPSG3857.latLngToPoint(L.latLng(glat, glng), 16);
      const back = crs.pointToLatLng(p, 16);
      return {dx: p.x - q.x, dy: p.y - q.y, lat: back.lat, lng: back.lng, code: crs.code};
    }""", [lat, lon, glat, glon])
    assert check["code"] == "GZ:GCJ02"
    assert abs(check["dx"]) < 1e-6 and abs(check["dy"]) < 1e-6
    assert check["lat"] == pytest.approx(lat, abs=1e-8) and check["lng"] == pytest.approx(lon, abs=1e-8)

    box = page.locator("#case-map").bounding_box()
    marker = page.locator("#case-map path.leaflet-interactive").last.bounding_box()
    mx, my = marker["x"] + marker["width"] / 2 - box["x"], marker["y"] + marker["height"] / 2 - box["y"]
    screenshot(page, "raster-gcj02-case-map")
    page.evaluate("document.querySelector('#case-map .leaflet-overlay-pane').style.visibility = 'hidden'")
    image = Image.open(io.BytesIO(page.locator("#case-map").screenshot())).convert("RGB")
    blue = [(x, y) for x in range(image.width) for y in range(image.height)
            if (lambda r, g, b: b > 200 and r < 60 and g < 60)(*image.getpixel((x, y)))]
    assert blue, "the blue dot of the tiles is not on screen"
    bx, by = sum(p[0] for p in blue) / len(blue), sum(p[1] for p in blue) / len(blue)
    assert math.hypot(bx - mx, by - my) < 3, (bx, by, mx, my)
    assert console.errors == []
