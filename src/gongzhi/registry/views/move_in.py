"""Move-in requests (迁入申请): filing one, deciding those addressed to one's community, and outcomes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area

from .. import selectors, services
from ..forms import MoveInDecisionForm, MoveInRequestForm, add_service_errors
from ..models import MoveInStatus

LIST_SIZE = 100


def _require_editor(user) -> None:
    if not has_perm(user, Perm.REGISTRY_EDIT):
        raise PermissionDenied


def _page(request, *, form=None, status=200):
    return render(request, "registry/move_in_list.html", {
        "to_decide": selectors.move_in_requests_to_decide(request.user)[:LIST_SIZE],
        "mine": selectors.own_move_in_requests(request.user)[:LIST_SIZE],
        "form": form or MoveInRequestForm(user=request.user),
        "decision_form": MoveInDecisionForm(),
        "pending": MoveInStatus.PENDING,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def move_in_list(request):
    _require_editor(request.user)
    if request.method != "POST":
        return _page(request)
    form = MoveInRequestForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            area = Area.objects.get(code=data["area"])
            filed = services.submit_move_in_request(
                actor=request.user, area=area, id_number=data["id_number"], real_name=data["real_name"],
                reason=data["reason"], request=request)
        except PermissionDenied:
            form.add_error("area", _("您在该区域没有登记权限。"))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if filed is None:
                messages.info(request, _("该身份证号码可以直接登记，无需提交迁入申请。"))
            else:
                messages.success(request, _("已提交。"))
            return redirect("registry:move_in_list")
    return _page(request, form=form, status=400)


def _decide(request, pk: int, service, done: str):
    move_in = selectors.move_in_request_to_decide(request.user, pk)
    form = MoveInDecisionForm(request.POST)
    note = form.data.get("note", "") if form.is_valid() else ""
    try:
        service(actor=request.user, move_in=move_in, note=note, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("registry:move_in_list")


@login_required
@require_POST
def move_in_accept(request, pk: int):
    return _decide(request, pk, services.accept_move_in_request, _("已同意迁入，人员已转至申请区域。"))


@login_required
@require_POST
def move_in_decline(request, pk: int):
    return _decide(request, pk, services.decline_move_in_request, _("已答复不同意迁入。"))


@login_required
@require_POST
def move_in_withdraw(request, pk: int):
    move_in = selectors.own_move_in_request(request.user, pk)
    try:
        services.withdraw_move_in_request(actor=request.user, move_in=move_in, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已撤回。"))
    return redirect("registry:move_in_list")


urls: list = [
    path("move-in-requests/", move_in_list, name="move_in_list"),
    path("move-in-requests/<int:pk>/accept/", move_in_accept, name="move_in_accept"),
    path("move-in-requests/<int:pk>/decline/", move_in_decline, name="move_in_decline"),
    path("move-in-requests/<int:pk>/withdraw/", move_in_withdraw, name="move_in_withdraw"),
]
