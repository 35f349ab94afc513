"""居财居管 staff pages: a community's entries by month with the running balance, recording an
entry, reversing one (corrections are reversing entries, never edits), publishing the month's
statement as a 财务 disclosure item, and its Excel export."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services_finances, services_items
from ..errors import DomainError
from ..models import DisclosureItem, EntryKind
from .forms import EntryForm, ReverseForm, add_domain_error
from .items import require_staff


def _month(value: str | None) -> datetime.date:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return today.replace(day=1)


def _community(request):
    communities = selectors.staff_communities(request.user)
    code = request.GET.get("area") or request.POST.get("area_code") or ""
    if code:
        return selectors.staff_community(request.user, code), communities
    area = communities.first()
    if area is None:
        raise PermissionDenied
    return area, communities


@login_required
@require_GET
def ledger(request):
    require_staff(request.user)
    area, communities = _community(request)
    month = _month(request.GET.get("month"))
    statement = services_finances.statement(area, month)
    item = DisclosureItem.objects.filter(area=area, statement_month=month).first()
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return render(request, "disclosure/finances.html", {
        "area": area, "communities": communities.select_related("parent")[:500], "month": month,
        "statement": statement, "item": item, "may_act": services_items.may_publish(request.user, area),
        "previous": previous, "following": following if following <= timezone.localdate() else None,
        "form": EntryForm(communities=communities, initial={"area": area.pk, "date": timezone.localdate()}),
        "closed": month in services_finances.published_months(area), "income": EntryKind.INCOME,
    })


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request):
    require_staff(request.user)
    communities = selectors.staff_communities(request.user)
    form = EntryForm(request.POST or None, communities=communities,
                     initial={"area": communities.first().pk if communities.exists() else None,
                              "date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services_finances.add_entry(actor=request.user, area=data["area"], date=data["date"],
                                                voucher=data["voucher"], kind=data["kind"], category=data["category"],
                                                amount=data["amount"], summary=data["summary"],
                                                handled_by=data["handled_by"], request=request)
        except DomainError as error:
            if error.status == 403:
                raise PermissionDenied from None
            add_domain_error(form, error)
        else:
            messages.success(request, _("已记账：凭证 %(voucher)s。") % {"voucher": entry.voucher})
            return redirect(f"/disclosure/manage/finances/?area={entry.area.code}&month={entry.date:%Y-%m}")
    return render(request, "disclosure/finance_entry_form.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def entry_reverse(request, pk: int):
    require_staff(request.user)
    entry = selectors.staff_entry(request.user, pk)
    if not services_items.may_publish(request.user, entry.area):
        raise PermissionDenied
    form = ReverseForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reversal = services_finances.reverse_entry(actor=request.user, entry=entry, date=data["date"],
                                                       voucher=data["voucher"], reason=data["reason"],
                                                       request=request)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("已登记冲销凭证 %(voucher)s。") % {"voucher": reversal.voucher})
            return redirect(f"/disclosure/manage/finances/?area={entry.area.code}&month={reversal.date:%Y-%m}")
    return render(request, "disclosure/finance_reverse.html", {"form": form, "entry": entry},
                  status=422 if form.errors else 200)


@login_required
@require_POST
def statement_publish(request):
    require_staff(request.user)
    area, _communities = _community(request)
    month = _month(request.POST.get("month"))
    try:
        services_finances.publish_statement(actor=request.user, area=area, month=month, request=request)
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied from None
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(month)s财务收支已公开。") % {"month": services_finances.month_label(month)})
    return redirect(f"/disclosure/manage/finances/?area={area.code}&month={month:%Y-%m}")


@login_required
@require_GET
def statement_export(request):
    require_staff(request.user)
    area, _communities = _community(request)
    month = _month(request.GET.get("month"))
    content = services_finances.statement_workbook(services_finances.statement(area, month), actor=request.user,
                                                   request=request)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="ledger-{area.code}-{month:%Y-%m}.xlsx"'
    return response


urls = [
    path("manage/finances/", ledger, name="finances"),
    path("manage/finances/entries/new/", entry_create, name="finance_entry_create"),
    path("manage/finances/entries/<int:pk>/reverse/", entry_reverse, name="finance_entry_reverse"),
    path("manage/finances/publish/", statement_publish, name="finance_publish"),
    path("manage/finances/export/", statement_export, name="finance_export"),
]
