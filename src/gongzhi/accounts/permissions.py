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


def has_perm(user, perm: str, area=None) -> bool:
    """True when one of the user's roles grants ``perm`` (and, if given, ``area`` is in scope)."""
    if perm not in user_perms(user):
        return False
    if area is None:
        return True
    return any(area.path.startswith(p) for p in scope_paths(user))


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
