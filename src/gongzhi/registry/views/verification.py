"""Registry pages: verification — the resident's own (实名核验) and the staff counter (窗口核验)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import User
from gongzhi.accounts.permissions import require_perm
from gongzhi.accounts.roles import Perm
from gongzhi.accounts.signup import clean_mobile
from gongzhi.privacy.fields import blind_lookup

from .. import validators, verification
from ..models import Person, ResidentLink
from ..selectors import visible_records

RECENT_BINDINGS = 20


class VerifyForm(forms.Form):
    real_name = forms.CharField(label=gettext_lazy("姓名"), max_length=50,
                                widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}))
    id_number = forms.CharField(label=gettext_lazy("身份证号码"), max_length=30,
                                help_text=gettext_lazy("须与社区登记的信息一致"),
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


class CounterForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("居民注册手机号"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off",
                                                          "autofocus": True}))
    real_name = forms.CharField(label=gettext_lazy("姓名（与身份证一致）"), max_length=50)
    id_number = forms.CharField(label=gettext_lazy("身份证号码"), max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))

    def clean_phone(self):
        return clean_mobile(self.cleaned_data["phone"])

    def clean_id_number(self):
        return validators.clean_id_number(self.cleaned_data["id_number"])


def _safe_next(request) -> str | None:
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, require_https=request.is_secure()):
        return nxt
    return None


@login_required
def verify(request):
    """The resident's own verification: name + ID number against the registry."""
    link = verification.resident_link(request.user)
    form = VerifyForm(request.POST or None) if link is None else None
    error = None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            verification.verify_identity(request.user, form.cleaned_data["real_name"],
                                         form.cleaned_data["id_number"], request=request)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_id_number":
                form.add_error("id_number", exc.messages[0])
            else:
                error = exc.messages[0]
        else:
            messages.success(request, _("实名核验成功，账号已绑定您的社区登记信息。"))
            return redirect(_safe_next(request) or "core:mobile_home")
    state = verification.lock_state(request.user) if link is None else None
    if state is not None and state.locked and error is None:
        error = verification.locked_message(state)
    return render(request, "registry/verify.html", {
        "link": link, "form": form, "error": error, "locked": bool(state and state.locked),
        "next": _safe_next(request),
    }, status=400 if error and request.method == "POST" else 200)


def _find_account(phone: str) -> User | None:
    return User.objects.filter(blind_lookup(User, "phone_index", phone), is_active=True).first()


def _find_person(staff, real_name: str, id_number: str) -> Person | None:
    name = verification.normalise_name(real_name)
    candidates = visible_records(Person, staff).with_id_number(id_number).select_related("area")
    return next((p for p in candidates if verification.normalise_name(p.real_name) == name), None)


@login_required
def counter_verify(request):
    """Counter verification by staff: the account by phone, the person by name and ID in scope."""
    require_perm(request.user, Perm.REGISTRY_EDIT)
    form = CounterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account = _find_account(data["phone"])
        person = _find_person(request.user, data["real_name"], data["id_number"])
        if account is None:
            form.add_error("phone", _("未找到使用该手机号注册的账号，请居民先完成注册。"))
        elif person is None:
            form.add_error(None, _("在您的辖区内未找到姓名与身份证号码一致的人员，请先核对或登记。"))
        else:
            try:
                verification.verify_at_counter(request.user, account, person, request=request)
            except PermissionDenied:
                form.add_error(None, _("您无权在该人员所在区域办理核验。"))
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(request, _("已完成窗口核验：账号 %(username)s 已绑定 %(name)s。") % {
                    "username": account.username, "name": person.real_name})
                return redirect("registry:counter_verify")
    links = (visible_records(ResidentLink, request.user)
             .select_related("person", "user", "verified_by", "area")
             .order_by("-verified_at", "-pk")[:RECENT_BINDINGS])
    return render(request, "registry/counter.html", {"form": form, "links": links})


@login_required
@require_POST
def counter_unbind(request, pk: int):
    require_perm(request.user, Perm.REGISTRY_EDIT)
    link = visible_records(ResidentLink, request.user).filter(pk=pk).select_related("user", "person", "area").first()
    if link is None:  # elsewhere or no such record: the same answer as every other object out of scope
        raise Http404
    try:
        verification.unbind(request.user, link, reason=request.POST.get("reason", ""), request=request)
    except PermissionDenied:
        messages.error(request, _("您无权解除该区域的绑定。"))
    else:
        messages.success(request, _("已解除绑定。"))
    return redirect("registry:counter_verify")


urls: list = [
    path("verify/", verify, name="verify"),
    path("counter/", counter_verify, name="counter_verify"),
    path("counter/<int:pk>/unbind/", counter_unbind, name="counter_unbind"),
]
