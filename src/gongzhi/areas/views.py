"""Staff pages: the hierarchy tree, one area, the grid map (Leaflet, no tiles by default),
the hierarchy import (check, then confirm) and its export."""

from __future__ import annotations

import hmac

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts.permissions import has_perm, require_perm
from gongzhi.accounts.roles import Perm
from gongzhi.core.uploads import AREA_FILE, accepts_uploads

from . import exporter, selectors, services, staging
from .forms import ImportUploadForm
from .models import Level

IMPORT_SESSION_KEY = "areas_import"
CHANGES_SHOWN = 200


@login_required
def tree(request):
    require_perm(request.user, Perm.AREAS_VIEW)
    q = request.GET.get("q", "").strip()[:50]
    level = request.GET.get("level", "")
    level = level if level in Level.values else ""
    if q or level:
        page = Paginator(selectors.visible_areas(request.user, level=level or None, q=q), 50).get_page(
            request.GET.get("page"))
        return render(request, "areas/search.html", {"page": page, "q": q, "level": level, "levels": Level.choices})
    return render(request, "areas/tree.html", {
        "roots": selectors.scope_roots(request.user), "levels": Level.choices,
        "can_import": has_perm(request.user, Perm.AREAS_MANAGE),
    })


@login_required
def detail(request, code: str):
    require_perm(request.user, Perm.AREAS_VIEW)
    area = selectors.area_for(request.user, code)
    children = selectors.children_of(request.user, area).select_related("parent")
    if request.htmx and request.GET.get("fragment") == "children":
        return render(request, "areas/_children.html", {"children": children})
    ancestors = [a for a in selectors.visible_areas(request.user).filter(code__in=area.ancestor_codes)]
    return render(request, "areas/detail.html", {
        "area": area, "children": children, "ancestors": ancestors,
        "geojson_url": f"{request.path}geojson/",
    })


@login_required
def grid_map(request):
    require_perm(request.user, Perm.AREAS_VIEW)
    return render(request, "areas/map.html", {"geojson_url": "geojson/"})


@login_required
def geojson(request, code: str | None = None):
    require_perm(request.user, Perm.AREAS_VIEW)
    within = selectors.area_for(request.user, code) if code else None
    return JsonResponse(selectors.visible_grid_features(request.user, within=within))


@accepts_uploads(AREA_FILE, field="file")
@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    """Step 1: upload and check (a dry run). A clean file is staged for step 2."""
    require_perm(request.user, Perm.AREAS_MANAGE)
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    context = {"form": form, "changes_shown": CHANGES_SHOWN}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()  # within the checked limit (GONGZHI_AREA_IMPORT_MAX_BYTES): the check parses it whole
        _forget_staged(request)
        try:
            report = services.import_areas(actor=request.user, file=data, filename=upload.name, dry_run=True,
                                           request=request)
        except services.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if report.ok:
                request.session[IMPORT_SESSION_KEY] = {"token": staging.stage(data), "filename": upload.name[:200]}
                context["token"] = request.session[IMPORT_SESSION_KEY]["token"]
            context.update(report=report, filename=upload.name)
    return render(request, "areas/import.html", context)


@login_required
@require_POST
def import_confirm(request):
    """Step 2: write the file checked in step 1 (checked again inside the writing transaction)."""
    require_perm(request.user, Perm.AREAS_MANAGE)
    staged = request.session.get(IMPORT_SESSION_KEY) or {}
    token = request.POST.get("token", "")
    data = None
    if staged.get("token") and hmac.compare_digest(str(staged["token"]).encode(), token.encode()):
        data = staging.load(token)
    if data is None:
        messages.error(request, _("待导入的文件已失效，请重新上传。"))
        return redirect("areas:import")
    filename = staged.get("filename", "")
    _forget_staged(request)  # one confirmation per check
    try:
        report = services.import_areas(actor=request.user, file=data, filename=filename, dry_run=False,
                                       request=request)
    except services.ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("areas:import")
    if not report.ok:
        # The database changed between the check and the confirmation.
        return render(request, "areas/import.html", {
            "form": ImportUploadForm(), "report": report, "filename": filename, "changes_shown": CHANGES_SHOWN,
        })
    messages.success(request, _("导入完成（%(file)s）：共 %(rows)d 行，新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d。")
                     % {"file": filename, **report.counts()})
    return redirect("areas:import")


def _forget_staged(request) -> None:
    staged = request.session.pop(IMPORT_SESSION_KEY, None)
    if staged and staged.get("token"):
        staging.discard(str(staged["token"]))


@login_required
@require_GET
def export(request, fmt: str):
    require_perm(request.user, Perm.AREAS_VIEW)
    text, _count = services.export_areas(actor=request.user, fmt=fmt, request=request)
    response = HttpResponse(text, content_type=exporter.CONTENT_TYPES[fmt])
    filename = f"areas-{timezone.localtime():%Y%m%d-%H%M%S}.{exporter.EXTENSIONS[fmt]}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
