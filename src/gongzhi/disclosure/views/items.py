"""Staff pages for disclosure items: the list (with what is overdue), drafts, publishing,
withdrawing with a reason, and each item's history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.core.uploads import PHOTO, accepts_uploads, files_from

from .. import cadence, selectors, services_items
from ..errors import DomainError
from ..models import Category, Status
from .common import STAFF_PAGE_SIZE, item_filters, paginate, querystring
from .forms import ItemForm, WithdrawForm, add_domain_error


def require_staff(user) -> None:
    if not has_perm(user, Perm.DISCLOSURE_PUBLISH):
        raise PermissionDenied


@login_required
@require_GET
def manage(request):
    require_staff(request.user)
    filters = item_filters(request)
    area_code = request.GET.get("area") or ""
    status = request.GET.get("status") or ""
    status = status if status in Status.values else ""
    items = selectors.staff_items(request.user, area_code=area_code if area_code.isdigit() else "", status=status,
                                  **filters)
    page = paginate(request, items, STAFF_PAGE_SIZE)
    communities = list(selectors.staff_communities(request.user).select_related("parent")[:500])
    overdue = cadence.overdue_for(communities)
    return render(request, "disclosure/manage_list.html", {
        "page": page, "filters": {**filters, "area": area_code, "status": status},
        "query": querystring({**filters, "area": area_code, "status": status}),
        "communities": communities, "statuses": Status.choices, "categories": Category.choices,
        "overdue_rows": [(area, overdue[area.pk]) for area in communities if overdue[area.pk]],
        "unanswered": selectors.staff_questions(request.user, unanswered=True).count(),
    })


def _item_values(form) -> dict:
    data = form.cleaned_data
    return {name: data.get(name) for name in ("category", "body", "title", "content", "period_start", "period_end",
                                              "major", "decided_on")}


@accepts_uploads(PHOTO, field="attachments")
@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    require_staff(request.user)
    communities = selectors.staff_communities(request.user)
    form = ItemForm(request.POST or None, communities=communities,
                    initial={"area": communities.first().pk if communities.exists() else None})
    if request.method == "POST" and form.is_valid():
        try:
            photos = files_from(request, PHOTO, "attachments")
            item = services_items.create_item(actor=request.user, area=form.cleaned_data["area"], attachments=photos,
                                              request=request, **_item_values(form))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("草稿已保存。核对无误后点击“公开”。"))
            return redirect("disclosure:manage_item", pk=item.pk)
    return render(request, "disclosure/manage_form.html", {"form": form, "item": None},
                  status=422 if form.errors else 200)


@accepts_uploads(PHOTO, field="attachments")
@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    require_staff(request.user)
    item = selectors.staff_item(request.user, pk)
    if not services_items.may_publish(request.user, item.area):
        raise PermissionDenied
    if item.statement_month is not None:
        messages.info(request, _("月度财务报表由收支记录生成，请在“居财居管”中更正后重新公开。"))
        return redirect(f"/disclosure/manage/finances/?area={item.area.code}&month={item.statement_month:%Y-%m}")
    communities = selectors.staff_communities(request.user)
    initial = {name: getattr(item, name) for name in ("category", "body", "title", "content", "period_start",
                                                      "period_end", "major", "decided_on")}
    form = ItemForm(request.POST or None, communities=communities, fixed_area=item.area,
                    initial={**initial, "area": item.area_id})
    if request.method == "POST" and form.is_valid():
        try:
            photos = files_from(request, PHOTO, "attachments")
            remove = [int(v) for v in request.POST.getlist("remove") if v.isdigit()]
            services_items.update_item(actor=request.user, item=item, attachments=photos, remove_attachments=remove,
                                       request=request, **_item_values(form))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("已保存新版本。"))
            return redirect("disclosure:manage_item", pk=item.pk)
    return render(request, "disclosure/manage_form.html", {"form": form, "item": item},
                  status=422 if form.errors else 200)


@login_required
@require_GET
def detail(request, pk: int):
    require_staff(request.user)
    item = selectors.staff_item(request.user, pk)
    return render(request, "disclosure/manage_item.html", {
        "item": item, "history": item.history.select_related("actor").order_by("-at", "-pk"),
        "may_act": services_items.may_publish(request.user, item.area), "withdraw_form": WithdrawForm(),
        "questions": item.questions.order_by("-asked_at"),
    })


@login_required
@require_POST
def publish(request, pk: int):
    require_staff(request.user)
    item = selectors.staff_item(request.user, pk)
    try:
        if item.statement_month is not None:  # a month's statement is published afresh from the books
            from .. import services_finances

            services_finances.publish_statement(actor=request.user, area=item.area, month=item.statement_month,
                                                request=request)
        else:
            services_items.publish(actor=request.user, item=item, request=request)
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied from None
        messages.error(request, error.message)
    else:
        messages.success(request, _("已公开。公众无需登录即可在本社区（村）的公开页查阅。"))
    return redirect("disclosure:manage_item", pk=item.pk)


@login_required
@require_POST
def withdraw(request, pk: int):
    require_staff(request.user)
    item = selectors.staff_item(request.user, pk)
    try:
        services_items.withdraw(actor=request.user, item=item, reason=request.POST.get("reason", ""), request=request)
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied from None
        messages.error(request, error.message)
    else:
        messages.success(request, _("已撤回，撤回理由已记入历史。"))
    return redirect("disclosure:manage_item", pk=item.pk)


urls = [
    path("manage/", manage, name="manage"),
    path("manage/new/", create, name="manage_create"),
    path("manage/<int:pk>/", detail, name="manage_item"),
    path("manage/<int:pk>/edit/", edit, name="manage_edit"),
    path("manage/<int:pk>/publish/", publish, name="manage_publish"),
    path("manage/<int:pk>/withdraw/", withdraw, name="manage_withdraw"),
]
