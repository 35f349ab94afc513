"""The grid worker's offline field app (外勤工作台): an installable page whose service worker keeps
it usable without signal, the pack it caches (encrypted in the browser), and the endpoint the
queued actions are sent to, each exactly once."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache, wraps

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.accounts.middleware import idle_seconds
from gongzhi.core.errors import DomainError
from gongzhi.core.uploads import PHOTO, accepts_uploads, files_from

from . import actions, keys, selectors

app_name = "field"

SHELL_ASSETS = ("gongzhi/app.css", "gongzhi/app.js", "django_htmx/htmx-2.min.js", "field/field.css", "field/field.js", "field/icon-192.png", "field/icon-512.png",
                "gongzhi/favicon.svg")


def _json_error(message: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message, "code": code}, status=status)


def grid_worker_json(view):
    """Signed in as a grid worker, answered in JSON: the field app must tell an ended session
    (401, wipe the cache) from a refused action, never follow a redirect to the login page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _json_error(_("登录已失效，请重新登录。"), "not_authenticated", 401)
        if not selectors.grid_paths(request.user):
            return _json_error(_("离线工作台仅供网格员使用。"), "forbidden", 403)
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
def shell(request):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not selectors.grid_paths(request.user):
        raise PermissionDenied
    return render(request, "field/shell.html", {
        "strings": _strings(), "max_photos": settings.GONGZHI_CASE_PHOTOS_PER_STEP,
    })


def _strings() -> dict:
    return {
        "online": _("在线"), "offline": _("离线：填写的内容保存在本机，联网后自动同步"),
        "pending": _("待同步 %(n)s 条"), "synced": _("已同步 %(n)s 条"),
        "saved_offline": _("已保存到本机，待同步。"), "saved": _("已保存。"),
        "pack_time": _("离线资料更新于 %(t)s"), "no_pack": _("尚未下载离线资料，请联网后打开本页。"),
        "session_ended": _("登录已失效：本机缓存的住户资料已清除。请重新登录后同步未提交的记录。"),
        "expired": _("离线资料已过期并已清除，请联网后重新打开本页。"),
        "conflict": _("有冲突"), "refused": _("未通过校验"), "waiting": _("待同步"),
        "edit": _("修改后重新提交"), "discard": _("放弃此条"), "discard_confirm": _("确定放弃这条记录吗？放弃后无法恢复。"),
        "verify": _("核查"), "visit": _("走访登记"), "residents_none": _("该房屋没有登记住户。"),
        "no_tasks": _("没有待核查的事件。"), "no_handle": _("没有需要在网格内处置的事件。"),
        "no_houses": _("没有符合条件的房屋。"),
        "left_out": _("本网格房屋较多，离线只保存了前 %(n)s 套；其余请联网后在“入户走访”中查找。"), "queue_empty": _("没有待同步的记录。"),
        "patrol_started": _("巡查开始于 %(t)s"), "visits_count": _("已走访 %(n)s 户"),
        "no_visits": _("尚未记录走访户。"), "remove": _("删除"),
        "need_description": _("请填写问题描述。"), "need_door": _("请填写门牌号或选择一户。"),
        "need_grid": _("请选择网格。"), "need_passed": _("请选择核查是否通过。"),
        "need_note": _("核查不通过时请填写说明。"), "too_many_photos": _("最多上传 %(n)s 张照片。"),
        "logout_pending": _("还有 %(n)s 条记录未同步，退出后将从本机清除。确定退出吗？"),
        "kind_patrol": _("巡查记录"), "kind_case.report": _("上报事件"), "kind_case.verify": _("事件核查"),
        "kind_household.visit": _("入户走访"), "photos_n": _("照片 %(n)s 张"),
        "unchanged": _("未填写"), "passed": _("通过"), "failed": _("不通过"), "age": _("%(n)s 岁"),
        "phone": _("电话"), "status": _("居住状态"), "employment": _("就业"),
        "server_error": _("服务器暂时无法处理，稍后自动重试。"),
    }


@require_GET
def manifest(request):
    data = {
        "name": _("共治 · 网格员外勤"), "short_name": _("网格外勤"), "lang": "zh-CN",
        "start_url": reverse("field:shell"), "scope": reverse("field:shell"), "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#1a63d6",
        "description": _("网格员离线工作台：没有信号时巡查、走访、上报和核查，联网后自动同步。"),
        "icons": [{"src": static("field/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                  {"src": static("field/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                  {"src": static("field/icon-512.png"), "sizes": "512x512", "type": "image/png",
                   "purpose": "maskable"}],
    }
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


def _asset_urls() -> list[str]:
    return [static(name) for name in SHELL_ASSETS]


@lru_cache(maxsize=4)
def _version(urls: tuple[str, ...]) -> str:
    """Changes whenever a cached file changes (hashed static names or contents): worked out once per
    process, not on each of the browser's service-worker checks."""
    digest = hashlib.sha256("\n".join(urls).encode())
    for name in SHELL_ASSETS:
        try:
            with staticfiles_storage.open(name) as fh:
                digest.update(fh.read())
        except (FileNotFoundError, OSError, ValueError):
            digest.update(name.encode())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request):
    urls = tuple(_asset_urls())
    response = render(request, "field/sw.js", {
        "shell_url": reverse("field:shell"), "assets": json.dumps(urls), "version": _version(urls),
    }, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("field:shell")
    return response


@require_GET
@grid_worker_json
def data(request):
    """The offline pack and the key the browser encrypts it with; opens a field day on the session."""
    until = keys.open_field_day(request.session)
    return JsonResponse({
        "user": request.user.pk, "key": keys.cache_key(request.user), "expires_at": until,
        "idle_seconds": idle_seconds(request.user), "generated_at": timezone.now().isoformat(),
        "pack": selectors.pack(request.user),
    }, json_dumps_params={"ensure_ascii": False})


@require_POST
@accepts_uploads(PHOTO, field="photos")
@grid_worker_json
def sync(request):
    """One queued action (multipart: key, kind, recorded_at, payload JSON, photos)."""
    key = request.POST.get("key", "")
    try:
        key = actions.check_key(key)
        previous = actions.replayed(request.user, key)  # a replay is answered before any file is read
        if previous is not None:
            return JsonResponse(previous.as_json(key), status=previous.http_status)
        photos = files_from(request, PHOTO, "photos")
        payload = actions.parse_payload(request.POST.get("payload", ""))
        recorded_at = actions.parse_recorded_at(request.POST.get("recorded_at"), timezone.now())
        answer = actions.apply(actor=request.user, key=key, kind=request.POST.get("kind", ""), payload=payload,
                               photos=photos, recorded_at=recorded_at, request=request)
    except DomainError as error:
        return JsonResponse({"key": key, "status": "refused", "detail": error.message, "message": error.message,
                             "code": error.code, "fields": error.fields}, status=error.status)
    return JsonResponse(answer.as_json(key), status=answer.http_status)


urlpatterns = [
    path("", shell, name="shell"),
    path("manifest.webmanifest", manifest, name="manifest"),
    path("sw.js", service_worker, name="service_worker"),
    path("data/", data, name="data"),
    path("sync/", sync, name="sync"),
]
