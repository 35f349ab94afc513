"""Shell pages: home (redirects by role), staff console, mobile home, health check, error pages."""

from __future__ import annotations

import logging
import sys

from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import home_url_name, require_perm
from gongzhi.accounts.roles import Perm

from . import landing, navigation, selectors
from .files import is_disk_full

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


ERROR_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 500: "server_error", 503: "unavailable",
               507: "insufficient_storage"}


def _error(request, status: int, title: str, message: str):
    if request.path.startswith(("/api/", "/open311/")):
        return JsonResponse({"detail": message, "code": ERROR_CODES[status]}, status=status)
    return render(request, "core/error.html", {"status": status, "title": title, "message": message}, status=status)


def _standalone_error(request, status: int, title: str, message: str) -> HttpResponse:
    """The error page without the database: no user, no menu (the shell's context needs the
    database), for when the database itself is what failed or the normal page cannot be drawn."""
    if request.path.startswith(("/api/", "/open311/")):
        response = JsonResponse({"detail": message, "code": ERROR_CODES[status]}, status=status)
    else:
        response = HttpResponse(render_to_string("core/unavailable.html", {
            "status": status, "title": title, "message": message}), status=status)
    if status == 503:
        response["Retry-After"] = "30"
    return response


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
    """A request that failed: a clear page in Chinese, never a traceback.

    The database unreachable (or, on SQLite, still busy after the wait): 503 with a page that does
    not need the database, saying nothing was saved — the request's transaction did not commit.
    A full disk: 507, saying the file was not saved. Anything else: 500. Should drawing the normal
    error page fail too, the standalone page is shown.
    """
    error = sys.exception()
    if isinstance(error, (OperationalError, InterfaceError)):
        return _standalone_error(request, 503, _("系统暂时无法使用"), _(
            "数据库暂时无法连接，您的这次操作没有保存。请稍后刷新页面重试；如长时间无法使用，请联系系统管理员。"))
    try:
        if is_disk_full(error):
            return _error(request, 507, _("存储空间不足"), _(
                "服务器磁盘空间不足，文件没有保存，您的这次操作也没有保存。请联系系统管理员清理空间后重试。"))
        return _error(request, 500, _("系统繁忙"), _("服务器处理请求时出错，已记录。请稍后再试。"))
    except Exception:
        logger.exception("the error page could not be drawn")
        return _standalone_error(request, 500, _("系统繁忙"), _("服务器处理请求时出错，已记录。请稍后再试。"))


def csrf_failure(request, reason=""):
    return render(request, "core/error.html", {
        "status": 403, "title": _("页面已过期"),
        "message": _("表单已失效（安全校验未通过）。请刷新页面后重新提交。"),
    }, status=403)
