"""Reporting a problem (随手拍): photo, place and a few words, in under a minute on a phone.

Residents, grid workers (from a patrol or on their own) and staff taking a hotline call use the
same form; the place comes from the device, a tap on the map or a photo's location.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.core import ratelimit
from gongzhi.core.uploads import PHOTO, accepts_uploads, files_from

from .. import selectors, services
from ..errors import DomainError
from ..models import Patrol, Priority

FORM_FIELDS = ("description", "lon", "lat", "address", "category", "priority", "reporter_name", "reporter_phone")


@accepts_uploads(PHOTO, field="photos")
@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    if not has_perm(request.user, Perm.CASES_REPORT):
        raise PermissionDenied
    patrol = None
    patrol_id = request.GET.get("patrol") or request.POST.get("patrol")
    if patrol_id and str(patrol_id).isdigit():
        patrol = Patrol.objects.visible_to(request.user).filter(pk=int(patrol_id), worker=request.user,
                                                                 ended_at__isnull=True).first()
    values = {name: request.POST.get(name, "") for name in FORM_FIELDS} if request.method == "POST" else {}
    errors: dict[str, str] = {}
    refusal = None
    if request.method == "POST":
        try:
            ratelimit.check(report_rate(request.user), request=request, user=request.user)
            photos = files_from(request, PHOTO, "photos")  # counted, sized and sniffed, not read
            case = services.report_case(
                actor=request.user, description=values["description"], lon=values["lon"] or None,
                lat=values["lat"] or None, address=values["address"], category=values["category"] or None,
                priority=values["priority"] or Priority.NORMAL,
                photos=photos,
                reporter_name=values["reporter_name"], reporter_phone=values["reporter_phone"], patrol=patrol,
                request=request)
        except DomainError as error:
            errors = {name: error.message for name in (error.fields or {"__all__": ""})}
            messages.error(request, error.message)
            refusal = error
        else:
            messages.success(request, _("已上报，事件编号 %(number)s。我们会尽快受理。") % {"number": case.number})
            return redirect("cases:patrol", pk=patrol.pk) if patrol else redirect("cases:detail", pk=case.pk)
    response = render(request, "cases/report.html", {
        "values": values, "errors": errors, "categories": selectors.categories(), "patrol": patrol,
        "hotline": has_perm(request.user, Perm.CASES_VIEW) and has_perm(request.user, Perm.CASES_ACCEPT),
        "priorities": Priority.choices,
        "max_photos": settings.GONGZHI_CASE_PHOTOS_PER_STEP,
    }, status=(429 if isinstance(refusal, ratelimit.RateLimited) else 422) if errors else 200)
    if isinstance(refusal, ratelimit.RateLimited):
        response["Retry-After"] = str(refusal.retry_after)
    return response


def report_rate(user) -> str:
    """Staff (the hotline, grid workers on patrol) report many a day; a resident a few."""
    return "case_report_staff" if has_perm(user, Perm.CASES_VIEW) else "case_report"


urls = [path("report/", report, name="report")]
