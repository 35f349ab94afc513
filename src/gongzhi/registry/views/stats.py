"""Registry pages: population statistics of an area (totals, special groups, age pyramid)."""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongzhi.accounts.permissions import has_perm, perm_paths
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area

from .. import selectors
from ..charts import age_pyramid_svg
from ..choices import Registration, ResidenceStatus
from ..forms import StatisticsAreaForm

CHART_SECONDS = 3600


def _default_area(user) -> Area | None:
    """The top area of the user's registry scope (the first, when they hold several)."""
    for area_path in perm_paths(user, Perm.REGISTRY_VIEW):
        area = Area.objects.visible_to(user).filter(path=area_path).first()
        if area is not None:
            return area
    return None


@login_required
@require_GET
def statistics(request):
    if not has_perm(request.user, Perm.REGISTRY_VIEW):
        raise PermissionDenied
    form = StatisticsAreaForm(request.GET or None, user=request.user)
    code = form.filters().get("area") if form.is_bound else None
    area = (Area.objects.visible_to(request.user).filter(selectors._view_q(request.user, "path"), code=code).first()
            if code else None)
    area = area or _default_area(request.user)
    if area is None:
        raise PermissionDenied
    if not form.is_bound or not code:
        form = StatisticsAreaForm(initial={"area": area.code}, user=request.user, choices=form.fields["area"].choices)
    figures = selectors.area_statistics(request.user, area)
    registration = [(label, figures["registration"][code]) for code, label in Registration.choices]
    residence = [(label, figures["residence_status"][code]) for code, label in ResidenceStatus.choices]
    unrecorded = {"registration": figures["registration"][""], "residence": figures["residence_status"][""]}
    pyramid = figures["pyramid"]
    totals = {key: sum(row[key] for row in pyramid) for key in ("male", "female", "unknown")}
    return render(request, "registry/statistics.html", {
        "form": form, "area": area, "figures": figures, "registration": registration, "residence": residence,
        "unrecorded": unrecorded, "pyramid": pyramid, "pyramid_totals": totals,
        "chart": _pyramid_chart(pyramid, _("%(area)s 年龄金字塔") % {"area": area.name}),
    })


def _pyramid_chart(pyramid: list[dict], title: str) -> str:
    """The chart's SVG, drawn once per distinct figures, title and language (drawing takes ≈ 25 ms).

    The stored figures change only when the worker recounts, so the same chart is asked for again
    and again between two refreshes.
    """
    key = "registry:pyramid:" + hashlib.sha256(
        json.dumps([pyramid, title, get_language()], ensure_ascii=False).encode()).hexdigest()
    return cache.get_or_set(key, lambda: age_pyramid_svg(pyramid, title=title), CHART_SECONDS)


urls: list = [path("statistics/", statistics, name="statistics")]
