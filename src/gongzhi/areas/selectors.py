"""Reads of the hierarchy, always scoped with ``visible_to``."""

from __future__ import annotations

from django.http import Http404

from .models import Area, Level


def visible_areas(user, *, level: str | None = None, q: str = ""):
    qs = Area.objects.visible_to(user).select_related("parent")
    if level:
        qs = qs.filter(level=level)
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs.order_by("path")


def area_for(user, code: str) -> Area:
    """The area with ``code`` if the user may see it; 404 otherwise (no existence leak)."""
    area = Area.objects.visible_to(user).select_related("parent").filter(code=code).first()
    if area is None:
        raise Http404
    return area


def scope_roots(user):
    """Top-most visible areas (the user's assignment roots), for the tree browser."""
    from .scope import scope_paths

    return Area.objects.filter(path__in=scope_paths(user)).select_related("parent").order_by("path")


def children_of(user, area: Area):
    return Area.objects.visible_to(user).filter(parent=area).order_by("code")


def visible_grid_features(user, *, within: Area | None = None) -> dict:
    """GeoJSON FeatureCollection of the grids the user may see (for the map)."""
    qs = Area.objects.visible_to(user).filter(level=Level.GRID, geometry__isnull=False)
    if within is not None:
        qs = qs.subtree(within)
    features = [
        {
            "type": "Feature",
            "geometry": geometry,
            "properties": {"code": code, "name": name, "parent": parent_code},
        }
        for code, name, geometry, parent_code in qs.values_list("code", "name", "geometry", "parent__code")
    ]
    return {"type": "FeatureCollection", "features": features}
