"""Shell pages: home (redirects by role), staff console, mobile home, health check, error pages."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import home_url_name, require_perm
from gongzhi.accounts.roles import Perm

from . import landing, navigation, selectors

logger = logging.getLogger(__name__)


def home(request):
    if not request.user.is_authenticated:
        return render(request, "core/landing.html", {"features": landing.features()})
    return redirect(home_url_name(request.user))


@login_required
def console(request):
    require_perm(request.user, Perm.CONSOLE_VIEW)
    return render(request, "core/console.html", selectors.console_summary(request.user))


@login_required
def mobile_home(request):
    from gongzhi.accounts.roles import Role
    from gongzhi.registry.verification import resident_link

    context = selectors.mobile_summary(request.user)
    # Residents see their verification status: the bound person's community, grid and house.
    context["is_resident"] = Role.RESIDENT in request.user.roles()
    context["resident_link"] = resident_link(request.user) if context["is_resident"] else None
    # What residents take part in (议事): the installed apps' menu entries of that group, so the page
    # offers only what exists.
    context["participation"] = ([item for item in navigation.nav_for(request.user, request.path)
                                 if item["group"] == "participation"] if context["is_resident"] else [])
    return render(request, "core/mobile_home.html", context)


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means the database is unreachable
        logger.exception("health check: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _error(request, status: int, title: str, message: str):
    if request.path.startswith(("/api/", "/open311/")):
        return JsonResponse({"detail": message, "code": {400: "bad_request", 403: "forbidden", 404: "not_found",
                                                          500: "server_error"}[status]}, status=status)
    return render(request, "core/error.html", {"status": status, "title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    # A refusal that explains itself (e.g. a NUL character in a form) shows its own message.
    if getattr(exception, "user_message", None):
        return _error(request, 400, getattr(exception, "title", None) or _("请求无效"), exception.user_message)
    return _error(request, 400, _("请求无效"), _("请求的格式不正确，请返回重试。"))


def permission_denied(request, exception=None):
    # A refusal that explains itself (e.g. "verify your identity first") shows its own message.
    if getattr(exception, "user_message", None):
        return _error(request, 403, getattr(exception, "title", None) or _("无权访问"), exception.user_message)
    return _error(request, 403, _("无权访问"), _("您的账号没有访问此页面的权限。如需开通，请联系系统管理员。"))


def page_not_found(request, exception=None):
    return _error(request, 404, _("页面不存在"), _("您要找的页面不存在，或不在您的管辖范围内。"))


def server_error(request):
    return _error(request, 500, _("系统繁忙"), _("服务器处理请求时出错，已记录。请稍后再试。"))


def csrf_failure(request, reason=""):
    return render(request, "core/error.html", {
        "status": 403, "title": _("页面已过期"),
        "message": _("表单已失效（安全校验未通过）。请刷新页面后重新提交。"),
    }, status=403)
