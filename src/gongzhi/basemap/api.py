"""API: the base map's layers for a map view, and the nearest building and road to a point.

``GET /api/v1/basemap/features?bbox=west,south,east,north`` answers a GeoJSON FeatureCollection
whose features carry ``properties.layer`` (road, river, water, green, field, grid, estate,
building, facility); ``GET /api/v1/basemap/nearest?lon=…&lat=…`` the nearest building (name,
estate, address) and road name with a label for the report form. Scope and caps: ``selectors``.
"""

from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from gongzhi.core import geo
from gongzhi.core.api import ApiError, ApiErrorOut

from . import selectors

router = Router(tags=["basemap"])


class FeaturesIn(Schema):
    bbox: str = Field(..., max_length=120, description="west,south,east,north in WGS-84 degrees")


class FeaturesOut(Schema):
    type: str = "FeatureCollection"
    features: list[dict[str, Any]]
    truncated: list[str] = Field(description="layers left out (zoom in) or cut at their cap")


class NearestIn(Schema):
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)


class NearestBuilding(Schema):
    name: str
    estate: str
    address: str
    distance_m: int


class NearestRoad(Schema):
    name: str
    distance_m: int


class NearestOut(Schema):
    building: NearestBuilding | None
    road: NearestRoad | None
    label: str = Field(description="e.g. 幸福小区 3栋（人民路12号）; empty when nothing is near")


@router.get("/features", response={200: FeaturesOut, 400: ApiErrorOut}, summary="Base map layers in a bbox")
def features(request, params: FeaturesIn = Query(...)):
    bbox = geo.parse_bbox(params.bbox)
    if bbox is None:
        raise ApiError(400, "bad_request", _("范围参数 bbox 应为“西,南,东,北”四个经纬度数值。"))
    return selectors.base_layers(request.user, bbox)


@router.get("/nearest", response={200: NearestOut}, summary="The nearest building and road to a point")
def nearest(request, params: NearestIn = Query(...)):
    found = selectors.nearest(request.user, params.lon, params.lat)
    return {"building": found.building, "road": found.road, "label": found.label}
