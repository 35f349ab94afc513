"""Which department a case goes to: routing rules first, then the category's departments, else the centre.

See ``RoutingRule`` for the order. The result is a suggestion the dispatcher sees preselected;
dispatching to another department is allowed (and counted when that department returns it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from shapely.geometry import Point, shape

from gongzhi.accounts.models import Department
from gongzhi.areas.models import Area, ancestor_paths

from .models import Category, RoutingRule


@dataclass
class Route:
    department: Department | None  # None: the street command centre dispatches by hand
    assist: list[Department] = field(default_factory=list)
    rule: RoutingRule | None = None
    reason: str = ""


def serves(department: Department, area: Area) -> bool:
    """Whether the department serves ``area`` (one of its served areas contains it; none: everywhere)."""
    paths = [served.path for served in department.serves.all()]
    return not paths or any(area.path.startswith(path) for path in paths)


def departments_serving(area: Area):
    """Active departments that serve ``area`` (as ``serves`` decides), for the dispatch dialog."""
    return (Department.objects.filter(is_active=True)
            .filter(Q(serves__isnull=True) | Q(serves__path__in=ancestor_paths(area))).distinct().order_by("code"))


def route(category: Category | None, area: Area, lon: float | None = None, lat: float | None = None) -> Route:
    if category is None:
        return Route(department=None, reason="no_category")
    paths = ancestor_paths(area)
    depth = {path: len(paths) - index for index, path in enumerate(paths)}  # deeper → larger
    categories = [category.pk] + ([category.parent_id] if category.parent_id else [])
    rules = (RoutingRule.objects.filter(active=True, category_id__in=categories, area__path__in=paths,
                                        department__is_active=True)
             .select_related("department", "area").prefetch_related("assist"))
    point = Point(lon, lat) if lon is not None and lat is not None else None
    ranked = []
    for rule in rules:
        if rule.geometry is not None:
            if point is None:
                continue
            try:
                if not shape(rule.geometry).covers(point):
                    continue
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
        ranked.append(((rule.geometry is not None, depth[rule.area.path], rule.category_id == category.pk,
                        -rule.pk), rule))
    if ranked:
        rule = max(ranked, key=lambda item: item[0])[1]
        return Route(department=rule.department, assist=[d for d in rule.assist.all() if d.is_active], rule=rule,
                     reason="rule")
    candidates = list(category.departments.filter(is_active=True).prefetch_related("serves"))
    if not candidates and category.parent_id:
        candidates = list(category.parent.departments.filter(is_active=True).prefetch_related("serves"))
    for department in sorted(candidates, key=lambda d: d.code):
        if serves(department, area):
            return Route(department=department, reason="category")
    return Route(department=None, reason="none")
