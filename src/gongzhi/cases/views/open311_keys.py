"""Open311 API keys for district administrators: the list, issuing (the key shown once) and revoking."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm

from ..errors import DomainError
from ..models import Open311Key
from ..open311_keys import NAME_MAX, issue_open311_key, revoke_open311_key


class Open311KeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("客户端名称"), max_length=NAME_MAX,
                           help_text=gettext_lazy("使用该密钥的应用或单位，如：某某市民热线手机应用"))


def _require_configure(user) -> None:
    if not has_perm(user, Perm.CASES_CONFIGURE):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def open311_keys(request):
    _require_configure(request.user)
    form = Open311KeyForm(request.POST or None)
    new_key = issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued, new_key = issue_open311_key(actor=request.user, name=form.cleaned_data["name"], request=request)
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            form = Open311KeyForm()
    response = render(request, "cases/open311_keys.html", {
        "form": form, "keys": Open311Key.objects.select_related("created_by"), "new_key": new_key, "issued": issued,
    }, status=422 if form.errors else 200)
    if new_key:
        response["Cache-Control"] = "no-store"  # the page holding the key must not be cached anywhere
    return response


@login_required
@require_POST
def open311_key_revoke(request, pk: int):
    _require_configure(request.user)
    try:
        key = revoke_open311_key(actor=request.user, key=pk, request=request)
    except Open311Key.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("已吊销密钥 %(prefix)s…（%(name)s）。使用它的客户端将无法再提交事件。")
                     % {"prefix": key.prefix, "name": key.name})
    return redirect("cases:open311_keys")


urls = [
    path("open311/keys/", open311_keys, name="open311_keys"),
    path("open311/keys/<int:pk>/revoke/", open311_key_revoke, name="open311_key_revoke"),
]
