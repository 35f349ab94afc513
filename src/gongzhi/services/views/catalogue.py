"""The catalogue (事项清单) and the admission list (准入清单 with the certificate list)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm

from .. import selectors
from ..catalogue import ADMISSION_APPROVER
from ..models import AdmissionPart


@login_required
@require_GET
def catalogue(request):
    theme = request.GET.get("theme", "")[:30]
    q = request.GET.get("q", "")[:40]
    items = list(selectors.catalogue(theme=theme, q=q))
    return render(request, "services/catalogue.html", {
        "items": items, "themes": selectors.themes(), "theme": theme, "q": q,
    })


@login_required
@require_GET
def item_detail(request, code: str):
    item = selectors.item_for(code)
    return render(request, "services/item.html", {
        "item": item, "materials": list(item.materials.all()), "steps": list(item.steps.all()),
        "verified": selectors.linked_person(request.user) is not None, "may_handle": selectors.may_handle(request.user),
    })


@login_required
@require_GET
def admission(request):
    """The district's admission list and certificate list: staff's reference (who must approve an addition)."""
    if not (selectors.may_certify(request.user) or has_perm(request.user, Perm.SERVICES_CONFIGURE)):
        raise PermissionDenied
    parts = selectors.admission_list()
    return render(request, "services/admission.html", {
        "parts": [(value, label, parts.get(value, [])) for value, label in AdmissionPart.choices],
        "kinds": selectors.certificate_kinds(), "approver": ADMISSION_APPROVER,
    })


urls = [
    path("", catalogue, name="catalogue"),
    path("items/<slug:code>/", item_detail, name="item"),
    path("admission/", admission, name="admission"),
]
