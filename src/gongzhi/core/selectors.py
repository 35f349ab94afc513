"""Reads for the shell pages, scoped to the acting user."""

from __future__ import annotations

from django.db.models import Count

from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Area, Level
from gongzhi.areas.scope import scope_paths
from gongzhi.notices.selectors import recent_notices


def console_summary(user) -> dict:
    visible = Area.objects.visible_to(user)
    counts = dict(visible.values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    roots = list(Area.objects.filter(path__in=scope_paths(user)).select_related("parent"))
    departments = [a.department for a in user.role_assignments.select_related("department")
                   if a.role == Role.DEPARTMENT_STAFF and a.department_id]
    from .console import panels_for

    return {
        "roots": roots,
        "level_counts": [(label, counts.get(value, 0)) for value, label in Level.choices],
        "departments": departments,
        "notices": recent_notices(user, limit=5),
        "panels": panels_for(user),
    }


def mobile_summary(user) -> dict:
    grids = list(Area.objects.visible_to(user).filter(level=Level.GRID).select_related("parent__parent")[:20])
    home = None
    if user.home_area_id:
        home = Area.objects.select_related("parent__parent").filter(pk=user.home_area_id).first()
    return {
        "grids": grids if Role.GRID_WORKER in user.roles() else [],
        "home": home,
        "notices": recent_notices(user, limit=5),
    }
