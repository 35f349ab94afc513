"""Compute a user's data scope from their role assignments (used by areas.scope)."""

from __future__ import annotations

from gongzhi.areas.models import Area

from .roles import Role


def compute_scope_paths(user) -> tuple[str, ...]:
    """Area paths the user may see: assigned areas, plus areas served by their departments.

    Overlapping paths are collapsed (a district path covers its streets), keeping queries short.
    """
    return scope_paths_from(user, user.assignment_rows())


def scope_paths_from(user, assignments) -> tuple[str, ...]:
    """The scope from already read ``(role, area path, department id)`` rows; caches the roles."""
    paths = {p for role, p, _ in assignments if p}
    dept_ids = [d for role, _, d in assignments if role == Role.DEPARTMENT_STAFF and d]
    if dept_ids:
        paths |= set(Area.objects.filter(departments__in=dept_ids, departments__is_active=True).values_list("path", flat=True))
    user._gongzhi_roles = frozenset(role for role, _, _ in assignments)
    return collapse_paths(paths)


def collapse_paths(paths) -> tuple[str, ...]:
    kept: list[str] = []
    for p in sorted(paths, key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return tuple(sorted(kept))
