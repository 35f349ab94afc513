"""The register of certificates (staff), issuing one to a resident, its printable A4 page with the QR
code of its verification page, and revoking it with a reason."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core.errors import DomainError
from gongzhi.core.pagination import page_query

from .. import certificates as service
from .. import selectors
from ..forms import IssueForm, RegisterFilterForm, RevokeForm
from .people import pick_person

PAGE_SIZE = 30


def _require_certify(user) -> None:
    if not selectors.may_certify(user):
        raise PermissionDenied


@login_required
@require_GET
def register(request):
    _require_certify(request.user)
    form = RegisterFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.certificates_for(request.user, status=data.get("status", ""), kind=data.get("kind", ""),
                                      serial=data.get("serial", ""))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "services/certificates.html", {"form": form, "page": page, "query": page_query(request)})


@login_required
@require_http_methods(["GET", "POST"])
def issue(request):
    """Pick the resident (search by name, initials or ID last four), then the kind and the purpose."""
    _require_certify(request.user)
    person, q, found = pick_person(request)
    form = IssueForm(request.POST or None)
    if request.method == "POST" and person is not None and form.is_valid():
        try:
            certificate = service.issue(actor=request.user, kind=form.cleaned_data["kind"], holder=person,
                                        purpose=form.cleaned_data["purpose"], request=request)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("证明已出具，编号 %(serial)s。") % {"serial": certificate.serial})
            return redirect("services:certificate", serial=certificate.serial)
    return render(request, "services/issue.html", {"form": form, "person": person, "q": q, "found": found})


def _qr(request, serial: str) -> str:
    url = request.build_absolute_uri(reverse("services:verify", args=[serial]))
    return segno.make(url, error="m").svg_data_uri(scale=4, dark="#000", light="#fff")


@login_required
@require_GET
def certificate(request, serial: str):
    """The certificate as printed on A4, with its QR code, and (for staff) its status and revoking."""
    _require_certify(request.user)
    found = selectors.certificate_for(request.user, serial)
    return render(request, "services/certificate.html", {
        "c": found, "qr": _qr(request, found.serial), "revoke_form": RevokeForm(),
        "verify_url": request.build_absolute_uri(reverse("services:verify", args=[found.serial])),
    })


@login_required
@require_POST
def revoke(request, serial: str):
    _require_certify(request.user)
    found = selectors.certificate_for(request.user, serial)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            service.revoke(actor=request.user, certificate=found, reason=form.cleaned_data["reason"], request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("证明 %(serial)s 已撤销，扫码核验将显示“已撤销”。") % {"serial": found.serial})
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("services:certificate", serial=found.serial)


urls = [
    path("certificates/", register, name="certificates"),
    path("certificates/issue/", issue, name="issue"),
    path("certificates/<str:serial>/", certificate, name="certificate"),
    path("certificates/<str:serial>/revoke/", revoke, name="revoke"),
]
