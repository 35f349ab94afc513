"""Building footprints and estate outlines: closed, valid, of a building's size, inside the area;
the centroid follows the footprint. And the demo's: real slab and tower sizes inside their grids."""

import pytest
from django.core.exceptions import ValidationError
from shapely.geometry import shape

from gongzhi.areas.models import Area
from gongzhi.core import geo
from gongzhi.demo import geography
from gongzhi.registry import demo as registry_demo
from gongzhi.registry.models import Building, Estate

pytestmark = pytest.mark.django_db
GRID = "34170200100101"


def square(lon, lat, metres):
    mx, my = geo.metres_per_degree(lat)
    dx, dy = metres / mx, metres / my
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + dx, lat], [lon + dx, lat + dy], [lon, lat + dy],
                                                [lon, lat]]]}


@pytest.fixture
def building(demo):
    area = Area.objects.get(code=GRID)
    estate = Estate.objects.create(area=area, name="测试小区")
    return Building(area=area, estate=estate, name="1栋")


def test_a_good_footprint_sets_the_centroid(building):
    lon, lat = Area.objects.get(code=GRID).centroid
    building.footprint = square(lon, lat, 30)
    building.full_clean()
    building.save()
    assert building.centroid_lon == pytest.approx(lon + 15 / geo.metres_per_degree(lat)[0], abs=1e-6)
    building.footprint = None
    building.full_clean()
    assert building.centroid_lon is None


@pytest.mark.parametrize("footprint, message", [
    ({"type": "Polygon", "coordinates": [[[117.41, 30.71], [117.4103, 30.71], [117.4103, 30.7102], [117.41, 30.7102]]]},
     "没有闭合"),
    ({"type": "LineString", "coordinates": [[117.41, 30.71], [117.4103, 30.71]]}, "不支持"),
    ({"type": "Polygon", "coordinates": [[[117.41, 30.71], [117.4103, 30.7102], [117.4103, 30.71], [117.41, 30.7102],
                                          [117.41, 30.71]]]}, "自相交"),
    ({"type": "Polygon", "coordinates": [[[517.41, 30.71], [117.4103, 30.71], [117.4103, 30.7102], [517.41, 30.71]]]},
     "有效的经纬度点"),
    ("not geojson", "不是有效的 GeoJSON"),
])
def test_broken_footprints_are_refused_in_chinese(building, footprint, message):
    building.footprint = footprint
    with pytest.raises(ValidationError) as error:
        building.full_clean()
    assert message in " ".join(error.value.message_dict["footprint"])


def test_footprints_of_absurd_size_or_outside_the_area_are_refused(building):
    lon, lat = Area.objects.get(code=GRID).centroid
    for footprint, message in ((square(lon, lat, 1), "不合理"), (square(lon, lat, 900), "不合理"),
                               (square(117.50, 30.61, 30), "不在所属区域")):
        building.footprint = footprint
        with pytest.raises(ValidationError) as error:
            building.full_clean()
        assert message in " ".join(error.value.message_dict["footprint"])


def test_an_estate_outline_is_checked_too(demo):
    area = Area.objects.get(code=GRID)
    estate = Estate(area=area, name="测试小区", outline=square(117.50, 30.61, 200))
    with pytest.raises(ValidationError) as error:
        estate.full_clean()
    assert "不在所属区域" in " ".join(error.value.message_dict["outline"])
    estate.outline = square(*area.centroid, 200)
    estate.full_clean()
    assert estate.centroid_lat is not None


def test_the_demo_district_follows_its_roads_and_its_buildings_are_real_sized(demo):
    # The grids tile their community exactly and are not rectangles any more.
    community = Area.objects.get(code="341702001001")
    grids = [shape(a.geometry) for a in Area.objects.filter(parent=community)]
    whole = shape(community.geometry)
    assert sum(g.area for g in grids) == pytest.approx(whole.area, rel=1e-9)
    assert all(len(g.exterior.coords) > 5 for g in grids)
    assert Area.objects.get(code=GRID).geometry == geography.STREETS_NET.block_geojson(0, 0, 1, 1)
    registry_demo.build(demo.district, residents=1500)
    buildings = list(Building.objects.select_related("area", "estate"))
    assert buildings and all(b.footprint for b in buildings)
    for b in buildings[:200]:
        b.full_clean()  # closed, valid, sized, inside its grid
        size = geo.area_m2(b.footprint)
        assert 250 <= size <= 800, size  # 1- to 3-unit slabs (24, 44, 64 × 12 m) or 25×25 m towers
        assert shape(b.estate.outline).covers(shape(b.footprint))
        assert b.address.startswith(b.estate.address)
    # Estates stand on the roads around their grid: their address is on one of them.
    estate = Estate.objects.filter(area__code=GRID).first()
    assert estate.address.split("号")[0].rstrip("0123456789") in geography.road_names_of(GRID)
