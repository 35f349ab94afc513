"""The base map API: layers in a bbox, scoped; the nearest building and road; query counts pinned."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.areas.models import Area
from gongzhi.registry.models import Building

pytestmark = pytest.mark.django_db

URL = "/api/v1/basemap/features"
GRID = "34170200100101"
COMMUNITY = "341702001001"


def bbox_of(code: str, pad: float = 0.0) -> str:
    ring = Area.objects.get(code=code).geometry["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return f"{min(lons) - pad},{min(lats) - pad},{max(lons) + pad},{max(lats) + pad}"


def layers(body) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for feature in body["features"]:
        out.setdefault(feature["properties"]["layer"], []).append(feature)
    return out


def test_a_grid_view_has_roads_buildings_estates_facilities_and_outlines(client, login_as, map_demo):
    login_as("grid")
    response = client.get(URL, {"bbox": bbox_of(GRID)})
    assert response.status_code == 200
    found = layers(response.json())
    names = {f["properties"]["name"] for f in found["road"]}
    assert {"西环路", "北环路"} <= names  # the main roads along the grid's sides
    assert found["building"] and found["estate"] and found["grid"]
    building = found["building"][0]
    assert building["geometry"]["type"] == "Polygon"
    assert set(building["properties"]) == {"layer", "name", "estate", "floors"}  # no people, no houses
    assert all(f["properties"]["code"] == GRID for f in found["grid"])  # the grid worker's own grid only


def test_a_resident_sees_buildings_of_their_community_only_but_every_road(client, login_as, map_demo):
    login_as("resident")
    other = "34170200200101"  # 春晖社区, another street
    body = client.get(URL, {"bbox": bbox_of(other)}).json()
    found = layers(body)
    assert found["road"]  # roads are public geography in the district
    assert "building" not in found and "estate" not in found and "grid" not in found
    own = layers(client.get(URL, {"bbox": bbox_of(GRID)}).json())
    assert own["building"]
    paths = {b.area.path for b in Building.objects.select_related("area").filter(
        estate__name__in=[f["properties"]["estate"] for f in own["building"]])}
    assert all(p.startswith(Area.objects.get(code=COMMUNITY).path) for p in paths)


def test_wide_views_leave_buildings_out_and_bad_bboxes_are_refused(client, login_as, map_demo):
    login_as("district")
    body = client.get(URL, {"bbox": "117.3,30.5,117.7,30.8"}).json()
    assert "buildings" in body["truncated"]
    assert not any(f["properties"]["layer"] == "building" for f in body["features"])
    assert any(f["properties"]["layer"] == "river" and f["properties"]["name"] == "清溪河" for f in body["features"])
    for bad in ("1,2,3", "a,b,c,d", "117.5,30.6,117.4,30.7", "nan,1,2,3"):
        response = client.get(URL, {"bbox": bad})
        assert response.status_code == 400, bad
        assert "bbox" in response.json()["detail"]


def test_signed_out_callers_get_nothing(client, map_demo):
    assert client.get(URL, {"bbox": bbox_of(GRID)}).status_code == 401
    assert client.get("/api/v1/basemap/nearest", {"lon": 117.41, "lat": 30.71}).status_code == 401


def test_query_counts_do_not_grow_with_the_features(client, login_as, map_demo):
    login_as("grid")
    client.get(URL, {"bbox": bbox_of(GRID)})  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"bbox": bbox_of(GRID, 0.01)})
    assert response.status_code == 200 and len(response.json()["features"]) > 20
    assert len(queries) <= 11, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/basemap/nearest", {"lon": 117.41, "lat": 30.71})
    assert len(queries) <= 8, [q["sql"] for q in queries]


def test_nearest_names_the_building_its_estate_address_and_the_road(client, login_as, map_demo):
    login_as("resident")
    building = (Building.objects.filter(area__code=GRID, footprint__isnull=False).select_related("estate")
                .order_by("pk").first())
    body = client.get("/api/v1/basemap/nearest", {"lon": building.centroid_lon + 0.0001,
                                                  "lat": building.centroid_lat}).json()
    assert body["building"]["name"] == building.name
    assert body["building"]["estate"] == building.estate.name
    assert body["building"]["distance_m"] < 15
    assert body["label"] == f"{building.estate.name} {building.name}（{building.estate.address}）"
    assert body["road"]["name"]
    # Far from everything: nothing.
    far = client.get("/api/v1/basemap/nearest", {"lon": 100.0, "lat": 20.0}).json()
    assert far == {"building": None, "road": None, "label": ""}
