"""Resident sign-up pages: phone → SMS code → code and password → signed in → identity verification."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.audit.services import record
from gongzhi.privacy.masking import mask_phone

from . import signup
from .forms import SignupConfirmForm, SignupPhoneForm
from .permissions import home_url_name

SESSION_PHONE = "signup_phone"


def _add_errors(form, field: str, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(field, message)


def signup_view(request):
    """Step 1: the phone number; a code is sent to it."""
    if request.user.is_authenticated:
        return redirect(home_url_name(request.user))
    form = SignupPhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            signup.send_signup_code(phone=phone, request=request)
        except signup.CodeRefused as refused:
            if getattr(refused, "code", None) != "too_soon":
                _add_errors(form, "phone", refused)
                return render(request, "accounts/signup.html", {"form": form})
            # A code was sent less than a minute ago: go on and type that one.
            messages.info(request, refused.messages[0])
        else:
            messages.success(request, signup.sent_message(phone))
        request.session[SESSION_PHONE] = phone
        return redirect("accounts:signup_confirm")
    return render(request, "accounts/signup.html", {"form": form})


def signup_confirm_view(request):
    """Step 2: the code and a password; the account is created and signed in."""
    if request.user.is_authenticated:
        return redirect(home_url_name(request.user))
    phone = request.session.get(SESSION_PHONE)
    if not phone:
        return redirect("accounts:signup")
    form = SignupConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = signup.register_resident(phone=phone, code=form.cleaned_data["code"],
                                            password=form.cleaned_data["password"], request=request)
        except signup.CodeRefused as refused:
            _add_errors(form, "code", refused)
        except ValidationError as error:
            if getattr(error, "code", None) in ("phone_registered", "no_area"):
                form.add_error(None, error.messages[0])
            else:
                _add_errors(form, "password", error)
        else:
            del request.session[SESSION_PHONE]
            login(request, user)
            record(actor=user, action="login.success", obj=user, object_repr=user.username, request=request)
            messages.success(request, _("注册成功！您的登录用户名是 %(username)s，请牢记。下一步：实名核验。") % {
                "username": user.username})
            return redirect("registry:verify")
    return render(request, "accounts/signup_confirm.html", {"form": form, "masked_phone": mask_phone(phone)})


@require_POST
def signup_resend_view(request):
    phone = request.session.get(SESSION_PHONE)
    if not phone or request.user.is_authenticated:
        return redirect("accounts:signup")
    try:
        signup.send_signup_code(phone=phone, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, signup.sent_message(phone))
    return redirect("accounts:signup_confirm")
