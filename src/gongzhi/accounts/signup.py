"""Resident sign-up with a phone number and a one-time SMS code.

Flow: ``send_signup_code`` (phone → code by SMS) → ``register_resident`` (code + password →
account with the resident role, audited). Identity verification against the registry comes
afterwards (``gongzhi.registry.verification``); it binds the account to a person and so sets the
home area.

Codes: six digits, valid 5 minutes, at most 5 wrong tries, no resend within 60 seconds, at
most 10 codes per phone and 20 per address a day. A number that already has an account gets the
same page answer and counts towards the same limits; its owner gets an SMS saying so instead of
a code, so the sign-up form tells no one which numbers are registered. Only an HMAC of the code is stored (bound to
the phone's blind index) and the code is never logged or audited; the SMS channel
(``notices.sms``) is its only way out.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.audit.services import client_ip, record
from gongzhi.notices.sms import send_text
from gongzhi.privacy import crypto
from gongzhi.privacy.fields import blind_lookup
from gongzhi.privacy.masking import mask_phone

from .models import CodePurpose, PhoneCode, RoleAssignment, User
from .roles import Role

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
CODE_MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
PHONE_DAILY_LIMIT = 10
IP_DAILY_LIMIT = 20
USERNAME_PREFIX = "jm"  # 居民

_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
_PHONE_INDEX_LABEL = "accounts.phonecode.phone"


class CodeRefused(ValidationError):
    """A code was not sent (too soon, daily limit) or not accepted (wrong, expired, used up)."""


@dataclass(frozen=True)
class CodeSent:
    phone: str
    channel: str
    expires_at: object


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def clean_mobile(value: str | None) -> str:
    """An 11-digit mainland mobile number (``+86``, spaces, dashes and full-width digits accepted)."""
    compact = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", value or ""))
    match = _MOBILE.fullmatch(compact)
    if not match:
        raise ValidationError(_("请填写 11 位手机号码。"), code="invalid_phone")
    return match.group(1)


def phone_index(phone: str) -> str:
    return crypto.blind_index(phone, label=_PHONE_INDEX_LABEL)


def _hash_code(index: str, code: str) -> str:
    return salted_hmac("gongzhi.accounts.PhoneCode", f"{index}:{code}", algorithm="sha256").hexdigest()


def phone_registered(phone: str) -> bool:
    """Does an account with this phone number exist (blind index lookup)?"""
    return User.objects.filter(blind_lookup(User, "phone_index", phone)).exists()


def registered_message() -> str:
    # Shown only when a number became registered between its code being sent and the form being
    # confirmed with the right code (only the number's owner has that code).
    return _("该手机号已注册，请直接登录或找回密码。")


def sent_message(phone: str) -> str:
    """The one answer to a code request, whether or not the number already has an account."""
    return _("如果该号码可以注册，验证码已发送至 %(phone)s，5 分钟内有效。") % {"phone": mask_phone(phone)}


def send_signup_code(*, phone: str, request=None) -> CodeSent:
    """Send a sign-up code to ``phone`` (normalised here) unless a limit stands in the way.

    A number that already has an account gets the same treatment and the same answer (so the
    page tells no one which numbers are registered): it counts towards the same limits, and its
    owner gets an SMS saying the number is already registered instead of a code. Raises
    ``CodeRefused`` (``too_soon``, ``phone_daily_limit``, ``ip_daily_limit``) with a Chinese message.
    """
    phone = clean_mobile(phone)
    registered = phone_registered(phone)
    index = phone_index(phone)
    ip = client_ip(request) if request is not None else None
    now = timezone.now()
    day_ago = now - timedelta(days=1)
    with transaction.atomic():
        PhoneCode.objects.filter(created_at__lt=day_ago).delete()  # the counters need one day only
        latest = PhoneCode.objects.filter(phone_index=index).order_by("-created_at").first()
        if latest is not None and now - latest.created_at < RESEND_AFTER:
            wait = int((RESEND_AFTER - (now - latest.created_at)).total_seconds()) + 1
            raise CodeRefused(_("验证码已发送，请 %(s)d 秒后再重新获取。") % {"s": wait}, code="too_soon")
        phone_limit = _setting("GONGZHI_SMS_PHONE_DAILY", PHONE_DAILY_LIMIT)
        if PhoneCode.objects.filter(phone_index=index).count() >= phone_limit:
            raise CodeRefused(_("该手机号今日获取验证码次数已达上限，请明天再试。"), code="phone_daily_limit")
        if ip and PhoneCode.objects.filter(ip=ip).count() >= _setting("GONGZHI_SMS_IP_DAILY", IP_DAILY_LIMIT):
            raise CodeRefused(_("当前网络今日获取验证码次数已达上限，请明天再试。"), code="ip_daily_limit")
        # A registered number's row holds the hash of a code nobody is sent: it counts towards the
        # limits like any other, and no code typed on the confirm page can match it.
        code = "".join(secrets.choice("0123456789") for _digit in range(CODE_DIGITS))
        sent = PhoneCode.objects.create(phone_index=index, purpose=CodePurpose.SIGNUP,
                                        code_hash=_hash_code(index, code), ip=ip, created_at=now,
                                        expires_at=now + CODE_TTL)
        # Earlier codes stop working once a new one is sent: only the latest is valid.
        PhoneCode.objects.filter(phone_index=index, used_at__isnull=True).exclude(pk=sent.pk).update(used_at=now)
        if registered:
            text = _("【共治】该手机号已注册共治账号，无需重复注册。请直接登录；如忘记密码，请联系社区工作人员重置。"
                     "如非本人操作，请忽略本短信。")
        else:
            text = _("【共治】您的注册验证码为 %(code)s，%(m)d 分钟内有效。如非本人操作，请忽略本短信。") % {
                "code": code, "m": int(CODE_TTL.total_seconds() // 60)}
        channel, _detail = send_text(phone, text)
        record(actor=None, actor_name="signup", action="account.signup_code", object_type="accounts.phonecode",
               object_id=str(sent.pk), object_repr=mask_phone(phone),
               after={"channel": channel, "registered": registered}, request=request)
    return CodeSent(phone=phone, channel=channel, expires_at=sent.expires_at)


def check_code(*, phone: str, code: str, purpose: str = CodePurpose.SIGNUP) -> None:
    """Accept ``code`` for ``phone`` once (marks it used) or raise ``CodeRefused`` with a Chinese message."""
    index = phone_index(clean_mobile(phone))
    code = unicodedata.normalize("NFKC", code or "").strip()
    now = timezone.now()
    refusal = None
    with transaction.atomic():
        current = (PhoneCode.objects.select_for_update().filter(phone_index=index, purpose=purpose,
                                                                 used_at__isnull=True)
                   .order_by("-created_at").first())
        if current is None or current.expires_at <= now:
            refusal = CodeRefused(_("验证码已过期或未获取，请重新获取验证码。"), code="code_expired")
        elif current.attempts >= CODE_MAX_ATTEMPTS:
            refusal = CodeRefused(_("验证码错误次数过多，请重新获取验证码。"), code="code_exhausted")
        elif not constant_time_compare(current.code_hash, _hash_code(index, code)):
            # Counted in this transaction, which commits: the refusal is raised only after it.
            current.attempts += 1
            current.save(update_fields=["attempts"])
            left = CODE_MAX_ATTEMPTS - current.attempts
            if left <= 0:
                refusal = CodeRefused(_("验证码错误次数过多，请重新获取验证码。"), code="code_exhausted")
            else:
                refusal = CodeRefused(_("验证码不正确，还可尝试 %(n)d 次。") % {"n": left}, code="code_wrong")
        else:
            current.used_at = now
            current.save(update_fields=["used_at"])
    if refusal is not None:
        raise refusal


def _new_username() -> str:
    # Not the phone number: the username is written in clear into every audit entry the account
    # makes (actor name), and phone numbers must not be.
    while True:
        username = USERNAME_PREFIX + "".join(secrets.choice("0123456789") for _digit in range(8))
        if not User.objects.filter(username=username).exists():
            return username


def _signup_area() -> Area | None:
    """Where a new resident's role is held until verification moves it to their community.

    A role must name an area; before the registry has told us where the resident lives, the
    deployment's top area is the only honest answer. Residents hold no area-bound permissions,
    so this grants nothing but the right to see area names.
    """
    return Area.objects.filter(parent__isnull=True).order_by("code").first()


def register_resident(*, phone: str, code: str, password: str, request=None) -> User:
    """Create a resident account for ``phone`` once its code is accepted and the password passes
    the password rules (``AUTH_PASSWORD_VALIDATORS``). Audited as ``account.signup``.

    The password is checked before the code, so a weak password does not use up the code.
    """
    phone = clean_mobile(phone)
    area = _signup_area()
    if area is None:
        raise ValidationError(_("系统尚未配置行政区划，暂不能注册。"), code="no_area")
    user = User(username=_new_username(), phone=phone)
    validate_password(password, user)
    # The code first: a registered number was sent no code, so it fails here like a wrong code.
    check_code(phone=phone, code=code)
    if phone_registered(phone):
        raise ValidationError(registered_message(), code="phone_registered")
    with transaction.atomic():
        user.set_password(password)
        user.save()
        RoleAssignment.objects.create(user=user, role=Role.RESIDENT, area=area)
        record(actor=user, action="account.signup", obj=user, object_repr=user.username,
               after={"role": Role.RESIDENT, "phone": mask_phone(phone)}, request=request)
    return user
