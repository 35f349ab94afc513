"""API: the caller's areas, one area by code, and point → grid.

Every operation needs ``areas.view``, like the area pages (403 ``forbidden`` otherwise).
"""


from django.http import Http404
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from gongzhi.accounts.permissions import require_perm
from gongzhi.accounts.roles import Perm
from gongzhi.core.pagination import PageNumberPagination

from . import locate as locate_service
from . import selectors
from .models import Area, Kind, Level, default_kind

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str
    name: str
    level: Level
    kind: Kind = Field(..., description="what the area is within its level: subdistrict/town/township (street "
                                        "level), neighbourhood/village (community level), grid/villager_group")
    parent: str | None
    centroid: list[float] | None = Field(None, description="[lon, lat], WGS84")

    @staticmethod
    def resolve_kind(obj: Area) -> str:
        return obj.kind or default_kind(obj.code, obj.level)

    @staticmethod
    def resolve_parent(obj: Area) -> str | None:
        return obj.parent.code if obj.parent_id else None


class LocateIn(Schema):
    lon: float = Field(..., ge=-180, le=180, description="longitude, WGS84")
    lat: float = Field(..., ge=-90, le=90, description="latitude, WGS84")


class AreaFilter(Schema):
    level: Level | None = None
    q: str = Field("", max_length=50, description="name contains, or code starts with")


@router.get("", response=list[AreaOut], summary="Areas the caller may see (their subtree)")
@paginate(PageNumberPagination, page_size=100)
def list_areas(request, filters: AreaFilter = Query(...)):
    require_perm(request.user, Perm.AREAS_VIEW)
    return selectors.visible_areas(request.user, level=filters.level, q=filters.q)


@router.get("/locate", response=AreaOut, summary="The grid containing a point (404 when none, or out of scope)")
def locate(request, point: LocateIn = Query(...)):
    require_perm(request.user, Perm.AREAS_VIEW)
    grid = locate_service.locate(point.lon, point.lat)
    if grid is None or not Area.objects.visible_to(request.user).filter(pk=grid.pk).exists():
        raise Http404
    return grid


@router.get("/{code}", response=AreaOut, summary="One area by code (404 when out of scope)")
def get_area(request, code: str):
    require_perm(request.user, Perm.AREAS_VIEW)
    return selectors.area_for(request.user, code)
