"""Everything the shell (header, navigation, unread counts) needs, in a bounded number of queries."""

from __future__ import annotations

from django.conf import settings


def shell(request):
    user = getattr(request, "user", None)
    ctx = {"site_name": settings.GONGZHI_SITE_NAME, "LANG": getattr(request, "LANGUAGE_CODE", "zh-hans")}
    if user is None or not user.is_authenticated:
        return ctx
    from gongzhi.accounts.permissions import primary_role
    from gongzhi.accounts.roles import MOBILE_ROLES, role_label

    from .navigation import menu_for

    role = primary_role(user)
    # Named for where it is held (镇指挥中心, 村干部, 村民), from the assignment's codes: no query.
    where = next((path for held, path, _department in user.assignment_rows() if held == role), None)
    ctx.update(
        {
            "menu": menu_for(user, request.path),
            "primary_role": role,
            "primary_role_label": role_label(role, where) if role else "",
            "mobile_layout": role in MOBILE_ROLES,
        }
    )
    return ctx
