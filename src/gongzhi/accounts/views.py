"""Sign-in, sign-out, password change, two-factor set-up and the profile page (API tokens)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from gongzhi.audit.services import record

from . import lockout, services, two_factor
from .backends import LoginRefused
from .forms import LoginForm, OtpForm, PasswordChangeForm, TokenForm
from .middleware import needs_two_factor
from .models import User
from .permissions import home_url_name


def _safe_next(request) -> str | None:
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, require_https=request.is_secure()):
        return nxt
    return None


def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(home_url_name(request.user))
    form = LoginForm(request.POST or None)
    error = None
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        try:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
        except LoginRefused as refused:
            user, error, status = None, str(refused), 403
            record(actor=None, actor_name=username, action="login.refused", success=False, request=request,
                   reason="locked" if refused.state.locked else "ip_throttled")
        else:
            device = two_factor.confirmed_device(user) if user else None
            if user is not None and device is not None and not two_factor.verify(device, form.cleaned_data["otp"]):
                lockout.register_failure(username, None)
                user, error, status = None, _("动态验证码错误或已过期。"), 401
                record(actor=None, actor_name=username, action="login.otp_failure", success=False, request=request)
            elif user is None:
                error, status = _("用户名或密码错误。"), 401
                record(actor=None, actor_name=username, action="login.failure", success=False, request=request)
            if user is not None:
                login(request, user)
                if device is not None:
                    otp_login(request, device)
                record(actor=user, action="login.success", obj=user, request=request)
                return redirect(_safe_next(request) or reverse(home_url_name(user)))
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": _safe_next(request)},
                  status=status)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        record(actor=request.user, action="logout", obj=request.user, request=request)
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("accounts:login")


@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(user=request.user, old_password=form.cleaned_data["old_password"],
                                     new_password=form.cleaned_data["new_password"], request=request)
        except ValidationError as exc:
            field = "old_password" if getattr(exc, "code", "") == "wrong_password" else "new_password"
            for message in exc.messages:
                form.add_error(field, message)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect(home_url_name(request.user))
    forced = request.user.must_change_password or services.password_expired(request.user)
    return render(request, "accounts/password_change.html", {"form": form, "forced": forced})


@login_required
def two_factor_view(request):
    """Set up TOTP (QR code + confirmation), or verify it for this session."""
    device = two_factor.confirmed_device(request.user)
    form = OtpForm(request.POST or None)
    if device is not None:
        if request.method == "POST" and form.is_valid():
            if two_factor.verify(device, form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(home_url_name(request.user))
            form.add_error("token", _("验证码错误或已过期。"))
        return render(request, "accounts/two_factor.html", {"form": form, "mode": "verify"})
    pending = two_factor.pending_device(request.user)
    if request.method == "POST" and form.is_valid():
        if two_factor.confirm(user=request.user, device=pending, token=form.cleaned_data["token"], request=request):
            otp_login(request, pending)
            messages.success(request, _("两步验证已开启。"))
            return redirect(home_url_name(request.user))
        form.add_error("token", _("验证码错误或已过期。"))
    return render(request, "accounts/two_factor.html", {
        "form": form, "mode": "setup", "qr": two_factor.qr_svg_data_uri(pending), "secret": pending.key,
        "required": needs_two_factor(request.user),
    })


@login_required
def profile_view(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.create_api_token(user=request.user, name=form.cleaned_data["name"], request=request)
        messages.success(request, _("已创建新令牌。请立即复制保存，它只显示这一次。"))
        form = TokenForm()
    tokens = request.user.api_tokens.all()
    return render(request, "accounts/profile.html", {
        "form": form, "tokens": tokens, "new_key": new_key,
        "has_2fa": two_factor.confirmed_device(request.user) is not None,
        "assignments": request.user.role_assignments.select_related("area", "department"),
    })


@login_required
@require_POST
def token_revoke_view(request, token_id: int):
    try:
        services.revoke_api_token(user=request.user, token_id=token_id, request=request)
    except request.user.api_tokens.model.DoesNotExist:
        raise Http404
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:profile")


__all__ = ["User"]
