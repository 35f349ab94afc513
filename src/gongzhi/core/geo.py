"""Small WGS-84 geometry helpers shared by the registry (building footprints, estate outlines) and
the base map (roads, rivers, water): validation with clear Chinese errors, metric sizes, bboxes.

GeoJSON coordinates are ``[lon, lat]`` in WGS-84 (CGCS2000 is the same within centimetres). Sizes
are measured in a local equirectangular projection around the geometry, exact enough for the
sanity bounds used here (a building is not 5 km long).
"""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

METRES_PER_DEGREE = 111_320.0


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at ``lat``."""
    return METRES_PER_DEGREE * math.cos(math.radians(lat)), METRES_PER_DEGREE


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _position(p) -> bool:
    return (isinstance(p, (list, tuple)) and len(p) in (2, 3) and all(_number(v) for v in p)
            and -180 <= p[0] <= 180 and -90 <= p[1] <= 90)


def _ring(ring) -> None:
    if not isinstance(ring, list) or len(ring) < 4 or not all(_position(p) for p in ring):
        raise ValidationError(_("面的边界至少需要 4 个有效的经纬度点（经度 -180～180，纬度 -90～90）。"), code="bad_ring")
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise ValidationError(_("面的边界没有闭合：首尾两点须相同。"), code="ring_not_closed")


def _line(line) -> None:
    if not isinstance(line, list) or len(line) < 2 or not all(_position(p) for p in line):
        raise ValidationError(_("线至少需要 2 个有效的经纬度点（经度 -180～180，纬度 -90～90）。"), code="bad_line")


def shape_of(geometry: dict):
    """The shapely geometry of a validated GeoJSON geometry."""
    from shapely.geometry import shape

    return shape(geometry)


def validate_geometry(geometry, allowed: tuple[str, ...]) -> dict:
    """Check a GeoJSON geometry's structure (type among ``allowed``, positions, closed rings,
    a valid polygon); return it with coordinates as lists."""
    if not isinstance(geometry, dict) or "type" not in geometry or "coordinates" not in geometry:
        raise ValidationError(_("不是有效的 GeoJSON 几何（缺少 type 或 coordinates）。"), code="not_geojson")
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind not in allowed:
        raise ValidationError(_("几何类型“%(kind)s”不支持，应为：%(allowed)s。"), code="bad_type",
                              params={"kind": kind, "allowed": "、".join(allowed)})
    if not isinstance(coords, list) or not coords:
        raise ValidationError(_("几何没有坐标。"), code="no_coordinates")
    if kind == "LineString":
        _line(coords)
    elif kind == "MultiLineString":
        for line in coords:
            _line(line)
    elif kind == "Polygon":
        for ring in coords:
            _ring(ring)
    elif kind == "MultiPolygon":
        for polygon in coords:
            if not isinstance(polygon, list) or not polygon:
                raise ValidationError(_("几何没有坐标。"), code="no_coordinates")
            for ring in polygon:
                _ring(ring)
    elif kind == "Point":
        if not _position(coords):
            raise ValidationError(_("点的经纬度无效。"), code="bad_point")
    if kind in ("Polygon", "MultiPolygon") and not shape_of(geometry).is_valid:
        raise ValidationError(_("面的边界自相交或不合法。"), code="invalid_polygon")
    return {"type": kind, "coordinates": coords}


def area_m2(geometry: dict) -> float:
    """The area in square metres of a polygon geometry (local projection)."""
    from shapely.affinity import scale

    geom = shape_of(geometry)
    mx, my = metres_per_degree(geom.centroid.y)
    return scale(geom, xfact=mx, yfact=my, origin=(0, 0)).area


def extent_m(geometry: dict) -> float:
    """The longest side of the geometry's bounding box in metres."""
    geom = shape_of(geometry)
    minx, miny, maxx, maxy = geom.bounds
    mx, my = metres_per_degree((miny + maxy) / 2)
    return max((maxx - minx) * mx, (maxy - miny) * my)


def validate_footprint(geometry, *, min_m2: float = 4.0, max_m2: float = 100_000.0, max_extent_m: float = 1_000.0,
                       inside: dict | None = None) -> dict:
    """A building footprint or an estate outline: a valid Polygon of a sane size, inside the area
    polygon ``inside`` when given."""
    geometry = validate_geometry(geometry, ("Polygon",))
    size = area_m2(geometry)
    if not min_m2 <= size <= max_m2 or extent_m(geometry) > max_extent_m:
        raise ValidationError(_("轮廓面积 %(size).0f 平方米不合理（应在 %(low).0f～%(high).0f 平方米之间、边长不超过 %(extent).0f 米）。"),
                              code="bad_size", params={"size": size, "low": min_m2, "high": max_m2,
                                                       "extent": max_extent_m})
    if inside:
        try:
            container = shape_of(inside)
        except (KeyError, TypeError, ValueError, AttributeError):
            container = None
        # A tolerance of about a metre for boundaries drawn by hand.
        if container is not None and container.is_valid and not container.buffer(1e-5).covers(shape_of(geometry)):
            raise ValidationError(_("轮廓不在所属区域的边界之内。"), code="outside_area")
    return geometry


def centroid(geometry: dict) -> tuple[float, float]:
    c = shape_of(geometry).centroid
    return round(c.x, 6), round(c.y, 6)


def parse_bbox(text: str) -> tuple[float, float, float, float] | None:
    """``"west,south,east,north"`` → floats, or ``None`` when malformed or inverted."""
    try:
        west, south, east, north = (float(v) for v in str(text).split(","))
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return west, south, east, north


def bbox_of(geometry: dict) -> tuple[float, float, float, float]:
    return tuple(round(v, 7) for v in shape_of(geometry).bounds)
