"""Permission checks against the matrix in roles.py, optionally inside an area."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from gongzhi.areas.scope import scope_paths

from .roles import MATRIX, ROLE_HOME, Role


def user_perms(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_gongzhi_perms", None)
    if cached is None:
        perms: set[str] = set()
        for role in user.roles():
            perms |= MATRIX.get(role, frozenset())
        cached = frozenset(perms)
        user._gongzhi_perms = cached
    return cached


def perm_paths(user, perm: str) -> tuple[str, ...]:
    """Area paths where a role that grants ``perm`` is held (cached on the user object).

    Per role, not per user: a grid worker who is also a resident elsewhere holds grid-worker
    permissions in their grid only. Department staff hold theirs in the areas the department serves.
    """
    cache = getattr(user, "_gongzhi_perm_paths", None)
    if cache is None:
        cache = user._gongzhi_perm_paths = {}
    if perm not in cache:
        from gongzhi.areas.models import Area

        from .models import RoleAssignment
        from .scoping import collapse_paths

        roles = [role for role, perms in MATRIX.items() if perm in perms]
        # The rows the roles and the data scope were read from (``User.assignment_rows``): no query
        # per permission (a list page asks for two or three).
        rows = user.assignment_rows()
        paths = {path for role, path, _department in rows if role in roles and path}
        if Role.DEPARTMENT_STAFF in roles and any(role == Role.DEPARTMENT_STAFF for role, _path, _dep in rows):
            departments = RoleAssignment.objects.filter(user=user, role=Role.DEPARTMENT_STAFF).values("department")
            paths |= set(Area.objects.filter(departments__in=departments, departments__is_active=True)
                         .values_list("path", flat=True))
        cache[perm] = collapse_paths(paths)
    return cache[perm]


def has_perm(user, perm: str, area=None) -> bool:
    """True when one of the user's roles grants ``perm`` — inside ``area`` when one is given."""
    if perm not in user_perms(user):
        return False
    if area is None:
        return True
    return any(area.path.startswith(p) for p in scope_paths(user)) and any(
        area.path.startswith(p) for p in perm_paths(user, perm))


def require_perm(user, perm: str, area=None) -> None:
    if not has_perm(user, perm, area):
        raise PermissionDenied


def has_role(user, *roles: str) -> bool:
    return getattr(user, "is_authenticated", False) and bool(user.roles() & set(roles))


def home_url_name(user) -> str:
    roles = user.roles()
    for role, url_name in ROLE_HOME:
        if role in roles:
            return url_name
    return "core:mobile_home"


def primary_role(user) -> str | None:
    roles = user.roles()
    for role, _ in ROLE_HOME:
        if role in roles:
            return role
    return None


def is_staff_user(user) -> bool:
    return bool(user.roles() - {Role.RESIDENT})
