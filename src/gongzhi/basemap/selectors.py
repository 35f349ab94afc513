"""Reads of the base map: the layers inside a map view and the nearest building and road to a point.

Scope: roads, rivers, water, green space and fields of the caller's district(s) are shown to any
signed-in user (they are public geography); estates, buildings, facilities and grid outlines only
inside the areas the caller may see (``visible_to``: a resident sees their community). No personal
data is read at all: no houses, households or persons.

Every layer is limited to the view's bbox (by indexed columns) and capped; buildings are sent
only for views small enough to show them (street zooms).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from gongzhi.areas.models import Area, Level
from gongzhi.areas.scope import scope_paths
from gongzhi.core import geo
from gongzhi.registry.models import Building, Estate, Facility

from .models import FeatureKind, LayerBatch, MapFeature

CAPS = {"features": 3000, "estates": 800, "buildings": 2500, "facilities": 400, "grids": 400}
MAX_SPAN = 0.6  # degrees: a larger view is clipped around its centre
BUILDINGS_SPAN = 0.06  # degrees (about 6 km): buildings are sent for views up to this wide
ESTATES_SPAN = 0.15
FACILITIES_SPAN = 0.15
GRID_MARGIN = 0.03  # a grid's centroid may lie this far outside the view while its outline is inside
NEAREST_RADIUS = 0.004  # degrees (about 400 m) searched around a picked point
NEAREST_CANDIDATES = 300


def district_codes(user) -> list[str]:
    """The district codes of the areas the caller may see (the first six digits of each path's top)."""
    codes = set()
    for path in scope_paths(user):
        parts = [p for p in path.split("/") if p]
        if parts:
            codes.add(parts[0][:6])
    return sorted(codes)


def _clip(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    west, south, east, north = bbox
    if east - west > MAX_SPAN:
        centre = (west + east) / 2
        west, east = centre - MAX_SPAN / 2, centre + MAX_SPAN / 2
    if north - south > MAX_SPAN:
        centre = (south + north) / 2
        south, north = centre - MAX_SPAN / 2, centre + MAX_SPAN / 2
    return west, south, east, north


def _in_box(prefix_lon: str, prefix_lat: str, bbox, margin: float = 0.0) -> Q:
    west, south, east, north = bbox
    return Q(**{f"{prefix_lon}__gte": west - margin, f"{prefix_lon}__lte": east + margin,
                f"{prefix_lat}__gte": south - margin, f"{prefix_lat}__lte": north + margin})


def _feature(layer: str, geometry: dict, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": {"layer": layer, **properties}}


def base_layers(user, bbox: tuple[float, float, float, float]) -> dict:
    """The base map inside ``bbox`` (west, south, east, north) as a GeoJSON FeatureCollection; the
    layers left out or cut at their cap are listed in ``truncated``."""
    bbox = _clip(bbox)
    west, south, east, north = bbox
    span = max(east - west, north - south)
    features: list[dict] = []
    truncated: list[str] = []
    codes = district_codes(user)
    if not codes:
        return {"type": "FeatureCollection", "features": [], "truncated": []}

    # Public geography of the caller's district(s): roads, rivers, water, green, fields.
    rows = list(MapFeature.objects.filter(district_code__in=codes, west__lte=east, east__gte=west,
                                          south__lte=north, north__gte=south)
                .order_by("kind", "-rank", "pk").values_list("kind", "name", "rank", "geometry")
                [:CAPS["features"] + 1])
    if len(rows) > CAPS["features"]:
        rows, _ = rows[:CAPS["features"]], truncated.append("features")
    features += [_feature(kind, geometry, name=name, rank=rank) for kind, name, rank, geometry in rows]

    # Grid outlines of the areas the caller may see.
    grids = list(Area.objects.visible_to(user).filter(level=Level.GRID, geometry__isnull=False)
                 .filter(_in_box("centroid_lon", "centroid_lat", bbox, GRID_MARGIN))
                 .order_by("code").values_list("code", "name", "geometry")[:CAPS["grids"] + 1])
    if len(grids) > CAPS["grids"]:
        grids, _ = grids[:CAPS["grids"]], truncated.append("grids")
    features += [_feature("grid", geometry, code=code, name=name) for code, name, geometry in grids]

    if span <= ESTATES_SPAN:
        estates = list(Estate.objects.visible_to(user).filter(outline__isnull=False)
                       .filter(_in_box("centroid_lon", "centroid_lat", bbox, 0.01))
                       .order_by("pk").values_list("name", "outline")[:CAPS["estates"] + 1])
        if len(estates) > CAPS["estates"]:
            estates, _ = estates[:CAPS["estates"]], truncated.append("estates")
        features += [_feature("estate", outline, name=name) for name, outline in estates]
    else:
        truncated.append("estates")
    if span <= BUILDINGS_SPAN:
        buildings = list(Building.objects.visible_to(user).filter(footprint__isnull=False)
                         .filter(_in_box("centroid_lon", "centroid_lat", bbox, 0.001))
                         .order_by("pk").values_list("name", "estate__name", "floors", "footprint")
                         [:CAPS["buildings"] + 1])
        if len(buildings) > CAPS["buildings"]:
            buildings, _ = buildings[:CAPS["buildings"]], truncated.append("buildings")
        features += [_feature("building", footprint, name=name, estate=estate, floors=floors)
                     for name, estate, floors, footprint in buildings]
    else:
        truncated.append("buildings")
    if span <= FACILITIES_SPAN:
        facilities = list(Facility.objects.visible_to(user).filter(_in_box("lon", "lat", bbox))
                          .order_by("pk").values_list("category", "name", "lon", "lat")[:CAPS["facilities"] + 1])
        if len(facilities) > CAPS["facilities"]:
            facilities, _ = facilities[:CAPS["facilities"]], truncated.append("facilities")
        features += [_feature("facility", {"type": "Point", "coordinates": [lon, lat]}, category=category, name=name)
                     for category, name, lon, lat in facilities]
    else:
        truncated.append("facilities")
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


@dataclass(frozen=True)
class Nearest:
    building: dict | None
    road: dict | None

    @property
    def label(self) -> str:
        """“幸福小区 3栋（人民路12号）”, or the road alone, or empty."""
        if self.building:
            b = self.building
            where = f"{b['estate']} {b['name']}"
            return f"{where}（{b['address']}）" if b["address"] else where
        if self.road:
            return self.road["name"]
        return ""


def _metric(lat: float):
    mx, my = geo.metres_per_degree(lat)

    def project(geom):
        from shapely.affinity import scale

        return scale(geom, xfact=mx, yfact=my, origin=(0, 0))
    return project


def nearest(user, lon: float, lat: float) -> Nearest:
    """The building (of the caller's visible areas) and the named road (of their district) nearest
    to (lon, lat), each within about 400 m, with the distance in metres."""
    from shapely.geometry import Point, shape

    project = _metric(lat)
    here = project(Point(lon, lat))
    box = (lon - NEAREST_RADIUS, lat - NEAREST_RADIUS, lon + NEAREST_RADIUS, lat + NEAREST_RADIUS)
    best_building = None
    rows = (Building.objects.visible_to(user).filter(footprint__isnull=False)
            .filter(_in_box("centroid_lon", "centroid_lat", box))
            .values_list("name", "estate__name", "estate__address", "address", "footprint")[:NEAREST_CANDIDATES])
    for name, estate, estate_address, address, footprint in rows:
        try:
            distance = here.distance(project(shape(footprint)))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if best_building is None or distance < best_building[0]:
            best_building = (distance, {"name": name, "estate": estate, "address": estate_address or address,
                                        "distance_m": round(distance)})
    best_road = None
    codes = district_codes(user)
    roads = (MapFeature.objects.filter(district_code__in=codes, kind=FeatureKind.ROAD).exclude(name="")
             .filter(west__lte=box[2], east__gte=box[0], south__lte=box[3], north__gte=box[1])
             .values_list("name", "geometry")[:NEAREST_CANDIDATES])
    for name, geometry in roads:
        try:
            distance = here.distance(project(shape(geometry)))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if best_road is None or distance < best_road[0]:
            best_road = (distance, {"name": name, "distance_m": round(distance)})
    return Nearest(best_building[1] if best_building else None, best_road[1] if best_road else None)


def layers_for(user):
    """The imported layers of the districts the caller may see (the layers page)."""
    return (LayerBatch.objects.visible_to(user).select_related("area", "imported_by").order_by("area__code", "name"))


