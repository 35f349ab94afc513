"""The demo's base layers: named main roads along the grids' sides, local streets, the river,
parks and fields where no estate stands; built once."""

import pytest
from shapely.geometry import shape

from gongzhi.areas.models import Area
from gongzhi.basemap import demo as basemap_demo
from gongzhi.basemap.models import FeatureKind, LayerBatch, MapFeature
from gongzhi.demo import geography
from gongzhi.registry.models import Estate

pytestmark = pytest.mark.django_db


def test_demo_layers(map_demo):
    kinds = {k: MapFeature.objects.filter(kind=k).count() for k in FeatureKind.values}
    assert kinds["road"] > 250 and kinds["river"] == 1 and kinds["green"] > 50 and kinds["field"] > 0
    names = set(MapFeature.objects.filter(kind="road").values_list("name", flat=True))
    assert {"人民路", "解放路", "建设大道", "青山公路"} <= names
    assert "" not in names
    # A grid's sides are main roads: its outline runs along 西环路 and 北环路.
    grid = shape(Area.objects.get(code="34170200100101").geometry)
    for name in ("西环路", "北环路"):
        road = shape(MapFeature.objects.get(name=name).geometry)
        assert grid.boundary.intersection(road).length > 0.01
    # The river runs between two rows of communities, along their boundary.
    river = shape(MapFeature.objects.get(kind="river").geometry)
    assert river.intersects(shape(Area.objects.get(code="34170200100110").geometry))
    assert river.intersects(shape(Area.objects.get(code="34170200100301").geometry))
    # Parks stand where no estate does.
    for park in MapFeature.objects.filter(kind="green")[:50]:
        polygon = shape(park.geometry)
        assert not any(polygon.intersects(shape(e.outline)) for e in Estate.objects.filter(area=park.area))
    assert LayerBatch.objects.get().feature_count == MapFeature.objects.count()
    # Built once.
    count = MapFeature.objects.count()
    assert basemap_demo.build(map_demo.district) == count and MapFeature.objects.count() == count


def test_the_towns_grids_have_fields_and_village_roads(map_demo):
    fields = MapFeature.objects.filter(kind="field", area__code__startswith="341702101")
    assert fields.count() >= 12
    assert geography.TOWN_EW[1][0] in set(MapFeature.objects.values_list("name", flat=True))
