"""Staff pages: the hierarchy tree, one area, and the grid map (Leaflet, no tiles by default)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render

from gongzhi.accounts.permissions import require_perm
from gongzhi.accounts.roles import Perm

from . import selectors
from .models import Level


@login_required
def tree(request):
    require_perm(request.user, Perm.AREAS_VIEW)
    q = request.GET.get("q", "").strip()[:50]
    level = request.GET.get("level", "")
    level = level if level in Level.values else ""
    if q or level:
        page = Paginator(selectors.visible_areas(request.user, level=level or None, q=q), 50).get_page(
            request.GET.get("page"))
        return render(request, "areas/search.html", {"page": page, "q": q, "level": level, "levels": Level.choices})
    return render(request, "areas/tree.html", {"roots": selectors.scope_roots(request.user), "levels": Level.choices})


@login_required
def detail(request, code: str):
    require_perm(request.user, Perm.AREAS_VIEW)
    area = selectors.area_for(request.user, code)
    children = selectors.children_of(request.user, area).select_related("parent")
    if request.htmx and request.GET.get("fragment") == "children":
        return render(request, "areas/_children.html", {"children": children})
    ancestors = [a for a in selectors.visible_areas(request.user).filter(code__in=area.ancestor_codes)]
    return render(request, "areas/detail.html", {
        "area": area, "children": children, "ancestors": ancestors,
        "geojson_url": f"{request.path}geojson/", "tile_url": settings.GONGZHI_MAP_TILE_URL,
    })


@login_required
def grid_map(request):
    require_perm(request.user, Perm.AREAS_VIEW)
    return render(request, "areas/map.html", {"geojson_url": "geojson/", "tile_url": settings.GONGZHI_MAP_TILE_URL})


@login_required
def geojson(request, code: str | None = None):
    require_perm(request.user, Perm.AREAS_VIEW)
    within = selectors.area_for(request.user, code) if code else None
    return JsonResponse(selectors.visible_grid_features(request.user, within=within))
