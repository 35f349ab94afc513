"""Sign-in, sign-out, password change, two-factor set-up and the profile page (API tokens)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from gongzhi.audit.services import client_ip, record

from . import captcha, lockout, selectors, services, two_factor
from .forms import LoginForm, OtpForm, PasswordChangeForm, TokenForm
from .policy import needs_two_factor
from .models import ApiToken
from .permissions import home_url_name, is_staff_user


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
        result = services.sign_in(request=request, username=form.cleaned_data["username"].strip(),
                                  password=form.cleaned_data["password"], otp=form.cleaned_data["otp"],
                                  captcha_key=request.POST.get("captcha_key", ""),
                                  captcha_answer=request.POST.get("captcha", ""))
        if result.ok:
            login(request, result.user)
            if result.device is not None:
                otp_login(request, result.device)
            record(actor=result.user, action="login.success", obj=result.user, request=request)
            return redirect(_safe_next(request) or reverse(home_url_name(result.user)))
        error, status = result.message, 403 if result.refused else 401
    # Past the address throttle the page asks for an image challenge (a new one on every showing).
    challenge = None
    if lockout.ip_throttled(client_ip(request)):
        try:
            challenge = captcha.new_challenge(client_ip(request))
        except captcha.CaptchaThrottled:
            error, status = _("图形验证码请求过于频繁，请 5 分钟后再试。"), 429
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": _safe_next(request),
                                                   "captcha": challenge}, status=status)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        record(actor=request.user, action="logout", obj=request.user, request=request)
    logout(request)
    messages.info(request, _("您已安全退出。"))
    response = redirect("accounts:login")
    # Whatever the browser kept for offline work (the field app's encrypted cache and queue, its
    # service worker) leaves with the session.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


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
            if services.register_otp_failure(user=request.user, request=request).locked:
                # Guessing codes in a half-signed-in session ends it, like guessing at the login page.
                logout(request)
                messages.error(request, _("连续验证失败次数过多，账号已锁定，请稍后重新登录。"))
                return redirect("accounts:login")
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
        "form": form, "mode": "setup", "qr": two_factor.qr_svg_data_uri(pending),
        "secret": two_factor.base32_secret(pending),
        "required": needs_two_factor(request.user),
    })


@login_required
def profile_view(request):
    # Staff use API tokens for their tools and two-factor sign-in; residents are not offered either
    # (a resident who already has them still sees and may revoke or keep them).
    staff = is_staff_user(request.user)
    if request.method == "POST" and not staff:
        raise PermissionDenied
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.create_api_token(user=request.user, name=form.cleaned_data["name"], request=request)
        messages.success(request, _("已创建新令牌。请立即复制保存，它只显示这一次。"))
        form = TokenForm()
    tokens = selectors.tokens_of(request.user)
    return render(request, "accounts/profile.html", {
        "form": form, "tokens": tokens, "new_key": new_key, "staff": staff,
        "has_2fa": two_factor.confirmed_device(request.user) is not None,
        "assignments": request.user.role_assignments.select_related("area", "department"),
    })


@login_required
@require_POST
def token_revoke_view(request, token_id: int):
    try:
        services.revoke_api_token(user=request.user, token_id=token_id, request=request)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("令牌已吊销。"))
    return redirect("accounts:profile")



@login_required
@require_POST
def elder_mode_view(request):
    """长辈模式 on or off for this account (remembered), then back to the page it was switched on."""
    on = request.POST.get("on") == "1"
    if request.user.elder_mode != on:
        request.user.elder_mode = on
        request.user.save(update_fields=["elder_mode"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    return redirect(target)
