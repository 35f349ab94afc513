"""Maps of the case loop: grids to pick a place when reporting, and the open cases of one's area."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area, Level
from gongzhi.areas.selectors import visible_grid_features

from .. import selectors
from ..services import _home_grid

MAP_LIMIT = 5000  # open cases drawn at once (the newest); the queue lists every one


@login_required
@require_GET
def report_grids(request):
    """Grid outlines for the place picker: the user's visible grids, or a resident's whole street."""
    if not has_perm(request.user, Perm.CASES_REPORT):
        raise PermissionDenied
    home = _home_grid(request.user)
    if has_perm(request.user, Perm.AREAS_VIEW):
        collection = visible_grid_features(request.user)
    else:
        street = home.parent.parent if home is not None and home.parent_id and home.parent.parent_id else None
        grids = Area.objects.filter(level=Level.GRID, geometry__isnull=False)
        grids = grids.filter(path__startswith=street.path) if street is not None else grids.none()
        collection = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name}}
            for code, name, geometry in grids.values_list("code", "name", "geometry")]}
    for feature in collection["features"]:  # the map opens on the user's own grid
        feature["properties"]["home"] = home is not None and feature["properties"]["code"] == home.code
    return JsonResponse(collection)


@login_required
@require_GET
def case_map(request):
    if not has_perm(request.user, Perm.CASES_VIEW):
        raise PermissionDenied
    return render(request, "cases/map.html")


@login_required
@require_GET
def case_points(request):
    """Open cases with a location as GeoJSON points (scoped), for the map."""
    if not has_perm(request.user, Perm.CASES_VIEW):
        raise PermissionDenied
    now = timezone.now()
    cases = (selectors.case_list(request.user, queue="open", order="reported")
             .filter(lon__isnull=False, lat__isnull=False)[:MAP_LIMIT])
    base = reverse("cases:detail", args=[0]).removesuffix("0/")
    features = [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [case.lon, case.lat]},
        "properties": {"number": case.number, "status": case.get_status_display(),
                       "category": case.category.name if case.category_id else "",
                       "overdue": case.is_overdue(now), "url": f"{base}{case.pk}/"},
    } for case in cases]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
@require_GET
def case_grid(request, pk: int):
    """The outline of a case's grid, for the map on its page (whoever may see the case)."""
    case = selectors.case_for(request.user, pk)
    features = [] if not case.area.geometry else [{"type": "Feature", "geometry": case.area.geometry, "properties": {
        "code": case.area.code, "name": case.area.name, "home": False}}]
    return JsonResponse({"type": "FeatureCollection", "features": features})


urls = [
    path("<int:pk>/grid.geojson", case_grid, name="case_grid"),
    path("map/", case_map, name="map"),
    path("map/cases.geojson", case_points, name="map_points"),
    path("report/grids.geojson", report_grids, name="report_grids"),
]
