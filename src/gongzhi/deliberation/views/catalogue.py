"""The catalogue of what may and may not be consulted (六议六不议) and each district's 协商议事日:
edited by district administrators (``deliberation.configure``), every change audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongzhi.accounts.permissions import has_perm, perm_paths
from gongzhi.areas.models import Area, Level
from gongzhi.areas.scope import paths_q
from gongzhi.core.errors import DomainError

from .. import topics
from ..meetings import meeting_day
from ..models import CatalogueItem, CatalogueKind
from ..models.settings import DEFAULT_MEETING_DAY, NOTICE_DAYS


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _districts(user):
    return list(Area.objects.filter(paths_q(perm_paths(user, topics.CONFIGURE), "path"), level=Level.DISTRICT)
                .order_by("code"))


@login_required
@require_http_methods(["GET", "POST"])
def catalogue(request):
    if not has_perm(request.user, topics.CONFIGURE):
        raise PermissionDenied
    districts = _districts(request.user)
    if request.method == "POST":
        form = request.POST.get("form", "")
        try:
            if form == "meeting_day":
                district = next((d for d in districts if str(d.pk) == request.POST.get("district")), None)
                if district is None:
                    raise DomainError(_("区县不存在。"))
                topics.set_meeting_day(actor=request.user, district=district,
                                       day=_int(request.POST.get("meeting_day"), -1), request=request)
                messages.success(request, _("已保存“%(name)s”的协商议事日。") % {"name": district.name})
                return redirect(f"{request.path}#meeting-day")
            item = None
            if request.POST.get("item", "").isdigit():
                item = CatalogueItem.objects.filter(pk=int(request.POST["item"])).first()
                if item is None:
                    raise DomainError(_("事项不存在。"))
            item = topics.save_catalogue_item(actor=request.user, item=item, kind=request.POST.get("kind", ""),
                                              text=request.POST.get("text", ""),
                                              order=_int(request.POST.get("order")),
                                              active="active" in request.POST, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已保存事项。"))
            return redirect(f"{request.path}#i{item.pk}")
    items = list(CatalogueItem.objects.order_by("kind", "order", "pk"))
    return render(request, "deliberation/catalogue.html", {
        "may": [i for i in items if i.kind == CatalogueKind.MAY],
        "may_not": [i for i in items if i.kind == CatalogueKind.MAY_NOT],
        "kinds": CatalogueKind.choices,
        "districts": [(d, meeting_day(d)) for d in districts],
        "default_day": DEFAULT_MEETING_DAY, "notice_days": NOTICE_DAYS,
    })


urls = [path("catalogue/", catalogue, name="catalogue")]
