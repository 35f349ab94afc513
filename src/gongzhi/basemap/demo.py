"""The demo district's base layers, from the same geography as its grids (``demo/geography.py``):
named main roads along the grids' sides, two local streets in every grid, the river 清溪河, parks
and ponds in the blocks no estate stands in, fields and village roads in the town.

One ``LayerBatch`` holds them; building again keeps it when it is there.
"""

from __future__ import annotations

import math
import random

from django.db import transaction
from django.db.models import Count

from gongzhi.areas.models import Area, Level
from gongzhi.demo import geography as geo

from .models import FeatureKind, LayerBatch, MapFeature, RoadRank

DEMO_LAYER = "示范区道路水系（演示数据）"
RIVER_HALF_WIDTH_M = 30.0
PARK_NAMES = ["公园", "游园", "口袋公园", "绿地", "广场"]


def _line(points) -> dict:
    return {"type": "LineString", "coordinates": [[round(x, 7), round(y, 7)] for x, y in points]}


def _river_polygon(points) -> dict:
    """The river's surface: its centre line widened by ``RIVER_HALF_WIDTH_M`` either side."""
    from shapely.affinity import scale
    from shapely.geometry import LineString, mapping

    lat = points[0][1]
    mx = 111_320.0 * math.cos(math.radians(lat))
    metric = scale(LineString(points), xfact=mx, yfact=111_320.0, origin=(0, 0))
    surface = scale(metric.buffer(RIVER_HALF_WIDTH_M, cap_style="flat"), xfact=1 / mx, yfact=1 / 111_320.0,
                    origin=(0, 0)).simplify(0.00002)
    shaped = mapping(surface)
    return {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]
                                               for ring in shaped["coordinates"]]}


def _features(district: Area) -> list[tuple[Area, str, str, int, dict]]:
    """(area, kind, name, rank, geometry) of every demo feature."""
    out = []
    streets, town = geo.STREETS_NET, geo.TOWN_NET
    for i, (name, rank) in enumerate(geo.NS_ROADS):
        out.append((district, FeatureKind.ROAD, name, rank, _line(streets.ns_line(i))))
    for j, (name, rank) in enumerate(geo.EW_ROADS):
        if j == geo.RIVER_ROW:
            river = streets.ew_line(j)
            out.append((district, FeatureKind.RIVER, geo.RIVER_NAME, RoadRank.MAIN, _river_polygon(river)))
        else:
            out.append((district, FeatureKind.ROAD, name, rank, _line(streets.ew_line(j))))
    for i, (name, rank) in enumerate(geo.TOWN_NS):
        if name:
            out.append((district, FeatureKind.ROAD, name, rank, _line(town.ns_line(i))))
    for j, (name, rank) in enumerate(geo.TOWN_EW):
        if name:
            out.append((district, FeatureKind.ROAD, name, rank, _line(town.ew_line(j))))
    grids = Area.objects.filter(path__startswith=district.path, level=Level.GRID)
    estates_of = _estates_per_grid(district)
    for grid in sorted(grids, key=lambda a: a.code):
        patch = geo.patch_for(grid.code, grid.geometry)
        if patch is None:
            continue
        plan = geo.local_plan(grid.code)
        rural = geo.cell_of_code(grid.code)[0] is town
        lane = RoadRank.LOCAL
        out.append((district, FeatureKind.ROAD, plan.ns_name, lane, _line(patch.at(plan.u, k / 8) for k in range(9))))
        out.append((district, FeatureKind.ROAD, plan.ew_name, lane, _line(patch.at(k / 8, plan.v) for k in range(9))))
        width, height = patch.size_m()
        blocks = geo.blocks(plan, 30.0 / width, 30.0 / height)
        taken = set(geo.estate_blocks(grid.code, estates_of.get(grid.pk, 0)))
        rng = random.Random(f"basemap:{grid.code}")
        free = [b for b in range(4) if b not in taken]
        for n, b in enumerate(free):
            u0, v0, u1, v1 = blocks[b]
            if rural:  # fields in strips, a few metres of ridge between them
                strips = 3
                for k in range(strips):
                    a, z = u0 + (u1 - u0) * k / strips, u0 + (u1 - u0) * (k + 1) / strips - 6.0 / width
                    out.append((grid, FeatureKind.FIELD, "", RoadRank.LOCAL,
                                {"type": "Polygon", "coordinates": [patch.ring(a, v0, z, v1)]}))
            elif n == 0:
                name = f"{plan.ew_name[:2]}{rng.choice(PARK_NAMES)}"
                out.append((grid, FeatureKind.GREEN, name, RoadRank.LOCAL,
                            {"type": "Polygon", "coordinates": [patch.ring(u0, v0, u1, v1)]}))
                if rng.random() < 0.35:  # a pond in the park
                    cu, cv = (u0 + u1) / 2, (v0 + v1) / 2
                    du, dv = (u1 - u0) / 5, (v1 - v0) / 5
                    out.append((grid, FeatureKind.WATER, "", RoadRank.LOCAL,
                                {"type": "Polygon", "coordinates": [patch.ring(cu - du, cv - dv, cu + du, cv + dv)]}))
    return out


def _estates_per_grid(district: Area) -> dict[int, int]:
    from gongzhi.registry.models import Estate

    rows = (Estate.objects.filter(area__path__startswith=district.path).values("area_id")
            .annotate(n=Count("pk")).values_list("area_id", "n"))
    return dict(rows)


@transaction.atomic
def build(district: Area) -> int:
    """Write the demo layer for ``district`` if it has none; the number of its features."""
    batch = LayerBatch.objects.filter(area=district, name=DEMO_LAYER).first()
    if batch is not None:
        return batch.features.count()
    batch = LayerBatch(area=district, name=DEMO_LAYER, source="演示数据生成", kind=FeatureKind.ROAD, name_field="name")
    batch.save()
    rows = []
    for area, kind, name, rank, geometry in _features(district):
        feature = MapFeature(batch=batch, area=area, district_code=area.code[:6], kind=kind, name=name,
                             rank=rank or RoadRank.SECONDARY, geometry=geometry)
        feature.set_bbox()
        rows.append(feature)
    MapFeature.objects.bulk_create(rows, batch_size=500)
    batch.feature_count = len(rows)
    batch.save(update_fields=["feature_count", "updated_at"])
    return len(rows)
