"""Reads of account data, always limited to what the acting user may see."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from gongzhi.areas.models import Area, ancestor_paths

from .models import ApiToken, User


def staff_over(area: Area, roles: Iterable[str]) -> list[User]:
    """Active users holding one of ``roles`` in ``area`` or an area above it (who get its notices)."""
    return list(User.objects.filter(is_active=True, role_assignments__role__in=list(roles),
                                    role_assignments__area__path__in=ancestor_paths(area)).distinct())


def tokens_of(user) -> QuerySet[ApiToken]:
    """The user's own personal API tokens, newest first (keys are never readable)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
